import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { NotFoundError, RemoteError } from '../../src/errors/index.js';
import type { Backend } from '../../src/storage/backend.js';
import { withLimit } from '../../src/storage/wrap/limit.js';
import { withRetry } from '../../src/storage/wrap/retry.js';

const transient = () => new RemoteError('503 SlowDown', { data: { transient: true } });

/**
 * A test double of our own port: every method fails with the errors queued in `failures`
 * (one per call) and then succeeds; `calls` counts calls per method.
 */
function flaky(failures: Error[] = []): Backend & { calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const step = async (op: string) => {
    calls[op] = (calls[op] ?? 0) + 1;
    const e = failures.shift();
    if (e) throw e;
  };
  return {
    url: 'mem://flaky',
    calls,
    stat: async (k) => (await step('stat'), k === 'missing' ? undefined : { size: 1 }),
    read: async () => (await step('read'), Readable.from([Buffer.from('x')])),
    readToFile: async () => step('readToFile'),
    write: async () => step('write'),
    writeFile: async () => step('writeFile'),
    async *list() {
      await step('list');
      yield 'a';
      await step('list-next');
      yield 'b';
    },
    delete: async () => step('delete'),
    isTransient: (err) => err instanceof RemoteError && err.data.transient === true,
    close: async () => {},
  };
}

describe('withRetry', () => {
  test('a call whose first 2 attempts fail transiently succeeds on the 3rd', async () => {
    const inner = flaky([transient(), transient()]);
    const seen: { attempt: number; delayMs: number; op: string }[] = [];
    const b = withRetry(inner, { baseMs: 10, maxMs: 15, onRetry: ({ attempt, delayMs, op }) => seen.push({ attempt, delayMs, op }) });
    assert.deepEqual(await b.stat('k'), { size: 1 });
    assert.equal(inner.calls.stat, 3);
    assert.deepEqual(seen.map((s) => [s.op, s.attempt]), [['stat', 1], ['stat', 2]]);
    assert.ok(seen[0].delayMs >= 5 && seen[0].delayMs <= 10, `first delay ${seen[0].delayMs}`);
    assert.ok(seen[1].delayMs >= 7 && seen[1].delayMs <= 15, `second delay capped: ${seen[1].delayMs}`);
  });

  test('a permanent error is not retried', async () => {
    const inner = flaky([new NotFoundError('nope')]);
    const b = withRetry(inner, { baseMs: 1 });
    await assert.rejects(b.read('k'), { code: 'NOT_FOUND' });
    assert.equal(inner.calls.read, 1);
  });

  test('after the last retry the last error propagates', async () => {
    const errs = [transient(), transient(), transient()];
    const last = errs[2];
    const inner = flaky(errs);
    const b = withRetry(inner, { retries: 2, baseMs: 1 });
    await assert.rejects(b.delete('k'), (e) => e === last);
    assert.equal(inner.calls.delete, 3);
  });

  test('buffer writes are retried, stream writes are not (a stream cannot be replayed)', async () => {
    const inner = flaky([transient()]);
    const b = withRetry(inner, { baseMs: 1 });
    await b.write('k', Buffer.from('x'));
    assert.equal(inner.calls.write, 2);
    const inner2 = flaky([transient()]);
    await assert.rejects(withRetry(inner2, { baseMs: 1 }).write('k', Readable.from(['x'])), { code: 'REMOTE' });
    assert.equal(inner2.calls.write, 1);
  });

  test('list is retried while it has yielded nothing', async () => {
    const inner = flaky([transient()]);
    const keys: string[] = [];
    for await (const k of withRetry(inner, { baseMs: 1 }).list('')) keys.push(k);
    assert.deepEqual(keys, ['a', 'b']);
    assert.equal(inner.calls.list, 2);
  });

  test('mid-listing failures propagate unretried', async () => {
    const failures: Error[] = [];
    const inner = flaky(failures);
    const it = withRetry(inner, { baseMs: 1 }).list('')[Symbol.asyncIterator]();
    assert.deepEqual(await it.next(), { value: 'a', done: false });
    failures.push(transient());
    await assert.rejects(it.next(), { code: 'REMOTE' });
    assert.equal(inner.calls.list, 1);
  });

  test('read retries only the open call', async () => {
    const inner = flaky([transient()]);
    const s = await withRetry(inner, { baseMs: 1 }).read('k');
    let text = '';
    for await (const c of s) text += String(c);
    assert.equal(text, 'x');
    assert.equal(inner.calls.read, 2);
  });
});

describe('withLimit', () => {
  test('never more than n calls in flight, and all complete', async () => {
    let active = 0;
    let peak = 0;
    const slow = flaky();
    const inner: Backend = {
      ...slow,
      write: async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 2));
        active--;
      },
    };
    const b = withLimit(inner, 3);
    await Promise.all(Array.from({ length: 30 }, (_, i) => b.write(`k${i}`, Buffer.from('x'))));
    assert.equal(peak, 3);
    assert.equal(active, 0);
  });

  test('list passes through and an early break closes the inner iterator', async () => {
    let closed = false;
    const inner: Backend = {
      ...flaky(),
      async *list() {
        try {
          yield 'a';
          yield 'b';
          yield 'c';
        } finally {
          closed = true;
        }
      },
    };
    const b = withLimit(inner, 1);
    const all: string[] = [];
    for await (const k of b.list('')) all.push(k);
    assert.deepEqual(all, ['a', 'b', 'c']);
    closed = false;
    for await (const k of b.list('')) if (k === 'a') break;
    assert.equal(closed, true);
    // The slot was released: another call still runs.
    assert.deepEqual(await b.stat('k'), { size: 1 });
  });

  test('errors pass through unchanged and release the slot', async () => {
    const b = withLimit(flaky([new NotFoundError('nope')]), 1);
    await assert.rejects(b.read('k'), { code: 'NOT_FOUND' });
    assert.deepEqual(await b.stat('k'), { size: 1 });
    assert.equal(b.isTransient(transient()), true);
  });
});
