/**
 * Every error a user can cause is a KeelError: a stable `code`, the file / field / object it is
 * about (`data`), and a `hint` saying what to do next. The CLI maps `code` to an exit code in one
 * table (cli/render/errors.ts); the server maps it to an HTTP status. Anything else is a bug.
 */
export type ErrorCode =
  | 'USAGE' // bad flag or argument
  | 'NOT_A_REPO' // no .dvc/ found
  | 'CONFIG' // malformed or invalid config
  | 'FILE_FORMAT' // malformed .dvc / .dir / dvc.yaml / dvc.lock
  | 'PATH' // target outside the repo, under .git/.dvc, path traversal
  | 'NOT_FOUND' // a target or file that does not exist
  | 'OUTPUT' // output conflicts (already tracked, overlaps a stage output, git-tracked)
  | 'MISSING_CACHE' // object not in cache (and not on the remote)
  | 'CORRUPT' // object hash mismatch
  | 'REMOTE' // remote unreachable / misconfigured / missing bucket
  | 'AUTH' // remote credentials rejected
  | 'LOCKED' // another keel/dvc process holds the repo lock
  | 'CHECKOUT' // checkout would lose uncommitted data
  | 'PIPELINE' // stage failure, cycles, bad stage definition
  | 'GIT' // git failure (no git, bad revision)
  | 'CANCELLED';

export interface KeelErrorOptions {
  hint?: string;
  data?: Record<string, unknown>;
  cause?: unknown;
}

export class KeelError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly data: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: KeelErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts.hint;
    this.data = opts.data ?? {};
  }
}

export class UsageError extends KeelError {
  constructor(message: string, opts: KeelErrorOptions = {}) {
    super('USAGE', message, opts);
  }
}
export class NotARepoError extends KeelError {
  constructor(cwd: string) {
    super('NOT_A_REPO', `you are not inside of a DVC repository (checked up from '${cwd}')`, {
      hint: "run 'keel init' to create one, or cd into an existing repository",
      data: { cwd },
    });
  }
}
export class ConfigError extends KeelError {
  constructor(message: string, opts: KeelErrorOptions = {}) {
    super('CONFIG', message, opts);
  }
}
/** A file keel reads has the wrong shape. `file` is always named. */
export class FileFormatError extends KeelError {
  constructor(file: string, message: string, opts: KeelErrorOptions = {}) {
    super('FILE_FORMAT', `'${file}' is malformed: ${message}`, {
      ...opts,
      data: { file, ...(opts.data ?? {}) },
    });
  }
}
export class PathError extends KeelError {
  constructor(message: string, opts: KeelErrorOptions = {}) {
    super('PATH', message, opts);
  }
}
export class NotFoundError extends KeelError {
  constructor(message: string, opts: KeelErrorOptions = {}) {
    super('NOT_FOUND', message, opts);
  }
}
export class OutputError extends KeelError {
  constructor(message: string, opts: KeelErrorOptions = {}) {
    super('OUTPUT', message, opts);
  }
}
export class MissingCacheError extends KeelError {
  constructor(message: string, opts: KeelErrorOptions = {}) {
    super('MISSING_CACHE', message, opts);
  }
}
export class CorruptObjectError extends KeelError {
  constructor(where: string, oid: string, actual: string) {
    super('CORRUPT', `object ${oid} in ${where} is corrupted (its content hashes to ${actual})`, {
      hint: "the object was not used; remove it and run 'keel fetch' / 'keel commit' again",
      data: { where, oid, actual },
    });
  }
}
export class RemoteError extends KeelError {
  constructor(message: string, opts: KeelErrorOptions = {}) {
    super('REMOTE', message, opts);
  }
}
export class AuthError extends KeelError {
  constructor(message: string, opts: KeelErrorOptions = {}) {
    super('AUTH', message, opts);
  }
}
export class LockedError extends KeelError {
  constructor(lockPath: string) {
    super('LOCKED', `unable to acquire lock '${lockPath}': another keel or dvc process is running on this repository`, {
      hint: 'wait for the other process to finish; if none is running, the lock is released automatically',
      data: { lock: lockPath },
    });
  }
}
export class CheckoutError extends KeelError {
  constructor(message: string, opts: KeelErrorOptions = {}) {
    super('CHECKOUT', message, opts);
  }
}
export class PipelineError extends KeelError {
  constructor(message: string, opts: KeelErrorOptions = {}) {
    super('PIPELINE', message, opts);
  }
}
export class GitError extends KeelError {
  constructor(message: string, opts: KeelErrorOptions = {}) {
    super('GIT', message, opts);
  }
}

export function isKeelError(e: unknown): e is KeelError {
  return e instanceof KeelError;
}

/** Node errno helper: `isErrno(e, 'ENOENT')`. */
export function isErrno(e: unknown, ...codes: string[]): e is NodeJS.ErrnoException {
  return typeof e === 'object' && e !== null && codes.includes((e as NodeJS.ErrnoException).code ?? '');
}
