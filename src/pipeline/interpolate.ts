/**
 * `${…}` templating of dvc.yaml, ported from DVC's `dvc/parsing/` (`__init__.py`, `context.py`,
 * `interpolate.py`); error texts are DVC's, word for word.
 *
 * - The context is a tree of nodes. Every node remembers where it came from (`Meta`: the file,
 *   relative to the repository root, and the dotted path inside it), so a `${train.lr}` read from
 *   params.yaml is recorded as a *tracked var* `{'params.yaml': {'train.lr': 0.01}}`. Inline `vars`
 *   dicts and foreach/matrix literals are "local" and are not tracked; neither are dicts (they may
 *   be merged from several files).
 * - Global context: `params.yaml` beside dvc.yaml (when it exists), then top-level `vars` in order
 *   (`file`, `file:k1,k2`, or an inline dict). Stage `vars` are loaded relative to the stage's wdir.
 *   Redefining a key is an error, and so is loading one file both wholly and partially.
 * - `${x}` as the whole value keeps x's type; inside a longer string it is formatted as Python's
 *   `str()` would, except booleans (`true`/`false`). A dict may be interpolated only into `cmd`,
 *   where it expands to `--key value` flags (`parsing.bool`, `parsing.list` config). `\${` escapes.
 * - foreach over a simple list makes `group@<value>`; over a list holding dicts or lists,
 *   `group@<index>`; over a dict, `group@<key>`. matrix makes `group@<v1>-<v2>…`, where a dict or
 *   list value becomes `<axis><index>`.
 */
import * as path from 'node:path';
import { PipelineError } from '../errors/index.js';
import { isYamlFloat, isYamlTimestamp, YamlFloat } from '../util/yaml.js';
import { pyFloatRepr } from '../util/pyjson.js';
import { isMapping, makeMapping, mappingEntries } from './paramfile.js';

/** `parsing:` section of .dvc/config: how a dict interpolated into `cmd` becomes flags. */
export interface ParsingConfig {
  /** `store_true` (default): `--flag` for true, nothing for false; `boolean_optional`: also `--no-flag` */
  bool?: 'store_true' | 'boolean_optional';
  /** `nargs` (default): `--list a b`; `append`: `--list a --list b` */
  list?: 'nargs' | 'append';
}

/** file (repo-relative posix path) → dotted key → value */
export type TrackedVars = Record<string, Record<string, unknown>>;

// ---------------------------------------------------------------------------------------------
// Errors (internal; the resolver turns them into ResolveError with DVC's "failed to parse" text)
// ---------------------------------------------------------------------------------------------

export class ContextError extends Error {}
export class KeyNotInContext extends ContextError {
  constructor(readonly key: string) {
    super(`Could not find '${key}'`);
  }
}
export class MergeError extends ContextError {}
export class ReservedKeyError extends ContextError {
  constructor(
    readonly keys: string[],
    where?: string,
  ) {
    super(`attempted to modify reserved key${keys.length > 1 ? 's' : ''} ${humanJoin(keys)}${where ? ` in '${where}'` : ''}`);
  }
}
export class ParamsLoadError extends ContextError {}
export class VarsAlreadyLoaded extends ContextError {}
/** Bad `${…}` syntax, or a value that cannot be interpolated where it is. */
export class InterpolationError extends Error {}

/** A dvc.yaml that cannot be resolved: an undefined `${var}`, a bad `vars` entry, … */
export class ResolveError extends PipelineError {}

function humanJoin(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

// ---------------------------------------------------------------------------------------------
// Python formatting
// ---------------------------------------------------------------------------------------------

function pyFloatStr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return pyFloatRepr(n);
}

function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch < ' ' || ch === '\x7f') out += '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + q;
}

/** Python's `repr()` of a value. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return pyStrRepr(v);
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  if (v instanceof CtxNodeBase) return pyRepr(v.unwrap());
  if (isMapping(v)) return '{' + mappingEntries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ') + '}';
  return pyStr(v);
}

/** Python's `str()` of a value (`True`, `None`, `0.1`, `1e-07`, …). */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloatStr(v);
  if (typeof v === 'bigint') return v.toString();
  if (isYamlFloat(v)) return pyFloatStr(v.value);
  if (isYamlTimestamp(v)) return v.text;
  if (v instanceof CtxValue) return pyStr(v.value);
  return pyRepr(v);
}

