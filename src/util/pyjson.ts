/**
 * Python-compatible `json.dumps(obj, sort_keys=True)` with default separators (", ", ": ") and
 * ensure_ascii=True. Keys sort by code point, as Python sorts str. Used for .dir manifests,
 * stage md5s and run-cache keys, which DVC hashes byte for byte.
 */
import { compareCodePoints } from './paths.js';

export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'bigint') return value.toString();
  // Wrapper values from util/yaml.ts (duck-typed to avoid an import cycle): YamlFloat → Python
  // float, YamlTimestamp → its text.
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const ctor = (value as object).constructor?.name;
    if (ctor === 'YamlFloat') return pyFloatOrSpecial((value as { value: number }).value);
    if (ctor === 'YamlTimestamp') return pyString((value as { text: string }).text);
  }
  if (Array.isArray(value)) return '[' + value.map(pyJsonDumps).join(', ') + ']';
  if (typeof value === 'object') {
    const keys = Object.keys(value as object).sort(compareCodePoints);
    return '{' + keys.map((k) => pyString(k) + ': ' + pyJsonDumps((value as Record<string, unknown>)[k])).join(', ') + '}';
  }
  throw new TypeError(`cannot serialise ${typeof value}`);
}

function pyFloatOrSpecial(n: number): string {
  if (!Number.isFinite(n)) return pyNumber(n);
  return pyFloatRepr(n);
}

function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Number.isInteger(n) && !Object.is(n, -0) && Math.abs(n) < 1e16) return String(n);
  return pyFloatRepr(n);
}

/** Python float repr: shortest round-trip digits; exponent form when exp < -4 or exp >= 16. */
export function pyFloatRepr(n: number): string {
  if (Object.is(n, -0)) return '-0.0';
  const [mant, expStr] = n.toExponential().split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let out: string;
  if (exp >= 0) {
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    out = intPart + '.' + (frac === '' ? '0' : frac);
  } else {
    out = '0.' + '0'.repeat(-exp - 1) + digits;
  }
  return (neg ? '-' : '') + out;
}

/** A string as Python's json.dumps writes it (ensure_ascii): quoted, escaped, non-ASCII as \\uXXXX. */
export function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}
