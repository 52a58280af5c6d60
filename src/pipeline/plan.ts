/**
 * Deciding what is stale. Two steps, as ARCHITECTURE.md asks: `stageFacts` gathers the I/O facts
 * of one stage (current hashes of deps and outs through the hash state, params values, the lock
 * entry, what the cache holds), and `decide` is a pure function of those facts giving DVC's
 * status items ("changed command", "changed deps", "changed outs", "always changed") and whether
 * the stage must run.
 */
import * as fs from 'node:fs';
import { buildOutput, type HashStats, type IgnoreFilter } from '../data/build.js';
import type { LocalCache } from '../data/cache.js';
import { isDirOid } from '../data/oid.js';
import { parseTree } from '../data/tree.js';
import type { HashState } from '../data/state.js';
import { PipelineError } from '../errors/index.js';
import type { LockEntry, LockItem } from './lockfile.js';
import type { Stage } from './types.js';

export interface HashCtx {
  root: string;
  cache: LocalCache;
  state: HashState;
  ignore?: IgnoreFilter;
  stats?: HashStats;
}

export interface PathFact {
  path: string;
  /** current hash (undefined when the path is missing) */
  now?: LockItem;
  /** recorded in dvc.lock */
  locked?: LockItem;
  /** (outs) the locked object is complete in the cache */
  inCache?: boolean;
  cache?: boolean;
}

export interface StageFacts {
  stage: Stage;
  lock?: LockEntry;
  deps: PathFact[];
  outs: PathFact[];
  /** current values of tracked params, file → key → value */
  params: Record<string, Record<string, unknown>>;
  /** params that could not be read: file → message */
  paramErrors: Record<string, string>;
}

export type StatusItem =
  | 'changed command'
  | 'always changed'
  | 'changed checksum'
  | { 'changed deps': Record<string, string | Record<string, string>> }
  | { 'changed outs': Record<string, string> };

export interface Decision {
  changed: boolean;
  items: StatusItem[];
  /** only outs changed and every locked out object is in the cache: restore instead of running */
  restorable: boolean;
}

/** Hash a path (file or dir) without storing anything, through the hash state. */
export async function hashPath(abs: string, h: HashCtx): Promise<LockItem | undefined> {
  if (!fs.existsSync(abs)) return undefined;
  const b = await buildOutput(abs, { repoRoot: h.root, cache: h.cache, state: h.state, commit: false, ignore: h.ignore, stats: h.stats });
  const item: LockItem = { path: '', hash: 'md5', md5: b.oid, size: b.size };
  if (b.nfiles !== undefined) item.nfiles = b.nfiles;
  if (b.isexec) item.isexec = true;
  return item;
}

/**
 * Are all files of a large directory in the cache? Answered from one listing of the cache, and
 * remembered in the hash state against the cache's object-set token, so while no object is
 * added or removed the answer costs ~257 stats.
 */
export function largeDirComplete(cache: LocalCache, oid: string, name: 'md5' | 'md5-dos2unix', entries?: { md5: string }[]): boolean {
  const token = cache.objectSetToken();
  const key = `C${name === 'md5' ? '' : 'L'}${oid.slice(0, 32)}`;
  if (cache.state.getRaw(key) === token) return true;
  const list = entries ?? parseTree(fs.readFileSync(cache.path(oid, name)), `cache object ${oid}`);
  const ok = list.every((e) => cache.listed(e.md5, name));
  if (ok) cache.state.setRaw(key, token);
  return ok;
}

/** Is the object (and for a dir, all its files) in the cache? */
export function objectComplete(cache: LocalCache, oid: string, name: 'md5' | 'md5-dos2unix' = 'md5'): boolean {
  if (cache.check(oid, name) !== 'ok') return false;
  if (!isDirOid(oid)) return true;
  if (cache.state.getRaw(`C${name === 'md5' ? '' : 'L'}${oid.slice(0, 32)}`) === cache.objectSetToken()) return true;
  const entries = parseTree(fs.readFileSync(cache.path(oid, name)), `cache object ${oid}`);
  // small dirs: verify each file; large ones: presence from one listing of the cache
  if (entries.length < 256) return entries.every((e) => cache.check(e.md5, name) === 'ok');
  return largeDirComplete(cache, oid, name, entries);
}

