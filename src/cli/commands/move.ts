import { UsageError } from '../../errors/index.js';
import { move } from '../../ops/move.js';
import type { Command } from '../command.js';
import { gitAddHint, withCliRepo } from '../open.js';

const command: Command = {
  spec: {
    name: 'move',
    summary: 'Rename a tracked file or directory, its .dvc file and its gitignore entry.',
    args: [{ name: 'src', required: true }, { name: 'dst', required: true }],
  },
  async run(ctx) {
    const [src, dst] = ctx.args._;
    if (!src || !dst || ctx.args._.length !== 2) throw new UsageError('keel move needs exactly <src> and <dst>');
    const r = await withCliRepo(ctx, { lock: true }, (repo) => move(repo, { src, dst }, ctx.io));
    gitAddHint(ctx, [r.dvcFile]);
    return 0;
  },
};
export default command;
