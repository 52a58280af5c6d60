/**
 * Pure comparison of params / metrics across revisions, as DVC 3 does it, plus the Python value
 * semantics the tables need (`str()`, `repr()`, `round()`, `format(x, '.Ng')`, `==`, `-`).
 *
 * Ports (facts from DVC, own code):
 * - `dvc/utils/flatten.py` (flatten_dict, reducer "dot") → `flattenDict`;
 * - `dvc/utils/diff.py` (`format_dict`, `_parse`, `_flatten`, `_diff_vals`, `_diff_dicts`, `diff`)
 *   → `formatDict`, `diffFileResults`;
 * - `dvc/repo/metrics/diff.py::_diff` (format_dict on both sides, then diff) → `diffFileResults`;
 * - `dvc/compare.py::_format_field` → `formatField`.
 *
 * Python values in JS:
 * - None: `null` / `undefined`;   bool: `boolean`;   str: `string`;   list: arrays;
 * - dict: plain objects or `Map`s;
 * - int: an integral `number` (not -0) or a `bigint`;
 * - float: a non-integral, non-finite or -0 `number`, or a `YamlFloat` (util/yaml.ts) for an
 *   integral float such as `1.0`. Values computed here (a float `diff`) that are integral come back
 *   as `YamlFloat`, so `pyJsonDumps` / `dumpYaml` / the tables print `2.0`, not `2`.
 * Loaders must keep that distinction (parseYaml `keepFloats`, `parsePyJson` here) or `1.0` prints `1`.
 */
import { PipelineError } from '../errors/index.js';
import { pyFloatRepr } from '../util/pyjson.js';
import { YamlFloat, YamlTimestamp, yamlFloat } from '../util/yaml.js';
import { parsePyJson } from '../util/pyjson-parse.js';

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** One file's result from a show (DVC's `FileResult`): parsed data, or the error that stopped it. */
export interface FileResult {
  data?: unknown;
  error?: unknown;
}

/** One key's change (`{"old": v, "new": v, "diff": d}`); `diff` only when both sides are numbers. */
export interface DiffEntry {
  old: unknown;
  new: unknown;
  diff?: unknown;
}

/** `{path: {key: DiffEntry}}`, DVC's `--json` shape of `params diff` / `metrics diff`. */
export type DiffResult = Record<string, Record<string, DiffEntry>>;

export interface DiffOptions {
  /** keep unchanged keys too (`--all`, DVC's `with_unchanged`) */
  all?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Python type model
// ---------------------------------------------------------------------------------------------

export type PyKind = 'none' | 'bool' | 'int' | 'float' | 'str' | 'list' | 'dict' | 'other';

export function pyKind(v: unknown): PyKind {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return Number.isInteger(v) && !Object.is(v, -0) ? 'int' : 'float';
  if (v instanceof YamlFloat) return 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  if (isDict(v)) return 'dict';
  return 'other';
}

export function isPyFloat(v: unknown): boolean {
  return pyKind(v) === 'float';
}

/** Python `isinstance(v, (int, float))` — bool included, as in Python. */
export function isPyNumber(v: unknown): boolean {
  const k = pyKind(v);
  return k === 'int' || k === 'float' || k === 'bool';
}

export function isDict(v: unknown): v is Record<string, unknown> | Map<unknown, unknown> {
  if (v instanceof Map) return true;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  if (v instanceof YamlFloat || v instanceof YamlTimestamp || v instanceof Error) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function dictEntries(d: Record<string, unknown> | Map<unknown, unknown>): [unknown, unknown][] {
  return d instanceof Map ? [...d.entries()] : Object.entries(d);
}

function floatValue(v: unknown): number {
  if (v instanceof YamlFloat) return v.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  return v as number;
}

function intValue(v: unknown): bigint {
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'bigint') return v;
  return BigInt(v as number);
}

function intResult(b: bigint): number | bigint {
  const n = Number(b);
  return Number.isSafeInteger(n) ? n : b;
}

/** A float result: integral finite values are wrapped so they keep printing as floats. */
export function pyFloat(x: number): number | YamlFloat {
  return Number.isFinite(x) && Number.isInteger(x) ? yamlFloat(x) : x;
}

/** Python float `repr`/`str`: `0.5`, `1.0`, `1e-05`, `inf`, `nan`. */
export function pyFloatStr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return pyFloatRepr(x);
}

// ---------------------------------------------------------------------------------------------
// str() / repr()
// ---------------------------------------------------------------------------------------------

