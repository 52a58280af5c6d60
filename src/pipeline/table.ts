/**
 * Tables and JSON exactly as DVC prints them.
 *
 * - `tabulate(rows, headers, 'plain' | 'github')` ports python-tabulate 0.9.0 as DVC calls it in
 *   `dvc/ui/table.py::plain_table`: `disable_numparse=True`, `missingval="-"`, every column left
 *   aligned, column width = max(header width + 2, widest cell), cells stripped, every line
 *   right-stripped; `plain` joins cells with two spaces, `github` is `| a | b |` with a
 *   `|---|---|` rule (tabulate ≥ 0.10 writes `|:---|` there instead; DVC's tests pin the 0.9 form).
 *   Widths follow wcwidth (which DVC's dependency tree installs): East Asian wide characters count
 *   2, combining marks 0, control characters make the width -1 as `wcswidth` does. ANSI colour
 *   codes and OSC 8 links are invisible. `plain` tables with line breaks in a cell are multiline
 *   tables (tabulate's multiline mode); `github` is not multiline in 0.9.
 * - `renderTable(...)` = DVC's `TabularData.render` / `ui.table`: the exact stdout text. A table
 *   without rows prints nothing, except in Markdown, which prints the header and a blank line.
 * - `toCsv(...)` = `TabularData.to_csv` (Python `csv.writer`, `\r\n` line ends).
 * - `pyJsonText(value, {indent})` = `ui.write_json` (Python `json.dumps`, key order kept,
 *   `ensure_ascii`, NaN/Infinity allowed; one line unless `indent`; exceptions encoded as
 *   `{"type": ..., "msg": ...}` like `encode_exception`).
 */
import { isPyFloat, pyFloatStr } from './compare.js';
import { pyString } from '../util/pyjson.js';
import { YamlFloat, YamlTimestamp } from '../util/yaml.js';

export type TableFormat = 'plain' | 'github';
export type Cell = string | null | undefined;

// ---------------------------------------------------------------------------------------------
// Character widths (wcwidth)
// ---------------------------------------------------------------------------------------------

// wcwidth 0.7.0's wide (2-column) code point ranges, hex `a-b` or `a`.
const WIDE_SRC =
  '1100-115f 231a-231b 2329-232a 23e9-23ec 23f0 23f3 25fd-25fe 2614-2615 2630-2637 2648-2653 267f 268a-268f ' +
  '2693 26a1 26aa-26ab 26bd-26be 26c4-26c5 26ce 26d4 26ea 26f2-26f3 26f5 26fa 26fd 2705 270a-270b 2728 274c ' +
  '274e 2753-2755 2757 2795-2797 27b0 27bf 2b1b-2b1c 2b50 2b55 2e80-2e99 2e9b-2ef3 2f00-2fd5 2ff0-3029 ' +
  '3030-303e 3041-3096 309b-30ff 3105-312f 3131-3163 3165-318e 3190-31e5 31ef-321e 3220-3247 3250-a48c ' +
  'a490-a4c6 a960-a97c ac00-d7a3 f900-faff fe10-fe19 fe30-fe52 fe54-fe66 fe68-fe6b ff01-ff60 ffe0-ffe6 ' +
  '16fe0-16fe3 16ff2-16ff6 17000-18cd5 18cff-18d1e 18d80-18df2 1aff0-1aff3 1aff5-1affb 1affd-1affe ' +
  '1b000-1b122 1b132 1b150-1b152 1b155 1b164-1b167 1b170-1b2fb 1d300-1d356 1d360-1d376 1f004 1f0cf 1f18e ' +
  '1f191-1f19a 1f1e6-1f202 1f210-1f23b 1f240-1f248 1f250-1f251 1f260-1f265 1f300-1f320 1f32d-1f335 ' +
  '1f337-1f37c 1f37e-1f393 1f3a0-1f3ca 1f3cf-1f3d3 1f3e0-1f3f0 1f3f4 1f3f8-1f43e 1f440 1f442-1f4fc ' +
  '1f4ff-1f53d 1f54b-1f54e 1f550-1f567 1f57a 1f595-1f596 1f5a4 1f5fb-1f64f 1f680-1f6c5 1f6cc 1f6d0-1f6d2 ' +
  '1f6d5-1f6d8 1f6dc-1f6df 1f6eb-1f6ec 1f6f4-1f6fc 1f7e0-1f7eb 1f7f0 1f90c-1f93a 1f93c-1f945 1f947-1f9ff ' +
  '1fa70-1fa7c 1fa80-1fa8a 1fa8e-1fac6 1fac8 1facd-1fadc 1fadf-1faea 1faef-1faf8 20000-2fffd 30000-3fffd';