/** `shlex.quote` */
export function shellQuote(s: string): string {
  if (s === '') return "''";
  if (!/[^\w@%+=:,./-]/.test(s)) return s;
  return "'" + s.replace(/'/g, `'"'"'`) + "'";
}

/** DVC's `to_str`: booleans `true`/`false`, a dict as command-line flags, anything else `str()`. */
export function toStr(v: unknown, config: ParsingConfig = {}): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (isMapping(v)) return dictToFlags(v, config);
  return pyStr(v);
}

function flattenForFlags(d: unknown, prefix: string, out: [string, unknown][]): void {
  for (const [k, v] of mappingEntries(d as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${pyStr(k)}` : pyStr(k);
    if (isMapping(v)) flattenForFlags(v, key, out);
    else out.push([key, v]);
  }
}

function dictToFlags(d: Record<string, unknown> | Map<unknown, unknown>, config: ParsingConfig): string {
  const flat: [string, unknown][] = [];
  flattenForFlags(d, '', flat);
  let result = '';
  for (const [k, v] of flat) {
    if (typeof v === 'boolean') {
      if (v) result += `--${k} `;
      else if ((config.bool ?? 'store_true') === 'boolean_optional') result += `--no-${k} `;
    } else if (typeof v === 'string') {
      result += `--${k} ${shellQuote(v)} `;
    } else if (Array.isArray(v)) {
      v.forEach((item, n) => {
        let s: string;
        if (typeof item === 'string') s = shellQuote(item);
        else if (Array.isArray(item) || isMapping(item)) throw new InterpolationError(`Cannot interpolate nested iterable in '${k}'`);
        else s = pyStr(item);
        if ((config.list ?? 'nargs') === 'append') result += `--${k} ${s} `;
        else result += n > 0 ? `${s} ` : `--${k} ${s} `;
      });
    } else {
      result += `--${k} ${pyStr(v)} `;
    }
  }
  return result.trimEnd();
}

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

/** `${inner}` not preceded by a backslash; inner stops at the first `}` and at a line end. */
const KEYCRE = /(?<!\\)\$\{(.*?)\}/g;

interface Match {
  start: number;
  end: number;
  whole: string;
  inner: string;
}

export function getMatches(s: string): Match[] {
  const out: Match[] = [];
  for (const m of s.matchAll(KEYCRE)) out.push({ start: m.index ?? 0, end: (m.index ?? 0) + m[0].length, whole: m[0], inner: m[1] });
  return out;
}

export function isInterpolatedString(v: unknown): boolean {
  return typeof v === 'string' && getMatches(v).length > 0;
}

/** Python `repr` of one character, as pyparsing prints `found '.'` */
function charRepr(c: string): string {
  return pyStrRepr(c);
}

/**
 * Parse an expression as DVC's pyparsing grammar (`word (("." word) | ("[" word "]"))*`, where a
 * word is any run of characters other than `.[]`) and return it dotted (`a[0].b` → `a.0.b`).
 */
export function parseExpr(inner: string): string {
  const isWordChar = (c: string): boolean => c !== '.' && c !== '[' && c !== ']';
  const word = (p: number): number => {
    let q = p;
    while (q < inner.length && isWordChar(inner[q])) q++;
    return q > p ? q : -1;
  };
  const fail = (loc: number, expected: string): never => {
    const pstr = '${' + inner + '}';
    const at = loc + 2;
    const found = at >= pstr.length ? 'end of text' : charRepr(pstr[at]);
    throw new InterpolationError(
      `${pstr}\n${' '.repeat(at)}^\nParseException: Expected ${expected}, found ${found}  (at char ${at}), (line:1, col:${at + 1})`,
    );
  };
  const first = word(0);
  if (first < 0) return fail(0, '!W:(.[])');
  const parts = [inner.slice(0, first)];
  let pos = first;
  for (;;) {
    if (inner[pos] === '.') {
      const w = word(pos + 1);
      if (w < 0) break;
      parts.push(inner.slice(pos + 1, w));
      pos = w;
    } else if (inner[pos] === '[') {
      const w = word(pos + 1);
      if (w < 0 || inner[w] !== ']') break;
      parts.push(inner.slice(pos + 1, w));
      pos = w + 1;
    } else break;
  }
  if (pos < inner.length) fail(pos, 'end of text');
  return parts.join('.');
}

function getExpression(m: Match, skipChecks: boolean): string {
  return skipChecks ? m.inner : parseExpr(m.inner);
}

/** Apply `f` to every string in `data`, mapping keys included (DVC's `recurse`). */
function recurseStrings(data: unknown, f: (s: string) => void): void {
  if (typeof data === 'string') f(data);
  else if (Array.isArray(data)) data.forEach((x) => recurseStrings(x, f));
  else if (isMapping(data))
    for (const [k, v] of mappingEntries(data)) {
      recurseStrings(k, f);
      recurseStrings(v, f);
    }
}

/** Throw on the first `${…}` with bad syntax anywhere in `data`. */
export function checkRecursiveParseErrors(data: unknown): void {
  recurseStrings(data, (s) => {
    for (const m of getMatches(s)) parseExpr(m.inner);
  });
}

// ---------------------------------------------------------------------------------------------
// Context nodes
// ---------------------------------------------------------------------------------------------

export interface Meta {
  /** repo-relative file, `vars[0]`, `build.vars[1]`, or null */
  source: string | null;
  dpaths: string[];
  /** local values (inline vars, foreach items) are not tracked */
  local: boolean;
}

const defaultMeta = (): Meta => ({ source: null, dpaths: [], local: true });
const metaChild = (m: Meta, key: string | number): Meta => ({ ...m, dpaths: [...m.dpaths, String(key)] });
const metaPath = (m: Meta): string => m.dpaths.join('.');

abstract class CtxNodeBase {
  constructor(public meta: Meta) {}
  abstract unwrap(): unknown;
}

export class CtxValue extends CtxNodeBase {
  constructor(
    readonly value: unknown,
    meta: Meta,
  ) {
    super(meta);
  }
  unwrap(): unknown {
    return this.value;
  }
}

export class CtxList extends CtxNodeBase {
  data: CtxNode[];
  constructor(values: readonly unknown[], meta: Meta) {
    super(meta);
    this.data = values.map((v, i) => toNode(v, metaChild(meta, i)));
  }
  unwrap(): unknown[] {
    return this.data.map((n) => n.unwrap());
  }
}

export class CtxDict extends CtxNodeBase {
  data = new Map<string, CtxNode>();
  constructor(mapping: Record<string, unknown> | Map<unknown, unknown> | undefined, meta: Meta) {
    super(meta);
    if (mapping) for (const [k, v] of mappingEntries(mapping)) this.set(k, v);
  }
  /** Non-string keys are ignored, as DVC's CtxDict does (a limitation of interpolation). */
  set(key: unknown, value: unknown): void {
    if (typeof key !== 'string') return;
    this.data.set(key, toNode(value, metaChild(this.meta, key)));
  }
  unwrap(): Record<string, unknown> | Map<unknown, unknown> {
    return makeMapping([...this.data].map(([k, n]) => [k, n.unwrap()]));
  }
  /** Deep copy of the dict structure (lists and values are shared: they are never modified). */
  cloneDict(): CtxDict {
    const c = new CtxDict(undefined, this.meta);
    for (const [k, v] of this.data) c.data.set(k, v instanceof CtxDict ? v.cloneDict() : v);
    return c;
  }
}

export type CtxNode = CtxValue | CtxList | CtxDict;

function isPrimitive(v: unknown): boolean {
  return (
    typeof v === 'string' ||
    typeof v === 'number' ||
    typeof v === 'bigint' ||
    typeof v === 'boolean' ||
    isYamlFloat(v) ||
    isYamlTimestamp(v) ||
    v instanceof Uint8Array
  );
}

/** Python's `type(v).__name__` for a parsed value. */
export function pyTypeName(v: unknown): string {
  if (v instanceof CtxNodeBase) return pyTypeName(v.unwrap());
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (v instanceof YamlFloat) return 'float';
  if (isYamlTimestamp(v)) return 'datetime';
  if (Array.isArray(v)) return 'list';
  if (isMapping(v)) return 'dict';
  return typeof v;
}

export function toNode(value: unknown, meta: Meta): CtxNode {
  if (value instanceof CtxNodeBase) return value as CtxNode;
  if (value === null || value === undefined || isPrimitive(value)) return new CtxValue(value ?? null, meta);
  if (Array.isArray(value)) return new CtxList(value, meta);
  if (isMapping(value)) return new CtxDict(value, meta);
  throw new ContextError(`Unsupported value of type '${pyTypeName(value)}' in '${meta.source ?? '<local>'}:${metaPath(meta)}'`);
}

function isMapOrSeq(v: unknown): boolean {
  return v instanceof CtxDict || v instanceof CtxList || Array.isArray(v) || isMapping(v);
}

function mergeInto(into: CtxDict, update: CtxDict, overwrite: boolean): void {
  for (const [key, val] of update.data) {
    const cur = into.data.get(key);
    if (cur instanceof CtxDict && val instanceof CtxDict) {
      mergeInto(cur, val, overwrite);
    } else {
      if (cur !== undefined && !overwrite) {
        throw new MergeError(`cannot redefine '${metaPath(val.meta)}' from '${val.meta.source}' as it already exists in '${cur.meta.source}'`);
      }
      into.data.set(key, val);
    }
  }
}

/** Python's int() of a list index (`' 1 '`, `-1`, `1_0`); NaN when not an int. */
function pyInt(s: string): number {
  const t = s.trim();
  if (!/^[-+]?\d+(?:_\d+)*$/.test(t)) return NaN;
  return Number(t.replace(/_/g, ''));
}

/** Reads a params file by repo-relative posix path; undefined when it does not exist. */
export type ParamsReader = (relPath: string) => unknown;

interface SelectOptions {
  unwrap?: boolean;
}

interface ResolveOptions {
  unwrap?: boolean;
  skipChecks?: boolean;
  /** the stage key being resolved (`cmd`, `outs`…); undefined for foreach/matrix data and top-level sections */
  key?: string;
  config?: ParsingConfig;
}

/** Repo-relative posix join + normalise ('' is the root). */
export function relJoin(base: string, p: string): string {
  const j = p.startsWith('/') ? path.posix.normalize(p) : path.posix.normalize(path.posix.join(base || '.', p));
  return j === '.' ? '' : j.replace(/\/$/, '');
}

export class Context {
  root: CtxDict;
  /** loaded files → selected keys, or null for the whole file */
  imports = new Map<string, string[] | null>();
  reserved: string[] = [];
  private tracked: Map<string, Map<string, unknown>> | null = null;

  constructor(data?: Record<string, unknown> | Map<unknown, unknown>, meta: Meta = defaultMeta()) {
    this.root = new CtxDict(data, meta);
  }

  has(key: string): boolean {
    return this.root.data.has(key);
  }

  /** The whole context as plain values. */
  value(): unknown {
    return this.root.unwrap();
  }

  clone(): Context {
    const c = new Context();
    c.root = this.root.cloneDict();
    c.imports = new Map([...this.imports].map(([k, v]) => [k, v ? [...v] : v]));
    c.reserved = [...this.reserved];
    return c;
  }

  /** A copy with `values` set at the top level and reserved (foreach/matrix `item` and `key`). */
  withReserved(values: [string, unknown][]): Context {
    const c = new Context();
    c.root = new CtxDict(undefined, this.root.meta);
    for (const [k, v] of this.root.data) c.root.data.set(k, v);
    const tmp = new CtxDict(undefined, defaultMeta());
    for (const [k, v] of values) {
      tmp.set(k, v);
      c.root.data.set(k, tmp.data.get(k)!);
    }
    c.imports = new Map([...this.imports].map(([k, v]) => [k, v ? [...v] : v]));
    c.reserved = [...this.reserved, ...values.map(([k]) => k).filter((k) => !this.reserved.includes(k))];
    return c;
  }

  /** Run `f` recording every non-local value it reads; returns f's result and the tracked vars. */
  track<T>(f: () => T): [T, TrackedVars] {
    this.tracked = new Map();
    try {
      const r = f();
      const out: TrackedVars = {};
      for (const [src, keys] of this.tracked) out[src] = Object.fromEntries(keys);
      return [r, out];
    } finally {
      this.tracked = null;
    }
  }

  private trackNode(node: CtxNode): void {
    if (!this.tracked || node.meta.local || node instanceof CtxDict) return;
    const src = node.meta.source;
    if (!src) return;
    let m = this.tracked.get(src);
    if (!m) this.tracked.set(src, (m = new Map()));
    m.set(metaPath(node.meta), node.unwrap());
  }

  /** `key` is dotted (`a.b.0`) or bracketed (`a[b][0]`); throws KeyNotInContext. */
  select(key: string, opts: SelectOptions = {}): unknown {
    const normalized = key.replace(/\[/g, '.').replace(/\]/g, '');
    let node: CtxNode = this.root;
    let rest: string | undefined = normalized;
    while (rest !== undefined) {
      const dot = rest.indexOf('.');
      const seg = (dot < 0 ? rest : rest.slice(0, dot)).trim();
      rest = dot < 0 ? undefined : rest.slice(dot + 1);
      let next: CtxNode | undefined;
      if (node instanceof CtxDict) next = node.data.get(seg);
      else if (node instanceof CtxList) {
        let i = pyInt(seg);
        if (i < 0) i += node.data.length;
        next = Number.isNaN(i) ? undefined : node.data[i];
      }
      if (next === undefined) throw new KeyNotInContext(key);
      node = next;
    }
    this.trackNode(node);
    return opts.unwrap ? node.unwrap() : node;
  }

  mergeUpdate(other: Context | CtxDict, overwrite = false): void {
    const src = other instanceof Context ? other.root : other;
    const clash = this.reserved.filter((k) => src.data.has(k));
    if (clash.length) throw new ReservedKeyError(clash);
    mergeInto(this.root, src, overwrite);
  }

  /** `Context.load_from`: a params file as a context whose values remember the file. */
  static loadFrom(read: ParamsReader, relPath: string, selectKeys: string[] | null): Context {
    const data = read(relPath);
    if (data === undefined) throw new ParamsLoadError(`'${relPath}' does not exist`);
    if (!isMapping(data)) throw new ParamsLoadError(`expected a dictionary, got '${pyTypeName(data)}' in file '${relPath}'`);
    let picked: Record<string, unknown> | Map<unknown, unknown> = data;
    if (selectKeys && selectKeys.length) {
      const entries = mappingEntries(data);
      const sel: [unknown, unknown][] = [];
      for (const key of selectKeys) {
        const e = entries.find(([k]) => k === key);
        if (!e) throw new ParamsLoadError(`could not find '${key}' in '${relPath}'`);
        sel.push([key, e[1]]);
      }
      picked = makeMapping(sel);
    }
    const ctx = new Context(picked, { source: relPath, dpaths: [], local: false });
    ctx.imports.set(relPath, selectKeys && selectKeys.length ? [...selectKeys] : null);
    return ctx;
  }

  private checkLoaded(p: string, item: string, keys: string[]): void {
    const imported = this.imports.get(p);
    if (!keys.length && Array.isArray(imported)) throw new VarsAlreadyLoaded(`cannot load '${item}' as it's partially loaded already`);
    if (keys.length && imported === null) throw new VarsAlreadyLoaded(`cannot partially load '${item}' as it's already loaded.`);
    if (Array.isArray(imported) && keys.some((k) => imported.includes(k)))
      throw new VarsAlreadyLoaded(`cannot load '${item}' as it's partially loaded already`);
  }

  /** Load a `vars` file entry (`file` or `file:k1,k2`) relative to `wdir`. */
  mergeFrom(read: ParamsReader, item: string, wdir: string): void {
    const colon = item.indexOf(':');
    const file = colon < 0 ? item : item.slice(0, colon);
    const keysStr = colon < 0 ? '' : item.slice(colon + 1);
    const p = relJoin(wdir, file);
    const keys = keysStr ? keysStr.split(',').filter(Boolean) : [];
    if (this.imports.has(p)) {
      if (!keys.length && this.imports.get(p) === null) return; // the whole file again: fine
      this.checkLoaded(p, item, keys);
    }
    const ctx = Context.loadFrom(read, p, keys.length ? keys : null);
    try {
      this.mergeUpdate(ctx);
    } catch (e) {
      if (e instanceof ReservedKeyError) throw new ReservedKeyError(e.keys, item);
      throw e;
    }
    const cp = ctx.imports.get(p) ?? null;
    if (!this.imports.has(p)) this.imports.set(p, cp);
    else if (cp) (this.imports.get(p) as string[]).push(...cp);
  }

  /** `Context.load_from_vars`: the `default` file if it exists, then each entry. */
  loadFromVars(read: ParamsReader, vars: unknown[], wdir: string, opts: { stageName?: string; default?: string } = {}): void {
    if (opts.default && read(relJoin(wdir, opts.default)) !== undefined) this.mergeFrom(read, opts.default, wdir);
    vars.forEach((item, index) => {
      if (typeof item === 'string') this.mergeFrom(read, item, wdir);
      else {
        const source = `${opts.stageName ? `${opts.stageName}.` : ''}vars[${index}]`;
        this.mergeUpdate(new Context(item as Record<string, unknown>, { source, dpaths: [], local: true }));
      }
    });
  }

  /** Resolve every string in `src` (mapping keys too). */
  resolve(src: unknown, opts: ResolveOptions = {}): unknown {
    const o = { unwrap: true, ...opts };
    const rec = (d: unknown): unknown => {
      if (typeof d === 'string') return this.resolveStr(d, o);
      if (Array.isArray(d)) return d.map(rec);
      if (isMapping(d)) return makeMapping(mappingEntries(d).map(([k, v]) => [typeof k === 'string' ? rec(k) : k, rec(v)]));
      return d;
    };
    return rec(src);
  }

  resolveStr(src: string, opts: ResolveOptions = {}): unknown {
    const unwrap = opts.unwrap ?? true;
    const matches = getMatches(src);
    if (matches.length === 1 && matches[0].whole === src) {
      const value = this.select(getExpression(matches[0], !!opts.skipChecks), { unwrap });
      validateValue(value, opts.key);
      return value;
    }
    let buf = '';
    let index = 0;
    for (const m of matches) {
      const value = this.select(getExpression(m, !!opts.skipChecks), { unwrap: true });
      validateValue(value, opts.key);
      buf += src.slice(index, m.start) + toStr(value, opts.config);
      index = m.end;
    }
    buf += src.slice(index);
    return buf.replaceAll('\\${', '${');
  }
}