const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

/** Python `repr(str)`. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x7f) out += ch;
    else if (!NON_PRINTABLE.test(ch)) out += ch;
    else if (cp < 0x100) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + quote;
}

/** Python `repr(v)`: `'a'`, `[1, 'b']`, `{'k': True}`, `None`, `1.0`. */
export function pyRepr(v: unknown): string {
  const k = pyKind(v);
  switch (k) {
    case 'none':
      return 'None';
    case 'bool':
      return v ? 'True' : 'False';
    case 'int':
      return typeof v === 'bigint' ? v.toString() : BigInt(v as number).toString();
    case 'float':
      return pyFloatStr(floatValue(v));
    case 'str':
      return pyStrRepr(v as string);
    case 'list':
      return '[' + (v as unknown[]).map(pyRepr).join(', ') + ']';
    case 'dict':
      return (
        '{' +
        dictEntries(v as Record<string, unknown>)
          .map(([key, val]) => pyRepr(key) + ': ' + pyRepr(val))
          .join(', ') +
        '}'
      );
    default:
      if (v instanceof YamlTimestamp) return v.text;
      return String(v);
  }
}

/** Python `str(v)`: a str is itself, anything else its repr. */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof YamlTimestamp) return v.text;
  return pyRepr(v);
}

// ---------------------------------------------------------------------------------------------
// Exact decimal arithmetic on doubles: round() and format(x, '.Ng')
// ---------------------------------------------------------------------------------------------

/** |x| (finite, non-zero) exactly as `digits × 10^-scale` (digits without leading zeros). */
function exactDecimal(x: number): { digits: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (biased === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = biased - 1075;
  }
  if (e2 >= 0) return { digits: mant << BigInt(e2), scale: 0 };
  // mant / 2^k = mant * 5^k / 10^k
  const k = -e2;
  return { digits: mant * 5n ** BigInt(k), scale: k };
}

/** q = round_half_even(n / d) for n >= 0, d > 0. */
function divHalfEven(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r2 = (n - q * d) * 2n;
  if (r2 > d || (r2 === d && q % 2n === 1n)) return q + 1n;
  return q;
}

/**
 * Python `round(x, ndigits)` for a float: the exact binary value rounded half-to-even to
 * `ndigits` decimals (negative allowed), then the nearest double. round(2.675, 2) = 2.67,
 * round(0.125, 2) = 0.12, round(-0.001, 2) = -0.0.
 */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (ndigits > 323) return x;
  if (ndigits < -308) return 0 * x;
  const { digits, scale } = exactDecimal(x);
  if (scale <= ndigits) return x;
  const q = divHalfEven(digits, 10n ** BigInt(scale - ndigits));
  let text: string;
  if (ndigits >= 0) {
    const s = q.toString().padStart(ndigits + 1, '0');
    text = s.slice(0, s.length - ndigits) + (ndigits ? '.' + s.slice(s.length - ndigits) : '');
  } else {
    text = q.toString() + '0'.repeat(-ndigits);
  }
  const r = Number(text);
  return x < 0 ? -r : r;
}

/** Python `format(x, f'.{precision}g')` for a float. */
export function pyFormatG(x: number, precision: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const p = precision === 0 ? 1 : precision;
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return sign + '0';
  const { digits, scale } = exactDecimal(x);
  let s = digits.toString();
  let exp10 = s.length - 1 - scale; // x = d.ddd × 10^exp10
  if (s.length > p) {
    let q = divHalfEven(digits, 10n ** BigInt(s.length - p));
    if (q.toString().length > p) {
      q /= 10n;
      exp10 += 1;
    }
    s = q.toString();
  }
  s = s.padEnd(p, '0');
  let out: string;
  if (exp10 >= -4 && exp10 < p) {
    if (exp10 >= 0) {
      const intPart = s.slice(0, exp10 + 1);
      const frac = s.slice(exp10 + 1).replace(/0+$/, '');
      out = intPart + (frac ? '.' + frac : '');
    } else {
      const frac = ('0'.repeat(-exp10 - 1) + s).replace(/0+$/, '');
      out = '0.' + frac;
    }
  } else {
    const frac = s.slice(1).replace(/0+$/, '');
    const e = Math.abs(exp10).toString().padStart(2, '0');
    out = s[0] + (frac ? '.' + frac : '') + 'e' + (exp10 < 0 ? '-' : '+') + e;
  }
  return sign + out;
}

