/**
 * `keel params diff`: DVC 3's `dvc/commands/params.py` — same flags, same table (no Change
 * column, values unrounded), same `--json`. DVC 3 has no `params show` command; `params diff --all`
 * is the closest thing.
 */
import { UsageError } from '../../errors/index.js';
import { paramsDiff } from '../../ops/params.js';
import type { CommandSpec } from '../args.js';
import type { Command } from '../command.js';
import { withCliRepo } from '../open.js';
import { paramsDiffTable } from '../../pipeline/compare-tables.js';
import { DVC2_ALIASES, diffRelative, jsonOut, reportErrored } from './metrics.js';

const spec: CommandSpec = {
  name: 'params',
  summary: 'Compare params between git revisions and the workspace.',
  usage: 'params diff [a_rev] [b_rev] [options]',
  subcommands: ['diff [a_rev] [b_rev] [--targets <path>...] [--all] [--deps] [--no-path] [--json | --md]'],
  options: [
    { name: 'targets', type: 'list', nargs: true, desc: 'params files to compare, even if no stage uses them', arg: '<paths>' },
    { name: 'all', type: 'boolean', desc: 'show unchanged params too' },
    { name: 'deps', type: 'boolean', desc: 'only params that are stage dependencies' },
    { name: 'no-path', type: 'boolean', desc: "don't show the Path column" },
    { name: 'json', type: 'boolean', desc: 'print JSON' },
    { name: 'md', type: 'boolean', desc: 'print a Markdown (GFM) table' },
    ...DVC2_ALIASES,
  ],
};

const command: Command = {
  spec,
  async run(ctx) {
    const args = ctx.args;
    const [sub, ...pos] = args._;
    args.md ||= args.showMd;
    args.json ||= args.showJson;
    if (sub !== 'diff') {
      throw new UsageError(sub ? `unknown params subcommand '${sub}'` : 'missing subcommand: keel params diff', { hint: 'keel params --help' });
    }
    if (pos.length > 2) throw new UsageError(`unrecognized arguments: ${pos.slice(2).join(' ')}`, { hint: 'keel params --help' });
    const [aRev, bRev] = pos;
    const targets = (args.targets as string[] | undefined) ?? [];
    return withCliRepo(ctx, {}, async (repo) => {
      const r = await paramsDiff(repo, { aRev, bRev, all: !!args.all, deps: !!args.deps, targets }, ctx.io);
      reportErrored(Object.entries(r.errors).filter(([, e]) => e).map(([rev]) => rev));
      const diff = diffRelative(repo, r.diff);
      if (args.json) ctx.out(jsonOut(diff));
      else ctx.out(paramsDiffTable(diff, { noPath: !!args.noPath, md: !!args.md, aRev, bRev }));
      return 0;
    });
  },
};
export default command;
