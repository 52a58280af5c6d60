/**
 * Running the BUILT keel CLI (dist/cli/main.js, made by `npm run build`, which `npm test` runs
 * first) as a real child process, the way a user runs it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gitTestEnv } from './git.js';

export const KEEL_BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  input?: string;
}

/** Run `keel args…` in `cwd` synchronously. */
export function keel(cwd: string, args: string[], o: CliOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [KEEL_BIN, ...args], {
    cwd,
    env: { ...gitTestEnv, NO_COLOR: '1', ...o.env },
    encoding: 'utf8',
    input: o.input,
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Like `keel`, but throws with the output when the exit code is not 0. */
export function keelOk(cwd: string, args: string[], o: CliOptions = {}): CliResult {
  const r = keel(cwd, args, o);
  if (r.code !== 0) throw new Error(`keel ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Start keel asynchronously (for kill tests and lock contention). */
export function keelSpawn(cwd: string, args: string[], o: CliOptions = {}) {
  return spawn(process.execPath, [KEEL_BIN, ...args], { cwd, env: { ...gitTestEnv, NO_COLOR: '1', ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
}
