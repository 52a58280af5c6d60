/**
 * `keel report`: the pull-request report in one command. What the guide's step-7 script did with
 * `dvc params diff --md`, `dvc metrics diff --md`, `dvc plots diff --show-vega | vl2png` and
 * `echo`: the params diff table, the metrics diff table (with Change), and every plot of the
 * pipeline rendered to PNG with the base and head revisions overlaid (image plots side by side),
 * written next to the report and referenced relatively. Returns data; writes the report and its
 * images; never prints.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors/index.js';
import { metricsDiffTable, paramsDiffTable } from '../pipeline/compare-tables.js';
import type { DiffResult } from '../pipeline/compare.js';
import { renderReport, type ReportPlot, type ReportRevision } from '../report/markdown.js';
import { writeFileAtomic } from '../util/fs.js';
import { toPosix } from '../util/paths.js';
import type { Repo } from '../repo/index.js';
import { silentIo, type Io } from './io.js';
import { metricsDiff } from './metrics.js';
import { paramsDiff } from './params.js';
import { renderPlots } from './plots.js';

export interface ReportOptions {
  /** the revision to compare against (default: the first of main, origin/main, master, origin/master) */
  base?: string;
  /** the revision under review (default `workspace`: the working tree, e.g. a CI run's fresh outputs) */
  head?: string;
  /** plot ids / paths to include (default: every plot of the pipeline) */
  targets?: string[];
  /** the report file, relative to the cwd (default `report.md`) */
  out?: string;
  /** include unchanged params and metrics */
  all?: boolean;
  /** the report's top heading (default `keel report`) */
  title?: string;
  /** compute only: write nothing */
  dryRun?: boolean;
}

export interface ReportResult {
  /** absolute path of the report */
  path: string;
  /** absolute path of the image folder beside it */
  assetsDir: string;
  markdown: string;
  base: ReportRevision;
  head: ReportRevision;
  params: DiffResult;
  metrics: DiffResult;
  plots: { id: string; title?: string; images: { rev?: string; path: string }[]; notes: string[] }[];
  /** problems reading a revision (also shown in the report) */
  warnings: string[];
}

const BASE_CANDIDATES = ['main', 'origin/main', 'master', 'origin/master'];

async function resolveBase(repo: Repo, base: string | undefined): Promise<string> {
  const git = repo.git;
  if (!git) throw new UsageError('keel report compares git revisions: this repository has no git', { hint: 'run it in a git repository (keel init without --no-scm)' });
  if ((await git.headSha()) === undefined) throw new UsageError('keel report needs a commit to compare against: the repository has none yet', { hint: 'git commit, then keel report' });
  if (base !== undefined) {
    if (base === 'workspace') throw new UsageError("--base must be a git revision, not 'workspace'", { hint: 'keel report --base main' });
    if ((await git.tryRevParse(base)) === undefined) {
      throw new UsageError(`unknown revision '${base}' for --base`, { hint: `check 'git rev-parse ${base}'; in CI fetch it first (git fetch origin ${base}:${base}, or checkout with fetch-depth: 0)`, data: { rev: base } });
    }
    return base;
  }
  for (const c of BASE_CANDIDATES) if ((await git.tryRevParse(c)) !== undefined) return c;
  throw new UsageError(`no --base given and none of ${BASE_CANDIDATES.join(', ')} exists`, { hint: 'keel report --base <branch or commit>' });
}

async function describe(repo: Repo, rev: string): Promise<ReportRevision> {
  const git = repo.git!;
  if (rev === 'workspace') return { label: rev, sha: await git.headSha(), dirty: await git.isDirty({ untracked: false }) };
  const sha = await git.tryRevParse(rev);
  if (sha === undefined) throw new UsageError(`unknown revision '${rev}' for --head`, { hint: "give a branch, tag or commit, or 'workspace'", data: { rev } });
  return { label: rev, sha };
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object') {
    return Object.entries(e as Record<string, unknown>)
      .map(([f, x]) => `${f}: ${x instanceof Error ? x.message : String(x)}`)
      .join('; ');
  }
  return String(e);
}

/** `keel report`: write the Markdown report and its PNGs; return what was compared. */
export async function report(repo: Repo, o: ReportOptions = {}, io: Io = silentIo): Promise<ReportResult> {
  const baseRev = await resolveBase(repo, o.base);
  const headRev = o.head ?? 'workspace';
  if (headRev === baseRev) throw new UsageError(`--base and --head are both '${baseRev}': nothing to compare`);
  const [base, head] = await Promise.all([describe(repo, baseRev), describe(repo, headRev)]);

  const file = path.resolve(repo.cwd, o.out ?? 'report.md');
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`-o ${o.out}: is a directory`, { hint: 'give the report file, e.g. -o reports/report.md' });
  }
  const stem = path.basename(file).replace(/\.(md|markdown)$/i, '');
  const assetsDir = path.join(path.dirname(file), `${stem}-plots`);

  const warnings: string[] = [];
  const quiet: Io = { ...io, warn: (m) => warnings.push(m) };
  const [params, metrics] = await Promise.all([
    paramsDiff(repo, { aRev: baseRev, bRev: headRev, all: !!o.all }, quiet),
    metricsDiff(repo, { aRev: baseRev, bRev: headRev, all: !!o.all }, quiet),
  ]);
  for (const [what, r] of [
    ['params', params],
    ['metrics', metrics],
  ] as const) {
    for (const [rev, e] of Object.entries(r.errors)) if (e) warnings.push(`could not read ${what} in '${rev}': ${errorText(e)}`);
  }

  const progress = io.progress('rendering plots');
  const plotsResult = await renderPlots(repo, [baseRev, headRev], { output: 'images', out: assetsDir, targets: o.targets, dryRun: o.dryRun, asGiven: true });
  progress.done();
  for (const w of plotsResult.warnings) warnings.push(w);
  const rel = (abs: string): string => toPosix(path.relative(path.dirname(file), abs));
  const plots: ReportResult['plots'] = plotsResult.plots.map((p) => {
    const images = plotsResult.images.filter((i) => i.id === p.id).map((i) => ({ ...(i.rev !== undefined ? { rev: i.rev } : {}), path: i.path }));
    const notes = [...new Set([...p.sourceErrors, ...p.definitionErrors].map((e) => `${e.rev}: ${e.error.message}`))];
    const title = p.type === 'vega' && typeof p.properties.title === 'string' ? p.properties.title : undefined;
    return { id: p.id, ...(title !== undefined ? { title } : {}), images, notes };
  });
  for (const e of plotsResult.errors) if (e.name === undefined) warnings.push(`could not read plots in '${e.rev}': ${e.msg}`);

  const reportPlots: ReportPlot[] = plots.map((p) => ({ ...p, images: p.images.map((i) => ({ ...i, path: rel(i.path) })) }));
  const markdown = renderReport({
    title: o.title,
    base,
    head,
    params: paramsDiffTable(params.diff, { md: true, aRev: baseRev, bRev: headRev }),
    metrics: metricsDiffTable(metrics.diff, { md: true, aRev: baseRev, bRev: headRev }),
    allMetrics: !!o.all,
    plots: reportPlots,
    warnings,
  });
  if (!o.dryRun) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, markdown);
  }
  return { path: file, assetsDir, markdown, base, head, params: params.diff, metrics: metrics.diff, plots, warnings };
}
