/**
 * The run-cache (dvc-compat.md §4.3), byte-exact with DVC: entries at
 * `.dvc/cache/runs/<key[:2]>/<key>/<value>`, where value = sha256 of the lock entry as Python JSON
 * (sort_keys, size/nfiles dropped at any depth) and key = the same with outs reduced to paths.
 * A stage whose command, deps and params were seen before gets its outputs back from the cache.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempNameFor } from '../util/fs.js';
import { pyJsonDumps } from '../util/pyjson.js';
import { dumpYaml } from '../util/yaml.js';
import { entryDoc, parseLock, type LockEntry } from './lockfile.js';
import type { Stage } from './types.js';

function dropKeys(v: unknown, keys: Set<string>): unknown {
  if (Array.isArray(v)) return v.map((x) => dropKeys(x, keys));
  if (v && typeof v === 'object' && (v as object).constructor === Object) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!keys.has(k)) o[k] = dropKeys(x, keys);
    return o;
  }
  return v;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export function runCacheKey(entry: LockEntry): { key: string; value: string } {
  const doc = dropKeys(entryDoc(entry), new Set(['size', 'nfiles'])) as Record<string, unknown>;
  const value = sha256(pyJsonDumps(doc));
  const outs = (doc.outs as { path: string }[] | undefined) ?? [];
  const key = sha256(pyJsonDumps({ ...doc, outs: outs.map((o) => o.path) }));
  return { key, value };
}

/** DVC's `_can_hash`: a cmd, deps and outs; not always_changed; no persist outs. */
export function canRunCache(stage: Stage): boolean {
  if (stage.kind !== 'pipeline' || !stage.cmd || stage.alwaysChanged) return false;
  if (stage.deps.length === 0 && stage.params.length === 0) return false;
  if (stage.outs.length === 0) return false;
  return !stage.outs.some((o) => o.persist);
}

export function runsDir(cacheRoot: string): string {
  return path.join(cacheRoot, 'runs');
}

export function saveRunCache(cacheRoot: string, entry: LockEntry): void {
  const { key, value } = runCacheKey(entry);
  const dir = path.join(runsDir(cacheRoot), key.slice(0, 2), key);
  const file = path.join(dir, value);
  if (fs.existsSync(file)) return;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = tempNameFor(file);
  fs.writeFileSync(tmp, dumpYaml(entryDoc(entry)));
  fs.renameSync(tmp, file);
}

/**
 * The newest run-cache entry for an input state (cmd + deps + params; outs ignored), or undefined.
 * `probe` is a lock entry whose outs may be empty.
 */
export function lookupRunCache(cacheRoot: string, probe: LockEntry): LockEntry | undefined {
  const { key } = runCacheKey({ ...probe, outs: probe.outs ?? [] });
  const dir = path.join(runsDir(cacheRoot), key.slice(0, 2), key);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => /^[0-9a-f]{64}$/.test(n));
  } catch {
    return undefined;
  }
  const newest = names.map((n) => ({ n, t: fs.statSync(path.join(dir, n)).mtimeMs })).sort((a, b) => b.t - a.t);
  for (const { n } of newest) {
    try {
      const text = fs.readFileSync(path.join(dir, n), 'utf8');
      const lock = parseLock(`schema: '2.0'\nstages:\n  s:\n${text.replace(/^/gm, '    ')}`, `run-cache entry ${n}`);
      const e = lock.stages.get('s');
      if (e) return e;
    } catch {
      continue; // a damaged entry is skipped, never fatal
    }
  }
  return undefined;
}

/** Keys (`runs/<2>/<key>/<value>`) of every run-cache entry in the local cache. */
export function listRunCacheKeys(cacheRoot: string): string[] {
  const out: string[] = [];
  const base = runsDir(cacheRoot);
  const ls = (p: string): string[] => {
    try {
      return fs.readdirSync(p);
    } catch {
      return [];
    }
  };
  for (const a of ls(base)) {
    if (!/^[0-9a-f]{2}$/.test(a)) continue;
    for (const k of ls(path.join(base, a))) {
      if (!/^[0-9a-f]{64}$/.test(k)) continue;
      for (const v of ls(path.join(base, a, k))) if (/^[0-9a-f]{64}$/.test(v)) out.push(`runs/${a}/${k}/${v}`);
    }
  }
  return out;
}

/** The out objects run-cache entries refer to (so pushing the run-cache pushes what it restores). */
export function runCacheOutRefs(cacheRoot: string, keys: string[]): { oid: string; name: 'md5' | 'md5-dos2unix' }[] {
  const refs: { oid: string; name: 'md5' | 'md5-dos2unix' }[] = [];
  for (const key of keys) {
    const entry = lookupEntryFile(path.join(cacheRoot, ...key.split('/')));
    for (const o of entry?.outs ?? []) if (o.md5) refs.push({ oid: o.md5, name: o.hash === 'md5' ? 'md5' : 'md5-dos2unix' });
  }
  return refs;
}

function lookupEntryFile(file: string): LockEntry | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return parseLock(`schema: '2.0'\nstages:\n  s:\n${text.replace(/^/gm, '    ')}`, `run-cache entry ${path.basename(file)}`).stages.get('s');
  } catch {
    return undefined;
  }
}
