/**
 * Concurrency-limit decorator: at most `n` calls of the wrapped backend in flight at once.
 */
import { Semaphore } from '../../util/limit.js';
import type { Backend } from '../backend.js';

/**
 * Wrap `backend` so at most `n` (≥ 1) calls run at a time; the rest wait in FIFO order.
 * A `read` holds its slot while opening only (the caller consumes the stream afterwards, so an
 * unconsumed stream never blocks other calls); a `list` holds a slot during each `next()`
 * step, not for the whole iteration. `close` and `isTransient` are not limited.
 */
export function withLimit(backend: Backend, n: number): Backend {
  const sem = new Semaphore(Math.max(1, Math.floor(n)));
  return {
    url: backend.url,
    localRoot: backend.localRoot,
    stat: (key) => sem.run(() => backend.stat(key)),
    read: (key) => sem.run(() => backend.read(key)),
    readToFile: (key, localPath) => sem.run(() => backend.readToFile(key, localPath)),
    write: (key, body, size) => sem.run(() => backend.write(key, body, size)),
    writeFile: (key, localPath) => sem.run(() => backend.writeFile(key, localPath)),
    async *list(prefix) {
      const it = backend.list(prefix)[Symbol.asyncIterator]();
      try {
        for (let r = await sem.run(() => it.next()); !r.done; r = await sem.run(() => it.next())) yield r.value;
      } finally {
        await it.return?.();
      }
    },
    delete: (key) => sem.run(() => backend.delete(key)),
    isTransient: (err) => backend.isTransient(err),
    close: () => backend.close(),
  };
}
