import { env } from '../../config/env.js';
import { UsageError } from '../../errors/index.js';
import type { Level } from '../../config/index.js';
import { remote, type RemoteAction } from '../../ops/remote.js';
import type { Command, CommandContext } from '../command.js';

export function levelFlag(ctx: CommandContext): Level | undefined {
  const a = ctx.args;
  const set = [a.global && 'global', a.system && 'system', a.project && 'repo', a.local && 'local'].filter(Boolean) as Level[];
  if (set.length > 1) throw new UsageError('use only one of --global, --system, --project, --local');
  return set[0];
}

export const LEVEL_OPTIONS = [
  { name: 'global', type: 'boolean', desc: 'use the global config (~/.config/dvc/config)' },
  { name: 'system', type: 'boolean', desc: 'use the system config' },
  { name: 'project', type: 'boolean', desc: 'use the repository config (.dvc/config, default)' },
  { name: 'local', type: 'boolean', desc: 'use .dvc/config.local (not committed: put secrets here)' },
] as const;

const command: Command = {
  spec: {
    name: 'remote',
    summary: 'Manage remotes in .dvc/config (or config.local with --local).',
    usage: 'remote <add|default|modify|list|remove|rename> [options] ...',
    subcommands: [
      'add [-d] [-f] <name> <url>',
      'default [<name>] [--unset]',
      'modify [-u] <name> <option> [<value>]',
      'list',
      'remove <name>',
      'rename <name> <new>',
    ],
    options: [
      ...LEVEL_OPTIONS,
      { name: 'default', short: 'd', type: 'boolean', desc: '(add) make it the default remote' },
      { name: 'force', short: 'f', type: 'boolean', desc: '(add) overwrite an existing remote' },
      { name: 'unset', short: 'u', type: 'boolean', desc: '(default, modify) remove the value' },
    ],
  },
  async run(ctx) {
    const [sub, ...rest] = ctx.args._;
    const a = ctx.args;
    const need = (n: number, usage: string): void => {
      if (rest.length < n) throw new UsageError(`missing arguments: keel remote ${usage}`);
    };
    let action: RemoteAction;
    switch (sub) {
      case 'add':
        need(2, 'add [-d] [-f] <name> <url>');
        action = { action: 'add', name: rest[0], url: rest[1], default: !!a.default, force: !!a.force };
        break;
      case 'default':
        action = { action: 'default', name: rest[0], unset: !!a.unset };
        break;
      case 'modify':
        need(a.unset ? 2 : 3, 'modify [-u] <name> <option> [<value>]');
        action = { action: 'modify', name: rest[0], option: rest[1], value: rest[2], unset: !!a.unset };
        break;
      case 'list':
        action = { action: 'list' };
        break;
      case 'remove':
        need(1, 'remove <name>');
        action = { action: 'remove', name: rest[0] };
        break;
      case 'rename':
        need(2, 'rename <name> <new>');
        action = { action: 'rename', name: rest[0], newName: rest[1] };
        break;
      default:
        throw new UsageError(sub ? `unknown remote subcommand '${sub}'` : 'missing subcommand', { hint: 'keel remote --help' });
    }
    const r = await remote({ cwd: ctx.cwd, env: env(), level: levelFlag(ctx) }, action);
    for (const w of r.warnings) ctx.io.warn(w);
    for (const m of r.messages) ctx.io.info(m);
    for (const l of r.lines ?? []) ctx.out(l + '\n');
    if (r.noDefault) {
      process.stderr.write('No default remote set\n');
      return 1;
    }
    return 0;
  },
};
export default command;
