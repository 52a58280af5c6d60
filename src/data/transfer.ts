/**
 * Moving objects between the local cache and a remote Backend. Plan first (which oids the other
 * side lacks), then copy in parallel; a directory's files always go before its `.dir`, and the
 * `.dir` goes only when every file made it, so "`.dir` present ⇒ directory complete" holds on
 * both sides. Every object is hash-checked before it is used: uploads are verified from the
 * cache first, downloads are verified before they become visible in the cache.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CorruptObjectError, isKeelError, KeelError } from '../errors/index.js';
import { mapLimit } from '../util/limit.js';
import type { Backend } from '../storage/backend.js';
import { md5Bytes, type HashName } from './hash.js';
import type { LocalCache } from './cache.js';
import { isDirOid, keyToOid, oidKey } from './oid.js';
import { parseTree } from './tree.js';

export interface ObjRef {
  oid: string;
  name: HashName;
}

const refId = (r: ObjRef): string => `${r.name === 'md5' ? '' : 'L'}${r.oid}`;

export interface TransferProgress {
  (done: number, total: number): void;
}

export interface TransferResult {
  /** objects copied */
  transferred: number;
  /** objects that could not be copied: missing on the source side, corrupt, or failed */
  failed: { oid: string; reason: string }[];
}

/** Oids (as refIds) that exist on the remote among `wanted`: list when many, stat when few. */
export async function remoteHas(remote: Backend, wanted: ObjRef[], jobs: number): Promise<Set<string>> {
  const found = new Set<string>();
  if (wanted.length === 0) return found;
  if (wanted.length > 64) {
    const legacy = wanted.some((w) => w.name !== 'md5');
    const prefixes = legacy ? ['files/md5/', ''] : ['files/md5/'];
    for (const prefix of prefixes) {
      for await (const key of remote.list(prefix)) {
        const o = keyToOid(key);
        if (o) found.add(refId({ oid: o.value, name: o.name }));
      }
    }
    return found;
  }
  await mapLimit(wanted, jobs, async (w) => {
    if (await remote.stat(oidKey(w.oid, w.name))) found.add(refId(w));
  });
  return found;
}

/** Expand refs to every object they need: a dir's `.dir` plus its files (the .dir must be in the cache). */
export function expandLocal(cache: LocalCache, refs: ObjRef[]): { objects: ObjRef[]; dirs: Map<string, ObjRef[]>; missingDirs: ObjRef[] } {
  const seen = new Set<string>();
  const objects: ObjRef[] = [];
  const dirs = new Map<string, ObjRef[]>();
  const missingDirs: ObjRef[] = [];
  for (const r of refs) {
    if (seen.has(refId(r))) continue;
    seen.add(refId(r));
    if (isDirOid(r.oid)) {
      if (cache.check(r.oid, r.name) !== 'ok') {
        missingDirs.push(r);
        continue;
      }
      const entries = parseTree(fs.readFileSync(cache.path(r.oid, r.name)), `cache object ${r.oid}`);
      const children = entries.map((e) => ({ oid: e.md5, name: r.name }));
      dirs.set(refId(r), children);
      for (const c of children) {
        if (seen.has(refId(c))) continue;
        seen.add(refId(c));
        objects.push(c);
      }
    }
    objects.push(r);
  }
  return { objects, dirs, missingDirs };
}

/** Upload what the remote lacks. `refs` are the used objects (dirs are expanded here). */
export async function push(
  cache: LocalCache,
  remote: Backend,
  refs: ObjRef[],
  o: { jobs: number; onProgress?: TransferProgress },
): Promise<TransferResult> {
  const { objects, dirs, missingDirs } = expandLocal(cache, refs);
  const failed: TransferResult['failed'] = missingDirs.map((d) => ({ oid: d.oid, reason: 'missing from the local cache' }));
  const onRemote = await remoteHas(remote, objects, o.jobs);
  const todo = objects.filter((r) => !onRemote.has(refId(r)));
  const files = todo.filter((r) => !isDirOid(r.oid));
  const dirRefs = todo.filter((r) => isDirOid(r.oid));
  const failedIds = new Set<string>();
  let done = 0;
  const total = todo.length;
  const localRoot = remote.localRoot;
  const knownDirs = new Set<string>();
  const upload = async (r: ObjRef): Promise<void> => {
    if (localRoot) {
      // local remote, small object: verify while copying, synchronously (fast for many files)
      let res: 'ok' | 'missing' | 'large' | 'corrupt';
      try {
        res = cache.copyOutVerifiedSync(r.oid, r.name, `${localRoot}/${oidKey(r.oid, r.name)}`, knownDirs);
      } catch (e) {
        if (!(e instanceof CorruptObjectError)) throw e;
        res = 'corrupt';
      }
      if (res !== 'large') {
        if (res !== 'ok') {
          failed.push({ oid: r.oid, reason: res === 'missing' ? 'missing from the local cache' : 'corrupt in the local cache' });
          failedIds.add(refId(r));
        }
        o.onProgress?.(++done, total);
        return;
      }
    }
    const state = cache.check(r.oid, r.name);
    if (state !== 'ok') {
      failed.push({ oid: r.oid, reason: state === 'missing' ? 'missing from the local cache' : 'corrupt in the local cache' });
      failedIds.add(refId(r));
      return;
    }
    try {
      await remote.writeFile(oidKey(r.oid, r.name), cache.path(r.oid, r.name));
    } catch (e) {
      if (!isKeelError(e) || e.code === 'AUTH' || e.code === 'REMOTE') throw e;
      failed.push({ oid: r.oid, reason: e.message });
      failedIds.add(refId(r));
    }
    o.onProgress?.(++done, total);
  };
  await mapLimit(files, o.jobs, upload);
  // A .dir goes last, and only when all its files are on the remote now.
  const complete = dirRefs.filter((d) => !(dirs.get(refId(d)) ?? []).some((c) => failedIds.has(refId(c))));
  for (const d of dirRefs) if (!complete.includes(d)) failed.push({ oid: d.oid, reason: 'some of its files failed to upload' });
  await mapLimit(complete, o.jobs, upload);
  return { transferred: total - failed.filter((f) => !missingDirs.some((m) => m.oid === f.oid)).length, failed };
}