function validateValue(value: unknown, key: string | undefined): void {
  if (key === undefined || key.includes('foreach')) return;
  if (value === null || isPrimitive(value)) return;
  if (value instanceof CtxValue) return;
  if ((isMapping(value) || value instanceof CtxDict) && key === 'cmd') return;
  throw new InterpolationError(`Cannot interpolate data of type '${pyTypeName(value)}'`);
}

// ---------------------------------------------------------------------------------------------
// Resolver (DataResolver)
// ---------------------------------------------------------------------------------------------

export interface ResolvedStage {
  /** stage name: `train`, or generated `train@0` */
  name: string;
  /** the key under `stages:` it came from (the group for foreach/matrix) */
  group: string;
  kind: 'entry' | 'foreach' | 'matrix';
  /** the definition after interpolation (without `vars`; foreach: the `do` part; matrix: without `matrix`) */
  data: Record<string, unknown>;
  trackedVars: TrackedVars;
}

export interface ResolverOptions {
  /** dvc.yaml's path relative to the repository root (posix), e.g. `dvc.yaml`, `sub/dvc.yaml` */
  relFile: string;
  read: ParamsReader;
  parsing?: ParsingConfig;
  onWarning?: (message: string) => void;
  /** line of a raw dvc.yaml path, for error data */
  lineOf?: (p: readonly (string | number)[]) => number | undefined;
}

