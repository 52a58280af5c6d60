/**
 * dvc.lock (schema 2.0), byte-compatible with DVC (dvc-compat.md §1.3): stage entries in the key
 * order cmd, deps, params, outs; deps/outs sorted by path as written; items as path, hash, md5,
 * size, nfiles, isexec; params.yaml first, other files sorted, keys sorted at the top level only.
 * Written through the ruamel-compatible emitter (util/yaml.ts), so long `cmd` lines fold as DVC's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError } from '../errors/index.js';
import { writeFileAtomic } from '../util/fs.js';
import { compareCodePoints, toPosix } from '../util/paths.js';
import { dumpYaml, parseYaml, PYTHON_NATIVE } from '../util/yaml.js';

export interface LockItem {
  path: string;
  /** 'md5' for DVC 3 entries; absent for legacy ones */
  hash?: 'md5';
  md5?: string;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
}

export interface LockEntry {
  cmd: string | string[];
  deps?: LockItem[];
  params?: Record<string, Record<string, unknown>>;
  outs?: LockItem[];
}

export interface LockFile {
  file: string;
  stages: Map<string, LockEntry>;
}

const ITEM_KEYS = new Set(['path', 'hash', 'md5', 'size', 'nfiles', 'isexec', 'etag', 'checksum', 'version_id', 'cloud', 'files']);

function parseItem(v: unknown, file: string, where: string): LockItem {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FileFormatError(file, `${where} must be a mapping with a 'path'`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!ITEM_KEYS.has(k)) throw new FileFormatError(file, `${where} has an unknown key '${k}'`);
  if (typeof o.path !== 'string' || !o.path) throw new FileFormatError(file, `${where}.path must be a non-empty string`);
  const item: LockItem = { path: o.path };
  if (o.hash === 'md5') item.hash = 'md5';
  if (o.md5 !== undefined && o.md5 !== null) item.md5 = String(o.md5).toLowerCase();
  if (typeof o.size === 'number') item.size = o.size;
  if (typeof o.nfiles === 'number') item.nfiles = o.nfiles;
  if (o.isexec === true) item.isexec = true;
  return item;
}

/** Parse dvc.lock text. `file` names it in errors. Values keep their YAML types (floats stay floats). */
export function parseLock(text: string, file: string): LockFile {
  const data = parseYaml(text, file, PYTHON_NATIVE);
  const stages = new Map<string, LockEntry>();
  if (data === null || data === undefined) return { file, stages };
  if (typeof data !== 'object' || Array.isArray(data) || data instanceof Map) throw new FileFormatError(file, 'expected a mapping with `schema` and `stages`');
  const d = data as Record<string, unknown>;
  if (d.schema !== '2.0')
    throw new FileFormatError(file, `unsupported lock file schema ${JSON.stringify(d.schema ?? null)}: keel reads schema '2.0' (DVC 2 and 3)`, {
      hint: 'a DVC 1.x lock file: delete dvc.lock and run keel repro to write a new one',
    });
  for (const k of Object.keys(d)) if (k !== 'schema' && k !== 'stages') throw new FileFormatError(file, `unknown top-level key '${k}'`);
  const raw = d.stages ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FileFormatError(file, '`stages` must be a mapping');
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FileFormatError(file, `stages.${name} must be a mapping`);
    const s = v as Record<string, unknown>;
    for (const k of Object.keys(s)) if (!['cmd', 'deps', 'params', 'outs'].includes(k)) throw new FileFormatError(file, `stages.${name} has an unknown key '${k}'`);
    const list = (key: 'deps' | 'outs'): LockItem[] | undefined => {
      if (s[key] === undefined) return undefined;
      if (!Array.isArray(s[key])) throw new FileFormatError(file, `stages.${name}.${key} must be a list`);
      return (s[key] as unknown[]).map((it, i) => parseItem(it, file, `stages.${name}.${key}[${i}]`));
    };
    if (s.params !== undefined && (typeof s.params !== 'object' || s.params === null || Array.isArray(s.params)))
      throw new FileFormatError(file, `stages.${name}.params must be a mapping of file → values`);
    stages.set(name, {
      cmd: s.cmd as string | string[],
      deps: list('deps'),
      params: s.params as Record<string, Record<string, unknown>> | undefined,
      outs: list('outs'),
    });
  }
  return { file, stages };
}

export function readLock(absFile: string, display: string): LockFile {
  let text: string;
  try {
    text = fs.readFileSync(absFile, 'utf8');
  } catch {
    return { file: display, stages: new Map() };
  }
  return parseLock(text, display);
}

const byPath = (a: LockItem, b: LockItem): number => compareCodePoints(a.path, b.path);

function itemDoc(it: LockItem): Record<string, unknown> {
  const o: Record<string, unknown> = { path: it.path };
  if (it.hash) o.hash = it.hash;
  if (it.md5 !== undefined) o.md5 = it.md5;
  if (it.size !== undefined) o.size = it.size;
  if (it.nfiles !== undefined) o.nfiles = it.nfiles;
  if (it.isexec) o.isexec = true;
  return o;
}

/** A stage entry as DVC dumps it (sorted deps/outs, params.yaml first, empty sections dropped). */
export function entryDoc(e: LockEntry): Record<string, unknown> {
  const o: Record<string, unknown> = { cmd: e.cmd };
  if (e.deps?.length) o.deps = [...e.deps].sort(byPath).map(itemDoc);
  if (e.params && Object.keys(e.params).length) {
    const files = Object.keys(e.params).sort((a, b) => (a === 'params.yaml' ? -1 : b === 'params.yaml' ? 1 : compareCodePoints(a, b)));
    const p: Record<string, unknown> = {};
    for (const f of files) {
      const vals = e.params[f];
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(vals).sort(compareCodePoints)) sorted[k] = vals[k];
      p[f] = sorted;
    }
    o.params = p;
  }
  if (e.outs?.length) o.outs = [...e.outs].sort(byPath).map(itemDoc);
  return o;
}

/**
 * Update (or add) stage entries in `absFile`, keeping the others and their order, as DVC's
 * modify_yaml does. Written atomically.
 */
export async function writeLockEntries(absFile: string, updates: Map<string, LockEntry>): Promise<void> {
  const display = toPosix(path.basename(absFile));
  const current = readLock(absFile, display);
  for (const [name, e] of updates) current.stages.set(name, e);
  const stages: Record<string, unknown> = {};
  for (const [name, e] of current.stages) stages[name] = entryDoc(e);
  await writeFileAtomic(absFile, dumpYaml({ schema: '2.0', stages }));
}
