/**
 * `.dvc` files (single-stage files written by `add`), read and written as DVC 3 does
 * (dvc-compat.md §1.1): outs entries in the key order md5, size, nfiles, isexec, hash, path,
 * then annotations and flags. An entry without `hash: md5` is a legacy DVC 2 output
 * (md5-dos2unix, legacy cache layout).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError, PathError } from '../errors/index.js';
import { writeFileAtomic } from '../util/fs.js';
import { isInside, toPosix } from '../util/paths.js';
import { dumpYaml, parseYaml } from '../util/yaml.js';
import type { HashName } from '../data/hash.js';
import { isValidOid } from '../data/oid.js';

export interface Output {
  /** absolute path of the file declaring it (.dvc or dvc.yaml) */
  declaredIn: string;
  /** stage name for dvc.yaml outputs */
  stage?: string;
  /** path as written, relative to the declaring file's dir (or the stage wdir) */
  defPath: string;
  abs: string;
  /** recorded hash, if any */
  oid?: string;
  hashName: HashName;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
  cache: boolean;
  push: boolean;
  persist: boolean;
  remote?: string;
  /** the entry as read, for keys keel does not interpret (written back unchanged) */
  raw: Record<string, unknown>;
}

export interface DvcFile {
  path: string;
  raw: Record<string, unknown>;
  outs: Output[];
  /** imports have deps; keel reads them but does not update imports */
  deps: Record<string, unknown>[];
}

const TOP_KEYS = new Set(['desc', 'md5', 'cmd', 'wdir', 'frozen', 'locked', 'deps', 'outs', 'always_changed', 'meta']);
const OUT_KEYS = new Set([
  'md5', 'etag', 'checksum', 'size', 'nfiles', 'isexec', 'hash', 'path', 'version_id', 'cloud', 'fs_config',
  'desc', 'type', 'labels', 'meta', 'cache', 'metric', 'plot', 'persist', 'remote', 'push', 'files', 'checkpoint',
]);

/** Validate one out entry (from a .dvc file or dvc.lock) and resolve its path. */
export function parseOutEntry(
  item: unknown,
  file: string,
  where: string,
  baseDir: string,
  repoRoot: string,
  flags: Record<string, unknown> = {},
): Output {
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    throw new FileFormatError(file, `${where} must be a mapping with a 'path'`);
  const raw = item as Record<string, unknown>;
  for (const k of Object.keys(raw))
    if (!OUT_KEYS.has(k)) throw new FileFormatError(file, `${where} has an unknown key '${k}'`, { hint: 'remove the key or fix its spelling' });
  const p = raw.path;
  if (typeof p !== 'string' || p === '') throw new FileFormatError(file, `${where}.path must be a non-empty string`);
  const abs = path.resolve(baseDir, p);
  if (!isInside(repoRoot, abs) || abs === repoRoot)
    throw new FileFormatError(file, `${where}.path '${p}' points outside the repository`, { hint: 'outputs must live inside the repository' });
  const relFromRoot = toPosix(path.relative(repoRoot, abs));
  if (/^(\.git|\.dvc)(\/|$)/.test(relFromRoot)) throw new FileFormatError(file, `${where}.path '${p}' is inside .git or .dvc`);
  let oid: string | undefined;
  if (raw.md5 !== undefined && raw.md5 !== null && raw.md5 !== '') {
    const v = String(raw.md5).toLowerCase();
    if (!isValidOid(v)) throw new FileFormatError(file, `${where}.md5 '${String(raw.md5)}' is not an md5 hash`);
    oid = v;
  }
  const num = (k: string): number | undefined => {
    const v = raw[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new FileFormatError(file, `${where}.${k} must be a non-negative integer`);
    return v;
  };
  if (raw.hash !== undefined && raw.hash !== 'md5') throw new FileFormatError(file, `${where}.hash '${String(raw.hash)}' is not supported (only md5)`);
  const merged = { ...flags, ...raw };
  const bool = (k: string, dflt: boolean): boolean => {
    const v = merged[k];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') throw new FileFormatError(file, `${where}.${k} must be true or false`);
    return v;
  };
  return {
    declaredIn: file,
    defPath: p,
    abs,
    oid,
    hashName: raw.hash === 'md5' ? 'md5' : oid ? 'md5-dos2unix' : 'md5',
    size: num('size'),
    nfiles: num('nfiles'),
    isexec: raw.isexec === true ? true : undefined,
    cache: bool('cache', true),
    push: bool('push', true),
    persist: bool('persist', false),
    remote: typeof merged.remote === 'string' ? merged.remote : undefined,
    raw,
  };
}

/** Parse a .dvc file's text; `absFile` locates it, errors name it relative to the repo root. */
/** Keys of a canonical out entry and how their values are written. */
const CANONICAL_OUT: Record<string, 'md5' | 'int' | 'bool' | 'str'> = {
  md5: 'md5',
  size: 'int',
  nfiles: 'int',
  isexec: 'bool',
  hash: 'str',
  path: 'str',
  cache: 'bool',
  push: 'bool',
  remote: 'str',
};
/** Words YAML (ruamel's 1.2 resolver) reads as booleans or null rather than strings. */
const YAML_WORDS = /^(?:true|false|null|yes|no|on|off|y|n|~)$/i;

/**
 * The `.dvc` text DVC 3 and keel write — `outs:` then `- key: value` / `  key: value` lines with
 * plain scalars — read without the YAML library (whose load is most of a no-op `status`'s
 * start-up). Returns what `parseYaml` returns for such text, or undefined for anything else
 * (another key, quoting, a comment, a value YAML would read as a number, date, bool or null,
 * CRLF…), which then goes to the full parser.
 */
export function parseCanonicalDvc(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('outs:\n') || !text.endsWith('\n')) return undefined;
  const lines = text.slice(6, -1).split('\n');
  const outs: Record<string, unknown>[] = [];
  let cur: Record<string, unknown> | undefined;
  for (const line of lines) {
    if (line.startsWith('- ')) outs.push((cur = {}));
    else if (!(line.startsWith('  ') && cur)) return undefined;
    const rest = line.slice(2);
    const colon = rest.indexOf(': ');
    if (colon <= 0) return undefined;
    const key = rest.slice(0, colon);
    const value = rest.slice(colon + 2);
    const kind = Object.hasOwn(CANONICAL_OUT, key) ? CANONICAL_OUT[key] : undefined;
    if (kind === undefined || Object.hasOwn(cur!, key)) return undefined;
    if (kind === 'md5') {
      if (!/^[0-9a-f]{32}(?:\.dir)?$/.test(value)) return undefined;
      cur![key] = value;
    } else if (kind === 'int') {
      if (!/^(?:0|[1-9][0-9]{0,14})$/.test(value)) return undefined;
      cur![key] = Number(value);
    } else if (kind === 'bool') {
      if (value !== 'true' && value !== 'false') return undefined;
      cur![key] = value === 'true';
    } else {
      // plain, unambiguous strings only: no leading digit, sign or dot (numbers, dates), no
      // YAML indicator or space anywhere, not a YAML bool/null word
      if (!/^[A-Za-z_][A-Za-z0-9_./-]*$/.test(value) || YAML_WORDS.test(value)) return undefined;
      cur![key] = value;
    }
  }
  return outs.length > 0 ? { outs } : undefined;
}

