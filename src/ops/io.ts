/**
 * What an operation may ask of its caller: progress, messages and confirmations. Ops never print;
 * the CLI supplies a terminal Io (cli/io.ts), tests and the programmatic API a silent one.
 */
export interface Progress {
  /** advance by `n` units (files or bytes) */
  tick(n?: number): void;
  /** set the absolute position */
  update(done: number, total?: number): void;
  done(): void;
}

export interface Io {
  progress(label: string, total?: number, unit?: 'files' | 'bytes' | 'objects'): Progress;
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
  /** ask a yes/no question; non-interactive callers answer `false` */
  confirm(question: string): Promise<boolean>;
}

const noProgress: Progress = { tick() {}, update() {}, done() {} };

/** An Io that shows nothing and refuses confirmations (the programmatic default). */
export const silentIo: Io = {
  progress: () => noProgress,
  info() {},
  warn() {},
  debug() {},
  confirm: async () => false,
};
