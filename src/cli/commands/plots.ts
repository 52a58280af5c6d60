import * as path from 'node:path';
import { UsageError } from '../../errors/index.js';
import {
  plotsDiff,
  plotsModify,
  plotsShow,
  plotsTemplates,
  type PlotPropsInput,
  type PlotsOptions,
  type PlotsResult,
} from '../../ops/plots.js';
import { toPosix } from '../../util/paths.js';
import type { Command, CommandContext } from '../command.js';
import { printJson, withCliRepo } from '../open.js';
import { openInBrowser } from '../browser.js';

const USAGE = {
  show: 'show [targets...] [-t <template>] [-x <field>] [-y <field>] [--title <text>] [--x-label <text>] [--y-label <text>] [--no-header] [-o <dir>] [--open] [--json [--split]] [--show-vega] [--png] [--svg]',
  diff: 'diff [revisions...] [--targets <target>]... [same options as show]',
  modify: 'modify <target> [-t <template>] [-x <field>] [-y <field>] [--title <text>] [--x-label <text>] [--y-label <text>] [--no-header] [--unset <prop>...]',
  templates: 'templates [<name>]',
};

function props(ctx: CommandContext): PlotPropsInput {
  const a = ctx.args;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const p: PlotPropsInput = {};
  const set = <K extends keyof PlotPropsInput>(k: K, v: PlotPropsInput[K] | undefined): void => {
    if (v !== undefined) p[k] = v;
  };
  set('template', str(a.template));
  set('x', str(a.x));
  set('y', str(a.y));
  set('x_label', str(a.xLabel));
  set('y_label', str(a.yLabel));
  set('title', str(a.title));
  if (a.header === false) p.header = false;
  return p;
}

function renderOptions(ctx: CommandContext, targets: string[]): PlotsOptions {
  const a = ctx.args;
  const images = [a.png && 'png', a.svg && 'svg'].filter(Boolean) as ('png' | 'svg')[];
  if (a.showVega && a.json) throw new UsageError("'--show-vega' and '--json' are mutually exclusive options.");
  if (images.length > 0 && (a.json || a.showVega)) throw new UsageError('--png/--svg go with the HTML output, not with --json or --show-vega');
  return {
    targets,
    props: props(ctx),
    output: a.showVega ? 'vega' : a.json ? 'json' : 'html',
    split: !!a.split,
    out: typeof a.out === 'string' ? a.out : undefined,
    images,
  };
}

function listOpt(v: unknown): string[] {
  return Array.isArray(v) ? (v as string[]) : [];
}

function report(ctx: CommandContext, r: PlotsResult, autoOpen: boolean): void {
  const a = ctx.args;
  const display = (p: string): string => toPosix(path.relative(ctx.cwd, p)) || '.';
  for (const w of r.warnings) ctx.io.warn(w);
  if (r.erroredRevisions.length > 0 && !a.json) {
    process.stderr.write(`keel failed to load some plots for following revisions: '${r.erroredRevisions.join(', ')}'.\n`);
    const lines = new Set<string>();
    for (const e of r.errors) if (e.source !== undefined || e.name === undefined) lines.add(`  ${e.rev}: ${e.msg}\n`); // the message names the file
    for (const l of lines) process.stderr.write(l);
  }
  if (a.json) {
    printJson(ctx, r.json && (Object.keys(r.json.data).length > 0 || r.json.errors) ? r.json : {});
    return;
  }
  if (!r.loaded) process.stderr.write('No plots were loaded, visualization file will not be created.\n');
  if (a.showVega) {
    if (r.vega !== undefined) printJson(ctx, r.vega);
    return;
  }
  if (!r.html) return;
  if (!a.quiet) {
    ctx.out(r.html.uri + '\n');
    for (const img of r.images) ctx.out(display(img.path) + '\n');
  }
  if (a.open || autoOpen) {
    if (a.open && !autoOpen) ctx.io.info('To enable auto opening, you can run:\n\n\tkeel config plots.auto_open true');
    if (!openInBrowser(r.html.path)) process.stderr.write(`Open ${display(r.html.path)} in a browser (e.g. xdg-open ${display(r.html.path)}).\n`);
  }
}

