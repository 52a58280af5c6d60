import { commit } from '../../ops/commit.js';
import type { Command } from '../command.js';
import { gitAddHint, withCliRepo } from '../open.js';

const command: Command = {
  spec: {
    name: 'commit',
    summary: 'Record the current content of tracked outputs in their .dvc files and the cache.',
    args: [{ name: 'targets', variadic: true }],
    options: [{ name: 'force', short: 'f', type: 'boolean', desc: 'commit without asking' }],
  },
  async run(ctx) {
    const r = await withCliRepo(ctx, { lock: true }, (repo) => commit(repo, { targets: ctx.args._, force: !!ctx.args.force }, ctx.io));
    gitAddHint(ctx, r.committed);
    return 0;
  },
};
export default command;
