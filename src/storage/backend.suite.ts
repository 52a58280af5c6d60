/**
 * The Backend conformance suite (restic-style): every adapter runs it against a real instance.
 * It checks the contract in backend.ts, not an adapter's internals.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Backend } from './backend.js';

/** What a suite run needs: a fresh, empty backend and a way to dispose of it. */
export interface SuiteTarget {
  backend: Backend;
  cleanup(): Promise<void>;
}

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

async function listAll(b: Backend, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of b.list(prefix)) keys.push(k);
  return keys.sort();
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<unknown> {
  let caught: unknown;
  await assert.rejects(p, (e: unknown) => {
    caught = e;
    return (e as { code?: string }).code === code;
  });
  return caught;
}

/**
 * Register node:test tests for the whole Backend contract under `describe(name)`. `make` is
 * called once, before the tests, and must return an empty backend; `cleanup` runs after them.
 * Tests use distinct key prefixes, so they do not depend on each other's objects.
 */
export function backendSuite(name: string, make: () => Promise<SuiteTarget>): void {
  describe(`Backend conformance: ${name}`, () => {
    let target: SuiteTarget;
    let b: Backend;
    let tmp: string;
    before(async () => {
      target = await make();
      b = target.backend;
      tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'keel-suite-'));
    });
    after(async () => {
      await target?.cleanup();
      if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
    });

    test('buffer round trip keeps the bytes', async () => {
      const data = randomBytes(10_000);
      await b.write('rt/buf', data);
      assert.equal(md5(await readAll(await b.read('rt/buf'))), md5(data));
      assert.deepEqual(await b.stat('rt/buf'), { size: data.length });
    });

    test('stream round trip, with and without a size', async () => {
      const parts = [randomBytes(3000), randomBytes(70_000), randomBytes(1)];
      const whole = Buffer.concat(parts);
      await b.write('rt/stream-sized', Readable.from(parts), whole.length);
      await b.write('rt/stream-unsized', Readable.from(parts));
      for (const k of ['rt/stream-sized', 'rt/stream-unsized']) {
        assert.equal(md5(await readAll(await b.read(k))), md5(whole), k);
      }
    });

    test('a 0-byte object', async () => {
      await b.write('rt/empty', new Uint8Array(0));
      assert.deepEqual(await b.stat('rt/empty'), { size: 0 });
      assert.equal((await readAll(await b.read('rt/empty'))).length, 0);
      const out = path.join(tmp, 'empty.out');
      await b.readToFile('rt/empty', out);
      assert.equal((await fsp.stat(out)).size, 0);
    });

    test('an object of 8 MiB and more through writeFile / readToFile', async () => {
      const data = randomBytes(8 * 1024 * 1024 + 123);
      const src = path.join(tmp, 'big.bin');
      await fsp.writeFile(src, data);
      await b.writeFile('rt/big', src);
      assert.deepEqual(await b.stat('rt/big'), { size: data.length });
      const out = path.join(tmp, 'big.out');
      await b.readToFile('rt/big', out);
      assert.equal(md5(await fsp.readFile(out)), md5(data));
      assert.equal(md5(await readAll(await b.read('rt/big'))), md5(data));
    });

    test('a file stream with its size', async () => {
      const data = randomBytes(100_000);
      const src = path.join(tmp, 'stream-src.bin');
      await fsp.writeFile(src, data);
      await b.write('rt/file-stream', createReadStream(src), data.length);
      assert.equal(md5(await readAll(await b.read('rt/file-stream'))), md5(data));
    });

    test('unicode keys', async () => {
      const key = 'uni/unicodé/日本語 ñ+x.txt';
      const data = Buffer.from('héllo wörld');
      await b.write(key, data);
      assert.deepEqual(await b.stat(key), { size: data.length });
      assert.equal(md5(await readAll(await b.read(key))), md5(data));
      assert.deepEqual(await listAll(b, 'uni/'), [key]);
    });

    test('stat of a missing key is undefined', async () => {
      assert.equal(await b.stat('missing/key'), undefined);
      assert.equal(await b.stat('missing/deeper/still/key'), undefined);
    });

    test('read / readToFile of a missing key reject with NOT_FOUND, leaving no file', async () => {
      const err = await rejectsWith(b.read('missing/key'), 'NOT_FOUND');
      assert.equal(b.isTransient(err), false);
      const out = path.join(tmp, 'missing.out');
      await rejectsWith(b.readToFile('missing/key', out), 'NOT_FOUND');
      await assert.rejects(fsp.stat(out), { code: 'ENOENT' });
    });

    test('writeFile of a missing local file rejects with NOT_FOUND', async () => {
      await rejectsWith(b.writeFile('wf/missing', path.join(tmp, 'no-such-file')), 'NOT_FOUND');
      assert.equal(await b.stat('wf/missing'), undefined);
    });

    test('writing an existing key replaces it', async () => {
      await b.write('ow/k', Buffer.from('first version, longer'));
      await b.write('ow/k', Buffer.from('second'));
      assert.equal((await readAll(await b.read('ow/k'))).toString(), 'second');
      assert.deepEqual(await b.stat('ow/k'), { size: 6 });
      const src = path.join(tmp, 'third.txt');
      await fsp.writeFile(src, 'third');
      await b.writeFile('ow/k', src);
      assert.equal((await readAll(await b.read('ow/k'))).toString(), 'third');
    });

    test('list yields exactly the keys under a prefix, nested, without temp files', async () => {
      const keys = ['ls/a/1', 'ls/a/2', 'ls/a/sub/deep/3', 'ls/b/4', 'lsx/5'];
      for (const k of keys) await b.write(k, Buffer.from(k));
      assert.deepEqual(await listAll(b, 'ls/a/'), ['ls/a/1', 'ls/a/2', 'ls/a/sub/deep/3']);
      assert.deepEqual(await listAll(b, 'ls/'), ['ls/a/1', 'ls/a/2', 'ls/a/sub/deep/3', 'ls/b/4']);
      assert.deepEqual(await listAll(b, 'ls/nothing/'), []);
      const all = await listAll(b, '');
      for (const k of keys) assert.ok(all.includes(k), k);
      assert.ok(!all.some((k) => k.endsWith('.tmp')), 'no temp file is listed');
    });

    test('delete is idempotent', async () => {
      await b.write('del/k', Buffer.from('x'));
      await b.delete('del/k');
      assert.equal(await b.stat('del/k'), undefined);
      await b.delete('del/k');
      await b.delete('del/never/existed');
      assert.deepEqual(await listAll(b, 'del/'), []);
    });

    test('readToFile is atomic: creates parents, replaces, leaves no temp file', async () => {
      const data = randomBytes(50_000);
      await b.write('rtf/k', data);
      const dir = path.join(tmp, 'rtf', 'new', 'dir');
      const out = path.join(dir, 'file.bin');
      await b.readToFile('rtf/k', out);
      assert.equal(md5(await fsp.readFile(out)), md5(data));
      await fsp.writeFile(out, 'old content');
      await b.readToFile('rtf/k', out);
      assert.equal(md5(await fsp.readFile(out)), md5(data));
      assert.deepEqual(await fsp.readdir(dir), ['file.bin']);
    });

    test('200 concurrent small writes all land', async () => {
      const items = Array.from({ length: 200 }, (_, i) => ({ key: `conc/${String(i % 16).padStart(2, '0')}/${i}`, data: randomBytes(512 + i) }));
      await Promise.all(items.map((it) => b.write(it.key, it.data)));
      assert.deepEqual(await listAll(b, 'conc/'), items.map((it) => it.key).sort());
      const got = await Promise.all(items.map(async (it) => md5(await readAll(await b.read(it.key)))));
      assert.deepEqual(got, items.map((it) => md5(it.data)));
    });
  });
}
