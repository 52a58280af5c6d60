/**
 * Retry decorator: a Backend that retries the wrapped backend's calls when, and only when,
 * `backend.isTransient(err)` says a retry may help. Exponential backoff with jitter.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import type { Backend } from '../backend.js';

export interface RetryOptions {
  /** Retries after the first attempt (so at most retries + 1 calls). Default 5. */
  retries?: number;
  /** First delay; doubles each retry. Default 100 ms. */
  baseMs?: number;
  /** Cap on one delay. Default 5000 ms. */
  maxMs?: number;
  /** Called before each retry, e.g. to report progress. `attempt` counts from 1. */
  onRetry?: (info: { op: string; key?: string; attempt: number; delayMs: number; err: unknown }) => void;
}

/**
 * Wrap `backend` so transient failures are retried. Permanent errors (NOT_FOUND, AUTH, a missing
 * bucket…) propagate at once; after the last retry the last error propagates unchanged.
 * What is retried: every call, except `write` with a stream body (a consumed stream cannot be
 * replayed; use a buffer or `writeFile`), `read` only while opening (not mid-stream), and `list`
 * only until it has yielded its first key.
 */
export function withRetry(backend: Backend, opts: RetryOptions = {}): Backend {
  const { retries = 5, baseMs = 100, maxMs = 5000, onRetry } = opts;

  const attempt = async <R>(op: string, key: string | undefined, fn: () => Promise<R>): Promise<R> => {
    for (let n = 1; ; n++) {
      try {
        return await fn();
      } catch (err) {
        if (n > retries || !backend.isTransient(err)) throw err;
        // "Equal jitter": half the exponential delay fixed, half random, so retries spread out.
        const cap = Math.min(maxMs, baseMs * 2 ** (n - 1));
        const delayMs = Math.round(cap / 2 + Math.random() * (cap / 2));
        onRetry?.({ op, key, attempt: n, delayMs, err });
        await sleep(delayMs);
      }
    }
  };

  return {
    url: backend.url,
    localRoot: backend.localRoot,
    stat: (key) => attempt('stat', key, () => backend.stat(key)),
    read: (key) => attempt('read', key, () => backend.read(key)),
    readToFile: (key, localPath) => attempt('readToFile', key, () => backend.readToFile(key, localPath)),
    write: (key, body: Readable | Uint8Array, size?: number) =>
      body instanceof Uint8Array ? attempt('write', key, () => backend.write(key, body, size)) : backend.write(key, body, size),
    writeFile: (key, localPath) => attempt('writeFile', key, () => backend.writeFile(key, localPath)),
    async *list(prefix) {
      const it = await attempt('list', undefined, async () => {
        const it = backend.list(prefix)[Symbol.asyncIterator]();
        return { it, first: await it.next() };
      });
      try {
        for (let r = it.first; !r.done; r = await it.it.next()) yield r.value;
      } finally {
        await it.it.return?.();
      }
    },
    delete: (key) => attempt('delete', key, () => backend.delete(key)),
    isTransient: (err) => backend.isTransient(err),
    close: () => backend.close(),
  };
}