const FOREACH = 'foreach';
const MATRIX = 'matrix';
const DO = 'do';
const JOIN = '@';

export class Resolver {
  readonly relFile: string;
  /** directory of dvc.yaml, repo-relative ('' at the root) */
  readonly wdir: string;
  readonly context: Context;
  private readonly read: ParamsReader;
  private readonly parsing: ParsingConfig;
  private readonly warn: (m: string) => void;
  private readonly lineOf: (p: readonly (string | number)[]) => number | undefined;

  constructor(
    private readonly data: Record<string, unknown>,
    opts: ResolverOptions,
  ) {
    this.relFile = opts.relFile;
    this.wdir = relJoin(path.posix.dirname(opts.relFile), '');
    this.read = opts.read;
    this.parsing = opts.parsing ?? {};
    this.warn = opts.onWarning ?? (() => undefined);
    this.lineOf = opts.lineOf ?? (() => undefined);
    const vars = (data.vars ?? []) as unknown[];
    this.checkInterpolations(vars, 'vars', ['vars']);
    this.context = new Context();
    try {
      this.context.loadFromVars(this.read, vars, this.wdir, { default: 'params.yaml' });
    } catch (e) {
      this.rethrow(e, "'vars'", { key: 'vars' }, ['vars']);
    }
  }

