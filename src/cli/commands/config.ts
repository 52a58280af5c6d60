import { env } from '../../config/env.js';
import { UsageError } from '../../errors/index.js';
import { config, type ConfigAction } from '../../ops/config.js';
import type { Command } from '../command.js';
import { LEVEL_OPTIONS, levelFlag } from './remote.js';

const command: Command = {
  spec: {
    name: 'config',
    summary: 'Get, set, unset or list config values (core.remote, cache.type, remote.<name>.<option>, …).',
    usage: 'config [--global|--system|--project|--local] [-u] [-l] [--show-origin] <name> [<value>]',
    args: [{ name: 'name' }, { name: 'value' }],
    options: [
      ...LEVEL_OPTIONS,
      { name: 'unset', short: 'u', type: 'boolean', desc: 'remove the option' },
      { name: 'list', short: 'l', type: 'boolean', desc: 'list every option' },
      { name: 'show-origin', type: 'boolean', desc: 'with -l or a name: show the file each value comes from' },
    ],
  },
  async run(ctx) {
    const [name, value] = ctx.args._;
    let action: ConfigAction;
    if (ctx.args.list) {
      if (name) throw new UsageError('-l/--list takes no name');
      action = { action: 'list' };
    } else if (!name) throw new UsageError('name an option, or use -l to list them', { hint: 'keel config core.remote' });
    else if (ctx.args.unset) action = { action: 'unset', name };
    else if (value !== undefined) action = { action: 'set', name, value };
    else action = { action: 'get', name };
    const r = await config({ cwd: ctx.cwd, env: env(), level: levelFlag(ctx) }, action);
    for (const w of r.warnings) ctx.io.warn(w);
    for (const m of r.messages) ctx.io.info(m);
    if (r.value !== undefined) ctx.out(r.value + '\n');
    for (const l of r.list ?? []) ctx.out(`${ctx.args.showOrigin ? `${l.file}\t` : ''}${l.name}=${l.value}\n`);
    return 0;
  },
};
export default command;
