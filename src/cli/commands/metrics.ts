/**
 * `keel metrics show` / `keel metrics diff`: DVC 3's `dvc/commands/metrics.py` — same flags, same
 * tables (pipeline/compare-tables.ts), same `--json`, same stderr line for revisions that failed
 * to load. Paths are shown relative to the current directory.
 */
import * as path from 'node:path';
import { UsageError } from '../../errors/index.js';
import { metricsDiff, metricsShow, type ShowResult } from '../../ops/metrics.js';
import type { DiffResult } from '../../pipeline/compare.js';
import type { Repo } from '../../repo/index.js';
import { toPosix } from '../../util/paths.js';
import type { CommandSpec, Parsed } from '../args.js';
import type { Command } from '../command.js';
import { withCliRepo } from '../open.js';
import { erroredRevisions, failedRevisionsMessage, metricsDiffTable, metricsShowTable } from '../../pipeline/compare-tables.js';
import { renderJson } from '../../pipeline/table.js';

/** A repo-relative POSIX path as DVC's commands print it: relative to the current directory. */
export function cwdRelative(repo: Repo, p: string): string {
  return toPosix(path.relative(repo.cwd, path.join(repo.root, p))) || '.';
}

export function diffRelative(repo: Repo, diff: DiffResult): DiffResult {
  return Object.fromEntries(Object.entries(diff).map(([p, v]) => [cwdRelative(repo, p), v]));
}

function showRelative(repo: Repo, res: ShowResult): ShowResult {
  const out: ShowResult = {};
  for (const [rev, r] of Object.entries(res)) {
    out[rev] = r.data ? { ...r, data: Object.fromEntries(Object.entries(r.data).map(([p, v]) => [cwdRelative(repo, p), v])) } : r;
  }
  return out;
}

/** `ui.write_json`: one line, or indented by 2 on a terminal. */
export function jsonOut(value: unknown): string {
  return renderJson(value, { indent: process.stdout.isTTY ? 2 : undefined });
}

/** DVC's stderr line for revisions with errors (it says "metrics" for params too). */
export function reportErrored(revs: string[]): void {
  if (revs.length) process.stderr.write(failedRevisionsMessage(revs) + '\n');
}

function precisionOf(args: Parsed): number | undefined {
  const p = args.precision;
  if (p === undefined) return undefined;
  if (typeof p !== 'number' || !Number.isInteger(p)) throw new UsageError(`argument --precision: invalid int value: '${String(p)}'`);
  return p;
}

/** DVC 2's spellings of --md / --json (the guide's CI script uses `--show-md`). */
export const DVC2_ALIASES = [
  { name: 'show-md', type: 'boolean', desc: 'same as --md (DVC 2 spelling)' },
  { name: 'show-json', type: 'boolean', desc: 'same as --json (DVC 2 spelling)' },
] as const;

const spec: CommandSpec = {
  name: 'metrics',
  summary: 'Show metrics, or compare them between git revisions and the workspace.',
  usage: 'metrics <show|diff> [options] ...',
  subcommands: [
    'show [targets...] [-a] [-T] [-A] [--json | --md | --csv] [--precision <n>]',
    'diff [a_rev] [b_rev] [--targets <path>...] [--all] [--no-path] [--precision <n>] [--json | --md]',
  ],
  options: [
    { name: 'all-branches', short: 'a', type: 'boolean', desc: '(show) metrics of every branch' },
    { name: 'all-tags', short: 'T', type: 'boolean', desc: '(show) metrics of every tag' },
    { name: 'all-commits', short: 'A', type: 'boolean', desc: '(show) metrics of every commit' },
    { name: 'targets', type: 'list', nargs: true, desc: 'metrics files or directories (default: those dvc.yaml declares)', arg: '<paths>' },
    { name: 'all', type: 'boolean', desc: '(diff) show unchanged metrics too' },
    { name: 'no-path', type: 'boolean', desc: "(diff) don't show the Path column" },
    { name: 'precision', type: 'number', desc: 'round to <n> digits after the point (default 5)', arg: '<n>' },
    { name: 'json', type: 'boolean', desc: 'print JSON' },
    { name: 'md', type: 'boolean', desc: 'print a Markdown (GFM) table' },
    { name: 'csv', type: 'boolean', desc: '(show) print CSV' },
    { name: 'recursive', short: 'R', type: 'boolean', desc: 'accepted for DVC compatibility: directories are always searched' },
    ...DVC2_ALIASES,
  ],
};

const command: Command = {
  spec,
  async run(ctx) {
    const args = ctx.args;
    const [sub, ...pos] = args._;
    const targets = (args.targets as string[] | undefined) ?? [];
    const precision = precisionOf(args);
    args.md ||= args.showMd;
    args.json ||= args.showJson;
    switch (sub) {
      case 'show':
        return withCliRepo(ctx, {}, async (repo) => {
          const allBranches = !!args.allBranches;
          const allTags = !!args.allTags;
          const allCommits = !!args.allCommits;
          const res = showRelative(repo, await metricsShow(repo, { targets: [...pos, ...targets], allBranches, allTags, allCommits }, ctx.io));
          reportErrored(erroredRevisions(res));
          if (args.json) ctx.out(jsonOut(res));
          else ctx.out(metricsShowTable(res, { precision, md: !!args.md, csv: !!args.csv, allRevs: allBranches || allTags || allCommits }));
          return 0;
        });
      case 'diff': {
        if (pos.length > 2) throw new UsageError(`unrecognized arguments: ${pos.slice(2).join(' ')}`, { hint: 'keel metrics --help' });
        const [aRev, bRev] = pos;
        return withCliRepo(ctx, {}, async (repo) => {
          const r = await metricsDiff(repo, { aRev, bRev, all: !!args.all, targets }, ctx.io);
          reportErrored(Object.entries(r.errors).filter(([, e]) => e).map(([rev]) => rev));
          const diff = diffRelative(repo, r.diff);
          if (args.json) ctx.out(jsonOut(diff));
          else ctx.out(metricsDiffTable(diff, { precision, noPath: !!args.noPath, md: !!args.md, aRev, bRev }));
          return 0;
        });
      }
      default:
        throw new UsageError(sub ? `unknown metrics subcommand '${sub}'` : 'missing subcommand: keel metrics <show|diff>', { hint: 'keel metrics --help' });
    }
  },
};
export default command;
