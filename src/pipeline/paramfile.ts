/**
 * Params files as DVC reads them (`dvc/utils/serialize/__init__.py`, `dvc/dependency/param.py`):
 * the loader is chosen by the file's suffix, case-insensitively — `.json` JSON, `.toml` TOML, `.py`
 * module- and class-level assignments (Python's AST reader), and every other suffix YAML.
 *
 * Values keep the shape DVC's Python sees, so they can be written back into dvc.lock unchanged:
 * an integral float stays a float (`YamlFloat`: `lr: 1.0` is not `1`), big ints are `bigint`s, and
 * a mapping with non-string or integer-like keys is a `Map` (a plain object would reorder them).
 * Known gaps: an integral TOML float (`x = 1.0`) reads as the int 1 (smol-toml does not say it was
 * a float), and TOML dates become their ISO text.
 *
 * Keys are dotted paths looked up as `dpath.get(config, key, separator=".")` does: `a.b.0` indexes
 * a list, and a segment with `*`, `?` or `[` is an fnmatch pattern that must match exactly one
 * entry.
 */
import * as path from 'node:path';
import { parse as parseToml, TomlDate } from 'smol-toml';
import { FileFormatError, PipelineError } from '../errors/index.js';
import { parsePyJson as parsePyJsonText, PyJsonError } from '../util/pyjson-parse.js';
import { toPosix } from '../util/paths.js';
import { isArrayIndex, parseYaml, PYTHON_NATIVE, YamlFloat } from '../util/yaml.js';
import type { Stage } from './types.js';

// ---------------------------------------------------------------------------------------------
// Mapping helpers (a params mapping is a plain object or, for odd keys, a Map)
// ---------------------------------------------------------------------------------------------