// ---------------------------------------------------------------------------------------------
// == and -
// ---------------------------------------------------------------------------------------------

/** Python `a == b` over the value model (1 == 1.0 == True; NaN != NaN; dicts ignore order). */
export function pyEquals(a: unknown, b: unknown): boolean {
  const ka = pyKind(a);
  const kb = pyKind(b);
  if (isPyNumber(a) && isPyNumber(b)) {
    if (ka === 'float' || kb === 'float') return floatValue(a) === floatValue(b);
    return intValue(a) === intValue(b);
  }
  if (ka !== kb) return false;
  switch (ka) {
    case 'none':
      return true;
    case 'str':
      return a === b;
    case 'list': {
      const la = a as unknown[];
      const lb = b as unknown[];
      return la.length === lb.length && la.every((x, i) => pyEquals(x, lb[i]));
    }
    case 'dict': {
      const ea = dictEntries(a as Record<string, unknown>);
      const mb = new Map(dictEntries(b as Record<string, unknown>).map(([k, v]) => [dictKey(k), v]));
      if (ea.length !== mb.size) return false;
      return ea.every(([k, v]) => mb.has(dictKey(k)) && pyEquals(v, mb.get(dictKey(k))));
    }
    default:
      if (a instanceof YamlTimestamp && b instanceof YamlTimestamp) return a.text === b.text;
      return a === b;
  }
}

function dictKey(k: unknown): unknown {
  // 1 == 1.0 == True as dict keys; strings stay distinct from numbers.
  if (isPyNumber(k)) return 'n:' + floatValue(k);
  return k;
}

/** Python `new - old` for two numbers (bools count as ints): an int, or a float if either is one. */
export function pySub(newV: unknown, oldV: unknown): unknown {
  if (isPyFloat(newV) || isPyFloat(oldV)) return pyFloat(floatValue(newV) - floatValue(oldV));
  return intResult(intValue(newV) - intValue(oldV));
}

// ---------------------------------------------------------------------------------------------
// flatten / format_dict
// ---------------------------------------------------------------------------------------------

function setKey<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * flatten_dict.flatten(d, reducer="dot"): nested dicts → `a.b.c` keys, in order; an empty nested
 * dict disappears; lists are leaves. A key produced twice (`{"a.b": 1, "a": {"b": 2}}`) throws,
 * as flatten_dict raises `ValueError: duplicated key 'a.b'`.
 */
export function flattenDict(d: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (node: Record<string, unknown> | Map<unknown, unknown>, parent: string | null): boolean => {
    let hasChild = false;
    for (const [k, v] of dictEntries(node)) {
      hasChild = true;
      const key = parent === null ? pyStr(k) : parent + '.' + pyStr(k);
      if (isDict(v)) {
        walk(v, key); // an empty dict leaves nothing (keep_empty_types=())
        continue;
      }
      if (out.has(key)) throw new PipelineError(`duplicated key '${key}'`);
      out.set(key, v);
    }
    return hasChild;
  };
  if (isDict(d)) walk(d, null);
  return out;
}