const WIDE: [number, number][] = WIDE_SRC.split(' ').map((r) => {
  const [a, b] = r.split('-');
  return [parseInt(a, 16), parseInt(b ?? a, 16)];
});
const ZERO_CAT = /^[\p{Mn}\p{Me}\p{Mc}\p{Cf}]$/u;
const ONE_CF = new Set([0xad, 0x600, 0x601, 0x602, 0x603, 0x604, 0x605, 0x6dd, 0x70f, 0x890, 0x891, 0x8e2, 0x110bd, 0x110cd]);

function isWide(cp: number): boolean {
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < WIDE[mid][0]) hi = mid - 1;
    else if (cp > WIDE[mid][1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** wcwidth.wcwidth for one code point: -1 control, 0 combining/format, 2 wide, else 1. */
export function wcwidth(cp: number): number {
  if (cp === 0) return 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return -1;
  if ((cp >= 0x1160 && cp <= 0x11ff) || (cp >= 0xd7b0 && cp <= 0xd7ff) || cp === 0x2028 || cp === 0x2029) return 0;
  if (cp === 0x3164 || cp === 0xffa0) return 0;
  if (cp >= 0x300 && !ONE_CF.has(cp) && ZERO_CAT.test(String.fromCodePoint(cp))) return 0;
  return isWide(cp) ? 2 : 1;
}

/** wcwidth.wcswidth: the sum, or -1 when any character is a control character. */
export function wcswidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = wcwidth(ch.codePointAt(0)!);
    if (c < 0) return -1;
    w += c;
  }
  return w;
}

/** Python `len(s)`: code points. */
function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Python string helpers
// ---------------------------------------------------------------------------------------------

const PY_WS = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LSTRIP = new RegExp(`^[${PY_WS}]+`);
const RSTRIP = new RegExp(`[${PY_WS}]+$`);
const pyStrip = (s: string): string => s.replace(LSTRIP, '').replace(RSTRIP, '');
const pyRstrip = (s: string): string => s.replace(RSTRIP, '');

/** Python `str.splitlines()`. */
function pySplitlines(s: string): string[] {
  const parts = s.split(/\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (s === '') return [];
  return parts;
}

const padRight = (width: number, s: string): string => s + ' '.repeat(Math.max(0, width - pyLen(s)));

// tabulate's _ansi_codes: CSI sequences, and OSC 8 hyperlinks (replaced by their text)
const ANSI = /\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]|\x1b\]8;(?:[\p{L}\p{N}_]+=[\p{L}\p{N}_]+:?)*;([^\x1b]+)\x1b\\([^\x1b]+)\x1b\]8;;\x1b\\/gu;
const stripAnsi = (s: string): string => s.replace(ANSI, (_m, _uri, text) => (text as string | undefined) ?? '');

// ---------------------------------------------------------------------------------------------
// tabulate (0.9.0, disable_numparse=True, stralign left)
// ---------------------------------------------------------------------------------------------

interface Fmt {
  lineabove: [string, string, string, string] | null;
  linebelowheader: [string, string, string, string] | null;
  row: [string, string, string];
  padding: number;
  hideLineAboveWithHeaders: boolean;
  multiline: boolean;
}

const FORMATS: Record<TableFormat, Fmt> = {
  plain: { lineabove: null, linebelowheader: null, row: ['', '  ', ''], padding: 0, hideLineAboveWithHeaders: false, multiline: true },
  github: {
    lineabove: ['|', '-', '|', '|'],
    linebelowheader: ['|', '-', '|', '|'],
    row: ['|', '|', '|'],
    padding: 1,
    hideLineAboveWithHeaders: true,
    multiline: false,
  },
};

const MIN_PADDING = 2;

/**
 * python-tabulate 0.9.0 `tabulate(rows, headers, tablefmt, disable_numparse=True,
 * missingval=...)` for the `plain` and `github` formats (no trailing newline).
 */