  private fail(message: string, extra: Record<string, unknown>, rawPath: readonly (string | number)[] | undefined, cause?: unknown): never {
    let line: number | undefined;
    for (let p = rawPath ? [...rawPath] : []; p.length && line === undefined; p = p.slice(0, -1)) line = this.lineOf(p);
    throw new ResolveError(message, {
      data: { file: this.relFile, ...extra, ...(line !== undefined ? { line } : {}) },
      hint: line !== undefined ? `see ${this.relFile}, line ${line}` : undefined,
      cause,
    });
  }

  /** DVC's format_and_raise for context/parse errors; anything else propagates. */
  private rethrow(e: unknown, msg: string, extra: Record<string, unknown>, rawPath: readonly (string | number)[]): never {
    if (!(e instanceof ContextError) && !(e instanceof InterpolationError)) throw e;
    const spacing = e instanceof InterpolationError || e instanceof MergeError || e instanceof VarsAlreadyLoaded ? '\n' : ' ';
    return this.fail(`failed to parse ${msg} in '${this.relFile}':${spacing}${e.message}`, extra, rawPath, e);
  }

  private checkInterpolations(data: unknown, where: string, rawPath: (string | number)[]): void {
    recurseStrings(data, (s) => {
      if (isInterpolatedString(s)) this.fail(`failed to parse '${where}' in '${this.relFile}': interpolating is not allowed`, { key: where }, rawPath);
    });
  }

