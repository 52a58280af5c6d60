import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { backendSuite } from '../../src/storage/backend.suite.js';
import { openBackend } from '../../src/storage/registry.js';
import { resolveS3 } from '../../src/storage/s3/config.js';
import { isTransientS3, mapS3Error } from '../../src/storage/s3/errors.js';
import { createS3Backend } from '../../src/storage/s3/index.js';
import { withRetry } from '../../src/storage/wrap/retry.js';
import type { Backend } from '../../src/storage/backend.js';
import { startS3rver, type S3rverHandle } from '../helpers/s3rver.js';

const md5 = (x: Uint8Array): string => createHash('md5').update(x).digest('hex');

type KErr = Error & { code?: string; hint?: string; data?: Record<string, unknown> };

// A small list page size so the suite's 200-object listing exercises pagination. s3rver cannot
// paginate ListObjectsV2 on Node >= 17 (its continuation token uses DES, which OpenSSL 3 refuses:
// HTTP 500), so this run uses DVC's `listobjects` setting (ListObjects V1 with markers).
backendSuite('s3 (s3rver, listobjects V1, paginated list)', async () => {
  const s = await startS3rver();
  const backend = await createS3Backend(
    { url: `s3://${s.bucket}/suite/root`, settings: { endpointurl: s.endpoint, listobjects: 'true' }, env: s.env },
    { listPageSize: 37 },
  );
  return { backend, cleanup: async () => (await backend.close(), await s.close()) };
});

// Through the registry, keys at the bucket root, credentials in the remote's settings.
backendSuite('s3 (registry, bucket root, settings credentials)', async () => {
  const s = await startS3rver('root-bucket');
  const backend = await openBackend({
    url: `s3://${s.bucket}`,
    settings: { endpointurl: s.endpoint, access_key_id: 'S3RVER', secret_access_key: 'S3RVER', region: 'eu-west-1' },
    env: {},
  });
  return { backend, cleanup: async () => (await backend.close(), await s.close()) };
});

/** A loopback server answering every request with `status` and an S3 XML error `code`. */
async function s3ErrorServer(status: number, code: string): Promise<{ endpoint: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(req.method === 'HEAD' ? undefined : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code} here</Message></Error>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) };
}

/** A loopback reverse proxy in front of `target` that records each request's method and URL. */
async function recordingProxy(target: string): Promise<{ endpoint: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const to = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const up = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((r) => (agent.destroy(), server.closeAllConnections(), server.close(() => r()))),
  };
}

/** Every call that talks to the server (delete excluded: it succeeds for a missing key). */
function allCalls(b: Backend): [string, () => Promise<unknown>][] {
  return [
    ['stat', () => b.stat('k')], ['read', () => b.read('k')], ['write', () => b.write('k', Buffer.from('x'))],
    ['list', async () => { for await (const _ of b.list('')) void _; }],
  ];
}

