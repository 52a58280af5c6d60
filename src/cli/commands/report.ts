/**
 * `keel report`: params diff, metrics diff and plots of two revisions as one Markdown file with
 * PNGs beside it — the report the guide's CI step built from five DVC commands and vl2png.
 */
import * as path from 'node:path';
import { UsageError } from '../../errors/index.js';
import { report } from '../../ops/report.js';
import { toPosix } from '../../util/paths.js';
import type { CommandSpec } from '../args.js';
import type { Command } from '../command.js';
import { printJson, withCliRepo } from '../open.js';

const spec: CommandSpec = {
  name: 'report',
  summary: 'Write a Markdown report comparing two revisions: params diff, metrics diff, plots (PNG).',
  usage: 'keel report [--base <rev>] [--head <rev>|workspace] [--targets <plot>...] [-o report.md] [--all] [--title <text>] [--json]',
  options: [
    { name: 'base', type: 'string', desc: 'revision to compare against (default: main, origin/main, master or origin/master)', arg: '<rev>' },
    { name: 'head', type: 'string', desc: "revision under review (default: workspace, the working tree)", arg: '<rev>' },
    { name: 'targets', type: 'list', nargs: true, desc: 'plots to include (ids, paths or regexes; default: all)', arg: '<plots>' },
    { name: 'out', short: 'o', type: 'string', desc: 'report file (default report.md); images go to <name>-plots/ beside it', arg: '<file>' },
    { name: 'all', type: 'boolean', desc: 'include unchanged params and metrics in the tables' },
    { name: 'title', type: 'string', desc: 'top heading (default "keel report")', arg: '<text>' },
    { name: 'json', type: 'boolean', desc: 'print what was compared and written as JSON' },
  ],
};

const command: Command = {
  spec,
  async run(ctx) {
    const a = ctx.args;
    if (a._.length > 0) throw new UsageError(`unrecognized arguments: ${a._.join(' ')}`, { hint: 'keel report --base main -o report.md' });
    const str = (k: string): string | undefined => {
      const v = a[k];
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || v === '') throw new UsageError(`--${k} needs a value`);
      return v;
    };
    return withCliRepo(ctx, {}, async (repo) => {
      const r = await report(
        repo,
        {
          base: str('base'),
          head: str('head'),
          targets: Array.isArray(a.targets) ? (a.targets as string[]) : undefined,
          out: str('out'),
          all: !!a.all,
          title: str('title'),
        },
        ctx.io,
      );
      const rel = (p: string): string => toPosix(path.relative(ctx.cwd, p)) || '.';
      if (a.json) {
        printJson(ctx, {
          report: rel(r.path),
          base: r.base,
          head: r.head,
          params: r.params,
          metrics: r.metrics,
          plots: r.plots.map((p) => ({ ...p, images: p.images.map((i) => ({ ...i, path: rel(i.path) })) })),
          warnings: r.warnings,
        });
        return 0;
      }
      for (const w of r.warnings) ctx.io.warn(w);
      if (!a.quiet) {
        const n = r.plots.reduce((s, p) => s + p.images.length, 0);
        ctx.out(`Report ${r.head.label} vs ${r.base.label} written to ${rel(r.path)} (${n} image${n === 1 ? '' : 's'} in ${rel(r.assetsDir)}/)\n`);
      }
      return 0;
    });
  },
};
export default command;
