/**
 * Python's `json.loads` for keel's readers of params and metrics files, keeping what JSON.parse
 * loses: an integral float stays a float (`1.0` → YamlFloat), big ints become bigint, NaN /
 * Infinity / -Infinity are accepted, a repeated key keeps its first position and last value.
 */
import { yamlFloat, type YamlFloat } from './yaml.js';

export interface PyJsonOptions {
  /** build objects from their entries (e.g. a Map when keys would be reordered by JS) */
  makeObject?: (entries: [string, unknown][]) => unknown;
}

/** A syntax error at character `pos` (Python's JSONDecodeError); `line`/`column` are 1-based. */
export class PyJsonError extends SyntaxError {
  readonly line: number;
  readonly column: number;
  constructor(
    readonly reason: string,
    readonly pos: number,
    text: string,
  ) {
    super(`${reason}: char ${pos}`);
    const before = text.slice(0, pos);
    this.line = before.split('\n').length;
    this.column = pos - before.lastIndexOf('\n');
  }
}

function intResult(b: bigint): number | bigint {
  const n = Number(b);
  return Number.isSafeInteger(n) ? n : b;
}

function pyFloat(x: number): number | YamlFloat {
  return Number.isFinite(x) && Number.isInteger(x) ? yamlFloat(x) : x;
}

/**
 * Python `json.loads`: `1.0` → `YamlFloat(1)`, big ints → `bigint`, `NaN`/`Infinity`/`-Infinity`
 * accepted, duplicate keys keep the last value. Throws `SyntaxError` where Python raises
 * `JSONDecodeError`. Metrics/params loaders can use it to keep `1.0` a float.
 */
export function parsePyJson(text: string, o: PyJsonOptions = {}): unknown {
  let i = 0;
  const n = text.length;
  const fail = (msg: string): never => {
    throw new PyJsonError(msg, i, text);
  };
  const ws = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= n) fail('Unterminated string starting at');
      const c = text[i];
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const e = text[i + 1];
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in map) {
          out += map[e];
          i += 2;
        } else if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid \\uXXXX escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else fail('Invalid \\escape');
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail('Invalid control character at');
      out += c;
      i++;
    }
  };
  const value = (): unknown => {
    ws();
    if (i >= n) fail('Expecting value');
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: [string, unknown][] = [];
      const index = new Map<string, number>();
      const done = (): unknown => (o.makeObject ? o.makeObject(entries) : Object.fromEntries(entries));
      ws();
      if (text[i] === '}') {
        i++;
        return done();
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('Expecting property name enclosed in double quotes');
        const k = str();
        ws();
        if (text[i] !== ':') fail("Expecting ':' delimiter");
        i++;
        const v = value();
        // a repeated key: last value, first position (Python dict)
        const at = index.get(k);
        if (at === undefined) {
          index.set(k, entries.length);
          entries.push([k, v]);
        } else entries[at] = [k, v];
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return done();
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '"') return str();
    for (const [word, val] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
    ] as [string, unknown][]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return val;
      }
    }
    const m = /^(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail('Expecting value');
    i += m[0].length;
    if (m[2] !== undefined || m[3] !== undefined) return pyFloat(Number(m[0]));
    return intResult(BigInt(m[1]));
  };
  const v = value();
  ws();
  if (i < n) fail('Extra data');
  return v;
}

