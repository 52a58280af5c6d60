/**
 * Bad input and faults: malformed pointer files and manifests, path traversal, corrupted objects
 * in the cache and on the remote, the repo lock, and SIGKILL at random points during add, push,
 * pull and gc — after which a rerun completes and nothing partial or corrupt is visible.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keel, keelOk, keelSpawn } from '../helpers/cli.js';
import { git, makeTempDir, writeFiles } from '../helpers/git.js';
import { assertObjectsSound, keelRepo, keelRepoWithRemote, listFiles, md5 } from '../helpers/repo.js';

function objPath(root: string, content: string): string {
  return path.join(root, 'files/md5', md5(content).slice(0, 2), md5(content).slice(2));
}

function corrupt(p: string, data: string): void {
  fs.chmodSync(p, 0o644);
  fs.writeFileSync(p, data);
}

describe('malformed files', () => {
  const cases: [string, string, RegExp][] = [
    ['yaml syntax', 'outs:\n- md5: [unclosed\n', /'bad\.dvc' is malformed/],
    ['outs not a list', 'outs: {path: x}\n', /`outs` must be a list/],
    ['unknown key', 'outz: []\n', /unknown key 'outz'/],
    ['entry without path', 'outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n', /outs\[0\]\.path must be a non-empty string/],
    ['bad hash', 'outs:\n- md5: xyz\n  path: x\n', /is not an md5 hash/],
    ['size not int', 'outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: big\n  path: x\n', /size must be a non-negative integer/],
    ['path traversal', 'outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  path: ../../etc/x\n', /points outside the repository/],
    ['into .git', 'outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  path: .git/hooks/pre-commit\n', /inside \.git or \.dvc/],
  ];
  for (const [name, text, re] of cases) {
    test(`a .dvc file with ${name} is an error naming the file`, () => {
      const dir = keelRepo({ 'bad.dvc': text });
      for (const cmd of [['status'], ['checkout'], ['pull']]) {
        const r = keel(dir, cmd);
        assert.equal(r.code, 5, `${cmd}: ${r.stderr}`);
        assert.match(r.stderr, re);
        assert.match(r.stderr, /bad\.dvc/);
      }
      assert.ok(!fs.existsSync(path.join(dir, '.git/hooks/pre-commit')));
    });
  }

  test('a .dir manifest that is not a list, or has ../ relpaths, is refused and nothing is written outside', () => {
    const [dir, remote] = keelRepoWithRemote();
    const outside = path.join(path.dirname(dir), `escape-${path.basename(dir)}`);
    for (const [label, manifest] of [
      ['not a list', '{"md5": "x", "relpath": "y"}'],
      ['traversal', JSON.stringify([{ md5: md5('evil'), relpath: `../escape-${path.basename(dir)}/pwned` }])],
      ['absolute', JSON.stringify([{ md5: md5('evil'), relpath: '/tmp/pwned-keel' }])],
    ] as const) {
      const oid = md5(manifest) + '.dir';
      const p = path.join(remote, 'files/md5', oid.slice(0, 2), oid.slice(2));
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, manifest);
      const e = objPath(remote, 'evil');
      fs.mkdirSync(path.dirname(e), { recursive: true });
      fs.writeFileSync(e, 'evil');
      writeFiles(dir, { 'd.dvc': `outs:\n- md5: ${oid}\n  size: 4\n  nfiles: 1\n  hash: md5\n  path: d\n` });
      const r = keel(dir, ['pull']);
      assert.equal(r.code, 5, `${label}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`remote 'store' object ${oid.replace('.', '\\.')}' is malformed`));
      assert.ok(!fs.existsSync(outside) && !fs.existsSync('/tmp/pwned-keel'), label);
      assert.ok(!fs.existsSync(path.join(dir, '.dvc/cache/files/md5', oid.slice(0, 2), oid.slice(2))), 'not stored in the cache');
    }
  });
});

describe('corrupted objects', () => {
  test('a corrupted cache object is never checked out and status reports it', () => {
    const dir = keelRepo({ 'a.txt': 'good', 'b.txt': 'fine' });
    keelOk(dir, ['add', 'a.txt', 'b.txt']);
    corrupt(objPath(path.join(dir, '.dvc/cache'), 'good'), 'BAD!');
    assert.match(keelOk(dir, ['status']).stdout, /a\.txt\.dvc:\n\tchanged outs:\n\t\tnot in cache:       a\.txt/);
    fs.rmSync(path.join(dir, 'a.txt'));
    fs.rmSync(path.join(dir, 'b.txt'));
    const r = keel(dir, ['checkout']);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /a\.txt: object .* is corrupted/);
    assert.ok(!fs.existsSync(path.join(dir, 'a.txt')), 'corrupt content never reaches the workspace');
    assert.equal(fs.readFileSync(path.join(dir, 'b.txt'), 'utf8'), 'fine');
  });

  test('a corrupted remote object is detected on pull, not stored, not placed; the rest arrives', () => {
    const [dir, remote] = keelRepoWithRemote({ 'data/x': 'xx', 'data/y': 'yy', 'z.txt': 'zz' });
    keelOk(dir, ['add', 'data', 'z.txt']);
    keelOk(dir, ['push']);
    corrupt(objPath(remote, 'xx'), 'tampered');
    corrupt(objPath(remote, 'zz'), 'tampered');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'c');
    const clone = path.join(makeTempDir(), 'c');
    git(path.dirname(clone), 'clone', '-q', dir, 'c');
    const r = keel(clone, ['pull']);
    assert.equal(r.code, 11, r.stderr);
    assert.match(r.stderr, /corrupted/);
    assert.ok(!fs.existsSync(path.join(clone, 'z.txt')));
    assert.ok(!fs.existsSync(path.join(clone, 'data/x')));
    assertObjectsSound(path.join(clone, '.dvc/cache'));
    assert.ok(fs.existsSync(objPath(path.join(clone, '.dvc/cache'), 'yy')), 'sound objects were fetched');
    // after the remote is repaired, pull completes
    keelOk(dir, ['push']); // remote already "has" them by name: push does not repair content...
    corrupt(objPath(remote, 'xx'), 'xx');
    corrupt(objPath(remote, 'zz'), 'zz');
    keelOk(clone, ['pull']);
    assert.equal(fs.readFileSync(path.join(clone, 'data/x'), 'utf8'), 'xx');
  });
});

describe('repo lock', () => {
  test('a second process waits, then fails with LOCKED; a dead owner is taken over', async () => {
    const dir = keelRepo({ 'a.txt': 'a' });
    const holder = spawn('sleep', ['30']);
    try {
      fs.mkdirSync(path.join(dir, '.dvc/tmp'), { recursive: true });
      fs.writeFileSync(path.join(dir, '.dvc/tmp/lock'), `${holder.pid}\n`);
      const t0 = Date.now();
      const r = keel(dir, ['add', 'a.txt']);
      const waited = Date.now() - t0;
      assert.equal(r.code, 13, r.stderr);
      assert.match(r.stderr, /unable to acquire lock/);
      assert.ok(waited >= 2500, `waited ${waited} ms before giving up`);
      assert.ok(!fs.existsSync(path.join(dir, 'a.txt.dvc')));
    } finally {
      holder.kill('SIGKILL');
    }
    await new Promise((r) => holder.once('exit', r));
    // the owner is dead now: its stale lock is taken over
    keelOk(dir, ['add', 'a.txt']);
    assert.ok(!fs.existsSync(path.join(dir, '.dvc/tmp/lock')), 'released after the command');
  });

  test('two keel processes at once: one runs, the other waits for it', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`d/f${i}`] = `content ${i}`;
    const dir = keelRepo(files);
    const run = (args: string[]): Promise<number> =>
      new Promise((resolve) => {
        const p = keelSpawn(dir, args);
        p.on('exit', (c) => resolve(c ?? -1));
      });
    const [a, b] = await Promise.all([run(['add', 'd']), run(['status'])]);
    assert.equal(a, 0);
    assert.ok(b === 0 || b === 13);
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
  });
});

describe('SIGKILL at random points', () => {
  /** Run `keel args` and kill it with SIGKILL after `ms` (or let it finish). */
  function killAfter(dir: string, args: string[], ms: number): Promise<void> {
    return new Promise((resolve) => {
      const p = keelSpawn(dir, args);
      const t = setTimeout(() => p.kill('SIGKILL'), ms);
      p.on('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  function dataset(n: number, tag: string): Record<string, string> {
    const files: Record<string, string> = {};
    for (let i = 0; i < n; i++) files[`data/s${i % 7}/f${i}.txt`] = `${tag} ${i} `.repeat(50 + (i % 40));
    return files;
  }

  test('the worker-thread fill of an empty cache (≥ 1000 objects, add and pull): killed runs leave nothing visible, reruns complete', async () => {
    const files = dataset(1500, 'w');
    const [dir, remote] = keelRepoWithRemote(files);
    const cache = path.join(dir, '.dvc/cache');
    for (const ms of [150, 260]) {
      await killAfter(dir, ['add', 'data'], ms);
      assertObjectsSound(cache, { allowTemp: true });
    }
    keelOk(dir, ['add', 'data']);
    assert.equal(assertObjectsSound(cache).length, 1501, 'every object, whole, no staging left');
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
    keelOk(dir, ['push']);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'w');
    const clone = path.join(makeTempDir(), 'c');
    git(path.dirname(clone), 'clone', '-q', dir, 'c');
    for (const ms of [150, 260]) {
      await killAfter(clone, ['pull'], ms);
      assertObjectsSound(path.join(clone, '.dvc/cache'), { allowTemp: true });
    }
    keelOk(clone, ['pull']);
    assert.equal(assertObjectsSound(path.join(clone, '.dvc/cache')).length, 1501);
    assert.deepEqual(listFiles(path.join(clone, 'data')), listFiles(path.join(dir, 'data')));
    assert.equal(keelOk(clone, ['status']).stdout, 'Data and pipelines are up to date.\n');
    assert.equal(assertObjectsSound(remote, { allowTemp: true }).length, 1501);
  });

  test('≥ 20 kills during add, push, pull and gc: reruns complete; no partial object or file is ever visible', async () => {
    const files = dataset(400, 'v1');
    const [dir, remote] = keelRepoWithRemote(files);
    const cache = path.join(dir, '.dvc/cache');
    let kills = 0;
    // add
    for (let i = 0; i < 6; i++) {
      await killAfter(dir, ['add', 'data'], 120 + i * 45);
      kills++;
      assertObjectsSound(cache, { allowTemp: true });
      assert.deepEqual(listFiles(path.join(dir, 'data')).size, 400, 'workspace untouched by add');
    }
    keelOk(dir, ['add', 'data']);
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
    // push
    for (let i = 0; i < 6; i++) {
      await killAfter(dir, ['push', '-j', '4'], 150 + i * 50);
      kills++;
      assertObjectsSound(remote, { allowTemp: true });
    }
    keelOk(dir, ['push']);
    assert.equal(assertObjectsSound(remote, { allowTemp: true }).length, 401);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'v1');
    // pull into a clone, with a v1 workspace that gets updated to v2 while being killed
    const clone = path.join(makeTempDir(), 'c');
    git(path.dirname(clone), 'clone', '-q', dir, 'c');
    for (let i = 0; i < 6; i++) {
      await killAfter(clone, ['pull', '-j', '4'], 150 + i * 60);
      kills++;
      assertObjectsSound(path.join(clone, '.dvc/cache'), { allowTemp: true });
      for (const [rel, bytes] of listFiles(path.join(clone, 'data'))) {
        if (rel.endsWith('.tmp')) continue;
        assert.equal(bytes.toString(), files[`data/${rel}`], `workspace file ${rel} is whole`);
      }
    }
    keelOk(clone, ['pull']);
    assert.deepEqual(listFiles(path.join(clone, 'data')), listFiles(path.join(dir, 'data')));
    // staging directories of killed pulls (empty cache, new output dir) are gone after a rerun
    const tmpDirs = (d: string) => fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name.endsWith('.tmp')).map((e) => e.name);
    assert.deepEqual(tmpDirs(clone), []);
    assert.deepEqual(tmpDirs(path.join(clone, '.dvc/cache/files')), []);
    // v2 in the origin, then killed pulls in the clone switching v1 → v2: files are old or new, never torn
    const files2 = dataset(400, 'v2');
    writeFiles(dir, files2);
    keelOk(dir, ['add', 'data']);
    keelOk(dir, ['push']);
    git(dir, 'commit', '-qam', 'v2');
    git(clone, 'pull', '-q');
    for (let i = 0; i < 4; i++) {
      await killAfter(clone, ['pull', '-f'], 200 + i * 70);
      kills++;
      for (const [rel, bytes] of listFiles(path.join(clone, 'data'))) {
        if (rel.split('/').pop()!.endsWith('.tmp')) continue;
        const s = bytes.toString();
        assert.ok(s === files[`data/${rel}`] || s === files2[`data/${rel}`], `workspace file ${rel} is old or new`);
      }
    }
    keelOk(clone, ['pull', '-f']);
    assert.deepEqual(listFiles(path.join(clone, 'data')), listFiles(path.join(dir, 'data')));
    // gc in the origin (v1 objects are garbage for -w)
    for (let i = 0; i < 4; i++) {
      await killAfter(dir, ['gc', '-w', '-f', '-c'], 100 + i * 40);
      kills++;
      assertObjectsSound(cache, { allowTemp: true });
      assertObjectsSound(remote, { allowTemp: true });
    }
    keelOk(dir, ['gc', '-w', '-f', '-c']);
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
    assert.equal(assertObjectsSound(remote, { allowTemp: true }).length, 401);
    assert.ok(kills >= 20);
  });
});
