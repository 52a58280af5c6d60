/** Helpers shared by command files: open the repo for a command, print git hints, --json. */
import { Repo, type OpenOptions } from '../repo/index.js';
import { env } from '../config/env.js';
import type { CommandContext } from './command.js';

export async function withCliRepo<T>(ctx: CommandContext, o: OpenOptions, fn: (repo: Repo) => Promise<T>): Promise<T> {
  const repo = await Repo.open(ctx.cwd, { env: env(), ...o });
  try {
    return await fn(repo);
  } finally {
    await repo.close();
  }
}

export function gitAddHint(ctx: CommandContext, files: string[]): void {
  if (files.length === 0 || ctx.args.quiet || ctx.args.json) return;
  const quoted = files.map((f) => (/[\s'"]/.test(f) ? `'${f.replace(/'/g, "'\\''")}'` : f));
  ctx.out(`\nTo track the changes with git, run:\n\n\tgit add ${quoted.join(' ')}\n`);
}

export function printJson(ctx: CommandContext, value: unknown): void {
  ctx.out(JSON.stringify(value, null, 2) + '\n');
}

export const SYNC_OPTIONS = [
  { name: 'remote', short: 'r', type: 'string', desc: 'remote to use (default: core.remote)', arg: '<name>' },
  { name: 'jobs', short: 'j', type: 'number', desc: 'parallel transfers (default: 16, or the remote `jobs`)', arg: '<n>' },
  { name: 'all-branches', short: 'a', type: 'boolean', desc: 'include objects used by every branch' },
  { name: 'all-tags', short: 'T', type: 'boolean', desc: 'include objects used by every tag' },
  { name: 'all-commits', short: 'A', type: 'boolean', desc: 'include objects used by every commit' },
  { name: 'run-cache', type: 'boolean', desc: 'also transfer the run-cache and the outputs it restores' },
  { name: 'json', type: 'boolean', desc: 'print the result as JSON' },
] as const;