async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('s3 backend errors and transfers', () => {
  let s: S3rverHandle;
  let tmp: string;
  const open = (url: string, settings: Record<string, string> = {}, env: Record<string, string> = s.env) =>
    createS3Backend({ url, settings: { endpointurl: s.endpoint, ...settings }, env });
  before(async () => {
    s = await startS3rver();
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'keel-s3-'));
  });
  after(async () => {
    await s.close();
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  test('an unknown access key is AUTH, with a hint, and never shows the secret', async () => {
    const b = await open(`s3://${s.bucket}/p`, { access_key_id: 'WRONGKEY', secret_access_key: 'TOPSECRET' });
    for (const [op, call] of allCalls(b)) {
      await assert.rejects(call(), (e: KErr) => {
        assert.equal(e.code, 'AUTH', op);
        assert.match(e.hint ?? '', /keel remote modify --local <name> access_key_id/);
        assert.match(e.hint ?? '', /AWS_ACCESS_KEY_ID/);
        assert.ok(!JSON.stringify({ m: e.message, h: e.hint, d: e.data }).includes('TOPSECRET'));
        assert.equal(b.isTransient(e), false);
        return true;
      });
    }
    assert.equal(b.url, `s3://${s.bucket}/p`);
    await b.close();
  });

  test('a 403 SignatureDoesNotMatch (wrong secret on real S3) is AUTH', async () => {
    const srv = await s3ErrorServer(403, 'SignatureDoesNotMatch');
    const b = await createS3Backend({ url: 's3://b/p', settings: { endpointurl: srv.endpoint }, env: s.env });
    try {
      await assert.rejects(b.read('k'), (e: KErr) => e.code === 'AUTH' && /SignatureDoesNotMatch/.test(e.message));
      await assert.rejects(b.stat('k'), { code: 'AUTH' });
    } finally {
      await b.close();
      await srv.close();
    }
  });

  test('a missing bucket is REMOTE "does not exist" for every operation', async () => {
    const b = await open('s3://no-such-bucket/p');
    for (const [op, call] of [...allCalls(b), ['delete', () => b.delete('k')] as [string, () => Promise<unknown>]]) {
      await assert.rejects(call(), (e: KErr) => {
        assert.equal(e.code, 'REMOTE', op);
        assert.match(e.message, /^bucket 'no-such-bucket' does not exist at http:\/\/127\.0\.0\.1:\d+$/, op);
        assert.match(e.hint ?? '', /keel remote modify/);
        return true;
      });
    }
    await b.close();
  });

  test('an unreachable endpoint is REMOTE "cannot reach" within seconds, not transient', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const b = withRetry(await createS3Backend({ url: 's3://b/p', settings: { endpointurl: endpoint }, env: s.env }), { baseMs: 1 });
    const t0 = Date.now();
    await assert.rejects(b.stat('k'), (e: KErr) => {
      assert.equal(e.code, 'REMOTE');
      assert.equal(e.message, `cannot reach ${endpoint} (ECONNREFUSED)`);
      assert.equal(b.isTransient(e), false);
      return true;
    });
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    await b.close();
  });

  test('5xx / SlowDown are transient and withRetry retries them', async () => {
    const srv = await s3ErrorServer(503, 'SlowDown');
    const inner = await createS3Backend({ url: 's3://b/p', settings: { endpointurl: srv.endpoint }, env: s.env });
    const retries: number[] = [];
    const b = withRetry(inner, { retries: 2, baseMs: 1, onRetry: (i) => retries.push(i.attempt) });
    try {
      await assert.rejects(b.read('k'), (e: KErr) => e.code === 'REMOTE' && inner.isTransient(e) && /SlowDown/.test(e.message));
      assert.deepEqual(retries, [1, 2]);
      assert.equal(srv.hits(), 3);
    } finally {
      await b.close();
      await srv.close();
    }
  });

  test('multipart upload of a 65 MiB file round-trips with the right md5', async (t) => {
    const size = 65 * 1024 * 1024 + 7;
    const data = randomBytes(size);
    const src = path.join(tmp, 'big.bin');
    await fsp.writeFile(src, data);
    const proxy = await recordingProxy(s.endpoint);
    const b = await createS3Backend({ url: `s3://${s.bucket}/mp`, settings: { endpointurl: proxy.endpoint }, env: s.env });
    try {
      const t0 = Date.now();
      await b.writeFile('big', src);
      const up = Date.now() - t0;
      assert.ok(proxy.seen.some((r) => r.startsWith('POST') && r.includes('uploads')), 'a multipart upload was started');
      assert.equal(proxy.seen.filter((r) => r.startsWith('PUT') && r.includes('partNumber=')).length, 5, '16 MiB parts');
      assert.deepEqual(await b.stat('big'), { size });
      const out = path.join(tmp, 'big.out');
      const t1 = Date.now();
      await b.readToFile('big', out);
      const down = Date.now() - t1;
      assert.equal(md5(await fsp.readFile(out)), md5(data));
      t.diagnostic(`65 MiB: multipart upload ${up} ms, download ${down} ms`);
    } finally {
      await b.close();
      await proxy.close();
    }
  });

  test('below the threshold a file is one PutObject; a stream of unknown size goes multipart when large', async () => {
    const proxy = await recordingProxy(s.endpoint);
    const MiB = 1024 * 1024;
    const b = await createS3Backend(
      { url: `s3://${s.bucket}/mp2`, settings: { endpointurl: proxy.endpoint }, env: s.env },
      { multipartThreshold: 8 * MiB, partSize: 5 * MiB },
    );
    try {
      const data = randomBytes(12 * MiB);
      const src = path.join(tmp, 'mid.bin');
      await fsp.writeFile(src, data.subarray(0, 6 * MiB));
      await b.writeFile('small', src);
      assert.ok(!proxy.seen.some((r) => r.includes('uploads')), 'no multipart for 6 MiB');
      await b.write('unsized', Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
      assert.equal(proxy.seen.filter((r) => r.includes('partNumber=')).length, 3, '12 MiB in 5 MiB parts');
      const out = path.join(tmp, 'unsized.out');
      await b.readToFile('unsized', out);
      assert.ok((await fsp.readFile(out)).equals(data));
      await b.readToFile('small', out);
      assert.ok((await fsp.readFile(out)).equals(data.subarray(0, 6 * MiB)));
    } finally {
      await b.close();
      await proxy.close();
    }
  });
});

