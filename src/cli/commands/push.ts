import { failedError, push } from '../../ops/push.js';
import type { Command } from '../command.js';
import { printJson, SYNC_OPTIONS, withCliRepo } from '../open.js';
import { summary } from '../render/sync.js';
import { syncOptions } from './fetch.js';

const command: Command = {
  spec: {
    name: 'push',
    summary: 'Upload tracked data the remote lacks (files before their directory manifest, in parallel).',
    args: [{ name: 'targets', variadic: true }],
    options: [...SYNC_OPTIONS],
  },
  async run(ctx) {
    const r = await withCliRepo(ctx, { lock: true }, (repo) => push(repo, syncOptions(ctx), ctx.io));
    if (ctx.args.json) printJson(ctx, r);
    else ctx.io.info(summary([[r.transferred, 'pushed']]));
    if (r.failed.length) throw failedError('push', r.failed);
    return 0;
  },
};
export default command;
