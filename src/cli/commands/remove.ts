import { remove } from '../../ops/remove.js';
import type { Command } from '../command.js';
import { withCliRepo } from '../open.js';

const command: Command = {
  spec: {
    name: 'remove',
    summary: 'Stop tracking: delete .dvc files and their gitignore entries (with --outs, the data too).',
    args: [{ name: 'targets', variadic: true, required: true }],
    options: [{ name: 'outs', type: 'boolean', desc: 'also delete the outputs from the workspace' }],
  },
  async run(ctx) {
    const r = await withCliRepo(ctx, { lock: true }, (repo) => remove(repo, { targets: ctx.args._, outs: !!ctx.args.outs }, ctx.io));
    for (const f of r.removed) ctx.io.info(`Removed '${f}'`);
    return 0;
  },
};
export default command;
