import { checkout } from '../../ops/checkout.js';
import { describeMissing } from '../../ops/relink.js';
import type { Command } from '../command.js';
import { printJson, withCliRepo } from '../open.js';
import { renderRelink } from '../render/sync.js';

const command: Command = {
  spec: {
    name: 'checkout',
    summary: 'Make tracked files in the workspace match their .dvc / dvc.lock entries, from the cache.',
    args: [{ name: 'targets', variadic: true }],
    options: [
      { name: 'force', short: 'f', type: 'boolean', desc: 'overwrite or delete workspace data that is not in the cache' },
      { name: 'relink', type: 'boolean', desc: 'recreate links/copies even when files already match' },
      { name: 'json', type: 'boolean', desc: 'print the result as JSON' },
    ],
  },
  async run(ctx) {
    const r = await withCliRepo(ctx, { lock: true }, (repo) => checkout(repo, { targets: ctx.args._, force: !!ctx.args.force, relink: !!ctx.args.relink }, ctx.io));
    if (ctx.args.json) printJson(ctx, r);
    else renderRelink(ctx, r);
    const err = describeMissing(r);
    if (err) throw err;
    return r.failed.length ? 10 : 0;
  },
};
export default command;
