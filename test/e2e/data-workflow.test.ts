/**
 * The data workflow end to end with the built CLI, real git and real files:
 * init → add → status → push → clone → pull → checkout / commit / remove / move / gc.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keel, keelOk } from '../helpers/cli.js';
import { GOLDEN } from '../helpers/fixtures.js';
import { git, makeGitRepo, makeTempDir, writeFiles } from '../helpers/git.js';
import { assertObjectsSound, keelRepo, keelRepoWithRemote, listFiles, md5 } from '../helpers/repo.js';

describe('init', () => {
  test('creates .dvc/ and .dvcignore as dvc init does', () => {
    const dir = makeGitRepo();
    const r = keelOk(dir, ['init']);
    assert.match(r.stdout, /git add \.dvc\/\.gitignore \.dvc\/config \.dvcignore/);
    assert.equal(fs.readFileSync(path.join(dir, '.dvc/config'), 'utf8'), '');
    assert.equal(fs.readFileSync(path.join(dir, '.dvc/.gitignore'), 'utf8'), '/config.local\n/tmp\n/cache\n');
    assert.equal(fs.readFileSync(path.join(dir, '.dvcignore'), 'utf8'), fs.readFileSync(GOLDEN + 'repo/dotdvcignore', 'utf8'));
    // again without -f: refused, with a hint; with -f: fine
    const again = keel(dir, ['init']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists\. Use `-f` to force/);
    keelOk(dir, ['init', '-f']);
  });
  test('outside git it needs --no-scm', () => {
    const dir = makeTempDir();
    const r = keel(dir, ['init']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not tracked by any supported SCM tool/);
    keelOk(dir, ['init', '--no-scm']);
    assert.match(fs.readFileSync(path.join(dir, '.dvc/config'), 'utf8'), /no_scm = True/);
    writeFiles(dir, { 'a.txt': 'a' });
    keelOk(dir, ['add', 'a.txt']);
    assert.ok(fs.existsSync(path.join(dir, 'a.txt.dvc')));
    assert.ok(!fs.existsSync(path.join(dir, '.gitignore')));
  });
  test('commands outside a repository fail with NOT_A_REPO', () => {
    const r = keel(makeTempDir(), ['status']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /not inside of a DVC repository/);
    assert.match(r.stderr, /hint: run 'keel init'/);
  });
});

describe('add', () => {
  test('a directory and a file: .dvc files, read-only cache objects, gitignore entries', () => {
    const dir = keelRepo({ 'data/a.txt': 'aaa', 'data/sub/b.txt': 'bb', 'file.bin': 'xyz' });
    keelOk(dir, ['add', 'data', 'file.bin']);
    const dvc = fs.readFileSync(path.join(dir, 'data.dvc'), 'utf8');
    const manifest = `[{"md5": "${md5('aaa')}", "relpath": "a.txt"}, {"md5": "${md5('bb')}", "relpath": "sub/b.txt"}]`;
    const dirOid = md5(manifest) + '.dir';
    assert.equal(dvc, `outs:\n- md5: ${dirOid}\n  size: 5\n  nfiles: 2\n  hash: md5\n  path: data\n`);
    const obj = path.join(dir, '.dvc/cache/files/md5', dirOid.slice(0, 2), dirOid.slice(2));
    assert.equal(fs.readFileSync(obj, 'utf8'), manifest);
    assert.equal(fs.statSync(obj).mode & 0o777, 0o444);
    for (const c of ['aaa', 'bb', 'xyz']) {
      const p = path.join(dir, '.dvc/cache/files/md5', md5(c).slice(0, 2), md5(c).slice(2));
      assert.equal(fs.readFileSync(p, 'utf8'), c);
      assert.equal(fs.statSync(p).mode & 0o777, 0o444);
    }
    assert.equal(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'), '/data\n/file.bin\n');
    // git sees the data as ignored
    assert.equal(git(dir, 'status', '--porcelain', '--untracked-files=all').includes('data/a.txt'), false);
    // re-adding unchanged data changes nothing and adds no duplicate gitignore line
    keelOk(dir, ['add', 'data']);
    assert.equal(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'), '/data\n/file.bin\n');
  });

  test('gitignore goes beside the target, in its own directory', () => {
    const dir = keelRepo({ 'data/raw/x.csv': '1,2\n' });
    keelOk(dir, ['add', 'data/raw/x.csv']);
    assert.equal(fs.readFileSync(path.join(dir, 'data/raw/.gitignore'), 'utf8'), '/x.csv\n');
    assert.match(fs.readFileSync(path.join(dir, 'data/raw/x.csv.dvc'), 'utf8'), /path: x\.csv\n/);
  });

  test('refuses .git/.dvc paths, paths outside the repo, git-tracked files and stage outputs', () => {
    const dir = keelRepo({ 'tracked.txt': 't', 'free.txt': 'f' });
    git(dir, 'add', 'tracked.txt');
    git(dir, 'commit', '-qm', 'x');
    const outside = makeTempDir();
    fs.writeFileSync(path.join(outside, 'o.txt'), 'o');
    for (const [args, code, re] of [
      [['add', '.git/config'], 6, /inside \.git or \.dvc/],
      [['add', '.dvc/config'], 6, /inside \.git or \.dvc/],
      [['add', path.join(outside, 'o.txt')], 6, /outside of the repository/],
      [['add', 'tracked.txt'], 8, /already tracked by SCM/],
      [['add', 'missing.txt'], 7, /does not exist/],
    ] as const) {
      const r = keel(dir, [...args]);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    writeFiles(dir, {
      'dvc.yaml': 'stages:\n  s:\n    cmd: echo\n    outs:\n    - out.txt\n',
      'dvc.lock': `schema: '2.0'\nstages:\n  s:\n    cmd: echo\n    outs:\n    - path: out.txt\n      hash: md5\n      md5: ${md5('o')}\n      size: 1\n`,
      'out.txt': 'o',
    });
    const r = keel(dir, ['add', 'out.txt']);
    assert.equal(r.code, 8);
    assert.match(r.stderr, /overlaps output 'out.txt' of stage 's'/);
    assert.ok(!fs.existsSync(path.join(dir, 'out.txt.dvc')));
  });

  test('honours .dvcignore inside the walk', () => {
    const dir = keelRepo({ 'data/keep.txt': 'k', 'data/skip.log': 'l', 'data/cache/x': 'x' });
    fs.appendFileSync(path.join(dir, '.dvcignore'), '*.log\ndata/cache/\n');
    keelOk(dir, ['add', 'data']);
    assert.match(fs.readFileSync(path.join(dir, 'data.dvc'), 'utf8'), /nfiles: 1\n/);
  });

  test('--no-commit writes the .dvc file but stores nothing; commit then stores', () => {
    const dir = keelRepo({ 'big.txt': 'payload' });
    keelOk(dir, ['add', '--no-commit', 'big.txt']);
    assert.ok(fs.existsSync(path.join(dir, 'big.txt.dvc')));
    assert.ok(!fs.existsSync(path.join(dir, '.dvc/cache/files/md5', md5('payload').slice(0, 2))));
    const st = keelOk(dir, ['status']);
    assert.match(st.stdout, /big\.txt\.dvc:\n\tchanged outs:\n\t\tnot in cache:       big\.txt\n/);
    keelOk(dir, ['commit', '-f']);
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
  });

  test('-o copies external data into the workspace; --glob expands patterns', () => {
    const dir = keelRepo({ 'logs/a.csv': 'a', 'logs/b.csv': 'b', 'logs/c.txt': 'c' });
    const ext = makeTempDir();
    fs.writeFileSync(path.join(ext, 'ext.bin'), 'external');
    keelOk(dir, ['add', path.join(ext, 'ext.bin'), '-o', 'imported.bin']);
    assert.equal(fs.readFileSync(path.join(dir, 'imported.bin'), 'utf8'), 'external');
    assert.match(fs.readFileSync(path.join(dir, 'imported.bin.dvc'), 'utf8'), /path: imported\.bin/);
    keelOk(dir, ['add', '--glob', 'logs/*.csv']);
    assert.ok(fs.existsSync(path.join(dir, 'logs/a.csv.dvc')) && fs.existsSync(path.join(dir, 'logs/b.csv.dvc')));
    assert.ok(!fs.existsSync(path.join(dir, 'logs/c.txt.dvc')));
  });

  for (const type of ['hardlink', 'symlink'] as const) {
    test(`cache.type ${type} links the workspace to the cache`, () => {
      const dir = keelRepo({ 'data/f.txt': 'linked', 'data/empty': '' });
      keelOk(dir, ['config', 'cache.type', type]);
      keelOk(dir, ['add', 'data']);
      const f = path.join(dir, 'data/f.txt');
      const obj = path.join(dir, '.dvc/cache/files/md5', md5('linked').slice(0, 2), md5('linked').slice(2));
      if (type === 'hardlink') assert.equal(fs.statSync(f).ino, fs.statSync(obj).ino);
      else assert.equal(fs.realpathSync(f), obj);
      assert.equal(fs.readFileSync(f, 'utf8'), 'linked');
      assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
    });
  }
});

describe('status, checkout, commit', () => {
  test('modified, deleted, not in cache; --json; -q exit code', () => {
    const dir = keelRepo({ 'data/a': '1', 'b.txt': '2', 'c.txt': '3' });
    keelOk(dir, ['add', 'data', 'b.txt', 'c.txt']);
    assert.deepEqual(JSON.parse(keelOk(dir, ['status', '--json']).stdout), {});
    assert.equal(keel(dir, ['status', '-q']).code, 0);
    fs.writeFileSync(path.join(dir, 'data/a'), 'changed');
    fs.rmSync(path.join(dir, 'b.txt'));
    fs.chmodSync(path.join(dir, '.dvc/cache/files/md5', md5('3').slice(0, 2)), 0o755);
    fs.rmSync(path.join(dir, '.dvc/cache/files/md5', md5('3').slice(0, 2), md5('3').slice(2)), { force: true });
    const r = keelOk(dir, ['status']);
    assert.equal(
      r.stdout,
      'b.txt.dvc:\n\tchanged outs:\n\t\tdeleted:            b.txt\nc.txt.dvc:\n\tchanged outs:\n\t\tnot in cache:       c.txt\ndata.dvc:\n\tchanged outs:\n\t\tmodified:           data\n',
    );
    assert.deepEqual(JSON.parse(keelOk(dir, ['status', '--json']).stdout), {
      'b.txt.dvc': [{ 'changed outs': { 'b.txt': 'deleted' } }],
      'c.txt.dvc': [{ 'changed outs': { 'c.txt': 'not in cache' } }],
      'data.dvc': [{ 'changed outs': { data: 'modified' } }],
    });
    const q = keel(dir, ['status', '-q']);
    assert.equal(q.code, 1);
    assert.equal(q.stdout, '');
  });

  test('checkout restores deleted files and refuses to drop uncommitted changes without -f', () => {
    const dir = keelRepo({ 'data/a': 'v1', 'data/b': 'keep', 'f.txt': 'file' });
    keelOk(dir, ['add', 'data', 'f.txt']);
    fs.rmSync(path.join(dir, 'f.txt'));
    fs.rmSync(path.join(dir, 'data/b'));
    fs.writeFileSync(path.join(dir, 'data/extra'), 'not tracked');
    const r = keel(dir, ['checkout']);
    assert.equal(r.code, 14, r.stderr);
    assert.match(r.stderr, /data\/extra' is not in the cache and would be deleted/);
    assert.equal(fs.readFileSync(path.join(dir, 'data/extra'), 'utf8'), 'not tracked');
    fs.writeFileSync(path.join(dir, 'data/a'), 'local edit');
    fs.rmSync(path.join(dir, 'data/extra'));
    const r2 = keel(dir, ['checkout']);
    assert.equal(r2.code, 14);
    assert.equal(fs.readFileSync(path.join(dir, 'data/a'), 'utf8'), 'local edit');
    const r3 = keelOk(dir, ['checkout', '-f']);
    assert.match(r3.stdout, /M\tdata\/\n/);
    assert.equal(fs.readFileSync(path.join(dir, 'data/a'), 'utf8'), 'v1');
    assert.equal(fs.readFileSync(path.join(dir, 'data/b'), 'utf8'), 'keep');
    assert.equal(fs.readFileSync(path.join(dir, 'f.txt'), 'utf8'), 'file');
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
  });

  test('commit records new content; checkout of an older .dvc from git restores it', () => {
    const dir = keelRepo({ 'd.txt': 'one' });
    keelOk(dir, ['add', 'd.txt']);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'v1');
    fs.writeFileSync(path.join(dir, 'd.txt'), 'two');
    keelOk(dir, ['commit', '-f']);
    assert.match(fs.readFileSync(path.join(dir, 'd.txt.dvc'), 'utf8'), new RegExp(md5('two')));
    git(dir, 'checkout', '-q', '--', 'd.txt.dvc');
    keelOk(dir, ['checkout', '-f']);
    assert.equal(fs.readFileSync(path.join(dir, 'd.txt'), 'utf8'), 'one');
  });
});

describe('remove, move, root, version', () => {
  test('remove drops the .dvc file and the gitignore entry; --outs deletes the data', () => {
    const dir = keelRepo({ 'a.txt': 'a', 'b.txt': 'b' });
    keelOk(dir, ['add', 'a.txt', 'b.txt']);
    keelOk(dir, ['remove', 'a.txt.dvc']);
    assert.ok(!fs.existsSync(path.join(dir, 'a.txt.dvc')));
    assert.ok(fs.existsSync(path.join(dir, 'a.txt')));
    assert.equal(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'), '/b.txt\n');
    keelOk(dir, ['remove', '--outs', 'b.txt.dvc']);
    assert.ok(!fs.existsSync(path.join(dir, 'b.txt')));
    assert.ok(!fs.existsSync(path.join(dir, '.gitignore')), 'an emptied .gitignore is deleted');
  });
  test('move renames data, .dvc file and gitignore entry', () => {
    const dir = keelRepo({ 'data/x': 'x' });
    keelOk(dir, ['add', 'data']);
    keelOk(dir, ['move', 'data', 'dataset']);
    assert.ok(fs.existsSync(path.join(dir, 'dataset/x')) && !fs.existsSync(path.join(dir, 'data')));
    assert.match(fs.readFileSync(path.join(dir, 'dataset.dvc'), 'utf8'), /path: dataset\n/);
    assert.ok(!fs.existsSync(path.join(dir, 'data.dvc')));
    assert.equal(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'), '/dataset\n');
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
  });
  test('root and version', () => {
    const dir = keelRepo({ 'a/b/c.txt': 'c' });
    assert.equal(keelOk(path.join(dir, 'a/b'), ['root']).stdout, '../..\n');
    assert.equal(keelOk(dir, ['root']).stdout, '.\n');
    assert.match(keelOk(dir, ['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
    assert.match(keelOk(dir, ['version']).stdout, /keel version: \d+\.\d+\.\d+/);
  });
});

describe('push, pull, fetch with a local remote', () => {
  test('push uploads only what the remote lacks; a clone pulls the same bytes', () => {
    const [dir, remote] = keelRepoWithRemote({ 'data/a.txt': 'A', 'data/n/b.txt': 'B', 'model.bin': 'M' });
    keelOk(dir, ['add', 'data', 'model.bin']);
    const p1 = keelOk(dir, ['push']);
    assert.match(p1.stdout, /4 files pushed/);
    assert.deepEqual(assertObjectsSound(remote).length, 4);
    assert.match(keelOk(dir, ['push']).stdout, /Everything is up to date/);
    assert.match(keelOk(dir, ['status', '-c']).stdout, /Cache and remote 'store' are in sync/);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'data');
    const clone = makeTempDir();
    git(clone, 'clone', '-q', dir, 'c');
    const c = path.join(clone, 'c');
    assert.match(keelOk(c, ['status', '-c']).stdout, /\tdeleted:            data\/a.txt/);
    const r = keelOk(c, ['pull']);
    assert.match(r.stdout, /A\tdata\/\nA\tmodel\.bin\n4 files fetched and 2 files added/);
    assert.deepEqual(listFiles(path.join(c, 'data')), listFiles(path.join(dir, 'data')));
    assert.equal(fs.readFileSync(path.join(c, 'model.bin'), 'utf8'), 'M');
    assert.equal(keelOk(c, ['status']).stdout, 'Data and pipelines are up to date.\n');
    assert.match(keelOk(c, ['pull']).stdout, /Everything is up to date/);
  });

  test('fetch only fills the cache; status -c reports new / missing', () => {
    const [dir] = keelRepoWithRemote({ 'x.txt': 'x', 'y.txt': 'y' });
    keelOk(dir, ['add', 'x.txt', 'y.txt']);
    keelOk(dir, ['push', 'x.txt.dvc']);
    const st = keelOk(dir, ['status', '-c']).stdout;
    assert.match(st, /\tnew:                y\.txt/);
    assert.doesNotMatch(st, /x\.txt/);
    const clone = makeTempDir();
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'c');
    git(clone, 'clone', '-q', dir, 'c');
    const c = path.join(clone, 'c');
    const f = keel(c, ['fetch']);
    assert.equal(f.code, 11, f.stderr);
    assert.match(f.stderr, /failed to fetch 1 object/);
    assert.ok(!fs.existsSync(path.join(c, 'x.txt')), 'fetch does not touch the workspace');
    assert.match(keelOk(c, ['status', '-c']).stdout, /\tmissing:            y\.txt/);
  });

  test('-a / -T / -A push objects used by branches, tags, commits (read from git)', () => {
    const [dir, remote] = keelRepoWithRemote({ 'd.txt': 'v1' });
    keelOk(dir, ['add', 'd.txt']);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'v1');
    git(dir, 'tag', 't1');
    fs.writeFileSync(path.join(dir, 'd.txt'), 'v2');
    keelOk(dir, ['add', 'd.txt']);
    git(dir, 'commit', '-qam', 'v2');
    git(dir, 'checkout', '-qb', 'other');
    fs.writeFileSync(path.join(dir, 'd.txt'), 'v3');
    keelOk(dir, ['add', 'd.txt']);
    git(dir, 'commit', '-qam', 'v3');
    git(dir, 'checkout', '-q', 'main');
    keelOk(dir, ['checkout', '-f']);
    const key = (s: string): string => path.join(remote, 'files/md5', md5(s).slice(0, 2), md5(s).slice(2));
    keelOk(dir, ['push']);
    assert.deepEqual([fs.existsSync(key('v1')), fs.existsSync(key('v2')), fs.existsSync(key('v3'))], [false, true, false]);
    keelOk(dir, ['push', '-T']);
    assert.ok(fs.existsSync(key('v1')) && !fs.existsSync(key('v3')));
    keelOk(dir, ['push', '-a']);
    assert.ok(fs.existsSync(key('v3')));
    fs.rmSync(remote, { recursive: true });
    keelOk(dir, ['push', '-A']);
    assert.equal(assertObjectsSound(remote).length, 3);
  });
});

describe('gc', () => {
  test('-w keeps what the workspace uses; -A keeps history; --dry lists; -c cleans the remote', () => {
    const [dir, remote] = keelRepoWithRemote({ 'data/a': 'a1', 'data/b': 'b' });
    keelOk(dir, ['add', 'data']);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'v1');
    const v1 = fs.readFileSync(path.join(dir, 'data.dvc'), 'utf8');
    fs.writeFileSync(path.join(dir, 'data/a'), 'a2');
    keelOk(dir, ['add', 'data']);
    git(dir, 'commit', '-qam', 'v2');
    keelOk(dir, ['push', '-A']);
    const cache = path.join(dir, '.dvc/cache');
    const before = assertObjectsSound(cache).length; // a1, a2, b, two .dir
    assert.equal(before, 5);
    // -A keeps everything
    keelOk(dir, ['gc', '-A', '-f']);
    assert.equal(assertObjectsSound(cache).length, 5);
    // no scope: refused
    assert.equal(keel(dir, ['gc', '-f']).code, 2);
    // without -f and without a TTY: nothing is removed
    const asked = keel(dir, ['gc', '-w']);
    assert.equal(asked.code, 1);
    assert.equal(assertObjectsSound(cache).length, 5);
    const dry = keelOk(dir, ['gc', '-w', '--dry']);
    assert.equal(dry.stdout.trim().split('\n').length, 2, dry.stdout);
    assert.match(dry.stdout, new RegExp(md5('a1')));
    keelOk(dir, ['gc', '-w', '-f', '-c']);
    assert.equal(assertObjectsSound(cache).length, 3);
    assert.equal(assertObjectsSound(remote).length, 3);
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
    assert.ok(!fs.readFileSync(path.join(dir, 'data.dvc'), 'utf8').includes(v1.split('\n')[1]));
  });
});

describe('hash state', () => {
  const hashedCount = (stderr: string): number => Number(/status: hashed (\d+) file/.exec(stderr)?.[1] ?? -1);
  test('an unchanged file is never re-hashed: not after a move of the repo, not after a fresh clone + pull', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`data/f${i}`] = `v${i}`;
    const [dir] = keelRepoWithRemote(files);
    keelOk(dir, ['add', 'data']);
    assert.equal(hashedCount(keelOk(dir, ['status', '-v']).stderr), 0);
    // moving the repository keeps inodes and mtimes: still nothing to hash
    const moved = path.join(makeTempDir(), 'moved');
    fs.renameSync(dir, moved);
    const st = keelOk(moved, ['status', '-v']);
    assert.equal(st.stdout, 'Data and pipelines are up to date.\n');
    assert.equal(hashedCount(st.stderr), 0);
    // one changed file is the only one hashed
    fs.writeFileSync(path.join(moved, 'data/f7'), 'changed');
    assert.equal(hashedCount(keelOk(moved, ['status', '-v']).stderr), 1);
    fs.writeFileSync(path.join(moved, 'data/f7'), 'v7');
    keelOk(moved, ['push']);
    git(moved, 'add', '-A');
    git(moved, 'commit', '-qm', 'x');
    // a fresh clone: pull records what it writes, so status hashes nothing
    const clone = path.join(makeTempDir(), 'c');
    git(path.dirname(clone), 'clone', '-q', moved, 'c');
    keelOk(clone, ['pull']);
    const st2 = keelOk(clone, ['status', '-v']);
    assert.equal(st2.stdout, 'Data and pipelines are up to date.\n');
    assert.equal(hashedCount(st2.stderr), 0);
  });

  test('a first add of many files into an empty cache (staged) with a large file among them: every object in place, duplicates stored once, nothing left over', () => {
    const files: Record<string, string | Uint8Array> = {};
    for (let i = 0; i < 300; i++) files[`data/s${i % 5}/f${i}`] = `small ${i % 290}`; // 10 duplicates
    files['data/big.bin'] = Buffer.alloc(3 << 20, 7); // streamed: lands in files/md5 before the staged tree
    const [dir] = keelRepoWithRemote(files);
    keelOk(dir, ['add', 'data']);
    const keys = assertObjectsSound(path.join(dir, '.dvc/cache'));
    assert.equal(keys.length, 290 + 1 + 1, 'distinct small objects + the big one + the .dir');
    assert.deepEqual(fs.readdirSync(path.join(dir, '.dvc/cache/files')), ['md5']);
    for (const k of keys.slice(0, 5)) assert.equal(fs.statSync(path.join(dir, '.dvc/cache', k)).mode & 0o777, 0o444);
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
    fs.rmSync(path.join(dir, 'data'), { recursive: true });
    keelOk(dir, ['checkout']);
    assert.equal(fs.readFileSync(path.join(dir, 'data/s3/f8'), 'utf8'), 'small 8');
    assert.equal(fs.statSync(path.join(dir, 'data/big.bin')).size, 3 << 20);
  });

  test('add and a fresh-clone pull of a large directory record its listing and cache completeness, so the first status rebuilds and lists nothing', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`data/d${i % 3}/f${i}`] = `content ${i}`;
    const [dir] = keelRepoWithRemote(files);
    keelOk(dir, ['add', 'data']);
    const oid = /md5: ([0-9a-f]{32})\.dir/.exec(fs.readFileSync(path.join(dir, 'data.dvc'), 'utf8'))![1];
    // state lines: `D<listing fingerprint> <dir md5>` and `C<dir md5> <cache object-set token>`
    const keys = (root: string) =>
      fs.readFileSync(path.join(root, '.dvc/tmp/keel-state'), 'utf8').split('\n').filter((l) => (l.startsWith('D') && l.endsWith(` ${oid}`)) || l.startsWith(`C${oid} `)).map((l) => l[0]);
    assert.deepEqual(keys(dir).sort(), ['C', 'D'], 'add records D (listing) and C (complete) keys');
    keelOk(dir, ['push']);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'x');
    const clone = path.join(makeTempDir(), 'c');
    git(path.dirname(clone), 'clone', '-q', dir, 'c');
    keelOk(clone, ['pull']);
    assert.deepEqual(keys(clone).sort(), ['C', 'D'], 'pull records them too');
    const before = fs.readFileSync(path.join(clone, '.dvc/tmp/keel-state'), 'utf8');
    assert.equal(keelOk(clone, ['status']).stdout, 'Data and pipelines are up to date.\n');
    assert.equal(fs.readFileSync(path.join(clone, '.dvc/tmp/keel-state'), 'utf8'), before, 'status found both keys: it recorded nothing new');
    // a changed file is still seen
    fs.writeFileSync(path.join(clone, 'data/d1/f4'), 'changed');
    assert.match(keelOk(clone, ['status']).stdout, /modified:\s+data/);
  });
});
