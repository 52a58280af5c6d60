import type { CommandSpec, Parsed } from './args.js';
import type { Io } from '../ops/io.js';

export interface CommandContext {
  args: Parsed;
  io: Io;
  cwd: string;
  /** write to stdout (results, tables, --json) */
  out(text: string): void;
  version(): string;
}

/** One CLI command: its flags (spec) and a run function returning the exit code. */
export interface Command {
  spec: CommandSpec;
  run(ctx: CommandContext): Promise<number>;
}