export function parseDvcFile(text: string, absFile: string, repoRoot: string): DvcFile {
  const file = toPosix(path.relative(repoRoot, absFile)) || absFile;
  const data = parseCanonicalDvc(text) ?? parseYaml(text, file);
  if (data === null || data === undefined) throw new FileFormatError(file, 'the file is empty', { hint: 'delete it or run keel add again' });
  if (typeof data !== 'object' || Array.isArray(data)) throw new FileFormatError(file, 'expected a mapping with an `outs` list');
  const raw = data as Record<string, unknown>;
  for (const k of Object.keys(raw))
    if (!TOP_KEYS.has(k)) throw new FileFormatError(file, `unknown key '${k}'`, { hint: 'remove the key or fix its spelling' });
  const outsRaw = raw.outs ?? [];
  if (!Array.isArray(outsRaw)) throw new FileFormatError(file, '`outs` must be a list');
  const wdir = typeof raw.wdir === 'string' ? raw.wdir : '.';
  const base = path.resolve(path.dirname(absFile), wdir);
  const outs = outsRaw.map((o, i) => ({ ...parseOutEntry(o, file, `outs[${i}]`, base, repoRoot), declaredIn: absFile }));
  const depsRaw = raw.deps ?? [];
  if (!Array.isArray(depsRaw)) throw new FileFormatError(file, '`deps` must be a list');
  return { path: absFile, raw, outs, deps: depsRaw as Record<string, unknown>[] };
}

export async function loadDvcFile(file: string, repoRoot: string): Promise<DvcFile> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    throw new PathError(`cannot read '${toPosix(path.relative(repoRoot, file))}'`, { cause: e });
  }
  return parseDvcFile(text, file, repoRoot);
}

/** An out entry in DVC's key order: hash, meta, `hash: md5`, path, then everything else kept. */
export function serializeOut(o: {
  oid?: string;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
  defPath: string;
  raw?: Record<string, unknown>;
}): Record<string, unknown> {
  const e: Record<string, unknown> = {};
  if (o.oid) e.md5 = o.oid;
  if (o.size !== undefined) e.size = o.size;
  if (o.nfiles !== undefined) e.nfiles = o.nfiles;
  if (o.isexec) e.isexec = true;
  if (o.oid) e.hash = 'md5';
  e.path = o.defPath;
  for (const [k, v] of Object.entries(o.raw ?? {})) {
    if (['md5', 'size', 'nfiles', 'isexec', 'hash', 'path', 'etag', 'checksum'].includes(k)) continue;
    e[k] = v;
  }
  return e;
}

/** Write a .dvc file atomically, keeping top-level keys other than `outs` as they were. */
export async function writeDvcFile(file: string, outs: Record<string, unknown>[], prev?: Record<string, unknown>): Promise<void> {
  const doc: Record<string, unknown> = {};
  const order = ['desc', 'md5', 'cmd', 'wdir', 'frozen', 'deps', 'outs', 'always_changed', 'meta'];
  const src: Record<string, unknown> = { ...(prev ?? {}), outs };
  for (const k of order) if (src[k] !== undefined && src[k] !== null && src[k] !== false) doc[k] = src[k];
  await writeFileAtomic(file, dumpYaml(doc));
}
