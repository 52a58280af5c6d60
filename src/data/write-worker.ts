/**
 * Worker thread of data/object-writer.ts: writes files into a staging tree (a cache being filled,
 * see LocalCache.beginFreshFill, or a new output directory) so that the main thread's reads and hashing overlap with the
 * kernel's file creation. Each message is a batch of [path, bytes, mode]; each file is created with
 * O_EXCL and its mode (0444 for objects), written whole, fstat'ed and closed. The reply lists each file's
 * (ino, mtimeMs, size), or an error message. A file that already exists is a duplicate object
 * (same content by its name) and counts as written; a failed write removes its partial file.
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

/** batches in flight, shared with the writer (it waits when too many are queued) */
const { inflight, slot } = (workerData ?? {}) as { inflight?: Int32Array; slot?: number };

export type WriteBatch = [path: string, bytes: Uint8Array, mode: number][];
export type WriteReply = { stats: ([number, number, number] | null)[]; error?: string };

const dirs = new Set<string>();

function writeOne(p: string, bytes: Uint8Array, mode: number): [number, number, number] | null {
  const dir = p.slice(0, p.lastIndexOf('/'));
  if (!dirs.has(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    dirs.add(dir);
  }
  let fd: number;
  try {
    fd = fs.openSync(p, 'wx', mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw e;
  }
  try {
    fs.writeSync(fd, bytes);
    const st = fs.fstatSync(fd);
    fs.closeSync(fd);
    return [st.ino, st.mtimeMs, st.size];
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(p, { force: true });
    throw e;
  }
}

parentPort?.on('message', (batch: WriteBatch) => {
  const stats: WriteReply['stats'] = [];
  try {
    for (const [p, bytes, mode] of batch) stats.push(writeOne(p, bytes, mode));
    parentPort!.postMessage({ stats } satisfies WriteReply);
  } catch (e) {
    parentPort!.postMessage({ stats, error: e instanceof Error ? e.message : String(e) } satisfies WriteReply);
  } finally {
    if (inflight) {
      Atomics.sub(inflight, slot ?? 0, 1);
      Atomics.notify(inflight, slot ?? 0);
    }
  }
});
