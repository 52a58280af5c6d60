/**
 * The data workflow against an S3-compatible server (a real s3rver on 127.0.0.1): push, clone,
 * pull, status -c, gc -c; credentials from config.local or the environment, never from the
 * committed config; wrong credentials, a missing bucket and an unreachable endpoint give clear
 * errors with hints and their own exit codes.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { keel, keelOk } from '../helpers/cli.js';
import { git, makeTempDir } from '../helpers/git.js';
import { keelRepo, listFiles } from '../helpers/repo.js';
import { startS3rver, type S3rverHandle } from '../helpers/s3rver.js';

let s3: S3rverHandle;
before(async () => {
  s3 = await startS3rver('keel-e2e');
});
after(async () => {
  await s3.close();
});

const NO_AWS = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: undefined, AWS_REGION: 'us-east-1' };

function s3Repo(files: Record<string, string>, prefix: string): string {
  const dir = keelRepo(files);
  keelOk(dir, ['remote', 'add', '-d', 's3', `s3://${s3.bucket}/${prefix}`]);
  keelOk(dir, ['remote', 'modify', 's3', 'endpointurl', s3.endpoint]);
  return dir;
}

describe('S3 remote (s3rver)', () => {
  test('push, then a clone pulls the same bytes; credentials live only in config.local', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[`data/f${i}.txt`] = `file ${i}\n`.repeat(i + 1);
    const dir = s3Repo(files, 'proj');
    keelOk(dir, ['remote', 'modify', '--local', 's3', 'access_key_id', 'S3RVER']);
    keelOk(dir, ['remote', 'modify', '--local', 's3', 'secret_access_key', 'S3RVER']);
    assert.doesNotMatch(fs.readFileSync(path.join(dir, '.dvc/config'), 'utf8'), /S3RVER/);
    assert.match(fs.readFileSync(path.join(dir, '.dvc/config.local'), 'utf8'), /secret_access_key = S3RVER/);
    keelOk(dir, ['add', 'data']);
    const push = keelOk(dir, ['push', '-v'], { env: NO_AWS });
    assert.match(push.stdout, /61 files pushed/);
    assert.doesNotMatch(push.stdout + push.stderr, /S3RVER/, 'secrets never printed');
    assert.match(keelOk(dir, ['status', '-c'], { env: NO_AWS }).stdout, /in sync/);
    assert.match(keelOk(dir, ['push'], { env: NO_AWS }).stdout, /Everything is up to date/);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'data');
    const clone = path.join(makeTempDir(), 'c');
    git(path.dirname(clone), 'clone', '-q', dir, 'c');
    // the clone has no config.local: credentials come from the environment
    const noCreds = keel(clone, ['pull'], { env: NO_AWS });
    assert.notEqual(noCreds.code, 0);
    keelOk(clone, ['pull'], { env: s3.env });
    assert.deepEqual(listFiles(path.join(clone, 'data')), listFiles(path.join(dir, 'data')));
    // gc -c removes unused objects from the bucket
    fs.writeFileSync(path.join(dir, 'data/f0.txt'), 'changed');
    keelOk(dir, ['add', 'data']);
    keelOk(dir, ['push'], { env: NO_AWS });
    const gc = keelOk(dir, ['gc', '-w', '-c', '-f'], { env: NO_AWS });
    assert.match(gc.stdout, /Removed 2 object\(s\) from the cache and 2 from the remote/);
    assert.match(keelOk(dir, ['status', '-c'], { env: NO_AWS }).stdout, /in sync/);
  });

  test('wrong credentials → AUTH (exit 12) with a hint, and no secret in the output', () => {
    const dir = s3Repo({ 'a.txt': 'a' }, 'auth');
    keelOk(dir, ['add', 'a.txt']);
    const r = keel(dir, ['push'], { env: { ...NO_AWS, AWS_ACCESS_KEY_ID: 'WRONGKEY', AWS_SECRET_ACCESS_KEY: 'topsecret-value' } });
    assert.equal(r.code, 12, r.stderr);
    assert.match(r.stderr, /hint:/);
    assert.doesNotMatch(r.stderr + r.stdout, /topsecret-value/);
  });

  test('a missing bucket → REMOTE (exit 11) naming the bucket', () => {
    const dir = keelRepo({ 'a.txt': 'a' });
    keelOk(dir, ['remote', 'add', '-d', 's3', 's3://no-such-bucket/x']);
    keelOk(dir, ['remote', 'modify', 's3', 'endpointurl', s3.endpoint]);
    keelOk(dir, ['add', 'a.txt']);
    const r = keel(dir, ['push'], { env: s3.env });
    assert.equal(r.code, 11, r.stderr);
    assert.match(r.stderr, /no-such-bucket/);
    assert.match(r.stderr, /hint:/);
  });

  test('an unreachable endpoint → REMOTE (exit 11) within seconds', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const dir = keelRepo({ 'a.txt': 'a' });
    keelOk(dir, ['remote', 'add', '-d', 's3', 's3://b/x']);
    keelOk(dir, ['remote', 'modify', 's3', 'endpointurl', `http://127.0.0.1:${port}`]);
    keelOk(dir, ['add', 'a.txt']);
    const t0 = Date.now();
    const r = keel(dir, ['push'], { env: s3.env });
    assert.equal(r.code, 11, r.stderr);
    assert.match(r.stderr, /127\.0\.0\.1/);
    assert.match(r.stderr, /hint:/);
    assert.ok(Date.now() - t0 < 30_000, `gave up after ${Date.now() - t0} ms`);
  });

  test('an unknown remote or no default remote is a CONFIG error (exit 4)', () => {
    const dir = keelRepo({ 'a.txt': 'a' });
    keelOk(dir, ['add', 'a.txt']);
    const r = keel(dir, ['push']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /no remote specified/);
    const r2 = keel(dir, ['push', '-r', 'nope']);
    assert.equal(r2.code, 4);
    assert.match(r2.stderr, /remote 'nope' doesn't exist/);
  });
});