export function tabulate(rows: Cell[][], headers: string[], tablefmt: TableFormat, opts: { missingval?: string } = {}): string {
  const missingval = opts.missingval ?? '';
  const fmt = FORMATS[tablefmt];
  let hdrs = [...headers];
  if (hdrs.length && rows.length && hdrs.length < rows[0].length) {
    hdrs = [...Array(rows[0].length - hdrs.length).fill(''), ...hdrs];
  }
  const allText = [...hdrs, ...rows.flatMap((r) => r.map((c) => (c === null || c === undefined ? 'None' : String(c))))].join('\t');
  const hasInvisible = new RegExp(ANSI.source, 'u').test(allText);
  const isMultiline = fmt.multiline && /[\r\n]/.test(allText);

  const lineWidth = hasInvisible ? (s: string) => wcswidth(stripAnsi(s)) : wcswidth;
  const widthFn = isMultiline ? (s: string) => Math.max(...s.split(/[\r\n]/).map(lineWidth)) : lineWidth;

  // columns (zip_longest), cells formatted as str, missing → missingval
  const ncols = rows.reduce((m, r) => Math.max(m, r.length), 0);
  let cols: string[][] = [];
  for (let c = 0; c < ncols; c++) {
    cols.push(rows.map((r) => (r[c] === null || r[c] === undefined ? missingval : String(r[c]))));
  }

  const minwidths0 = hdrs.length ? hdrs.map((h) => widthFn(h) + MIN_PADDING) : cols.map(() => 0);
  const nAligned = Math.min(cols.length, minwidths0.length);
  cols = cols.slice(0, nAligned).map((col, i) => alignColumn(col, minwidths0[i], hasInvisible, isMultiline));

  let colwidths: number[];
  let headerCells: string[] = [];
  if (hdrs.length) {
    const tCols = cols.length ? cols : hdrs.map(() => ['']);
    const n = Math.min(minwidths0.length, tCols.length);
    colwidths = [];
    for (let i = 0; i < n; i++) colwidths.push(Math.max(minwidths0[i], ...tCols[i].map(widthFn)));
    headerCells = colwidths.map((w, i) => alignHeader(hdrs[i], w, widthFn(hdrs[i]), isMultiline, widthFn));
  } else {
    colwidths = cols.map((col) => Math.max(...col.map(widthFn)));
  }
  const tableRows: string[][] = cols.length ? rows.map((_, r) => cols.map((col) => col[r])) : [];

  // _format_table
  const lines: string[] = [];
  const pad = fmt.padding;
  const paddedWidths = colwidths.map((w) => w + 2 * pad);
  const padRow = (cells: string[]): string[] => cells.map((c) => ' '.repeat(pad) + c + ' '.repeat(pad));
  const buildRow = (cells: string[], [b, sep, e]: [string, string, string]): string => pyRstrip(b + cells.join(sep) + e);
  const buildLine = ([b, fill, sep, e]: [string, string, string, string]): string =>
    buildRow(paddedWidths.map((w) => fill.repeat(w)), [b, sep, e]);
  const appendRow = (cells: string[]): void => {
    if (!isMultiline) {
      lines.push(buildRow(padRow(cells), fmt.row));
      return;
    }
    const widths = paddedWidths.map((w) => w - 2 * pad);
    const cellLines = cells.map(pySplitlines);
    const nlines = Math.max(0, ...cellLines.map((l) => l.length));
    const filled = cellLines.map((cl, i) => [...cl, ...Array(nlines - cl.length).fill(' '.repeat(widths[i]))]);
    for (let k = 0; k < nlines; k++) lines.push(buildRow(padRow(filled.map((cl) => cl[k])), fmt.row));
  };

  const hidden = hdrs.length > 0 && fmt.hideLineAboveWithHeaders;
  if (fmt.lineabove && !hidden) lines.push(buildLine(fmt.lineabove));
  if (headerCells.length) {
    appendRow(headerCells);
    if (fmt.linebelowheader) lines.push(buildLine(fmt.linebelowheader));
  }
  for (const r of tableRows) appendRow(r);
  if (hdrs.length || rows.length) return lines.join('\n');
  return '';
}

/** tabulate `_align_column` with alignment "left" and wide-character support. */
function alignColumn(strings: string[], minwidth: number, hasInvisible: boolean, isMultiline: boolean): string[] {
  const stripped = strings.map(pyStrip);
  const lineWidth = hasInvisible ? (s: string) => wcswidth(stripAnsi(s)) : wcswidth;
  if (isMultiline) {
    const sWidths = stripped.map((ms) => ms.split(/[\r\n]/).map(lineWidth));
    const maxwidth = Math.max(...sWidths.flat(), minwidth);
    return stripped.map((ms, i) => {
      const lens = ms.split(/[\r\n]/).map(pyLen);
      const visible = sWidths[i].map((w, k) => maxwidth - (w - lens[k]));
      const parts = pySplitlines(ms);
      const src = parts.length ? parts : [...ms]; // `ms.splitlines() or ms`
      const n = Math.min(src.length, visible.length);
      const out: string[] = [];
      for (let k = 0; k < n; k++) out.push(padRight(visible[k], src[k]));
      return out.join('\n');
    });
  }
  const sWidths = stripped.map(lineWidth);
  const maxwidth = Math.max(...sWidths, minwidth);
  return stripped.map((s, i) => padRight(maxwidth - (sWidths[i] - pyLen(s)), s));
}

/** tabulate `_align_header` with alignment "left". */
function alignHeader(header: string, width: number, visibleWidth: number, isMultiline: boolean, widthFn: (s: string) => number): string {
  if (isMultiline) {
    return header
      .split(/\r|\n/)
      .map((h) => alignHeader(h, width, widthFn(h), false, widthFn))
      .join('\n');
  }
  const ninvisible = pyLen(header) - visibleWidth;
  return padRight(width + ninvisible, header);
}

