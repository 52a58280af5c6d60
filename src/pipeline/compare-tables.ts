/**
 * `params diff`, `metrics diff` and `metrics show` tables: the exact text DVC 3 prints.
 * Ports `dvc/compare.py` (`diff_table`, `metrics_table`) and the calls in
 * `dvc/commands/params.py` / `dvc/commands/metrics.py`.
 *
 * Every `…Table` builder returns the complete stdout text. With nothing to show, DVC prints
 * nothing at all in plain mode (no "No changes." line), and only the header rows plus a blank
 * line with `--md`.
 */
import { flattenDict, formatDict, formatField, isDict, type DiffResult, type FileResult } from './compare.js';
import { compareCodePoints } from '../util/paths.js';
import { renderTable, type Cell } from './table.js';

/** `DEFAULT_PRECISION` of `dvc/commands/metrics.py`. */
export const DEFAULT_PRECISION = 5;

export interface TableData {
  headers: string[];
  rows: string[][];
}

export interface DiffTableOptions {
  /** second column's title: `Metric` or `Param` */
  title: string;
  /** keep the old-revision column (false: drop it and call the new one `Value`) */
  old?: boolean;
  noPath?: boolean;
  showChanges?: boolean;
  precision?: number | null;
  roundDigits?: boolean;
  /** Change cell when there is no `diff` (default `-`) */
  onEmptyDiff?: string | null;
  /** column titles; default `HEAD` and `workspace` (also when given as empty strings) */
  aRev?: string | null;
  bRev?: string | null;
}

const FILL = '-';

const withValue = (v: unknown, dflt: unknown): unknown => (v === null || v === undefined ? dflt : v);

/** `dvc.compare.diff_table`: columns `Path, <title>, <a_rev>, <b_rev>, Change`, keys sorted per file. */
export function diffTable(diff: DiffResult, opts: DiffTableOptions): TableData {
  const aRev = opts.aRev || 'HEAD';
  const bRev = opts.bRev || 'workspace';
  const allHeaders = ['Path', opts.title, aRev, bRev, 'Change'];
  const allRows: string[][] = [];
  for (const [fname, inFile] of Object.entries(diff)) {
    for (const item of Object.keys(inFile).sort(compareCodePoints)) {
      const change = inFile[item];
      const diffVal = 'diff' in change && change.diff !== undefined ? change.diff : opts.onEmptyDiff;
      allRows.push([
        fname,
        item,
        formatField(withValue(change.old, FILL), opts.precision, !!opts.roundDigits),
        formatField(withValue(change.new, FILL), opts.precision, !!opts.roundDigits),
        formatField(withValue(diffVal, FILL), opts.precision, !!opts.roundDigits),
      ]);
    }
  }
  // column indexes kept: drop Path (--no-path), Change (params), the old revision (old=False)
  const keep = [0, 1, 2, 3, 4].filter(
    (i) => !(i === 0 && opts.noPath) && !(i === 4 && opts.showChanges === false) && !(i === 2 && opts.old === false),
  );
  const headers = keep.map((i) => (i === 3 && opts.old === false ? 'Value' : allHeaders[i]));
  const rows = allRows.map((r) => keep.map((i) => r[i]));
  return { headers, rows };
}

export interface ParamsDiffTableOptions {
  /** `--all`: only changes what the diff holds (see `diffFileResults`); accepted for symmetry */
  all?: boolean;
  noPath?: boolean;
  /** `--md` */
  md?: boolean;
  aRev?: string | null;
  bRev?: string | null;
}

/** `dvc params diff` output (no `--json`): no Change column, values printed with `str()`, unrounded. */
export function paramsDiffTable(diff: DiffResult, opts: ParamsDiffTableOptions = {}): string {
  const td = diffTable(diff, { title: 'Param', noPath: opts.noPath, showChanges: false, aRev: opts.aRev, bRev: opts.bRev });
  return renderTable(td.headers, td.rows, { markdown: opts.md });
}

export interface MetricsDiffTableOptions {
  /** `--precision`; 0 or unset → 5, as DVC's `precision or DEFAULT_PRECISION` */
  precision?: number | null;
  noPath?: boolean;
  md?: boolean;
  aRev?: string | null;
  bRev?: string | null;
}

