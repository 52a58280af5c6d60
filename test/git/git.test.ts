import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Git, findGitRoot, findGitRootSync, isGitRepo, isDvcMetafile, shortSha } from '../../src/git/index.js';
import { GitError, KeelError } from '../../src/errors/index.js';
import { cleanup, commitAll, git, gitTestEnv, makeGitRepo, makeTempDir, writeFiles } from '../helpers/git.js';

let dir: string;
let g: Git;
const sha: Record<string, string> = {};

before(() => {
  dir = makeGitRepo();
  g = new Git(dir, { env: gitTestEnv });
  // c1 on main: params v1, data.dvc
  writeFiles(dir, {
    'params.yaml': 'lr: 0.1\n',
    'data.dvc': 'outs:\n- md5: aaa\n  path: data\n',
    'dvc.yaml': 'stages: {}\n',
    '.dvc/config': '[core]\n',
    '.dvc/x.dvc': 'not a metafile\n',
    'sub/dir/model.pkl.dvc': 'outs: []\n',
    'weird name [1].txt': 'w\n',
    'bin.dat': Buffer.from([0, 1, 2, 255, 10, 0]),
  });
  sha.c1 = commitAll(dir, 'c1');
  git(dir, 'tag', 'v1');
  // c2 on main
  writeFiles(dir, { 'params.yaml': 'lr: 0.2\n', 'dvc.lock': 'schema: "2.0"\n' });
  sha.c2 = commitAll(dir, 'c2');
  git(dir, 'tag', '-a', 'v2', '-m', 'annotated');
  // c3 on branch exp
  git(dir, 'checkout', '-q', '-b', 'exp');
  writeFiles(dir, { 'params.yaml': 'lr: 0.3\n' });
  sha.c3 = commitAll(dir, 'c3');
  git(dir, 'checkout', '-q', 'main');
  // an experiment ref and a stash: not part of DVC's --all-commits
  writeFiles(dir, { 'params.yaml': 'lr: 9\n' });
  git(dir, 'stash', '-q');
  writeFiles(dir, { 'stray.txt': 's' });
  git(dir, 'add', 'stray.txt');
  const tree = git(dir, 'write-tree');
  sha.exp = git(dir, 'commit-tree', tree, '-p', sha.c2, '-m', 'exp');
  git(dir, 'update-ref', 'refs/exps/ab/cdef/exp-1', sha.exp);
  git(dir, 'reset', '-q', '--hard');
});

after(() => cleanup(dir));

test('findGitRoot finds the work tree from a subdirectory, undefined outside', async () => {
  mkdirSync(join(dir, 'sub/dir/deeper'), { recursive: true });
  assert.equal(await findGitRoot(join(dir, 'sub/dir/deeper')), dir);
  assert.equal(findGitRootSync(dir), dir);
  assert.equal(await isGitRepo(join(dir, 'sub')), true);
  const plain = makeTempDir();
  try {
    assert.equal(await findGitRoot(plain), undefined);
    assert.equal(await isGitRepo(plain), false);
    assert.equal(await Git.open(plain), undefined);
  } finally {
    cleanup(plain);
  }
});

test('revParse resolves branches, tags (annotated peeled), short shas and HEAD~n', async () => {
  assert.equal(await g.revParse('HEAD'), sha.c2);
  assert.equal(await g.revParse('main'), sha.c2);
  assert.equal(await g.revParse('exp'), sha.c3);
  assert.equal(await g.revParse('v1'), sha.c1);
  assert.equal(await g.revParse('v2'), sha.c2);
  assert.equal(await g.revParse('HEAD~1'), sha.c1);
  assert.equal(await g.revParse(shortSha(sha.c3)), sha.c3);
  assert.equal(shortSha(sha.c3), sha.c3.slice(0, 7));
});