describe('s3 settings resolution', () => {
  test('URL → bucket and prefix; url never carries credentials', () => {
    const r = resolveS3({ url: 's3://bkt/a/b/', settings: {}, env: {} });
    assert.deepEqual([r.bucket, r.prefix, r.url], ['bkt', 'a/b/', 's3://bkt/a/b']);
    const root = resolveS3({ url: 's3://bkt', settings: {}, env: {} });
    assert.deepEqual([root.prefix, root.url], ['', 's3://bkt']);
    assert.equal(resolveS3({ url: 's3://key:secret@bkt/p', settings: {}, env: {} }).url, 's3://bkt/p');
    assert.throws(() => resolveS3({ url: 's3:///x', settings: {}, env: {} }), { code: 'CONFIG' });
  });

  test('settings win over env; env is read from opts.env only', () => {
    const env = { AWS_ACCESS_KEY_ID: 'envid', AWS_SECRET_ACCESS_KEY: 'envsecret', AWS_REGION: 'eu-central-1', AWS_ENDPOINT_URL: 'http://env:9000' };
    const fromEnv = resolveS3({ url: 's3://b', settings: {}, env });
    assert.deepEqual(fromEnv.credentials, { accessKeyId: 'envid', secretAccessKey: 'envsecret' });
    assert.equal(fromEnv.region, 'eu-central-1');
    assert.equal(fromEnv.endpoint, 'http://env:9000');
    const fromSettings = resolveS3({
      url: 's3://b',
      settings: { access_key_id: 'sid', secret_access_key: 'ssecret', session_token: 'tok', region: 'us-west-2', endpointurl: 'minio:9000', use_ssl: 'false' },
      env,
    });
    assert.deepEqual(fromSettings.credentials, { accessKeyId: 'sid', secretAccessKey: 'ssecret', sessionToken: 'tok' });
    assert.equal(fromSettings.region, 'us-west-2');
    assert.equal(fromSettings.endpoint, 'http://minio:9000');
    assert.equal(resolveS3({ url: 's3://b', settings: { profile: 'dev' }, env }).profile, 'dev');
    assert.equal(resolveS3({ url: 's3://b', settings: { profile: 'dev' }, env }).credentials, undefined);
    assert.equal(resolveS3({ url: 's3://b', settings: {}, env: { AWS_PROFILE: 'p2' } }).profile, 'p2');
    assert.equal(resolveS3({ url: 's3://b', settings: {}, env: {} }).endpointLabel, 'https://s3.us-east-1.amazonaws.com');
    assert.throws(() => resolveS3({ url: 's3://b', settings: { access_key_id: 'only-id' }, env: {} }), { code: 'CONFIG' });
  });

  test('connect_timeout / read_timeout settings are seconds', () => {
    const r = resolveS3({ url: 's3://b', settings: { connect_timeout: '1.5', read_timeout: '30' }, env: {} });
    assert.deepEqual([r.connectTimeoutMs, r.readTimeoutMs], [1500, 30000]);
    assert.throws(() => resolveS3({ url: 's3://b', settings: { read_timeout: 'soon' }, env: {} }), { code: 'CONFIG' });
  });
});

describe('s3 error classification', () => {
  const ctx = { op: 'read', url: 's3://b/p', bucket: 'b', endpointLabel: 'http://h:1', key: 'k' };
  const sdk = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
  const net = (code: string, message = code) => Object.assign(new Error(message), { code });

  test('transient: 5xx, throttling, resets, socket timeouts; permanent: the rest', () => {
    const transient = [sdk('SlowDown', 503), sdk('InternalError', 500), sdk('Unknown', 502), sdk('Throttling', 400), sdk('X', 429),
      net('ECONNRESET', 'socket hang up'), net('ETIMEDOUT'), net('EPIPE'), Object.assign(new Error('idle'), { name: 'TimeoutError' })];
    const permanent = [sdk('NoSuchKey', 404), sdk('AccessDenied', 403), sdk('NoSuchBucket', 404), sdk('InvalidArgument', 400),
      net('ECONNREFUSED'), net('ENOTFOUND'), Object.assign(new Error('did not establish a connection within 4000 ms'), { name: 'TimeoutError' })];
    for (const e of transient) assert.equal(isTransientS3(e), true, e.name + ' ' + e.message);
    for (const e of permanent) assert.equal(isTransientS3(e), false, e.name + ' ' + e.message);
    for (const e of transient) assert.equal(isTransientS3(mapS3Error(e, ctx)), true, 'mapped ' + e.message);
  });

  test('codes and messages', () => {
    const code = (e: unknown) => (mapS3Error(e, ctx) as KErr).code;
    assert.equal(code(sdk('NoSuchKey', 404)), 'NOT_FOUND');
    assert.equal(code(sdk('Forbidden', 403)), 'AUTH');
    assert.equal(code(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })), 'AUTH');
    assert.equal((mapS3Error(net('ECONNREFUSED'), ctx) as KErr).message, 'cannot reach http://h:1 (ECONNREFUSED)');
    assert.equal((mapS3Error(sdk('SlowDown', 503), ctx) as KErr).message, "read 'k' in 's3://b/p' failed: SlowDown (HTTP 503)");
  });

  test('a programming error is not disguised as a REMOTE error', () => {
    const bug = new TypeError('x is not a function');
    assert.equal(mapS3Error(bug, ctx), bug);
  });
});
