/**
 * Objects → workspace. Files are placed atomically (temp beside the target + rename), so a
 * workspace file is always the old or the new content, never a truncated one. With 'copy' the
 * bytes are hashed while copied and a corrupt object is never placed; with links the object is
 * verified first (hash state or re-hash).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { CorruptObjectError, isErrno } from '../errors/index.js';
import { isTempName, tempNameFor } from '../util/fs.js';
import { md5Bytes, newHasher, SMALL_FILE, type HashName } from './hash.js';
import type { LocalCache } from './cache.js';
import type { ObjectWriter } from './object-writer.js';
import type { StatLike } from './state.js';

export type LinkType = 'reflink' | 'hardlink' | 'symlink' | 'copy';

let reflinkWorks: boolean | undefined;
let BUF = Buffer.allocUnsafe(SMALL_FILE + 1);
const knownDirs = new Set<string>();

/** Place object `oid` at `dest`. Returns the link type actually used. */
export async function placeObject(
  cache: LocalCache,
  oid: string,
  name: HashName,
  dest: string,
  types: readonly LinkType[],
  opts: { isexec?: boolean } = {},
): Promise<LinkType> {
  const src = cache.path(oid, name);
  const dir = path.dirname(dest);
  if (!knownDirs.has(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    knownDirs.add(dir);
  }
  const tmp = tempNameFor(dest);
  let used: LinkType | undefined;
  try {
    for (const t of types) {
      if (t === 'copy') {
        await copyVerified(src, tmp, oid, name);
        used = 'copy';
        break;
      }
      if (t === 'reflink') {
        if (reflinkWorks === false) continue;
        if (cache.check(oid, name) !== 'ok') throw new CorruptObjectError('the cache', oid, 'another hash');
        try {
          fs.copyFileSync(src, tmp, fs.constants.COPYFILE_FICLONE_FORCE);
          fs.chmodSync(tmp, 0o666 & ~process.umask());
          reflinkWorks = true;
          used = 'reflink';
          break;
        } catch {
          reflinkWorks = false;
          fs.rmSync(tmp, { force: true });
          continue;
        }
      }
      if (cache.check(oid, name) !== 'ok') throw new CorruptObjectError('the cache', oid, 'another hash');
      const st = fs.statSync(src);
      if (t === 'hardlink') {
        if (st.size === 0) {
          fs.writeFileSync(tmp, ''); // DVC never hardlinks empty files
          used = 'copy';
          break;
        }
        try {
          fs.linkSync(src, tmp);
          used = 'hardlink';
          break;
        } catch {
          continue;
        }
      }
      if (t === 'symlink') {
        try {
          fs.symlinkSync(src, tmp);
          used = 'symlink';
          break;
        } catch {
          continue;
        }
      }
    }
    if (!used) {
      await copyVerified(src, tmp, oid, name);
      used = 'copy';
    }
    if (opts.isexec && (used === 'copy' || used === 'reflink')) fs.chmodSync(tmp, 0o777 & ~process.umask());
    removeForReplace(dest);
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  const st = fs.statSync(dest);
  cache.state.set(st, oid);
  return used;
}

/**
 * Find out once whether reflinks work between `dir` and itself (DVC's test_links): clone a tiny
 * temp file with COPYFILE_FICLONE_FORCE.
 */
export function probeReflink(dir: string): boolean {
  if (reflinkWorks !== undefined) return reflinkWorks;
  fs.mkdirSync(dir, { recursive: true });
  const a = tempNameFor(path.join(dir, 'x'));
  const b = tempNameFor(path.join(dir, 'x'));
  try {
    fs.writeFileSync(a, 'reflink test');
    fs.copyFileSync(a, b, fs.constants.COPYFILE_FICLONE_FORCE);
    reflinkWorks = true;
  } catch {
    reflinkWorks = false;
  } finally {
    fs.rmSync(a, { force: true });
    fs.rmSync(b, { force: true });
  }
  return reflinkWorks;
}

/** True when copies are what checkout will make (copy first, or reflink not working here). */
export function copiesOnly(types: readonly LinkType[], probeDir: string): boolean {
  for (const t of types) {
    if (t === 'copy') return true;
    if (t === 'reflink' && !probeReflink(probeDir)) continue;
    return false;
  }
  return true;
}


/**
 * Copy a small object to `dest` in one pass: read it through one descriptor, check its hash, write
 * a temp file beside `dest`, rename. Returns 'missing' / 'corrupt' without touching `dest`,
 * 'large' when the object is too big for this path, or the new file's stat.
 */
export function copyObjectSync(
  cache: LocalCache,
  oid: string,
  name: HashName,
  dest: string,
  o: { isexec?: boolean; destIsDir?: boolean; direct?: boolean; writer?: ObjectWriter; onStat?: (st: StatLike) => void } = {},
): fs.Stats | 'missing' | 'corrupt' | 'large' | 'queued' {
  // just fetched and verified by this process (pull): copy from memory
  let data = cache.recentBytesOf(oid);
  let n = data?.length ?? 0;
  if (data === undefined) {
    let fd: number;
    try {
      fd = fs.openSync(cache.path(oid, name), 'r');
    } catch (e) {
      if (isErrno(e, 'ENOENT', 'ENOTDIR')) return 'missing';
      throw e;
    }
    try {
      const st = fs.fstatSync(fd);
      if (st.size > SMALL_FILE) return 'large';
      if (BUF.length < st.size + 1) BUF = Buffer.allocUnsafe(st.size + 1);
      for (;;) {
        const r = fs.readSync(fd, BUF, n, BUF.length - n, null);
        if (r === 0) break;
        n += r;
        if (n === BUF.length) return 'corrupt'; // grew past its recorded size: not our object
      }
    } finally {
      fs.closeSync(fd);
    }
    data = BUF.subarray(0, n);
  }
  if (!cache.verified.has(oid)) {
    let got: string;
    if (name === 'md5') got = md5Bytes(data);
    else {
      const h = newHasher(name);
      h.update(data);
      got = h.digest('hex');
    }
    if (got !== oid) return 'corrupt';
  }
  if (o.direct && o.writer) {
    // a staging directory filled by a worker thread: the state learns each file when it is written
    o.writer.write(
      dest,
      data,
      (st) => {
        cache.state.set(st, oid);
        o.onStat?.(st);
      },
      o.isexec ? 0o777 : 0o666,
    );
    return 'queued';
  }
  const dir = path.dirname(dest);
  if (!knownDirs.has(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    knownDirs.add(dir);
  }
  // direct: `dest` is inside a staging directory that is renamed into place as a whole
  const tmp = o.direct ? dest : tempNameFor(dest);
  const out = fs.openSync(tmp, o.direct ? 'wx' : 'w', o.isexec ? 0o777 : 0o666);
  let st: fs.Stats;
  try {
    fs.writeSync(out, data, 0, n);
    st = fs.fstatSync(out);
  } finally {
    fs.closeSync(out);
  }
  if (!o.direct) {
    if (o.destIsDir) fs.rmSync(dest, { recursive: true, force: true });
    fs.renameSync(tmp, dest);
  }
  cache.state.set(st, oid);
  return st;
}

/**
 * A staging directory for a directory output that does not exist yet: filled with plain writes,
 * then renamed into place once (one rename instead of one per file; a killed checkout leaves no
 * half-filled output, only a `.<16 chars>.tmp` directory that the next checkout of a sibling
 * output removes). Stale staging directories beside `dest` are removed first.
 */
export function makeStagingDir(dest: string): string {
  const parent = path.dirname(dest);
  fs.mkdirSync(parent, { recursive: true });
  for (const e of fs.readdirSync(parent, { withFileTypes: true })) {
    if (e.isDirectory() && isTempName(e.name)) fs.rmSync(path.join(parent, e.name), { recursive: true, force: true });
  }
  const stage = tempNameFor(dest);
  fs.mkdirSync(stage);
  return stage;
}

/** rename() cannot replace a directory; clear whatever non-file is in the way. */
function removeForReplace(dest: string): void {
  const st = fs.lstatSync(dest, { throwIfNoEntry: false });
  if (st?.isDirectory()) fs.rmSync(dest, { recursive: true, force: true });
}

async function copyVerified(src: string, tmp: string, oid: string, name: HashName): Promise<void> {
  const st = fs.statSync(src);
  if (st.size <= SMALL_FILE) {
    const buf = fs.readFileSync(src);
    const got = name === 'md5' ? md5Bytes(buf) : (() => {
      const h = newHasher(name);
      h.update(buf);
      return h.digest('hex');
    })();
    if (got !== oid) throw new CorruptObjectError('the cache', oid, got);
    fs.writeFileSync(tmp, buf);
    return;
  }
  const h = newHasher(name);
  await pipeline(
    fs.createReadStream(src, { highWaterMark: 1 << 20 }),
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        h.update(chunk);
        cb(null, chunk);
      },
    }),
    fs.createWriteStream(tmp, { highWaterMark: 1 << 20 }),
  );
  const got = h.digest('hex');
  if (got !== oid) throw new CorruptObjectError('the cache', oid, got);
}

/** Parse `cache.type` ("reflink,copy") into link types; default reflink → copy. */
export function parseLinkTypes(value: string | undefined): LinkType[] {
  if (!value) return ['reflink', 'copy'];
  const out: LinkType[] = [];
  for (const t of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (t === 'reflink' || t === 'hardlink' || t === 'symlink' || t === 'copy') out.push(t);
  }
  return out.length ? out : ['reflink', 'copy'];
}
