import { version } from '../../ops/version.js';
import type { Command } from '../command.js';
import { printJson } from '../open.js';

const command: Command = {
  spec: { name: 'version', summary: 'Print keel version and environment details.', options: [{ name: 'json', type: 'boolean', desc: 'print as JSON' }] },
  async run(ctx) {
    const v = await version(ctx.cwd, ctx.version());
    if (ctx.args.json) {
      printJson(ctx, v);
      return 0;
    }
    ctx.out(`keel version: ${v.keel}\n---------------------------------\nPlatform: Node ${v.node} on ${v.platform}\nSupports: ${v.supports.join(', ')}\n`);
    if (v.repo) ctx.out(`Cache types: ${v.repo.cacheTypes.join(', ')}\nCache directory: ${v.repo.cacheDir}\nRemotes: ${v.repo.remotes.join(', ') || 'none'}\nRepo: ${v.repo.root}\n`);
    return 0;
  },
};
export default command;
