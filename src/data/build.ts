/**
 * Workspace → hashes (and, when committing, objects). A file is read once: hashed while copied
 * into the cache. Files whose (inode, mtime, size) is in the hash state are not read at all.
 * Directories become `.dir` manifests, written to the cache after all their files.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError, NotFoundError, PathError } from '../errors/index.js';
import { toPosix } from '../util/paths.js';
import { isTempName } from '../util/fs.js';
import { hashFile, hashFileSync, SMALL_FILE, type HashName } from './hash.js';
import type { LocalCache } from './cache.js';
import type { HashState, StatLike } from './state.js';
import { serializeTree, sortEntries, type TreeEntry } from './tree.js';

/** What decides which workspace paths are skipped (.dvcignore). Paths are posix, relative to the repo root. */
export interface IgnoreFilter {
  isIgnored(relFromRoot: string, isDir: boolean): boolean;
  /** called when a walk enters a directory (root-relative) with its entry names; false = skip it (a sub-repository) */
  enterDirSync?(relDir: string, names: readonly string[]): boolean;
}

export interface WalkedFile {
  /** posix path relative to the walked directory */
  rel: string;
  abs: string;
  /** absent when the walk was asked not to stat (the caller fstat()s while reading) */
  st: fs.Stats;
}

/**
 * Every regular file under `dir` (symlinks followed), minus ignored paths. Empty directories leave
 * no trace, as in DVC. A `.dvcignore` inside a tracked directory is an error, as in DVC.
 */
export function walkFiles(repoRoot: string, dir: string, ignore?: IgnoreFilter, temps?: string[], noStat = false): WalkedFile[] {
  const out: WalkedFile[] = [];
  const rootRel = toPosix(path.relative(repoRoot, dir));
  const visit = (absDir: string, relDir: string): void => {
    const ents = fs.readdirSync(absDir, { withFileTypes: true });
    if (ignore?.enterDirSync) {
      const rr = rootRel ? (relDir ? `${rootRel}/${relDir}` : rootRel) : relDir;
      if (!ignore.enterDirSync(rr, ents.map((e) => e.name))) return;
    }
    for (const d of ents) {
      const rel = relDir ? `${relDir}/${d.name}` : d.name;
      const abs = path.join(absDir, d.name);
      let isDir = d.isDirectory();
      let st: fs.Stats | undefined;
      if (d.isSymbolicLink()) {
        st = fs.statSync(abs, { throwIfNoEntry: false });
        if (!st) continue; // dangling link
        isDir = st.isDirectory();
      }
      if (ignore?.isIgnored(rootRel ? `${rootRel}/${rel}` : rel, isDir)) continue;
      if (isDir) {
        visit(abs, rel);
        continue;
      }
      if (isTempName(d.name)) {
        // a temp file of a killed keel checkout: never data, removed by the next checkout
        temps?.push(abs);
        continue;
      }
      if (d.name === '.dvcignore')
        throw new PathError(`'${toPosix(path.relative(repoRoot, abs))}' is inside a tracked directory: .dvcignore files there are not supported`, {
          hint: 'move its patterns to a .dvcignore above the tracked directory',
        });
      if (noStat && d.isFile()) {
        out.push({ rel, abs, st: undefined as unknown as fs.Stats });
        continue;
      }
      st ??= fs.statSync(abs);
      if (!st.isFile()) continue; // sockets, fifos
      out.push({ rel, abs, st });
    }
  };
  visit(dir, '');
  return out;
}

export interface BuiltOutput {
  kind: 'file' | 'dir';
  /** md5, or `<md5>.dir` for directories */
  oid: string;
  size: number;
  nfiles?: number;
  isexec?: boolean;
  entries?: TreeEntry[];
}

export interface BuildOptions {
  repoRoot: string;
  cache: LocalCache;
  state: HashState;
  /** store objects in the cache (add / commit) or only hash (status) */
  commit: boolean;
  name?: HashName;
  ignore?: IgnoreFilter;
  onFile?: (bytes: number) => void;
  /** counts files read and hashed vs answered by the hash state (for -v and tests) */
  stats?: HashStats;
}

export interface HashStats {
  hashed: number;
  fromState: number;
}