  private checkSyntaxErrors(definition: Record<string, unknown>, name: string, rawPath: (string | number)[]): void {
    for (const [key, d] of Object.entries(definition)) {
      try {
        checkRecursiveParseErrors(d);
      } catch (e) {
        this.rethrow(e, `'stages.${name}.${key}'`, { stage: name, key: `stages.${name}.${key}` }, [...rawPath, key]);
      }
    }
  }

  /** Every stage of the file, in order, foreach/matrix groups expanded. */
  resolveStages(): ResolvedStage[] {
    const out: ResolvedStage[] = [];
    const stages = (this.data.stages ?? {}) as Record<string, unknown>;
    for (const [name, def] of mappingEntries(stages)) {
      const definition = def as Record<string, unknown>;
      const n = name as string;
      if (MATRIX in definition) out.push(...this.resolveMatrix(n, definition));
      else if (FOREACH in definition) out.push(...this.resolveForeach(n, definition));
      else {
        const rawPath = ['stages', n];
        try {
          out.push(this.resolveEntry(n, n, 'entry', definition, this.context, false, rawPath));
        } catch (e) {
          this.rethrow(e, `stage '${n}'`, { stage: n }, rawPath);
        }
      }
    }
    return out;
  }

  private resolveWdir(context: Context, name: string, wdir: unknown, rawPath: (string | number)[]): string {
    if (!wdir) return this.wdir;
    let w: string;
    try {
      w = toStr(context.resolveStr(String(wdir)));
    } catch (e) {
      this.rethrow(e, `'stages.${name}.wdir'`, { stage: name, key: `stages.${name}.wdir` }, [...rawPath, 'wdir']);
    }
    return relJoin(this.wdir, w);
  }