/**
 * Download what the cache lacks. A `.dir` missing locally is fetched first (to learn its files),
 * verified, and stored only after all its files made it.
 */
export async function fetch(
  cache: LocalCache,
  remote: Backend,
  refs: ObjRef[],
  o: {
    jobs: number;
    onProgress?: TransferProgress;
    remoteName: string;
    /**
     * pull: when an empty cache is being filled and every fetched object is still held in
     * memory, leave the staged fill open (the worker may still be writing) so the checkout can
     * run meanwhile from memory; the caller ends it with `cache.endFreshFill()`.
     */
    deferFill?: boolean;
  },
): Promise<TransferResult> {
  const failed: TransferResult['failed'] = [];
  const where = `remote '${o.remoteName}'`;
  const seen = new Set<string>();
  const files: ObjRef[] = [];
  const pendingDirs: { ref: ObjRef; bytes?: Buffer; children: ObjRef[] }[] = [];
  for (const r of refs) {
    if (seen.has(refId(r))) continue;
    seen.add(refId(r));
    if (!isDirOid(r.oid)) {
      files.push(r);
      continue;
    }
    let bytes: Buffer | undefined;
    if (cache.check(r.oid, r.name) === 'ok') bytes = fs.readFileSync(cache.path(r.oid, r.name));
    else {
      try {
        bytes = await readManifest(remote, r, where);
      } catch (e) {
        failed.push({ oid: r.oid, reason: reasonOf(e) });
        continue;
      }
    }
    const entries = parseTree(bytes, `${where} object ${r.oid}`);
    const children = entries.map((e) => ({ oid: e.md5, name: r.name }));
    pendingDirs.push({ ref: r, bytes: cache.has(r.oid, r.name) ? undefined : bytes, children });
    for (const c of children) {
      if (seen.has(refId(c))) continue;
      seen.add(refId(c));
      files.push(c);
    }
  }
  // Many objects: presence from one listing of the cache (a present but damaged object is caught
  // when it is checked out or pushed); few: verified one by one.
  const todo = files.length >= 256 ? files.filter((r) => !cache.listed(r.oid, r.name)) : files.filter((r) => cache.check(r.oid, r.name) !== 'ok');
  const failedIds = new Set<string>();
  let done = 0;
  const total = todo.length + pendingDirs.filter((d) => d.bytes).length;
  const localRoot = remote.localRoot;
  // an empty cache (fresh clone) filled from a local remote: one rename for the whole tree
  const fresh = localRoot !== undefined && todo.length >= 256 && cache.beginFreshFill({ parallel: todo.length >= PARALLEL_MIN });
  if (!fresh && todo.length > 0) cache.removeStaleStaging();
  let deferred = false;
  try {
    await mapLimit(todo, o.jobs, async (r) => {
      try {
        if (localRoot) cache.putFileVerifiedSync(path.join(localRoot, oidKey(r.oid, r.name)), r.oid, r.name, where);
        else await cache.putStream(await remote.read(oidKey(r.oid, r.name)), r.oid, r.name, where);
      } catch (e) {
        if (isKeelError(e) && (e.code === 'AUTH' || e.code === 'REMOTE')) throw e;
        failed.push({ oid: r.oid, reason: reasonOf(e) });
        failedIds.add(refId(r));
      }
      o.onProgress?.(++done, total);
    });
    deferred = fresh && !!o.deferFill && failed.length === 0 && todo.every((r) => cache.recentBytesOf(r.oid) !== undefined);
  } finally {
    if (fresh && !deferred) await cache.endFreshFill();
  }
  for (const d of pendingDirs) {
    if (d.children.some((c) => failedIds.has(refId(c)))) {
      failed.push({ oid: d.ref.oid, reason: 'some of its files could not be fetched' });
      continue;
    }
    if (d.bytes) {
      cache.putBytes(d.bytes, d.ref.oid, d.ref.name === 'md5' ? 'md5' : d.ref.name);
      o.onProgress?.(++done, total);
    }
    // all its files were fetched now (or found listed): status need not list the cache again
    if (d.children.length >= 256) cache.markComplete(d.ref.oid, d.ref.name);
  }
  return { transferred: done - 0, failed };
}

/** Objects from which a fresh cache is written by a worker thread (its start costs ~30 ms). */
const PARALLEL_MIN = 1000;

/** Read a `.dir` manifest from a remote and check its hash before anyone uses it. */
export async function readManifest(remote: Backend, r: ObjRef, where: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await remote.read(oidKey(r.oid, r.name))) chunks.push(c as Buffer);
  const bytes = Buffer.concat(chunks);
  const got = md5Bytes(bytes);
  if (got + '.dir' !== r.oid) throw new CorruptObjectError(where, r.oid, got);
  return bytes;
}

function reasonOf(e: unknown): string {
  if (e instanceof KeelError) return e.code === 'NOT_FOUND' ? 'missing on the remote' : e.message;
  if (e instanceof Error && (e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing on the remote';
  return e instanceof Error ? e.message : String(e);
}