const command: Command = {
  spec: {
    name: 'plots',
    summary: 'Render plots (show / diff across revisions), edit plot props (modify), list templates.',
    usage: 'plots <show|diff|modify|templates> [options] ...',
    subcommands: Object.values(USAGE),
    options: [
      { name: 'template', short: 't', type: 'string', desc: 'template: a built-in name, a file in .dvc/plots/, or a path', arg: '<template>' },
      { name: 'x', short: 'x', type: 'string', desc: 'field for the X axis', arg: '<field>' },
      { name: 'y', short: 'y', type: 'string', desc: 'field for the Y axis', arg: '<field>' },
      { name: 'title', type: 'string', desc: 'plot title', arg: '<text>' },
      { name: 'x-label', type: 'string', desc: 'X axis label', arg: '<text>' },
      { name: 'y-label', type: 'string', desc: 'Y axis label', arg: '<text>' },
      { name: 'header', type: 'boolean', desc: 'given as --no-header: CSV/TSV data files have no header row' },
      { name: 'targets', type: 'list', nargs: true, desc: '(diff) plots to show: plot ids, files or directories', arg: '<targets>' },
      { name: 'target', type: 'list', desc: '(diff) same as --targets', arg: '<target>' },
      { name: 'out', short: 'o', type: 'string', desc: 'output directory (default: plots.out_dir, else dvc_plots)', arg: '<dir>' },
      { name: 'open', type: 'boolean', desc: 'open the page in a browser (xdg-open / open)' },
      { name: 'json', type: 'boolean', desc: 'print the specs and data as JSON (DVC format) instead of writing HTML' },
      { name: 'split', type: 'boolean', desc: '(with --json) keep the data and styling anchors apart' },
      { name: 'show-vega', type: 'boolean', desc: 'print the Vega-Lite spec of the one target' },
      { name: 'png', type: 'boolean', desc: 'also render each plot to a PNG file beside index.html' },
      { name: 'svg', type: 'boolean', desc: 'also render each plot to an SVG file beside index.html' },
      { name: 'unset', type: 'list', desc: '(modify) remove these props (repeat, or list them after the target)', arg: '<prop>' },
    ],
  },
  async run(ctx) {
    const [sub, ...rest] = ctx.args._;
    const a = ctx.args;
    switch (sub) {
      case 'show':
      case 'diff': {
        const targets = [...(sub === 'show' ? rest : []), ...listOpt(a.targets), ...listOpt(a.target)];
        const o = renderOptions(ctx, targets);
        return withCliRepo(ctx, {}, async (repo) => {
          const r = sub === 'show' ? await plotsShow(repo, o) : await plotsDiff(repo, { ...o, revs: rest });
          report(ctx, r, repo.config.get('plots', 'auto_open') === 'true');
          return 0;
        });
      }
      case 'modify': {
        if (rest.length === 0) throw new UsageError(`missing target: keel plots ${USAGE.modify}`);
        const unsetGiven = a.unset !== undefined;
        if (rest.length > 1 && !unsetGiven) throw new UsageError(`unexpected argument '${rest[1]}': plots modify takes one target`);
        // DVC's `--unset a b` (nargs="*"): names after the target belong to --unset
        const unset = unsetGiven ? [...listOpt(a.unset), ...rest.slice(1)] : undefined;
        return withCliRepo(ctx, { lock: true }, async (repo) => {
          const r = await plotsModify(repo, { target: rest[0], props: props(ctx), unset });
          if (r.changed) ctx.io.info(`Modifying stage '${r.stage}' in '${repo.rel(r.file)}'`);
          return 0;
        });
      }
      case 'templates': {
        if (rest.length > 1) throw new UsageError(`unexpected argument '${rest[1]}': keel plots ${USAGE.templates}`);
        return withCliRepo(ctx, {}, async (repo) => {
          const r = await plotsTemplates(repo, { name: rest[0] });
          if (r.names) for (const n of r.names) ctx.out(n + '\n');
          else printJson(ctx, r.content);
          return 0;
        });
      }
      default:
        throw new UsageError(sub ? `unknown plots subcommand '${sub}'` : 'missing subcommand', { hint: 'keel plots --help' });
    }
  },
};
export default command;