/** `dvc metrics diff` output (no `--json`): floats rounded with Python `round()`. */
export function metricsDiffTable(diff: DiffResult, opts: MetricsDiffTableOptions = {}): string {
  const td = diffTable(diff, {
    title: 'Metric',
    noPath: opts.noPath,
    precision: opts.precision || DEFAULT_PRECISION,
    roundDigits: true,
    aRev: opts.aRev,
    bRev: opts.bRev,
  });
  return renderTable(td.headers, td.rows, { markdown: opts.md });
}

/** One revision of `metrics.show()`: `{data: {path: FileResult}}` or `{error}`. */
export interface RevResult {
  data?: Record<string, FileResult>;
  error?: unknown;
}

/** `metrics.show()` result: revision → result, in display order. */
export type ShowResult = Record<string, RevResult>;

export interface MetricsTableOptions {
  /** any of `-a/-T/-A`: adds the `Revision` column */
  allRevs?: boolean;
  precision?: number | null;
  roundDigits?: boolean;
}

/** `dvc.compare.metrics_table`: `[Revision,] Path, <sorted flattened keys>`, `-` where missing. */
export function metricsTable(show: ShowResult, opts: MetricsTableOptions = {}): TableData {
  const keys: string[] = ['Revision', 'Path'];
  const cols = new Map<string, string[]>(keys.map((k) => [k, []]));
  let nrows = 0;
  for (const [branch, val] of Object.entries(show)) {
    for (const [fname, fr] of Object.entries(val.data ?? {})) {
      const rowData = new Map<string, string>([
        ['Revision', branch],
        ['Path', fname],
      ]);
      const metric = fr && 'data' in fr && fr.data !== undefined ? fr.data : {};
      const flattened: [string, unknown][] = isDict(metric) ? [...flattenDict(formatDict(metric))] : [['', metric]];
      for (const [k, v] of flattened) rowData.set(k, formatField(v, opts.precision, !!opts.roundDigits));
      for (const k of rowData.keys()) {
        if (!cols.has(k)) {
          cols.set(k, Array(nrows).fill(FILL));
          keys.push(k);
        }
      }
      for (const k of keys) cols.get(k)!.push(rowData.get(k) ?? FILL);
      nrows++;
    }
  }
  const [, , ...metricKeys] = keys;
  let headers = ['Revision', 'Path', ...[...metricKeys].sort(compareCodePoints)];
  if (!opts.allRevs) headers = headers.slice(1);
  const rows: string[][] = [];
  for (let r = 0; r < nrows; r++) rows.push(headers.map((h) => cols.get(h)![r]));
  return { headers, rows };
}

export interface MetricsShowTableOptions {
  /** `--precision`; 0 or unset → 5 */
  precision?: number | null;
  md?: boolean;
  /** CSV instead of a table (`TabularData.to_csv`) */
  csv?: boolean;
  /** `-a/-T/-A` was given */
  allRevs?: boolean;
}

/** `dvc metrics show` output (no `--json`). */
export function metricsShowTable(show: ShowResult, opts: MetricsShowTableOptions = {}): string {
  const td = metricsTable(show, { allRevs: opts.allRevs, precision: opts.precision || DEFAULT_PRECISION, roundDigits: true });
  return renderTable(td.headers, td.rows as Cell[][], { markdown: opts.md, csv: opts.csv });
}

function nestedContains(d: unknown, phrase: string): boolean {
  if (!isDict(d) || d instanceof Map) return false;
  for (const [k, v] of Object.entries(d)) {
    if (k === phrase && v) return true;
    if (isDict(v) && nestedContains(v, phrase)) return true;
  }
  return false;
}

/** `dvc.utils.errored_revisions`: revisions with an `error` anywhere in their result. */
export function erroredRevisions(show: Record<string, unknown>): string[] {
  return Object.entries(show)
    .filter(([, v]) => nestedContains(v, 'error'))
    .map(([rev]) => rev);
}

/** The stderr line DVC writes when some revisions failed to load (metrics and params alike). */
export function failedRevisionsMessage(revs: string[]): string {
  return `DVC failed to load some metrics for following revisions: '${revs.join(', ')}'.`;
}