// ---------------------------------------------------------------------------------------------
// DVC's TabularData.render / ui.table / to_csv
// ---------------------------------------------------------------------------------------------

export interface RenderOptions {
  /** `--md`: GitHub Markdown (`tablefmt="github"`) */
  markdown?: boolean;
  /** `--csv`: `TabularData.to_csv()` */
  csv?: boolean;
}

/**
 * The exact stdout of DVC's `TabularData(headers).render(markdown=..., csv=...)`:
 * - csv: the CSV text as is (it ends with `\r\n`);
 * - no rows and not Markdown: nothing (`""`);
 * - plain: the table and `\n`;
 * - Markdown: the table, `\n` (plain_table adds it) and `\n` (ui.write adds it).
 */
export function renderTable(headers: string[], rows: Cell[][], opts: RenderOptions = {}): string {
  if (opts.csv) return toCsv(headers, rows);
  if (!rows.length && !opts.markdown) return '';
  const text = tabulate(rows, headers, opts.markdown ? 'github' : 'plain', { missingval: '-' });
  return opts.markdown ? text + '\n\n' : text + '\n';
}

function csvField(s: string): string {
  return /[,"\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/** Python `csv.writer` (excel dialect): header row then rows, each ended by `\r\n`. */
export function toCsv(headers: string[], rows: Cell[][]): string {
  const line = (cells: Cell[]): string => {
    const fields = cells.map((c) => (c === null || c === undefined ? '' : String(c)));
    if (fields.length === 1 && fields[0] === '') return '""\r\n';
    return fields.map(csvField).join(',') + '\r\n';
  };
  return [headers, ...rows].map(line).join('');
}

// ---------------------------------------------------------------------------------------------
// JSON (ui.write_json)
// ---------------------------------------------------------------------------------------------

export interface JsonOptions {
  /** `indent=2` when stdout is a TTY in DVC; `undefined` = one line */
  indent?: number;
  /** how an error value is written (DVC: `encode_exception` → `{"type", "msg"}`) */
  encodeError?: (e: Error) => unknown;
}


const defaultEncodeError = (e: Error): unknown => ({ type: e.name, msg: e.message });

/**
 * Python `json.dumps(value, indent=indent)` as `ui.write_json` calls it: key order kept,
 * `ensure_ascii`, floats as Python repr (`1.0`, `1e-05`, `NaN`, `Infinity`), ints as ints,
 * `undefined` object members skipped. No trailing newline.
 */
export function pyJsonDumpsOrdered(value: unknown, opts: JsonOptions = {}): string {
  const indent = opts.indent;
  const enc = opts.encodeError ?? defaultEncodeError;
  const itemSep = indent === undefined ? ', ' : ',';
  const walk = (v: unknown, level: number): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'string') return pyString(v);
    if (v instanceof YamlTimestamp) return pyString(v.text);
    if (typeof v === 'number' || v instanceof YamlFloat) {
      const x = typeof v === 'number' ? v : v.value;
      if (Number.isNaN(x)) return 'NaN';
      if (x === Infinity) return 'Infinity';
      if (x === -Infinity) return '-Infinity';
      return isPyFloat(v) ? pyFloatStr(x) : BigInt(x).toString();
    }
    if (v instanceof Error) return walk(enc(v), level);
    let items: string[];
    let open: string;
    let close: string;
    if (Array.isArray(v)) {
      items = v.map((x) => walk(x, level + 1));
      open = '[';
      close = ']';
    } else {
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
      items = entries
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => pyString(jsonKey(k)) + ': ' + walk(x, level + 1));
      open = '{';
      close = '}';
    }
    if (!items.length) return open + close;
    if (indent === undefined) return open + items.join(itemSep) + close;
    const inner = '\n' + ' '.repeat(indent * (level + 1));
    return open + inner + items.join(itemSep + inner) + '\n' + ' '.repeat(indent * level) + close;
  };
  return walk(value, 0);
}

function jsonKey(k: unknown): string {
  // json.dumps converts non-str keys: True → "true", None → "null", 1.0 → "1.0"
  if (typeof k === 'string') return k;
  if (k === null || k === undefined) return 'null';
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  if (typeof k === 'number' || k instanceof YamlFloat) {
    const x = typeof k === 'number' ? k : k.value;
    if (Number.isNaN(x)) return 'NaN';
    if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
    return isPyFloat(k) ? pyFloatStr(x) : BigInt(x).toString();
  }
  return String(k);
}

/** The exact stdout of `ui.write_json(value)`: the JSON and `\n`. */
export function renderJson(value: unknown, opts: JsonOptions = {}): string {
  return pyJsonDumpsOrdered(value, opts) + '\n';
}
