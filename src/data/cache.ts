/**
 * The local cache (object DB on the local disk): `.dvc/cache/files/md5/xx/rest` (and the legacy
 * `.dvc/cache/xx/rest`). Objects are written to a temp name beside their final place, made
 * read-only (0444) and renamed into place, so a killed process never leaves a partial object
 * visible. Every object read for use is verified against its oid; the hash state remembers
 * verified objects by (inode, mtime, size) so an untouched object is not re-hashed.
 *
 * The synchronous small-file paths are deliberate: for thousands of tiny files Node's sync fs
 * calls are 4-5× faster than fs.promises (stack.md, "Hashing").
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { CorruptObjectError, isErrno, MissingCacheError } from '../errors/index.js';
import { isTempName, tempNameFor } from '../util/fs.js';
import { hashFile, hashFileSync, md5Bytes, newHasher, SMALL_FILE, type HashName } from './hash.js';
import { oidKey } from './oid.js';
import { ObjectWriter } from './object-writer.js';
import type { HashState } from './state.js';

export const OBJECT_MODE = 0o444;

/** Most bytes of just-fetched objects kept in memory for the checkout that follows (pull). */
const RECENT_MAX = 48 << 20;

/** One reusable read buffer for small files (no per-file allocation). */
let BUF = Buffer.allocUnsafe(SMALL_FILE + 1);

export class LocalCache {
  private readonly knownDirs = new Set<string>();
  /** oids this process wrote after checking their hash (a copy out needs no second check) */
  readonly verified = new Set<string>();
  /**
   * Bytes of small objects this process just fetched and verified, by oid, up to RECENT_MAX bytes
   * in all: the checkout that follows a fetch (`pull`) copies them from memory instead of opening
   * and reading each object again.
   */
  private readonly recent = new Map<string, Buffer>();
  private recentBytes = 0;
  /** `files/<temp>` standing in for `files/md5` while an empty cache is filled (see beginFreshFill) */
  private staging: string | undefined;
  /** staged objects written by a worker thread (beginFreshFill with `parallel`) */
  private writer: ObjectWriter | undefined;
  /** directories whose completeness is recorded when the staged fill ends */
  private completeAfterFill: [string, HashName][] = [];

  constructor(
    readonly root: string,
    readonly state: HashState,
  ) {}

  path(oid: string, name: HashName = 'md5'): string {
    // plain concatenation: called once per object on hot paths (root is absolute and normalised)
    return name === 'md5' ? `${this.root}/files/md5/${oid.slice(0, 2)}/${oid.slice(2)}` : `${this.root}/${oid.slice(0, 2)}/${oid.slice(2)}`;
  }

  /** True when the object file exists (not verified). */
  has(oid: string, name: HashName = 'md5'): boolean {
    return fs.statSync(this.path(oid, name), { throwIfNoEntry: false }) !== undefined;
  }