/** True for a plain object or a Map (what a parsed mapping may be). */
export function isMapping(v: unknown): v is Record<string, unknown> | Map<unknown, unknown> {
  if (v instanceof Map) return true;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Entries of a mapping in file order, keys as parsed. */
export function mappingEntries(v: Record<string, unknown> | Map<unknown, unknown>): [unknown, unknown][] {
  return v instanceof Map ? [...v.entries()] : Object.entries(v);
}

/** Python's `str(key)` for a mapping key: `True`, `None`, `1.0`, … */
function keyText(k: unknown): string {
  if (typeof k === 'string') return k;
  if (k === null) return 'None';
  if (typeof k === 'boolean') return k ? 'True' : 'False';
  return String(k);
}

/** Build a mapping from entries: a plain object, or a Map when a JS object would reorder or retype keys. */
export function makeMapping(entries: [unknown, unknown][]): Record<string, unknown> | Map<unknown, unknown> {
  if (entries.some(([k]) => typeof k !== 'string' || isArrayIndex(k))) return new Map(entries);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k as string] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/**
 * Parse a params file's text by its suffix (`file` names it in errors and picks the format).
 * An empty YAML or JSON document gives `{}`, as DVC's `parse_yaml(...) or {}` does.
 */
export function readParamFile(text: string, file: string): unknown {
  const suffix = path.extname(file).toLowerCase();
  if (suffix === '.json') return orEmpty(parsePyJson(text, file));
  if (suffix === '.toml') return parseTomlFile(text, file);
  if (suffix === '.py') return parsePyParams(text, file);
  // ruamel's Reader refuses these before parsing; the yaml package would read them as text
  const bad = /[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.exec(text);
  if (bad) {
    const line = text.slice(0, bad.index).split('\n').length;
    throw new FileFormatError(file, `YAML error at line ${line}: special characters are not allowed (#x${bad[0].codePointAt(0)!.toString(16).padStart(4, '0')})`, {
      data: { line },
    });
  }
  return orEmpty(parseYaml(text, file, PYTHON_NATIVE));
}

/** Python's `data or {}` */
function orEmpty(v: unknown): unknown {
  const falsy =
    v === null ||
    v === undefined ||
    v === false ||
    v === 0 ||
    v === '' ||
    (Array.isArray(v) && v.length === 0) ||
    (isMapping(v) && mappingEntries(v).length === 0);
  return falsy ? {} : v;
}

function parseTomlFile(text: string, file: string): unknown {
  let data: unknown;
  try {
    data = parseToml(text, { integersAsBigInt: 'asNeeded' });
  } catch (e) {
    throw new FileFormatError(file, `TOML file structure is corrupted: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  const conv = (v: unknown): unknown => {
    if (v instanceof TomlDate) return v.toISOString();
    if (Array.isArray(v)) return v.map(conv);
    if (isMapping(v)) return makeMapping(mappingEntries(v).map(([k, x]) => [k, conv(x)]));
    return v;
  };
  return conv(data);
}

// ---- JSON, as Python's json.loads (util/pyjson-parse.ts), with keel's mappings and errors

function parsePyJson(text: string, file: string): unknown {
  try {
    return parsePyJsonText(text, { makeObject: makeMapping });
  } catch (e) {
    if (!(e instanceof PyJsonError)) throw e;
    throw new FileFormatError(file, `JSON file structure is corrupted: ${e.reason} at line ${e.line}, column ${e.column}`, {
      data: { line: e.line, column: e.column },
    });
  }
}

// ---- Python: module- and class-level `NAME = literal` (dvc/utils/serialize/_py.py)

interface PyLine {
  indent: number;
  text: string;
  line: number;
}

const PY_CORRUPTED = 'Python file structure is corrupted';

/** Split Python source into logical lines (comments dropped, brackets and `\` joined). */
function pyLogicalLines(src: string, file: string): PyLine[] {
  const lines: PyLine[] = [];
  let i = 0;
  const n = src.length;
  let lineNo = 1;
  while (i < n) {
    // indentation of a physical line
    let indent = 0;
    const startLine = lineNo;
    while (i < n && (src[i] === ' ' || src[i] === '\t' || src[i] === '\f')) {
      indent = src[i] === '\t' ? indent + 8 - (indent % 8) : indent + 1;
      i++;
    }
    let text = '';
    let depth = 0;
    for (;;) {
      if (i >= n) break;
      const c = src[i];
      if (c === '#') {
        while (i < n && src[i] !== '\n') i++;
        continue;
      }
      if (c === '\\' && (src[i + 1] === '\n' || (src[i + 1] === '\r' && src[i + 2] === '\n'))) {
        i += src[i + 1] === '\n' ? 2 : 3;
        lineNo++;
        text += ' ';
        continue;
      }
      if (c === '\r' && src[i + 1] === '\n') {
        i++;
        continue;
      }
      if (c === '\n') {
        i++;
        lineNo++;
        if (depth > 0) {
          text += ' ';
          continue;
        }
        break;
      }
      if (c === '"' || c === "'") {
        const triple = src.startsWith(c.repeat(3), i);
        const q = triple ? c.repeat(3) : c;
        let j = i + q.length;
        for (;;) {
          if (j >= n) throw new FileFormatError(file, PY_CORRUPTED, { data: { line: lineNo } });
          if (src[j] === '\\') {
            if (src[j + 1] === '\n') lineNo++;
            j += 2;
            continue;
          }
          if (src[j] === '\n') {
            if (!triple) throw new FileFormatError(file, PY_CORRUPTED, { data: { line: lineNo } });
            lineNo++;
          }
          if (src.startsWith(q, j)) {
            j += q.length;
            break;
          }
          j++;
        }
        text += src.slice(i, j);
        i = j;
        continue;
      }
      if ('([{'.includes(c)) depth++;
      if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
      text += c;
      i++;
    }
    if (depth > 0) throw new FileFormatError(file, PY_CORRUPTED, { data: { line: startLine } });
    if (text.trim() !== '') lines.push({ indent, text: text.trim(), line: startLine });
  }
  return lines;
}

/** Index of the first top-level (not in brackets or strings) occurrence of a char matched by `test`. */
function pyScan(s: string, test: (s: string, i: number) => boolean): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === "'") {
      const triple = s.startsWith(c.repeat(3), i);
      const q = triple ? c.repeat(3) : c;
      let j = i + q.length;
      while (j < s.length && !s.startsWith(q, j)) j += s[j] === '\\' ? 2 : 1;
      i = j + q.length - 1;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0 && test(s, i)) return i;
  }
  return -1;
}

function pySplitTop(s: string, sep: string): string[] {
  const parts: string[] = [];
  let rest = s;
  for (;;) {
    const at = pyScan(rest, (t, i) => t[i] === sep);
    if (at < 0) break;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts;
}

class NotLiteral extends Error {}

/** `ast.literal_eval` for the literal forms Python params files use. */
function pyLiteral(src: string): unknown {
  let i = 0;
  const s = src;
  const ws = (): void => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  const bad = (): never => {
    throw new NotLiteral(src);
  };
  const expr = (): unknown => {
    ws();
    const c = s[i];
    if (c === '-' || c === '+') {
      i++;
      const v = expr();
      if (typeof v === 'number') return c === '-' ? -v : v;
      if (typeof v === 'bigint') return c === '-' ? -v : v;
      if (v instanceof YamlFloat) return new YamlFloat(c === '-' ? -v.value : v.value);
      return bad();
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const items: unknown[] = [];
      let comma = false;
      for (;;) {
        ws();
        if (s[i] === close) {
          i++;
          break;
        }
        items.push(expr());
        ws();
        if (s[i] === ',') {
          comma = true;
          i++;
        } else if (s[i] !== close) bad();
      }
      if (c === '(' && items.length === 1 && !comma) return items[0];
      return items;
    }
    if (c === '{') {
      i++;
      const entries: [unknown, unknown][] = [];
      const set: unknown[] = [];
      for (;;) {
        ws();
        if (s[i] === '}') {
          i++;
          break;
        }
        const k = expr();
        ws();
        if (s[i] === ':') {
          if (set.length) bad();
          i++;
          const v = expr();
          const at = entries.findIndex(([x]) => x === k);
          if (at >= 0) entries[at] = [k, v];
          else entries.push([k, v]);
        } else {
          if (entries.length) bad();
          if (!set.includes(k)) set.push(k);
        }
        ws();
        if (s[i] === ',') i++;
        else if (s[i] !== '}') bad();
      }
      return set.length ? set : makeMapping(entries.map(([k, v]) => [k instanceof YamlFloat ? k.value : k, v]));
    }
    const strM = /^([rRbBuU]{0,2})('''|"""|'|")/.exec(s.slice(i));
    if (strM && !/[fF]/.test(strM[1])) {
      let out = '';
      // adjacent literals concatenate
      for (;;) {
        ws();
        const m = /^([rRbBuU]{0,2})('''|"""|'|")/.exec(s.slice(i));
        if (!m || /[fF]/.test(m[1])) break;
        const raw = /[rR]/.test(m[1]);
        const q = m[2];
        i += m[0].length;
        let j = i;
        while (j < s.length && !s.startsWith(q, j)) j += s[j] === '\\' ? 2 : 1;
        if (j >= s.length) bad();
        const body = s.slice(i, j);
        out += raw ? body : pyUnescape(body);
        i = j + q.length;
      }
      return out;
    }
    const numM = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][-+]?[0-9_]+)?)[jJ]?/.exec(s.slice(i));
    if (numM && numM[0] !== '' && numM[0] !== '.' && /[0-9]/.test(numM[0])) {
      const t = numM[0].replace(/_/g, '');
      i += numM[0].length;
      if (/[jJ]$/.test(t)) return bad(); // complex numbers have no params equivalent
      if (/^0[xXoObB]/.test(t)) {
        const big = BigInt(t.toLowerCase());
        return Number.isSafeInteger(Number(big)) ? Number(big) : big;
      }
      if (/[.eE]/.test(t)) {
        const f = Number(t);
        return Number.isInteger(f) ? new YamlFloat(f) : f;
      }
      const big = BigInt(t);
      return Number.isSafeInteger(Number(big)) ? Number(big) : big;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
    if (word) {
      i += word[0].length;
      if (word[0] === 'True') return true;
      if (word[0] === 'False') return false;
      if (word[0] === 'None') return null;
      if (word[0] === 'set' && /^\s*\(\s*\)/.test(s.slice(i))) {
        i += /^\s*\(\s*\)/.exec(s.slice(i))![0].length;
        return [];
      }
    }
    return bad();
  };
  const v = expr();
  ws();
  if (i < s.length) bad();
  return v;
}

function pyUnescape(body: string): string {
  return body.replace(/\\(\n|\\|'|"|a|b|f|n|r|t|v|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    const simple: Record<string, string> = { '\n': '', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
    if (e in simple) return simple[e];
    if (/^[xuU]/.test(e)) return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return '\\' + e;
  });
}

/** The assignment target's name, as `_get_ast_name` picks it; undefined = not a params assignment. */
function pyTargetName(target: string, onlySelf: boolean): string | undefined {
  const t = target.trim();
  if (!onlySelf && /^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) return t;
  const m = /^self\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)$/.exec(t);
  return m ? m[1] : undefined;
}

function pyAssignment(stmt: string, onlySelf: boolean): [string, unknown] | undefined {
  const eq = pyScan(stmt, (s, i) => s[i] === '=' && !'=<>!+-*/%&|^@:~'.includes(s[i - 1] ?? '') && s[i + 1] !== '=');
  if (eq < 0) return undefined;
  let target = stmt.slice(0, eq);
  const value = stmt.slice(eq + 1);
  if (pyScan(value, (s, i) => s[i] === '=' && !'=<>!'.includes(s[i - 1] ?? '') && s[i + 1] !== '=') >= 0) return undefined; // a = b = 1
  const colon = pyScan(target, (s, i) => s[i] === ':');
  if (colon >= 0) target = target.slice(0, colon); // annotated assignment
  if (pyScan(target, (s, i) => s[i] === ',') >= 0) return undefined; // tuple targets
  const name = pyTargetName(target, onlySelf);
  if (name === undefined) return undefined;
  const parts = pySplitTop(value, ',');
  try {
    if (parts.length > 1) {
      if (parts[parts.length - 1].trim() === '') parts.pop();
      return [name, parts.map((p) => pyLiteral(p))];
    }
    return [name, pyLiteral(value)];
  } catch (e) {
    if (e instanceof NotLiteral) return undefined; // DVC skips what literal_eval refuses
    throw e;
  }
}

function parsePyParams(text: string, file: string): Record<string, unknown> | Map<unknown, unknown> {
  const lines = pyLogicalLines(text, file);
  const block = (from: number, to: number, onlySelf: boolean): [unknown, unknown][] => {
    const out: [unknown, unknown][] = [];
    const set = (k: string, v: unknown): void => {
      const at = out.findIndex(([x]) => x === k);
      if (at >= 0) out[at] = [k, v];
      else out.push([k, v]);
    };
    if (from >= to) return out;
    const indent = lines[from].indent;
    let i = from;
    while (i < to) {
      const ln = lines[i];
      if (ln.indent > indent) throw new FileFormatError(file, `${PY_CORRUPTED} (unexpected indent)`, { data: { line: ln.line } });
      let end = i + 1;
      while (end < to && lines[end].indent > indent) end++;
      const header = /^(class|def)\s+([A-Za-z_][A-Za-z0-9_]*)\b/.exec(ln.text);
      if (header) {
        const colon = pyScan(ln.text, (s, j) => s[j] === ':' && j > header[0].length - 1);
        if (colon < 0) throw new FileFormatError(file, `${PY_CORRUPTED} (missing ':')`, { data: { line: ln.line } });
        const inline = ln.text.slice(colon + 1).trim();
        let body: [unknown, unknown][];
        const isInit = header[1] === 'def' && header[2] === '__init__';
        if (header[1] === 'class' || isInit) {
          const childSelf = header[1] === 'def';
          if (inline) {
            body = [];
            for (const stmt of pySplitTop(inline, ';')) {
              const a = pyAssignment(stmt, childSelf);
              if (a) body.push(a);
            }
          } else body = block(i + 1, end, childSelf);
          if (header[1] === 'class') set(header[2], makeMapping(body));
          else for (const [k, v] of body) set(k as string, v);
        }
      } else {
        for (const stmt of pySplitTop(ln.text, ';')) {
          const a = pyAssignment(stmt, onlySelf);
          if (a) set(a[0], a[1]);
        }
      }
      i = end;
    }
    return out;
  };
  if (lines.length && lines[0].indent > 0) throw new FileFormatError(file, `${PY_CORRUPTED} (unexpected indent)`, { data: { line: lines[0].line } });
  return makeMapping(block(0, lines.length, false));
}

// ---------------------------------------------------------------------------------------------
// Lookup
// ---------------------------------------------------------------------------------------------

function fnmatchRe(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const j = glob.indexOf(']', i + 2);
      if (j < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, j);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = j;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 's');
}

/**
 * Look a dotted key up in parsed params data, as `dpath.get(data, key, separator='.')`:
 * `{found: false}` when a segment is missing. A glob segment matching several entries throws.
 */
export function lookupParam(data: unknown, key: string): { found: true; value: unknown } | { found: false } {
  let matches: unknown[] = [data];
  for (const seg of key.split('.')) {
    const glob = /[*?[]/.test(seg);
    const re = glob ? fnmatchRe(seg) : undefined;
    const next: unknown[] = [];
    for (const cur of matches) {
      if (Array.isArray(cur)) {
        cur.forEach((v, i) => {
          if (re ? re.test(String(i)) : seg === String(i)) next.push(v);
        });
      } else if (isMapping(cur)) {
        for (const [k, v] of mappingEntries(cur)) if (re ? re.test(keyText(k)) : keyText(k) === seg) next.push(v);
      }
    }
    matches = next;
    if (matches.length === 0) return { found: false };
  }
  if (matches.length > 1) throw new PipelineError(`key '${key}' matches more than one params entry`, { data: { key } });
  return { found: true, value: matches[0] };
}

/** `lookupParam` that throws DVC's MissingParamsError text when the key is absent. */
export function getParam(data: unknown, key: string, file = 'params.yaml'): unknown {
  const r = lookupParam(data, key);
  if (!r.found) throw missingParams(file, [key]);
  return r.value;
}

function missingParams(file: string, keys: string[], extra: Record<string, unknown> = {}): PipelineError {
  return new PipelineError(`Parameters '${keys.join(', ')}' are missing from '${file}'.`, {
    hint: `add ${keys.length > 1 ? 'them' : 'it'} to '${file}' or remove ${keys.length > 1 ? 'them' : 'it'} from the stage's params`,
    data: { file, keys, ...extra },
  });
}

/**
 * Nested mappings → dotted keys, as DVC's `flatten` (flatten_dict, reducer "dot"): lists are
 * leaves, empty mappings vanish.
 */
export function flatten(data: unknown, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isMapping(data)) return out;
  for (const [k, v] of mappingEntries(data)) {
    const key = prefix ? `${prefix}.${keyText(k)}` : keyText(k);
    if (isMapping(v)) Object.assign(out, flatten(v, key));
    else out[key] = v;
  }
  return out;
}

/**
 * The values a stage's `params:` deps have now, keyed by the file as written (what dvc.lock
 * records): `{file: {key: value}}`; a whole-file dep gives the file's top-level entries. Throws
 * when a file is missing or unreadable or a key is absent (DVC's MissingParamsFile /
 * MissingParamsError texts). `repoRoot` only makes the paths in messages repo-relative.
 */
export function resolveParams(
  stage: Pick<Stage, 'name' | 'params'>,
  readFile: (abs: string) => string | undefined,
  opts: { repoRoot?: string } = {},
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const dep of stage.params) {
    const shown = opts.repoRoot ? toPosix(path.relative(opts.repoRoot, dep.abs)) : dep.file;
    const text = readFile(dep.abs);
    if (text === undefined)
      throw new PipelineError(`Parameters file '${shown}' does not exist`, {
        hint: `create it, or remove it from the params of stage '${stage.name}'`,
        data: { file: shown, stage: stage.name },
      });
    const data = readParamFile(text, shown);
    const values: Record<string, unknown> = out[dep.file] ?? {};
    if (dep.keys === null) {
      if (!isMapping(data)) throw new FileFormatError(shown, `expected a mapping of parameters, got ${Array.isArray(data) ? 'a list' : typeof data}`);
      for (const [k, v] of mappingEntries(data)) values[keyText(k)] = v;
    } else {
      const missing: string[] = [];
      for (const key of dep.keys) {
        const r = lookupParam(data, key);
        if (r.found) values[key] = r.value;
        else missing.push(key);
      }
      if (missing.length) throw missingParams(shown, missing, { stage: stage.name });
    }
    out[dep.file] = values;
  }
  return out;
}