/** Hash (and optionally store) the file or directory at `abs`. */
export async function buildOutput(abs: string, o: BuildOptions): Promise<BuiltOutput> {
  const st = fs.statSync(abs, { throwIfNoEntry: false });
  if (!st) throw new NotFoundError(`'${toPosix(path.relative(o.repoRoot, abs))}' does not exist`, { data: { path: abs } });
  const name = o.name ?? 'md5';
  if (st.isDirectory()) {
    const fast = o.commit && name === 'md5';
    const files = walkFiles(o.repoRoot, abs, o.ignore, undefined, fast);
    let fpKey: string | undefined;
    if (!o.commit && name === 'md5') {
      // an unchanged listing (names, inodes, mtimes, sizes) has the oid it had last time
      let total = 0;
      for (const f of files) total += f.st.size;
      fpKey = listingKey(files);
      const hit = o.state.getRaw(fpKey);
      if (hit) {
        if (o.stats) o.stats.fromState += files.length;
        return { kind: 'dir', oid: `${hit}.dir`, size: total, nfiles: files.length };
      }
    }
    const entries: TreeEntry[] = [];
    let size = 0;
    // many files into an empty cache: staged and made visible at once (data/cache.ts)
    const fresh = fast && files.length >= 256 && o.cache.beginFreshFill({ parallel: files.length >= 1000 });
    if (fast && !fresh) o.cache.removeStaleStaging();
    try {
      for (const f of files) {
        if (fast) {
          // one descriptor per file: fstat, state lookup, read, hash, write the object
          const r = o.cache.addFileSync(f.abs, o.state);
          if (r) {
            f.st = r.st;
            if (o.stats) o.stats.hashed++;
          } else f.st = fs.statSync(f.abs);
          const md5 = r ? r.md5 : await hashOne(f.abs, f.st, o, name);
          const e: TreeEntry = { relpath: f.rel, md5, size: f.st.size };
          if (f.st.mode & 0o111) e.isexec = true;
          entries.push(e);
          size += f.st.size;
          o.onFile?.(f.st.size);
          continue;
        }
        const md5 = await hashOne(f.abs, f.st, o, name);
        const e: TreeEntry = { relpath: f.rel, md5, size: f.st.size };
        if (f.st.mode & 0o111) e.isexec = true;
        entries.push(e);
        size += f.st.size;
        o.onFile?.(f.st.size);
      }
    } finally {
      if (fresh) await o.cache.endFreshFill();
    }
    if (fast) {
      // the listing fingerprint status computes (same walk order, same stats), so the first
      // status after add needs no manifest rebuild either
      fpKey = listingKey(files);
    }
    sortEntries(entries);
    const { bytes, oid } = serializeTree(entries);
    if (o.commit) {
      o.cache.putBytes(bytes, oid);
      // every file of the manifest was just stored: the first status need not list the cache
      // (large directories only: status checks small ones object by object)
      if (entries.length >= 256) o.cache.markComplete(oid, name);
    }
    if (fpKey) o.state.setRaw(fpKey, oid.slice(0, -4));
    return { kind: 'dir', oid, size, nfiles: entries.length, entries };
  }
  if (!st.isFile()) throw new FileFormatError(abs, 'not a regular file or directory');
  const md5 = await hashOne(abs, st, o, name);
  o.onFile?.(st.size);
  const out: BuiltOutput = { kind: 'file', oid: md5, size: st.size };
  if (st.mode & 0o111) out.isexec = true;
  return out;
}

/**
 * The state key of a directory listing: md5 over (name, inode, mtime, size) of its files in
 * code-unit order of their paths. An unchanged listing maps to the `.dir` oid it had, so status
 * rebuilds no manifest; whoever writes a whole directory (add, a fresh checkout) records it.
 */
export function listingKey(files: readonly { rel: string; st: StatLike }[]): string {
  // any fixed order works for a fingerprint: UTF-16 code-unit order is the cheapest to sort by
  const sorted = files.slice().sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const fp = createHash('md5');
  for (const f of sorted) fp.update(`${f.rel}\0${f.st.ino}\0${f.st.mtimeMs}\0${f.st.size}\n`);
  return `D${fp.digest('hex')}`;
}

async function hashOne(abs: string, st: fs.Stats, o: BuildOptions, name: HashName): Promise<string> {
  const known = name === 'md5' ? o.state.get(st) : undefined;
  if (o.stats) {
    if (known) o.stats.fromState++;
    else o.stats.hashed++;
  }
  if (o.commit && name === 'md5') return (await o.cache.addFile(abs, st, known)).md5;
  if (known) return known;
  const r = st.size <= SMALL_FILE ? hashFileSync(abs, name) : await hashFile(abs, name);
  if (name === 'md5') o.state.set(st, r.md5);
  return r.md5;
}
