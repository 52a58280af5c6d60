/** Shared by add, checkout, pull: put an output's objects into the workspace. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckoutError, MissingCacheError } from '../errors/index.js';
import { toPosix } from '../util/paths.js';
import type { HashName } from '../data/hash.js';
import { copiesOnly, copyObjectSync, makeStagingDir, placeObject } from '../data/checkout.js';
import { ObjectWriter } from '../data/object-writer.js';
import type { StatLike } from '../data/state.js';
import { isDirOid } from '../data/oid.js';
import { parseTree } from '../data/tree.js';
import { listingKey, walkFiles } from '../data/build.js';
import type { Repo } from '../repo/index.js';

export interface Placeable {
  abs: string;
  oid: string;
  hashName: HashName;
  isexec?: boolean;
}

export interface RelinkResult {
  added: string[];
  modified: string[];
  deleted: string[];
  /** objects missing from the cache (and so not placed) */
  missing: string[];
  failed: { path: string; reason: string }[];
}

/**
 * Make the workspace match `out`: place missing or different files, remove files a directory
 * manifest does not list. A workspace file whose content is not in the cache is never overwritten
 * without `force` (CheckoutError instead), so no data is lost.
 */
export async function relinkOutput(repo: Repo, out: Placeable, o: { force?: boolean; relink?: boolean }, res?: RelinkResult): Promise<RelinkResult> {
  const r: RelinkResult = res ?? { added: [], modified: [], deleted: [], missing: [], failed: [] };
  const types = repo.linkTypes;
  const name = out.hashName;
  const copyFast = copiesOnly(types, repo.cache.root);
  let freshDir = false; // the output directory did not exist: no file in it can be in the way
  /** `at`: where to write (inside a staging directory), when not `abs` itself */
  let writer: ObjectWriter | undefined; // a worker thread filling a large staging directory
  const placeFile = async (abs: string, oid: string, isexec?: boolean, at?: string, written?: (st: StatLike) => void): Promise<void> => {
    const st = freshDir ? undefined : fs.statSync(abs, { throwIfNoEntry: false });
    if (st && st.isFile() && !o.relink) {
      const known = name === 'md5' ? repo.state.get(st) : undefined;
      if (known === oid) return;
      if (known === undefined) {
        const { hashFileSync } = await import('../data/hash.js');
        const h = hashFileSync(abs, name).md5;
        if (name === 'md5') repo.state.set(st, h);
        if (h === oid) return;
      }
      if (!o.force && !repo.cache.has(repo.state.get(st) ?? '')) {
        throw new CheckoutError(`'${repo.display(abs)}' has changes that are not in the cache and would be lost`, {
          hint: "run 'keel add'/'keel commit' to keep them, or use --force to discard them",
          data: { path: abs },
        });
      }
    }
    if (copyFast) {
      // verify while copying: one read of the object, no separate check
      const res2 = copyObjectSync(repo.cache, oid, name, at ?? abs, { isexec, destIsDir: st?.isDirectory(), direct: at !== undefined, writer: at !== undefined ? writer : undefined, onStat: written });
      if (res2 === 'missing') return void r.missing.push(repo.rel(abs));
      if (res2 === 'corrupt') return void r.failed.push({ path: repo.rel(abs), reason: `object ${oid} in the cache is corrupted` });
      if (res2 !== 'large') {
        if (res2 !== 'queued') written?.(res2);
        (st ? r.modified : r.added).push(repo.rel(abs));
        return;
      }
    }
    const c = repo.cache.check(oid, name);
    if (c !== 'ok') {
      if (c === 'missing') r.missing.push(repo.rel(abs));
      else r.failed.push({ path: repo.rel(abs), reason: `object ${oid} in the cache is corrupted` });
      return;
    }
    await placeObject(repo.cache, oid, name, at ?? abs, types, { isexec });
    (st ? r.modified : r.added).push(repo.rel(abs));
  };
  if (!isDirOid(out.oid)) {
    await placeFile(out.abs, out.oid, out.isexec);
    return r;
  }
  const c = repo.cache.check(out.oid, name);
  if (c !== 'ok') {
    if (c === 'missing') r.missing.push(repo.rel(out.abs));
    else r.failed.push({ path: repo.rel(out.abs), reason: `directory manifest ${out.oid} in the cache is corrupted` });
    return r;
  }
  const entries = parseTree(fs.readFileSync(repo.cache.path(out.oid, name)), `cache object ${out.oid}`);
  const st = fs.lstatSync(out.abs, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) {
    if (!o.force) throw new CheckoutError(`'${repo.display(out.abs)}' is a file but should be a directory`, { hint: 'use --force to replace it' });
    fs.rmSync(out.abs, { force: true });
  }
  const listed = new Set(entries.map((e) => e.relpath));
  freshDir = !st;
  if (st?.isDirectory()) {
    const temps: string[] = [];
    const present = walkFiles(repo.root, out.abs, repo.ignore, temps);
    for (const t of temps) fs.rmSync(t, { force: true });
    for (const f of present) {
      if (listed.has(f.rel)) continue;
      const known = repo.state.get(f.st);
      if (!o.force && !(known && repo.cache.has(known)))
        throw new CheckoutError(`'${repo.display(f.abs)}' is not in the cache and would be deleted`, {
          hint: "run 'keel add'/'keel commit' to keep it, or use --force",
        });
      fs.rmSync(f.abs, { force: true });
      r.deleted.push(repo.rel(f.abs));
    }
  }
  if (freshDir && copyFast && entries.length >= STAGE_MIN_FILES) {
    const stage = makeStagingDir(out.abs);
    const before = r.added.length + r.missing.length + r.failed.length;
    const listing: { rel: string; st: StatLike }[] = [];
    if (entries.length >= PARALLEL_MIN_FILES) writer = ObjectWriter.start();
    try {
      try {
        for (const e of entries) {
          const parts = e.relpath.split('/');
          await placeFile(path.join(out.abs, ...parts), e.md5, e.isexec, path.join(stage, ...parts), (st) => listing.push({ rel: e.relpath, st }));
        }
      } finally {
        const w = writer;
        writer = undefined;
        await w?.finish();
      }
      fs.renameSync(stage, out.abs);
      // every file written by us, nothing else in the directory: record the listing so the first
      // status finds the manifest without rebuilding it (renaming the directory keeps inodes and mtimes)
      if (name === 'md5' && listing.length === entries.length && r.added.length - before === entries.length) repo.state.setRaw(listingKey(listing), out.oid.slice(0, 32));
    } catch (e) {
      fs.rmSync(stage, { recursive: true, force: true });
      throw e;
    }
    return r;
  }
  for (const e of entries) await placeFile(path.join(out.abs, ...e.relpath.split('/')), e.md5, e.isexec);
  return r;
}

/** Directories with fewer files are placed file by file (a staging dir saves a rename per file). */
const STAGE_MIN_FILES = 32;
/** From this many files a new directory's files are written by a worker thread (data/object-writer.ts). */
const PARALLEL_MIN_FILES = 1000;

export function describeMissing(r: RelinkResult): MissingCacheError | undefined {
  if (r.missing.length === 0) return undefined;
  return new MissingCacheError(`${r.missing.length} file(s) are not in the cache: ${r.missing.slice(0, 5).map(toPosix).join(', ')}${r.missing.length > 5 ? ', …' : ''}`, {
    hint: "run 'keel pull' to fetch them from the remote",
  });
}
