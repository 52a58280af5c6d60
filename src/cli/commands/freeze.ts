import { freeze } from '../../ops/freeze.js';
import type { Command } from '../command.js';
import { withCliRepo } from '../open.js';

const command: Command = {
  spec: {
    name: 'freeze',
    summary: 'Freeze stages: repro leaves them (and their deps) alone',
    args: [{ name: 'targets', variadic: true, required: true }],
  },
  async run(ctx) {
    await withCliRepo(ctx, { lock: true }, (repo) => freeze(repo, ctx.args._));
    return 0;
  },
};
export default command;
