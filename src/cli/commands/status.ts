import { cloudStatus, status } from '../../ops/status.js';
import type { Command } from '../command.js';
import { printJson, withCliRepo } from '../open.js';

const pad = (s: string): string => `${s}:`.padEnd(20);

const command: Command = {
  spec: {
    name: 'status',
    summary: 'Show outputs that changed in the workspace, or (with -c) objects that differ between the cache and a remote.',
    args: [{ name: 'targets', variadic: true }],
    options: [
      { name: 'cloud', short: 'c', type: 'boolean', desc: 'compare the cache with a remote' },
      { name: 'remote', short: 'r', type: 'string', desc: 'remote for -c (default: core.remote)', arg: '<name>' },
      { name: 'json', type: 'boolean', desc: 'print the status as JSON' },
      { name: 'jobs', short: 'j', type: 'number', desc: 'parallel remote queries', arg: '<n>' },
    ],
  },
  async run(ctx) {
    const targets = ctx.args._;
    const cloud = !!ctx.args.cloud || ctx.args.remote !== undefined;
    return withCliRepo(ctx, {}, async (repo) => {
      if (cloud) {
        const r = await cloudStatus(repo, { targets, remote: ctx.args.remote as string | undefined }, ctx.io);
        const changed = Object.keys(r.objects).length > 0;
        if (ctx.args.json) printJson(ctx, r.objects);
        else if (ctx.args.quiet) {
          /* exit code only */
        } else if (!changed) ctx.out(`Cache and remote '${r.remote}' are in sync.\n`);
        else for (const [name, s] of Object.entries(r.objects)) ctx.out(`\t${pad(s)}${name}\n`);
        return changed && ctx.args.quiet ? 1 : 0;
      }
      const r = await status(repo, { targets }, ctx.io);
      const changed = Object.keys(r).length > 0;
      if (ctx.args.json) printJson(ctx, r);
      else if (ctx.args.quiet) {
        /* exit code only */
      } else if (!changed) ctx.out('Data and pipelines are up to date.\n');
      else
        for (const [file, items] of Object.entries(r)) {
          ctx.out(`${file}:\n`);
          for (const it of items) {
            if (typeof it === 'string') ctx.out(`\t${it}\n`);
            else
              for (const [group, entries] of Object.entries(it)) {
                ctx.out(`\t${group}:\n`);
                for (const [p, s] of Object.entries(entries as Record<string, string | Record<string, string>>)) {
                  if (typeof s === 'string') ctx.out(`\t\t${pad(s)}${p}\n`);
                  else {
                    ctx.out(`\t\t${p}:\n`);
                    for (const [k, v] of Object.entries(s)) ctx.out(`\t\t\t${pad(v)}${k}\n`);
                  }
                }
              }
          }
        }
      return changed && ctx.args.quiet ? 1 : 0;
    });
  },
};
export default command;
