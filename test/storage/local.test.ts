import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { backendSuite } from '../../src/storage/backend.suite.js';
import { createLocalBackend } from '../../src/storage/local/index.js';
import { openBackend, remoteKind } from '../../src/storage/registry.js';
import type { Backend } from '../../src/storage/backend.js';

async function tempDir(): Promise<{ dir: string; rm(): Promise<void> }> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'keel-local-'));
  return { dir, rm: () => fsp.rm(dir, { recursive: true, force: true }) };
}

// The root does not exist yet: the first write must create it.
backendSuite('local (plain path, missing root)', async () => {
  const t = await tempDir();
  return { backend: createLocalBackend({ url: path.join(t.dir, 'remote', 'store') }), cleanup: t.rm };
});

backendSuite('local (file:// URL through the registry)', async () => {
  const t = await tempDir();
  const backend = await openBackend({ url: pathToFileURL(t.dir).href, settings: {}, env: {} });
  return { backend, cleanup: t.rm };
});

describe('local backend specifics', () => {
  let t: { dir: string; rm(): Promise<void> };
  let b: Backend;
  before(async () => {
    t = await tempDir();
    b = createLocalBackend({ url: t.dir });
  });
  after(() => t.rm());

  test('list skips temp files of in-flight writes (ours and DVC\'s)', async () => {
    await b.write('files/md5/ab/cdef', Buffer.from('x'));
    await fsp.writeFile(path.join(t.dir, 'files/md5/ab/.Zm9vYmFy.tmp'), 'partial');
    await fsp.writeFile(path.join(t.dir, 'files/md5/ab/cdef.0123456789abcdef.tmp'), 'partial');
    const keys: string[] = [];
    for await (const k of b.list('files/')) keys.push(k);
    assert.deepEqual(keys, ['files/md5/ab/cdef']);
  });

  test('list with a non-folder prefix filters by string prefix', async () => {
    await b.write('p/ab/1', Buffer.from('1'));
    await b.write('p/ac/2', Buffer.from('2'));
    await b.write('p/b/3', Buffer.from('3'));
    const keys: string[] = [];
    for await (const k of b.list('p/a')) keys.push(k);
    assert.deepEqual(keys.sort(), ['p/ab/1', 'p/ac/2']);
  });

  test('writes leave no temp file behind and the object is a plain file', async () => {
    const src = path.join(t.dir, 'src.bin');
    await fsp.writeFile(src, 'payload');
    await b.writeFile('w/k1', src);
    await b.write('w/k2', Buffer.from('payload'));
    assert.deepEqual((await fsp.readdir(path.join(t.dir, 'w'))).sort(), ['k1', 'k2']);
  });

  test('keys that could escape the root are refused with PATH', async () => {
    for (const key of ['../escape', 'a/../../x', '/etc/passwd', 'a//b']) {
      await assert.rejects(b.write(key, Buffer.from('x')), { code: 'PATH' }, key);
    }
  });

  test('a stat of a directory is undefined', async () => {
    await b.write('d/sub/k', Buffer.from('x'));
    assert.equal(await b.stat('d/sub'), undefined);
  });

  test('OS errors become REMOTE errors naming the path', async () => {
    await b.write('plain', Buffer.from('a file, not a directory'));
    await assert.rejects(b.write('plain/child', Buffer.from('x')), (e: Error & { code?: string; data?: Record<string, unknown> }) => {
      assert.equal(e.code, 'REMOTE');
      assert.equal(e.data?.errno, 'ENOTDIR');
      assert.ok(e.message.includes(path.join(t.dir, 'plain', 'child')), e.message);
      return true;
    });
  });
});

describe('registry', () => {
  test('remoteKind', () => {
    const cases: [string, string][] = [
      ['/mnt/store', 'local'], ['relative/dir', 'local'], ['file:///mnt/store', 'local'], ['file:/x', 'local'],
      ['data:v1', 'local'], ['s3://bucket/p', 's3'], ['S3://bucket', 's3'], ['gs://b/p', 'gs'], ['ssh://host/p', 'ssh'],
    ];
    for (const [url, kind] of cases) assert.equal(remoteKind(url), kind, url);
  });

  test('an unsupported scheme is a REMOTE error with a hint', async () => {
    await assert.rejects(openBackend({ url: 'gs://bucket/p', settings: {}, env: {} }), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'REMOTE');
      assert.equal(e.message, "unsupported remote scheme 'gs'");
      assert.match(e.hint ?? '', /s3:\/\//);
      return true;
    });
  });
});