  private resolveEntry(
    name: string,
    group: string,
    kind: ResolvedStage['kind'],
    definition: Record<string, unknown>,
    ctx: Context,
    skipChecks: boolean,
    rawPath: (string | number)[],
  ): ResolvedStage {
    if (!skipChecks) this.checkSyntaxErrors(definition, name, rawPath);
    const def = { ...definition };
    const wdir = this.resolveWdir(ctx, name, def.wdir, rawPath);
    const vars = (def.vars ?? []) as unknown[];
    delete def.vars;
    this.checkInterpolations(vars, `stages.${name}.vars`, [...rawPath, 'vars']);
    let context = ctx;
    if (vars.length) context = context.clone();
    try {
      context.loadFromVars(this.read, vars, wdir, { stageName: name });
    } catch (e) {
      if (e instanceof VarsAlreadyLoaded) this.rethrow(e, `'stages.${name}.vars'`, { stage: name, key: `stages.${name}.vars` }, [...rawPath, 'vars']);
      throw e;
    }
    const [data, trackedVars] = context.track(() => {
      const resolved: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(def)) {
        try {
          resolved[key] = context.resolve(value, { skipChecks, key, config: this.parsing });
        } catch (e) {
          if (e instanceof InterpolationError || e instanceof KeyNotInContext)
            this.rethrow(e, `'stages.${name}.${key}'`, { stage: name, key: `stages.${name}.${key}` }, [...rawPath, key]);
          throw e;
        }
      }
      return resolved;
    });
    return { name, group, kind, data, trackedVars };
  }

  private warnOverwriting(keys: string[], name: string): void {
    const warnFor = keys.filter((k) => this.context.has(k));
    if (warnFor.length)
      this.warn(`${warnFor.join(' and ')} ${warnFor.length === 1 ? 'is' : 'are'} already specified, will be overwritten for stages generated from '${name}'`);
  }

  private resolveForeach(name: string, definition: Record<string, unknown>): ResolvedStage[] {
    const rawPath = ['stages', name];
    let iterable: unknown;
    try {
      iterable = this.context.resolve(definition[FOREACH], { unwrap: false });
    } catch (e) {
      this.rethrow(e, `'stages.${name}.foreach'`, { stage: name, key: `stages.${name}.foreach` }, [...rawPath, FOREACH]);
    }
    if (!isMapOrSeq(iterable)) {
      const typ = pyTypeName(iterable instanceof CtxValue ? iterable.value : iterable);
      this.fail(
        `failed to resolve 'stages.${name}.foreach' in '${this.relFile}': expected list/dictionary, got ${typ}`,
        { stage: name, key: `stages.${name}.foreach` },
        [...rawPath, FOREACH],
      );
    }
    const isDict = iterable instanceof CtxDict || (isMapping(iterable) && !(iterable instanceof CtxNodeBase));
    this.warnOverwriting(isDict ? ['item', 'key'] : ['item'], name);
    // normalized_iterable: generated key → item
    const normalized = new Map<string, unknown>();
    const keyOf = (v: unknown): string => (v instanceof CtxValue ? pyStr(v.value) : toStr(v));
    if (iterable instanceof CtxDict) for (const [k, v] of iterable.data) normalized.set(k, v);
    else if (isDict) for (const [k, v] of mappingEntries(iterable as Record<string, unknown>)) normalized.set(toStr(k), v);
    else {
      const items = iterable instanceof CtxList ? iterable.data : (iterable as unknown[]);
      if (items.some(isMapOrSeq)) items.forEach((v, i) => normalized.set(String(i), v));
      else for (const v of items) normalized.set(keyOf(v), v);
    }
    const template = (definition[DO] ?? {}) as Record<string, unknown>;
    const out: ResolvedStage[] = [];
    let checked = false;
    for (const [key, value] of normalized) {
      if (!checked) {
        this.checkSyntaxErrors(template, name, [...rawPath, DO]);
        checked = true;
      }
      const generated = `${name}${JOIN}${key}`;
      const temp: [string, unknown][] = [['item', value]];
      if (isDict) temp.push(['key', key]);
      const ctx = this.context.withReserved(temp);
      try {
        out.push(this.resolveEntry(generated, name, 'foreach', template, ctx, true, [...rawPath, DO]));
      } catch (e) {
        this.rethrow(e, `stage '${generated}'`, { stage: generated }, rawPath);
      }
    }
    return out;
  }

  private resolveMatrix(name: string, definition: Record<string, unknown>): ResolvedStage[] {
    const rawPath = ['stages', name];
    const template = { ...definition };
    const matrixData = template[MATRIX];
    delete template[MATRIX];
    let iterable: unknown;
    try {
      iterable = this.context.resolve(matrixData, { unwrap: false });
    } catch (e) {
      this.rethrow(e, `'stages.${name}.matrix'`, { stage: name, key: `stages.${name}.matrix` }, [...rawPath, MATRIX]);
    }
    this.warnOverwriting(['key', 'item'], name);
    const axes: [string, unknown[]][] = [];
    for (const [axis, values] of mappingEntries(iterable as Record<string, unknown>)) {
      const list = values instanceof CtxList ? values.data : Array.isArray(values) ? values : undefined;
      if (!list) {
        const typ = pyTypeName(values instanceof CtxValue ? values.value : values);
        this.fail(
          `failed to resolve 'stages.${name}.matrix.${String(axis)}' in '${this.relFile}': expected list, got ${typ}`,
          { stage: name, key: `stages.${name}.matrix.${String(axis)}` },
          [...rawPath, MATRIX, String(axis)],
        );
      }
      axes.push([String(axis), list]);
    }
    const normalized = new Map<string, Record<string, unknown>>();
    const walk = (i: number, d: Record<string, unknown>, fragments: string[]): void => {
      if (i === axes.length) {
        normalized.set(fragments.join('-'), { ...d });
        return;
      }
      const [axis, list] = axes[i];
      list.forEach((v, idx) => {
        const frag = isMapOrSeq(v) ? `${axis}${idx}` : v instanceof CtxValue ? pyStr(v.value) : toStr(v);
        walk(i + 1, { ...d, [axis]: v }, [...fragments, frag]);
      });
    };
    walk(0, {}, []);
    const out: ResolvedStage[] = [];
    let checked = false;
    for (const [key, value] of normalized) {
      if (!checked) {
        this.checkSyntaxErrors(template, name, rawPath);
        checked = true;
      }
      const generated = `${name}${JOIN}${key}`;
      const ctx = this.context.withReserved([
        ['key', key],
        ['item', value],
      ]);
      try {
        out.push(this.resolveEntry(generated, name, 'matrix', template, ctx, true, rawPath));
      } catch (e) {
        this.rethrow(e, `stage '${generated}'`, { stage: generated }, rawPath);
      }
    }
    return out;
  }

  /** A top-level list section (`params`, `metrics`, `plots`, `datasets`), interpolated. */
  resolveTop(section: string): unknown[] {
    const items = (this.data[section] ?? []) as unknown[];
    return items.map((item, i) => {
      try {
        checkRecursiveParseErrors(item);
        return this.context.resolve(item);
      } catch (e) {
        return this.rethrow(e, `'${section}.${i}'`, { key: `${section}.${i}` }, [section, i]);
      }
    });
  }
}
