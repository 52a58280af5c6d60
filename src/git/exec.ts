/**
 * The one place that spawns `git`. Everything else in keel goes through `Git` (./index.ts).
 *
 * Output is kept as a Buffer so that paths and blobs survive byte-exact; callers decode.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { GitError } from '../errors/index.js';

export interface GitRunOptions {
  /** Environment for git. Undefined = inherit the parent environment (nothing is passed). */
  env?: NodeJS.ProcessEnv;
  /** The git executable; default `git` from PATH. */
  gitBinary?: string;
}

export interface RunOptions {
  /** Exit codes other than 0 that are answers, not failures (e.g. 1 for check-ignore). */
  okCodes?: readonly number[];
  /** Bytes written to stdin. */
  input?: string | Uint8Array;
}

export interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

const MAX_BUFFER = 1024 * 1024 * 1024; // 1 GiB: ls-tree of huge monorepos, rev-list --all

function commandLine(args: readonly string[]): string {
  return ['git', ...args].map((a) => (/^[\w@%+=:,./^{}~-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The error for a spawn that never got to run git. */
export function spawnError(e: NodeJS.ErrnoException, cwd: string, args: readonly string[], bin: string): GitError {
  if (e.code === 'ENOENT') {
    if (!fs.existsSync(cwd)) {
      return new GitError(`cannot run git in '${cwd}': the directory does not exist`, {
        data: { cwd, command: commandLine(args) },
        cause: e,
      });
    }
    return new GitError(`git executable '${bin}' was not found`, {
      hint: 'install git (https://git-scm.com/downloads) and make sure it is on PATH',
      data: { cwd, command: commandLine(args) },
      cause: e,
    });
  }
  return new GitError(`failed to run '${commandLine(args)}': ${e.message}`, { data: { cwd }, cause: e });
}

/** A git failure: names the command, carries stderr, guesses a hint. */
export function commandError(cwd: string, args: readonly string[], code: number | null, stderr: string): GitError {
  const err = stderr.trim();
  let hint: string | undefined;
  if (/not a git repository/i.test(err)) hint = "is this a git repository? run 'git init' first";
  else if (/dubious ownership/i.test(err)) hint = "the repository belongs to another user; see 'git config --global --add safe.directory'";
  else if (/index\.lock/.test(err)) hint = 'another git process seems to be running; if not, remove the .git/index.lock file';
  else if (/Please tell me who you are|user\.email/i.test(err)) hint = "configure 'git config user.name' and 'git config user.email'";
  return new GitError(`'${commandLine(args)}' failed${code === null ? '' : ` (exit ${code})`}${err ? `: ${err}` : ''}`, {
    hint,
    data: { cwd, command: commandLine(args), exitCode: code, stderr: err },
  });
}

/** Run git once and collect its output. */
export function runGit(cwd: string, args: readonly string[], gopts: GitRunOptions = {}, ropts: RunOptions = {}): Promise<RunResult> {
  const bin = gopts.gitBinary ?? 'git';
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      args,
      { cwd, env: gopts.env, maxBuffer: MAX_BUFFER, encoding: 'buffer', windowsHide: true },
      (error, stdout, stderrBuf) => {
        const stderr = stderrBuf.toString('utf8');
        if (error) {
          const code = (error as { code?: unknown }).code;
          if (typeof code === 'number') {
            if (ropts.okCodes?.includes(code)) return resolve({ code, stdout, stderr });
            return reject(commandError(cwd, args, code, stderr));
          }
          if (typeof code === 'string') return reject(spawnError(error as NodeJS.ErrnoException, cwd, args, bin));
          // killed by a signal or maxBuffer exceeded
          return reject(new GitError(`'${commandLine(args)}' failed: ${error.message}`, { data: { cwd }, cause: error }));
        }
        resolve({ code: 0, stdout, stderr });
      },
    );
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // EPIPE when git exits early; reported via exit code
      if (ropts.input !== undefined) child.stdin.end(ropts.input);
      else child.stdin.end();
    }
  });
}

/** Spawn a long-running git (e.g. `cat-file --batch`) with piped stdio. */
export function spawnGit(cwd: string, args: readonly string[], gopts: GitRunOptions = {}): ChildProcess {
  return spawn(gopts.gitBinary ?? 'git', args, {
    cwd,
    env: gopts.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
}

export { commandLine };