/** `dvc.utils.diff.format_dict`: lists anywhere inside dicts become `str(list)`. */
export function formatDict(d: Record<string, unknown> | Map<unknown, unknown>): Record<string, unknown> | Map<unknown, unknown> {
  const conv = (val: unknown): unknown => {
    if (isDict(val)) return formatDict(val);
    if (Array.isArray(val)) return pyStr(val);
    return val;
  };
  if (d instanceof Map) return new Map([...d.entries()].map(([k, v]) => [k, conv(v)]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) setKey(out, k, conv(v));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Python json.loads (float-preserving)
// ---------------------------------------------------------------------------------------------

export { parsePyJson };

// ---------------------------------------------------------------------------------------------
// diff (dvc/utils/diff.py + dvc/repo/metrics/diff.py::_diff)
// ---------------------------------------------------------------------------------------------

const UNABLE = 'unable to parse';

function parseRaw(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return parsePyJson(raw);
  } catch {
    return raw;
  }
}

function isTruthy(v: unknown): boolean {
  const k = pyKind(v);
  if (k === 'none') return false;
  if (k === 'bool') return v as boolean;
  if (k === 'int') return intValue(v) !== 0n;
  if (k === 'float') return floatValue(v) !== 0; // NaN is truthy
  if (k === 'str') return (v as string).length > 0;
  if (k === 'list') return (v as unknown[]).length > 0;
  if (k === 'dict') return dictEntries(v as Record<string, unknown>).length > 0;
  return true;
}

/** `_flatten`: falsy → every key None; dict → flattened; anything else → "unable to parse". */
function flattenSide(d: unknown): (key: string) => unknown {
  if (!isTruthy(d)) return () => null;
  if (isDict(d)) {
    const flat = flattenDict(d);
    return (key) => (flat.has(key) ? flat.get(key) : null);
  }
  return () => UNABLE;
}

function sideKeys(d: unknown): string[] {
  return isTruthy(d) && isDict(d) ? [...flattenDict(d).keys()] : [];
}

function diffVals(oldV: unknown, newV: unknown, all: boolean): DiffEntry | null {
  if (Array.isArray(oldV) && Array.isArray(newV) && oldV.length === 1 && newV.length === 1) {
    return diffVals(oldV[0], newV[0], all);
  }
  if (!all && pyEquals(oldV, newV)) return null;
  const res: DiffEntry = { old: oldV ?? null, new: newV ?? null };
  if (isPyNumber(newV) && isPyNumber(oldV)) res.diff = pySub(newV, oldV);
  return res;
}

function diffDicts(oldD: unknown, newD: unknown, all: boolean): Record<string, DiffEntry> {
  const oldGet = flattenSide(oldD);
  const newGet = flattenSide(newD);
  const keys = [...new Set([...sideKeys(oldD), ...sideKeys(newD)])];
  const res: Record<string, DiffEntry> = {};
  for (const key of keys) {
    const d = diffVals(oldGet(key), newGet(key), all);
    if (d) setKey(res, key, d);
  }
  return res;
}

/** `_diff(old_raw, new_raw)`: one file's data on both sides → its changed keys. */
export function diffData(oldRaw: unknown, newRaw: unknown, opts: DiffOptions = {}): Record<string, DiffEntry> {
  const all = !!opts.all;
  const oldV = parseRaw(oldRaw);
  const newV = parseRaw(newRaw);
  if (isDict(oldV) || isDict(newV)) return diffDicts(oldV, newV, all);
  const d = diffVals(oldV, newV, all);
  return d ? { '': d } : {};
}

function formattedData(fr: FileResult | undefined): unknown {
  // format_dict over the FileResult, then `.get("data", {})`
  if (!fr || !('data' in fr) || fr.data === undefined) return {};
  const data = fr.data;
  if (isDict(data)) return formatDict(data);
  if (Array.isArray(data)) return pyStr(data);
  return data;
}

/**
 * DVC's metrics/params diff between two revisions' file results (`{path: {data}|{error}}`, as
 * `metrics.show()` / `params.show()` return them per revision) → `{path: {key: {old, new, diff?}}}`.
 * A file with an error (or missing on one side) counts as empty there. Files appear in order of
 * first appearance (old side, then new), keys likewise; DVC iterates Python sets there, so its own
 * order is arbitrary, and its tables sort keys within a file.
 */
export function diffFileResults(
  oldFiles: Record<string, FileResult>,
  newFiles: Record<string, FileResult>,
  opts: DiffOptions = {},
): DiffResult {
  const paths = [...new Set([...Object.keys(oldFiles), ...Object.keys(newFiles)])];
  const res: DiffResult = {};
  for (const path of paths) {
    const d = diffData(formattedData(oldFiles[path]), formattedData(newFiles[path]), opts);
    if (Object.keys(d).length) setKey(res, path, d);
  }
  return res;
}

// ---------------------------------------------------------------------------------------------
// Table cells (dvc/compare.py::_format_field)
// ---------------------------------------------------------------------------------------------

/**
 * `_format_field(val, precision, round_digits)`: floats are rounded with Python `round()` when
 * `roundDigits`, otherwise formatted `'{:.{precision}g}'`; nothing happens without a (non-zero)
 * precision; dicts and lists are formatted inside, then the whole value is `str()`-ed.
 */
export function formatField(val: unknown, precision?: number | null, roundDigits = false): string {
  const fmt = (v: unknown): unknown => {
    if (isPyFloat(v) && precision) {
      return roundDigits ? pyFloat(pyRound(floatValue(v), precision)) : pyFormatG(floatValue(v), precision);
    }
    if (isDict(v)) {
      if (v instanceof Map) return new Map([...v.entries()].map(([k, x]) => [k, fmt(x)]));
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) setKey(out, k, fmt(x));
      return out;
    }
    if (Array.isArray(v)) return v.map(fmt);
    return v;
  };
  return pyStr(fmt(val));
}
