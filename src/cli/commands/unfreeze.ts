import { unfreeze } from '../../ops/unfreeze.js';
import type { Command } from '../command.js';
import { withCliRepo } from '../open.js';

const command: Command = {
  spec: {
    name: 'unfreeze',
    summary: 'Unfreeze stages frozen with keel freeze',
    args: [{ name: 'targets', variadic: true, required: true }],
  },
  async run(ctx) {
    await withCliRepo(ctx, { lock: true }, (repo) => unfreeze(repo, ctx.args._));
    return 0;
  },
};
export default command;
