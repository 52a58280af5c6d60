import { root } from '../../ops/root.js';
import type { Command } from '../command.js';

const command: Command = {
  spec: { name: 'root', summary: 'Print the repository root relative to the current directory.' },
  async run(ctx) {
    ctx.out(root(ctx.cwd) + '\n');
    return 0;
  },
};
export default command;