  /**
   * 'ok' when the object exists and its content hashes to `oid`; 'missing' or 'corrupt'
   * otherwise. Untouched objects verified before are answered from the hash state.
   */
  check(oid: string, name: HashName = 'md5'): 'ok' | 'missing' | 'corrupt' {
    const p = this.path(oid, name);
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st || !st.isFile()) return 'missing';
    const want = oid.endsWith('.dir') ? oid.slice(0, -4) : oid;
    if (this.state.get(st) === want) return 'ok';
    // .dir manifests and legacy objects are hashed as stored bytes (plain md5 for .dir in both layouts)
    const got = hashFileSync(p, oid.endsWith('.dir') ? 'md5' : name).md5;
    if (got !== want) return 'corrupt';
    this.state.set(st, want);
    return 'ok';
  }

  /** Throws MissingCacheError / CorruptObjectError unless the object is present and sound. */
  assertSound(oid: string, name: HashName = 'md5'): string {
    const r = this.check(oid, name);
    if (r === 'missing')
      throw new MissingCacheError(`object ${oid} is not in the cache`, { hint: "run 'keel fetch' or 'keel pull'", data: { oid } });
    if (r === 'corrupt') throw new CorruptObjectError('the cache', oid, 'something else');
    return this.path(oid, name);
  }

  private ensureDir(dir: string): void {
    if (this.knownDirs.has(dir)) return;
    fs.mkdirSync(dir, { recursive: true });
    this.knownDirs.add(dir);
  }

  /** The verified bytes of a small object fetched by this process, if still held. */
  recentBytesOf(oid: string): Buffer | undefined {
    return this.recent.get(oid);
  }

  /**
   * Fill an empty cache in a staging directory: when `files/md5` does not exist yet (a fresh
   * clone), objects stored by putFileVerifiedSync go to `files/<temp>/xx/rest` with plain writes
   * and endFreshFill renames the whole tree to `files/md5` once, instead of one temp + rename per
   * object. A killed fetch leaves only the staging directory, which the next one removes.
   * Returns false (and does nothing) when the cache already has objects. `parallel`: the staged
   * objects are written by a worker thread (data/object-writer.ts) while this thread reads and
   * hashes the next ones.
   */
  beginFreshFill(o: { parallel?: boolean } = {}): boolean {
    const files = `${this.root}/files`;
    if (this.staging) return false;
    this.removeStaleStaging();
    if (fs.existsSync(`${files}/md5`)) return false;
    fs.mkdirSync(files, { recursive: true });
    const stage = tempNameFor(`${files}/md5`);
    fs.mkdirSync(stage);
    this.staging = stage;
    if (o.parallel) this.writer = ObjectWriter.start();
    return true;
  }

  /**
   * Make the staged objects visible (every staged object is complete). If `files/md5` appeared in
   * the meantime (a large object stored through the streaming path), the staged shards are moved
   * into it one by one instead.
   */
  async endFreshFill(): Promise<void> {
    const stage = this.staging;
    if (!stage) return;
    this.staging = undefined;
    const writer = this.writer;
    this.writer = undefined;
    let failed: unknown;
    // the objects the worker did write are whole (a failed one is removed): they become visible too
    if (writer) await writer.finish().catch((e: unknown) => (failed = e));
    this.moveStaged(stage);
    if (failed) throw failed;
    const complete = this.completeAfterFill;
    this.completeAfterFill = [];
    for (const [oid, name] of complete) this.markComplete(oid, name);
  }

  /**
   * Remove staging trees a killed fill left in `files/` (never visible as objects). Writers call
   * it before storing objects; nothing else uses temp-named directories there.
   */
  removeStaleStaging(): void {
    if (this.staging) return;
    const files = `${this.root}/files`;
    let ents: fs.Dirent[];
    try {
      ents = fs.readdirSync(files, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) if (e.isDirectory() && isTempName(e.name)) fs.rmSync(`${files}/${e.name}`, { recursive: true, force: true });
  }

  /** True while a staged fill is open (objects written since are not visible yet). */
  get filling(): boolean {
    return this.staging !== undefined;
  }

  private moveStaged(stage: string): void {
    const md5Root = `${this.root}/files/md5`;
    try {
      fs.renameSync(stage, md5Root);
      return;
    } catch (e) {
      if (!isErrno(e, 'ENOTEMPTY', 'EEXIST')) throw e;
    }
    for (const shard of fs.readdirSync(stage)) {
      const to = `${md5Root}/${shard}`;
      if (!fs.existsSync(to)) {
        fs.renameSync(`${stage}/${shard}`, to);
        continue;
      }
      for (const f of fs.readdirSync(`${stage}/${shard}`)) fs.renameSync(`${stage}/${shard}/${f}`, `${to}/${f}`);
    }
    fs.rmSync(stage, { recursive: true, force: true });
  }

  /** Store bytes whose oid is known (or computed). Idempotent. */
  putBytes(bytes: Uint8Array, oid?: string, name: HashName = 'md5'): string {
    const md5 = md5Bytes(bytes);
    const value = oid ?? md5;
    const want = value.endsWith('.dir') ? value.slice(0, -4) : value;
    if (name === 'md5' && md5 !== want) throw new CorruptObjectError('the data to store', value, md5);
    const dest = this.path(value, name);
    if (this.check(value, name) === 'ok') return value;
    this.ensureDir(path.dirname(dest));
    const tmp = tempNameFor(dest);
    fs.writeFileSync(tmp, bytes, { mode: OBJECT_MODE });
    fs.renameSync(tmp, dest);
    this.present?.add(this.keyOf(dest));
    this.state.set(fs.statSync(dest), want);
    return value;
  }

  /**
   * Add a workspace file to the cache, reading it once: hash while copying into a temp object,
   * then rename into place. When `known` (from the hash state) says the object is already in the
   * cache, nothing is read at all. Returns the file's md5 and size.
   */
  async addFile(src: string, st: fs.Stats, known?: string): Promise<{ md5: string; size: number }> {
    if (known !== undefined && this.has(known)) return { md5: known, size: st.size };
    if (st.size <= SMALL_FILE) return this.addSmallFile(src, st);
    return this.addLargeFile(src, st);
  }

  /**
   * Add a workspace file reading it once through one descriptor (open, fstat, read, close), with
   * no separate stat or existence check: the object is written to a temp name (0444) and renamed
   * over whatever is there (identical bytes by definition). Large files (returns
   * undefined) take the streaming path.
   */
  addFileSync(src: string, state: HashState): { md5: string; size: number; st: fs.Stats } | undefined {
    const fd = fs.openSync(src, 'r');
    let st: fs.Stats;
    let n = 0;
    try {
      st = fs.fstatSync(fd);
      if (st.size > SMALL_FILE) return undefined;
      const known = state.get(st);
      if (known !== undefined && this.has(known)) return { md5: known, size: st.size, st };
      if (BUF.length < st.size + 1) BUF = Buffer.allocUnsafe(st.size + 1);
      for (;;) {
        const r = fs.readSync(fd, BUF, n, BUF.length - n, null);
        if (r === 0) break;
        n += r;
        if (n === BUF.length) BUF = Buffer.concat([BUF, Buffer.allocUnsafe(BUF.length)]);
      }
    } finally {
      fs.closeSync(fd);
    }
    const data = BUF.subarray(0, n);
    const md5 = md5Bytes(data);
    // staged (an empty cache being filled, see beginFreshFill): written in place, no rename
    const staged = this.staging !== undefined;
    const dest = staged ? `${this.staging}/${md5.slice(0, 2)}/${md5.slice(2)}` : this.path(md5);
    if (staged && this.writer) {
      this.writer.write(dest, data);
      this.present?.add(this.keyOf(dest));
      if (n === st.size) state.set(st, md5);
      return { md5, size: n, st };
    }
    const tmp = staged ? dest : tempNameFor(dest);
    const flags = staged ? 'wx' : 'w';
    let out: number;
    try {
      try {
        out = fs.openSync(tmp, flags, OBJECT_MODE);
      } catch (e) {
        if (!isErrno(e, 'ENOENT')) throw e;
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        out = fs.openSync(tmp, flags, OBJECT_MODE);
      }
    } catch (e) {
      // staged twice: a duplicate file, its object is already there
      if (!(staged && isErrno(e, 'EEXIST'))) throw e;
      if (n === st.size) state.set(st, md5);
      return { md5, size: n, st };
    }
    try {
      fs.writeSync(out, data, 0, n);
    } catch (e) {
      fs.closeSync(out);
      if (staged) fs.rmSync(dest, { force: true });
      throw e;
    }
    fs.closeSync(out);
    if (!staged) fs.renameSync(tmp, dest);
    this.present?.add(this.keyOf(dest));
    if (n === st.size) state.set(st, md5); // the file did not grow while read
    // (the object's own stat is not recorded here: large directories are checked against the
    // cache listing, and objects are verified when they are copied out)
    return { md5, size: n, st };
  }

  addSmallFile(src: string, st: fs.Stats): { md5: string; size: number } {
    const buf = fs.readFileSync(src);
    const md5 = md5Bytes(buf);
    const dest = this.path(md5);
    const existing = fs.statSync(dest, { throwIfNoEntry: false });
    if (!existing || this.check(md5) !== 'ok') {
      this.ensureDir(path.dirname(dest));
      const tmp = tempNameFor(dest);
      fs.writeFileSync(tmp, buf, { mode: OBJECT_MODE });
      fs.renameSync(tmp, dest);
    this.present?.add(this.keyOf(dest));
    }
    this.state.set(st, md5);
    return { md5, size: buf.length };
  }

  /**
   * Large files: the kernel copies the file into a temp object (copy_file_range, no bytes through
   * JavaScript) while the same bytes are hashed from the page cache, in parallel. If the source
   * changed while this ran (stat before and after differ), the copy itself is hashed instead, so
   * an object is never stored under a wrong name.
   */
  private async addLargeFile(src: string, st: fs.Stats): Promise<{ md5: string; size: number }> {
    const tmpDir = path.join(this.root, 'files', 'md5');
    this.ensureDir(tmpDir);
    const tmp = tempNameFor(path.join(tmpDir, 'x'));
    try {
      const [h] = await Promise.all([hashFile(src), fs.promises.copyFile(src, tmp)]);
      const after = fs.statSync(src);
      let md5 = h.md5;
      if (after.mtimeMs !== st.mtimeMs || after.size !== st.size || after.size !== fs.statSync(tmp).size) md5 = (await hashFile(tmp)).md5;
      fs.chmodSync(tmp, OBJECT_MODE);
      const dest = this.path(md5);
      this.ensureDir(path.dirname(dest));
      fs.renameSync(tmp, dest);
    this.present?.add(this.keyOf(dest));
      if (md5 === h.md5) this.state.set(st, md5);
      this.state.set(fs.statSync(dest), md5);
      return { md5, size: after.size };
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  }

  /**
   * Store a stream that must hash to `oid` (a download). The bytes land in a temp file and are
   * renamed into place only when the hash matches; otherwise CorruptObjectError and nothing stays.
   */
  async putStream(body: Readable, oid: string, name: HashName, where: string): Promise<void> {
    const dest = this.path(oid, name);
    this.ensureDir(path.dirname(dest));
    const tmp = tempNameFor(dest);
    const isDir = oid.endsWith('.dir');
    const h = newHasher(isDir ? 'md5' : name);
    try {
      await pipeline(
        body,
        new Transform({
          transform(chunk: Buffer, _enc, cb) {
            h.update(chunk);
            cb(null, chunk);
          },
        }),
        fs.createWriteStream(tmp, { mode: OBJECT_MODE }),
      );
      const got = h.digest('hex');
      const want = isDir ? oid.slice(0, -4) : oid;
      if (got !== want) throw new CorruptObjectError(where, oid, got);
      fs.renameSync(tmp, dest);
      this.present?.add(this.keyOf(dest));
      this.state.set(fs.statSync(dest), want);
      this.verified.add(oid);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  }

  /** Store a local file (e.g. fetched from a local remote) that must hash to `oid`. Sync, small files. */
  putFileVerifiedSync(src: string, oid: string, name: HashName, where: string): void {
    const buf = fs.readFileSync(src);
    const isDir = oid.endsWith('.dir');
    const h = newHasher(isDir ? 'md5' : name);
    h.update(buf);
    const got = h.digest('hex');
    const want = isDir ? oid.slice(0, -4) : oid;
    if (got !== want) throw new CorruptObjectError(where, oid, got);
    const staged = this.staging !== undefined && name === 'md5' && !isDir;
    const dest = staged ? `${this.staging}/${oid.slice(0, 2)}/${oid.slice(2)}` : this.path(oid, name);
    if (staged && this.writer) {
      this.writer.write(dest, buf, (st) => this.state.set(st, want));
      this.present?.add(this.keyOf(dest));
      this.verified.add(oid);
      this.remember(oid, buf);
      return;
    }
    this.ensureDir(path.dirname(dest));
    // staged: written in place (the tree becomes visible only when complete); else temp + rename
    const tmp = staged ? dest : tempNameFor(dest);
    const out = fs.openSync(tmp, staged ? 'wx' : 'w', OBJECT_MODE);
    let st: fs.Stats;
    try {
      fs.writeSync(out, buf);
      st = fs.fstatSync(out);
    } catch (e) {
      fs.closeSync(out);
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    fs.closeSync(out);
    if (!staged) fs.renameSync(tmp, dest);
    this.present?.add(this.keyOf(dest));
    this.state.set(st, want);
    this.verified.add(oid);
    if (!isDir) this.remember(oid, buf);
  }

  private remember(oid: string, buf: Buffer): void {
    if (this.recentBytes + buf.length > RECENT_MAX) return;
    this.recent.set(oid, buf);
    this.recentBytes += buf.length;
  }

  /**
   * Copy a small object to `dest` (another object store on the local disk), checking its hash on
   * the way: read once, hash, write a temp file beside `dest`, rename. Throws CorruptObjectError
   * (and writes nothing) when the cache copy does not hash to `oid`.
   */
  copyOutVerifiedSync(oid: string, name: HashName, dest: string, knownDirs: Set<string>): 'ok' | 'missing' | 'large' {
    let fd: number;
    try {
      fd = fs.openSync(this.path(oid, name), 'r');
    } catch (e) {
      if (isErrno(e, 'ENOENT', 'ENOTDIR')) return 'missing';
      throw e;
    }
    let n = 0;
    try {
      const size = fs.fstatSync(fd).size;
      if (size > SMALL_FILE) return 'large';
      if (BUF.length < size + 1) BUF = Buffer.allocUnsafe(size + 1);
      for (;;) {
        const r = fs.readSync(fd, BUF, n, BUF.length - n, null);
        if (r === 0) break;
        n += r;
        if (n === BUF.length) return 'large';
      }
    } finally {
      fs.closeSync(fd);
    }
    const data = BUF.subarray(0, n);
    const isDir = oid.endsWith('.dir');
    const got = isDir || name === 'md5' ? md5Bytes(data) : (() => {
      const h = newHasher(name);
      h.update(data);
      return h.digest('hex');
    })();
    if (got !== (isDir ? oid.slice(0, -4) : oid)) throw new CorruptObjectError('the cache', oid, got);
    const dir = path.dirname(dest);
    if (!knownDirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      knownDirs.add(dir);
    }
    const tmp = tempNameFor(dest);
    const out = fs.openSync(tmp, 'w', 0o444);
    try {
      fs.writeSync(out, data, 0, n);
    } finally {
      fs.closeSync(out);
    }
    fs.renameSync(tmp, dest);
    return 'ok';
  }

  private present?: Set<string>;

  /** The `listed()` key of an object path (so writes keep the listing current). */
  private keyOf(objPath: string): string {
    const rel = path.relative(this.root, objPath).split(path.sep);
    const legacy = rel[0] !== 'files';
    return `${legacy ? 'L' : ''}${rel[rel.length - 2]}${rel[rel.length - 1]}`;
  }

  /**
   * Existence of an object from one listing of the cache's shard directories (256 readdirs
   * instead of one stat per object): for status over large directories. Not a content check.
   */
  listed(oid: string, name: HashName = 'md5'): boolean {
    if (!this.present) {
      this.present = new Set();
      for (const o of this.listObjects()) this.present.add(`${o.name === 'md5' ? '' : 'L'}${o.value}`);
    }
    return this.present.has(`${name === 'md5' ? '' : 'L'}${oid}`);
  }

  private token?: string;

  /**
   * A fingerprint of the cache's object set: the names and mtimes of its shard directories (a
   * directory's mtime changes whenever an entry is added or removed). Equal tokens mean no
   * object was added or removed in between. 257 stats, not one per object.
   */
  objectSetToken(): string {
    if (this.token) return this.token;
    const h = createHash('md5');
    for (const base of [path.join(this.root, 'files', 'md5'), this.root]) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(base).filter((n) => /^[0-9a-f]{2}$/.test(n)).sort();
      } catch {
        /* none */
      }
      for (const n of names) h.update(`${n}:${fs.statSync(path.join(base, n)).mtimeMs};`);
    }
    this.token = h.digest('hex');
    return this.token;
  }

  /**
   * Record that every file of directory `oid` is in the cache (the `C` key status and repro check
   * against objectSetToken). Only for a writer that has just stored or verified all of them.
   */
  markComplete(oid: string, name: HashName = 'md5'): void {
    if (this.staging) {
      // its files are still staged: recorded once they are visible (endFreshFill)
      this.completeAfterFill.push([oid, name]);
      return;
    }
    this.token = undefined; // objects were written since it was taken
    this.state.setRaw(`C${name === 'md5' ? '' : 'L'}${oid.slice(0, 32)}`, this.objectSetToken());
  }

  /** Every object oid in the cache (both layouts). */
  *listObjects(): Generator<{ value: string; name: HashName }> {
    for (const [base, name] of [
      [path.join(this.root, 'files', 'md5'), 'md5'],
      [this.root, 'md5-dos2unix'],
    ] as const) {
      let dirs: string[];
      try {
        dirs = fs.readdirSync(base);
      } catch {
        continue;
      }
      for (const d of dirs) {
        if (!/^[0-9a-f]{2}$/.test(d)) continue;
        let names: string[];
        try {
          names = fs.readdirSync(path.join(base, d));
        } catch {
          continue;
        }
        for (const n of names) if (/^[0-9a-f]{30}(\.dir)?$/.test(n)) yield { value: d + n, name };
      }
    }
  }

  /** Remove an object (gc). Objects are read-only; unlink works regardless of mode on posix. */
  remove(oid: string, name: HashName = 'md5'): void {
    fs.rmSync(this.path(oid, name), { force: true });
    this.present?.delete(`${name === 'md5' ? '' : 'L'}${oid}`);
  }
}
