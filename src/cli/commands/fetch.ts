import { fetch } from '../../ops/fetch.js';
import { failedError, type SyncOptions } from '../../ops/push.js';
import type { Command, CommandContext } from '../command.js';
import { printJson, SYNC_OPTIONS, withCliRepo } from '../open.js';
import { summary } from '../render/sync.js';

export function syncOptions(ctx: CommandContext): SyncOptions {
  const a = ctx.args;
  return {
    targets: a._,
    remote: a.remote as string | undefined,
    jobs: a.jobs as number | undefined,
    allBranches: !!a.allBranches,
    allTags: !!a.allTags,
    allCommits: !!a.allCommits,
    runCache: !!a.runCache,
  };
}

const command: Command = {
  spec: {
    name: 'fetch',
    summary: 'Download tracked data the cache lacks from a remote (verified before use).',
    args: [{ name: 'targets', variadic: true }],
    options: [...SYNC_OPTIONS],
  },
  async run(ctx) {
    const r = await withCliRepo(ctx, { lock: true }, (repo) => fetch(repo, syncOptions(ctx), ctx.io));
    if (ctx.args.json) printJson(ctx, r);
    else ctx.io.info(summary([[r.transferred, 'fetched']]));
    if (r.failed.length) throw failedError('fetch', r.failed);
    return 0;
  },
};
export default command;