test('revParse of an unknown revision is a GitError naming it, with a hint', async () => {
  for (const bad of ['nope', 'main~99', '--all', '']) {
    await assert.rejects(g.revParse(bad), (e: unknown) => {
      assert.ok(e instanceof GitError);
      assert.equal((e as KeelError).code, 'GIT');
      assert.match((e as Error).message, new RegExp(`unknown Git revision '${bad.replace(/[~-]/g, '\\$&')}'`));
      assert.ok((e as KeelError).hint);
      return true;
    });
  }
  assert.equal(await g.tryRevParse('nope'), undefined);
});

test('currentBranch, headSha, isDirty', async () => {
  assert.equal(await g.currentBranch(), 'main');
  assert.equal(await g.headSha(), sha.c2);
  assert.equal(await g.isDirty(), false);
  writeFiles(dir, { 'params.yaml': 'lr: 5\n' });
  assert.equal(await g.isDirty(), true);
  git(dir, 'checkout', '-q', '--', 'params.yaml');
  writeFiles(dir, { 'untracked.txt': 'u' });
  assert.equal(await g.isDirty(), false);
  assert.equal(await g.isDirty({ untracked: true }), true);
  cleanupFile('untracked.txt');
  git(dir, 'checkout', '-q', '--detach', sha.c1);
  try {
    assert.equal(await g.currentBranch(), undefined);
    assert.equal(await g.headSha(), sha.c1);
  } finally {
    git(dir, 'checkout', '-q', 'main');
  }
});

function cleanupFile(rel: string): void {
  cleanup(join(dir, rel));
}

test('empty repository: headSha undefined, currentBranch is the unborn branch, no commits', async () => {
  const empty = makeGitRepo();
  try {
    const e = new Git(empty, { env: gitTestEnv });
    assert.equal(await e.headSha(), undefined);
    assert.equal(await e.currentBranch(), 'main');
    assert.deepEqual(await e.allCommits(), []);
    assert.deepEqual([...(await e.branches())], []);
    assert.deepEqual([...(await e.tags())], []);
    assert.equal(await e.isDirty(), false);
  } finally {
    cleanup(empty);
  }
});

test('branches and tags map names to commit shas', async () => {
  assert.deepEqual([...(await g.branches())], [
    ['exp', sha.c3],
    ['main', sha.c2],
  ]);
  assert.deepEqual([...(await g.tags())], [
    ['v1', sha.c1],
    ['v2', sha.c2],
  ]);
});

test('allCommits: HEAD, branches, tags — not refs/exps or the stash', async () => {
  const all = await g.allCommits();
  assert.deepEqual(new Set(all), new Set([sha.c1, sha.c2, sha.c3]));
  assert.equal(all.length, 3);
  assert.ok(!all.includes(sha.exp));
});

test('readFileAtRev reads without checkout; missing gives undefined; bytes are exact', async () => {
  assert.equal((await g.readFileAtRev('v1', 'params.yaml'))?.toString(), 'lr: 0.1\n');
  assert.equal((await g.readFileAtRev(sha.c3, 'params.yaml'))?.toString(), 'lr: 0.3\n');
  assert.equal((await g.readFileAtRev('HEAD', 'params.yaml'))?.toString(), 'lr: 0.2\n');
  assert.equal(await g.readFileAtRev('v1', 'dvc.lock'), undefined);
  assert.equal(await g.readFileAtRev('HEAD', 'sub'), undefined, 'a directory is not a file');
  assert.equal(await g.readFileAtRev('no-such-rev', 'params.yaml'), undefined);
  assert.deepEqual(await g.readFileAtRev('HEAD', 'bin.dat'), Buffer.from([0, 1, 2, 255, 10, 0]));
  assert.equal((await g.readFileAtRev('HEAD', 'weird name [1].txt'))?.toString(), 'w\n');
  assert.equal((await g.readFileAtRev('HEAD', join(dir, 'sub/dir/model.pkl.dvc')))?.toString(), 'outs: []\n', 'absolute path');
});

