import { pull } from '../../ops/pull.js';
import { failedError } from '../../ops/push.js';
import { describeMissing } from '../../ops/relink.js';
import type { Command } from '../command.js';
import { printJson, SYNC_OPTIONS, withCliRepo } from '../open.js';
import { renderRelink, summary } from '../render/sync.js';
import { syncOptions } from './fetch.js';

const command: Command = {
  spec: {
    name: 'pull',
    summary: 'Download tracked data from a remote and check it out into the workspace.',
    args: [{ name: 'targets', variadic: true }],
    options: [...SYNC_OPTIONS, { name: 'force', short: 'f', type: 'boolean', desc: 'overwrite workspace changes that are not in the cache' }],
  },
  async run(ctx) {
    const r = await withCliRepo(ctx, { lock: true }, (repo) => pull(repo, { ...syncOptions(ctx), force: !!ctx.args.force }, ctx.io));
    if (ctx.args.json) printJson(ctx, r);
    else {
      renderRelink(ctx, r.checkout);
      ctx.io.info(
        summary([
          [r.fetch.transferred, 'fetched'],
          [r.checkout.added.length, 'added'],
          [r.checkout.modified.length, 'modified'],
          [r.checkout.deleted.length, 'deleted'],
        ]),
      );
    }
    if (r.fetch.failed.length) throw failedError('fetch', r.fetch.failed);
    const missing = describeMissing(r.checkout);
    if (missing) throw missing;
    return r.checkout.failed.length ? 10 : 0;
  },
};
export default command;