export async function stageFacts(
  stage: Stage,
  lock: LockEntry | undefined,
  h: HashCtx,
  readParams: (stage: Stage) => { values: Record<string, Record<string, unknown>>; errors: Record<string, string> },
): Promise<StageFacts> {
  const lockDep = new Map((lock?.deps ?? []).map((d) => [d.path, d]));
  const lockOut = new Map((lock?.outs ?? []).map((d) => [d.path, d]));
  const deps: PathFact[] = [];
  for (const d of stage.deps) {
    const now = await hashPath(d.abs, h);
    if (now) now.path = d.path;
    deps.push({ path: d.path, now, locked: lockDep.get(d.path) });
  }
  const outs: PathFact[] = [];
  for (const o of stage.outs) {
    const now = await hashPath(o.abs, h);
    if (now) now.path = o.path;
    const locked = lockOut.get(o.path);
    const legacy = locked && !locked.hash ? 'md5-dos2unix' : 'md5';
    outs.push({ path: o.path, now, locked, cache: o.cache, inCache: locked?.md5 && o.cache ? objectComplete(h.cache, locked.md5, legacy) : undefined });
  }
  const p = readParams(stage);
  return { stage, lock, deps, outs, params: p.values, paramErrors: p.errors };
}

const sameHash = (a?: LockItem, b?: LockItem): boolean => !!a?.md5 && !!b?.md5 && a.md5 === b.md5;

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));
}
function normalise(v: unknown): unknown {
  if (v && typeof v === 'object' && 'valueOf' in v && (v as object).constructor?.name === 'YamlFloat') return Number(v);
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  return v;
}

function cmdEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Pure: DVC's Stage.changed / status items from facts. */
export function decide(f: StageFacts, o: { allowMissing?: boolean } = {}): Decision {
  // DVC's Stage.status order: changed deps, changed outs, always changed, changed command
  const items: StatusItem[] = [];
  const s = f.stage;
  const cmdChanged = s.kind === 'pipeline' && (!f.lock || !cmdEqual(f.lock.cmd, s.cmd));
  let always = false;
  let depsChanged = false;
  if (!s.frozen) {
    const callback = s.kind === 'pipeline' && s.deps.length === 0 && s.params.length === 0 && s.outs.length === 0;
    if (s.alwaysChanged || callback) {
      always = true;
      depsChanged = true;
    }
    const changedDeps: Record<string, string | Record<string, string>> = {};
    for (const d of f.deps) {
      if (!d.now) changedDeps[d.path] = 'deleted';
      else if (!sameHash(d.now, d.locked)) changedDeps[d.path] = 'modified';
    }
    for (const p of s.params) {
      const cur = f.params[p.file] ?? {};
      const old = f.lock?.params?.[p.file] ?? {};
      const per: Record<string, string> = {};
      if (f.paramErrors[p.file]) per[''] = 'deleted';
      const keys = p.keys ?? [...new Set([...Object.keys(cur), ...Object.keys(old)])];
      for (const k of keys) {
        if (!(k in old) && k in cur) per[k] = 'new';
        else if (k in old && !(k in cur)) per[k] = 'deleted';
        else if (!sameValue(old[k], cur[k])) per[k] = 'modified';
      }
      if (Object.keys(per).length) changedDeps[p.file] = per;
    }
    if (Object.keys(changedDeps).length) {
      items.push({ 'changed deps': changedDeps });
      depsChanged = true;
    }
  }
  const changedOuts: Record<string, string> = {};
  for (const out of f.outs) {
    if (!out.now) {
      if (!(o.allowMissing && out.inCache === false)) changedOuts[out.path] = out.locked?.md5 && out.cache && out.inCache === false ? 'not in cache' : 'deleted';
    } else if (!sameHash(out.now, out.locked)) changedOuts[out.path] = 'modified';
    else if (out.cache && out.inCache === false && !o.allowMissing) changedOuts[out.path] = 'not in cache';
  }
  if (Object.keys(changedOuts).length) items.push({ 'changed outs': changedOuts });
  if (always) items.push('always changed');
  if (cmdChanged) items.push('changed command');
  const outsChanged = Object.keys(changedOuts).length > 0;
  const restorable =
    !cmdChanged && !depsChanged && outsChanged && f.outs.every((x) => x.locked?.md5 && (!x.cache ? sameHash(x.now, x.locked) : x.inCache === true));
  // a frozen stage is never reproduced (its status still shows what differs)
  return { changed: !s.frozen && items.length > 0, items, restorable };
}

export function assertParamsReadable(f: StageFacts): void {
  for (const [file, msg] of Object.entries(f.paramErrors))
    throw new PipelineError(`stage '${f.stage.name}': ${msg}`, { hint: `fix ${file} or the params list of the stage`, data: { file } });
}