test('readFilesAtRevs: 3 revs x 50 files through one process, aligned, missing → undefined', async () => {
  const repo = makeGitRepo();
  try {
    const r = new Git(repo, { env: gitTestEnv });
    const revs: string[] = [];
    for (let v = 0; v < 3; v++) {
      const files: Record<string, string> = {};
      // rev v has files 0..(30+10v); every file's content names its rev
      for (let i = 0; i < 30 + 10 * v; i++) files[`d${i % 4}/f${i}.txt`] = `rev${v} file${i}\n`.repeat(i + 1);
      writeFiles(repo, files);
      revs.push(commitAll(repo, `v${v}`));
    }
    const items = revs.flatMap((rev) => Array.from({ length: 50 }, (_, i) => ({ rev, path: `d${i % 4}/f${i}.txt` })));
    assert.equal(items.length, 150);
    const out = await r.readFilesAtRevs(items);
    assert.equal(out.length, 150);
    items.forEach((it, k) => {
      const v = revs.indexOf(it.rev);
      const i = k % 50;
      if (i < 30 + 10 * v) assert.equal(out[k]?.toString(), `rev${v} file${i}\n`.repeat(i + 1), `${v}/${i}`);
      else assert.equal(out[k], undefined, `${v}/${i} should be missing`);
    });
    assert.deepEqual(await r.readFilesAtRevs([]), []);
    // unknown revs and odd paths in a batch do not break alignment
    const mixed = await r.readFilesAtRevs([
      { rev: 'nope', path: 'd0/f0.txt' },
      { rev: revs[0], path: 'line\nbreak' },
      { rev: revs[0], path: 'd0/f0.txt' },
      { rev: '-x', path: 'd0/f0.txt' },
      { rev: revs[2], path: 'd1' },
      { rev: revs[2], path: 'd1/f1.txt' },
    ]);
    assert.deepEqual(
      mixed.map((b) => b?.toString()),
      [undefined, undefined, 'rev0 file0\n', undefined, undefined, 'rev2 file1\n'.repeat(2)],
    );
  } finally {
    cleanup(repo);
  }
});

test('readBlobs reads listTree shas once each', async () => {
  const entries = await g.listTree('v1');
  const shas = entries.map((e) => e.sha);
  const blobs = await g.readBlobs([...shas, ...shas, '0'.repeat(40)]);
  assert.equal(blobs.size, new Set(shas).size);
  const p = entries.find((e) => e.path === 'params.yaml')!;
  assert.equal(blobs.get(p.sha)?.toString(), 'lr: 0.1\n');
});

test('readObjects gives type and sha', async () => {
  const [blob, tree, missing] = await g.readObjects(['HEAD:params.yaml', 'HEAD:sub', 'HEAD:zzz']);
  assert.equal(blob?.type, 'blob');
  assert.equal(blob?.sha, git(dir, 'rev-parse', 'HEAD:params.yaml'));
  assert.equal(tree?.type, 'tree');
  assert.equal(missing, undefined);
});

test('listTree lists every file of a commit, optionally under paths', async () => {
  const all = await g.listTree('v1');
  const paths = all.map((e) => e.path).sort();
  assert.deepEqual(paths, [
    '.dvc/config',
    '.dvc/x.dvc',
    'bin.dat',
    'data.dvc',
    'dvc.yaml',
    'params.yaml',
    'sub/dir/model.pkl.dvc',
    'weird name [1].txt',
  ]);
  const e = all.find((x) => x.path === 'params.yaml')!;
  assert.equal(e.mode, '100644');
  assert.equal(e.type, 'blob');
  assert.equal(e.sha, git(dir, 'rev-parse', 'v1:params.yaml'));
  assert.deepEqual((await g.listTree('HEAD', { paths: ['sub'] })).map((x) => x.path), ['sub/dir/model.pkl.dvc']);
  assert.deepEqual((await g.listTree('HEAD', { paths: ['weird name [1].txt'] })).map((x) => x.path), ['weird name [1].txt']);
  assert.ok((await g.listTree('HEAD')).some((x) => x.path === 'dvc.lock'));
  await assert.rejects(g.listTree('nope'), /unknown Git revision 'nope'/);
});

