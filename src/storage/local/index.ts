/**
 * Local-directory Backend: a key `a/b/c` is the file `<root>/a/b/c`. Used for `file://` and plain
 * path remotes (and for the cache). Writes are atomic by temp file + rename in the target's own
 * directory, so readers never see a partial object. Keeps syscalls to a minimum for many small
 * objects: parent directories are created only when an open/copy fails with ENOENT.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { isErrno, isKeelError, NotFoundError, PathError, RemoteError } from '../../errors/index.js';
import { tempNameFor } from '../../util/fs.js';
import { isSafeRelpath } from '../../util/paths.js';
import type { Backend, BackendOptions, ObjectStat } from '../backend.js';

/** Temp files of in-flight writes: ours (`.<random>.tmp`) and DVC's (`<name>.<uuid>.tmp`). */
const isTempName = (name: string): boolean => name.endsWith('.tmp');

/**
 * Open a local-directory backend. `opts.url` is a plain path (resolved against the process's
 * working directory if relative; callers should pass it absolute) or a `file://` URL. The root
 * need not exist: the first write creates it; reads and lists of a missing root find nothing.
 */
export function createLocalBackend(opts: Pick<BackendOptions, 'url'>): Backend {
  const root = path.resolve(opts.url.startsWith('file:') ? fileURLToPath(opts.url) : opts.url);
  const url = opts.url;

  const fileOf = (key: string): string => {
    if (!isSafeRelpath(key)) throw new PathError(`invalid storage key '${key}'`, { data: { url, key } });
    return path.join(root, key);
  };

  return {
    url,
    localRoot: root,

    async stat(key: string): Promise<ObjectStat | undefined> {
      const file = fileOf(key);
      try {
        const st = await fsp.stat(file);
        return st.isFile() ? { size: st.size } : undefined;
      } catch (e) {
        if (isErrno(e, 'ENOENT', 'ENOTDIR')) return undefined;
        throw fsError('stat', file, e);
      }
    },

    async read(key: string): Promise<Readable> {
      const file = fileOf(key);
      let fh: fsp.FileHandle;
      try {
        fh = await fsp.open(file, 'r'); // opening first turns a missing key into NOT_FOUND up front
      } catch (e) {
        throw isErrno(e, 'ENOENT', 'ENOTDIR') ? notFound(url, key, e) : fsError('read', file, e);
      }
      return fh.createReadStream(); // closes the handle when the stream ends or is destroyed
    },

    async readToFile(key: string, localPath: string): Promise<void> {
      const src = fileOf(key);
      await atomicReplace(localPath, (tmp) => fsp.copyFile(src, tmp), async (e) => {
        if (isErrno(e, 'ENOENT', 'ENOTDIR') && !(await existsFile(src))) throw notFound(url, key, e);
      });
    },

    async write(key: string, body: Readable | Uint8Array): Promise<void> {
      const target = fileOf(key);
      if (body instanceof Uint8Array) return atomicReplace(target, (tmp) => fsp.writeFile(tmp, body));
      // Open the temp file before consuming the stream, so a missing directory can be retried.
      await atomicReplace(target, async (tmp) => {
        const fh = await fsp.open(tmp, 'w');
        await pipeline(body, fh.createWriteStream());
      });
    },

    async writeFile(key: string, localPath: string): Promise<void> {
      const target = fileOf(key);
      // copyFile uses copy_file_range (reflink/server-side copy where the filesystem can).
      await atomicReplace(target, (tmp) => fsp.copyFile(localPath, tmp), async (e) => {
        if (isErrno(e, 'ENOENT', 'ENOTDIR') && !(await existsFile(localPath))) {
          throw new NotFoundError(`local file '${localPath}' does not exist`, { cause: e, data: { path: localPath } });
        }
      });
    },

    list(prefix: string): AsyncIterable<string> {
      // Walk only the deepest directory the prefix names; filter the rest by string prefix.
      const slash = prefix.lastIndexOf('/');
      const base = prefix.slice(0, slash + 1);
      return walk(path.join(root, base), base, prefix);
    },

    async delete(key: string): Promise<void> {
      const file = fileOf(key);
      try {
        await fsp.unlink(file);
      } catch (e) {
        if (!isErrno(e, 'ENOENT', 'ENOTDIR')) throw fsError('delete', file, e);
      }
    },

    isTransient(): boolean {
      return false;
    },

    async close(): Promise<void> {},
  };
}

/**
 * Produce `target` atomically: `make(tmp)` fills a temp file beside it, then rename over. If
 * `make` fails with ENOENT, `check` may throw a better error (source missing); otherwise the
 * target's directory is created and `make` retried once. The temp file never survives a failure.
 */
async function atomicReplace(
  target: string,
  make: (tmp: string) => Promise<void>,
  check?: (e: unknown) => Promise<void>,
): Promise<void> {
  const tmp = tempNameFor(target);
  try {
    try {
      await make(tmp);
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
      await check?.(e);
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await make(tmp);
    }
    await fsp.rename(tmp, target);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw fsError('write', target, e);
  }
}

async function* walk(dir: string, rel: string, prefix: string): AsyncGenerator<string> {
  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'ENOTDIR')) return;
    throw fsError('list', dir, e);
  }
  for (const ent of entries) {
    const key = rel + ent.name;
    if (ent.isDirectory()) {
      // Descend only where keys below could still start with `prefix`.
      if (key.startsWith(prefix) || prefix.startsWith(key + '/')) yield* walk(path.join(dir, ent.name), key + '/', prefix);
    } else if (!isTempName(ent.name) && key.startsWith(prefix)) {
      yield key;
    }
  }
}

async function existsFile(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isFile();
  } catch {
    return false;
  }
}

function notFound(url: string, key: string, cause: unknown): NotFoundError {
  return new NotFoundError(`object '${key}' not found in '${url}'`, { cause, data: { url, key } });
}

/** KeelErrors pass through; OS errors (EACCES, ENOSPC, …) become REMOTE errors naming the path. */
function fsError(op: string, file: string, e: unknown): unknown {
  const errno = (e as NodeJS.ErrnoException | null)?.code;
  if (isKeelError(e) || typeof errno !== 'string') return e;
  const hint = isErrno(e, 'EACCES', 'EPERM', 'EROFS') ? `check the permissions of '${path.dirname(file)}'` : undefined;
  return new RemoteError(`cannot ${op} '${file}': ${errno}`, { cause: e, hint, data: { path: file, errno } });
}
