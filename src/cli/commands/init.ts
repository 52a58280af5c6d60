import { init } from '../../ops/init.js';
import type { Command } from '../command.js';
import { gitAddHint } from '../open.js';

const command: Command = {
  spec: {
    name: 'init',
    summary: 'Create .dvc/ (config, .gitignore, tmp) and .dvcignore in the current directory.',
    options: [
      { name: 'no-scm', type: 'boolean', desc: 'initialise without git' },
      { name: 'force', short: 'f', type: 'boolean', desc: 'overwrite an existing .dvc/' },
    ],
  },
  async run(ctx) {
    const r = await init(ctx.cwd, { noScm: !!ctx.args.noScm, force: !!ctx.args.force }, ctx.io);
    ctx.io.info(`Initialized keel (DVC-compatible) repository in ${r.root}.`);
    gitAddHint(ctx, r.gitFiles);
    return 0;
  },
};
export default command;