test('findFilesAtRev with isDvcMetafile: .dvc files, dvc.yaml, dvc.lock outside .dvc/', async () => {
  assert.deepEqual((await g.findFilesAtRev('v1', isDvcMetafile)).sort(), ['data.dvc', 'dvc.yaml', 'sub/dir/model.pkl.dvc']);
  assert.deepEqual((await g.findFilesAtRev('HEAD', isDvcMetafile)).sort(), ['data.dvc', 'dvc.lock', 'dvc.yaml', 'sub/dir/model.pkl.dvc']);
  assert.equal(isDvcMetafile('.dvc'), false);
  assert.equal(isDvcMetafile('a/.dvc/b.dvc'), false);
  assert.equal(isDvcMetafile('a/dvc.yaml'), true);
});

test('isTracked (files and directories, literal names), isIgnored, ignoredAmong', async () => {
  assert.equal(await g.isTracked('params.yaml'), true);
  assert.equal(await g.isTracked(join(dir, 'params.yaml')), true);
  assert.equal(await g.isTracked('sub'), true, 'a directory with tracked files');
  assert.equal(await g.isTracked('sub/di'), false, 'no prefix match');
  assert.equal(await g.isTracked('weird name [1].txt'), true);
  assert.equal(await g.isTracked('weird name ?1?.txt'), false, 'no glob match');
  assert.equal(await g.isTracked('nothing-here'), false);
  writeFiles(dir, { '.gitignore': '/ignored/\n*.log\n', 'ignored/a.txt': 'a', 'x.log': 'l' });
  try {
    assert.equal(await g.isIgnored('ignored'), true, 'a directory matched by a dir-only rule');
    assert.equal(await g.isIgnored('ignored/a.txt'), true, 'inside an ignored directory');
    assert.equal(await g.isIgnored('x.log'), true);
    assert.equal(await g.isIgnored('params.yaml'), false);
    assert.deepEqual(await g.ignoredAmong(['x.log', 'params.yaml', 'ignored/a.txt', 'y.log']), new Set(['x.log', 'ignored/a.txt', 'y.log']));
  } finally {
    for (const f of ['.gitignore', 'ignored', 'x.log']) cleanupFile(f);
  }
  assert.throws(() => g.rel('/somewhere/else'), /outside of git repository/);
});

test('init, add, commit through the Git class', async () => {
  const d = makeTempDir();
  try {
    const r = await Git.init(d, { env: gitTestEnv, branch: 'trunk' });
    assert.equal(await r.currentBranch(), 'trunk');
    await r.run(['config', 'user.name', 't']);
    await r.run(['config', 'user.email', 't@t.invalid']);
    writeFiles(d, { 'a.txt': 'a', 'b [x].txt': 'b' });
    await r.add(['a.txt', 'b [x].txt']);
    assert.equal(await r.isTracked('a.txt'), true);
    const c = await r.commit('first');
    assert.equal(c, await r.headSha());
    assert.equal((await r.readFileAtRev(c, 'b [x].txt'))?.toString(), 'b');
  } finally {
    cleanup(d);
  }
});

test('errors: not a repository, missing git binary', async () => {
  const plain = makeTempDir();
  try {
    const r = new Git(plain, { env: { ...gitTestEnv, GIT_CEILING_DIRECTORIES: plain.split('/').slice(0, -1).join('/') } });
    await assert.rejects(r.listTree('HEAD'), (e: unknown) => e instanceof GitError);
    await assert.rejects(r.branches(), (e: unknown) => {
      assert.ok(e instanceof GitError);
      assert.match((e as KeelError).hint ?? '', /git repository/);
      assert.match((e as Error).message, /git for-each-ref/);
      return true;
    });
    const nogit = new Git(dir, { gitBinary: '/nonexistent/git-binary' });
    await assert.rejects(nogit.headSha(), (e: unknown) => {
      assert.ok(e instanceof GitError);
      assert.match((e as KeelError).hint ?? '', /install git/);
      return true;
    });
    await assert.rejects(nogit.readFilesAtRevs([{ rev: 'HEAD', path: 'x' }]), /install git|not found/);
  } finally {
    cleanup(plain);
  }
});
