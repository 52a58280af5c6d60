import { GOLDEN } from '../helpers/fixtures.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Git } from '../../src/git/index.js';
import {
  DVC_DIR_GITIGNORE_TEXT,
  alreadyTrackedError,
  assertNotGitTracked,
  escapeDvcStyle,
  escapeGitignoreEntry,
  gitignoreTarget,
  ignore,
  ignoreRemove,
} from '../../src/git/ignore.js';
import { GitError, OutputError } from '../../src/errors/index.js';
import { cleanup, commitAll, git, gitTestEnv, makeGitRepo, makeTempDir, writeFiles } from '../helpers/git.js';

function read(p: string): string {
  return readFileSync(p, 'utf8');
}

async function withRepo(fn: (dir: string, g: Git) => Promise<void>): Promise<void> {
  const dir = makeGitRepo();
  try {
    await fn(dir, new Git(dir, { env: gitTestEnv }));
  } finally {
    cleanup(dir);
  }
}

test('DVC_DIR_GITIGNORE_TEXT is byte-identical to the .dvc/.gitignore dvc init writes', () => {
  assert.equal(DVC_DIR_GITIGNORE_TEXT, readFileSync(GOLDEN + 'repo/dot-dvc-gitignore', 'utf8'));
});

test('escape: DVC escapes [ ] ! * # ?; keel also escapes backslash and trailing spaces', () => {
  assert.equal(escapeDvcStyle('/a[1]!*#?.txt'), '/a\\[1\\]\\!\\*\\#\\?.txt');
  assert.equal(escapeGitignoreEntry('/a[1]!*#?.txt'), '/a\\[1\\]\\!\\*\\#\\?.txt');
  assert.equal(escapeGitignoreEntry('/plain name.csv'), '/plain name.csv');
  assert.equal(escapeGitignoreEntry('/ lead'), '/ lead');
  assert.equal(escapeGitignoreEntry('/trail  '), '/trail\\ \\ ');
  assert.equal(escapeGitignoreEntry('/back\\slash'), '/back\\\\slash');
});

test('ignore appends /<basename> to the .gitignore of the path\'s own directory', async () => {
  await withRepo(async (dir, g) => {
    writeFiles(dir, { 'data/x.csv': '1', 'model.pkl': 'm', 'data/raw/a.bin': 'a' });
    assert.equal(await ignore(dir, join(dir, 'data/x.csv'), { git: g }), join(dir, 'data/.gitignore'));
    assert.equal(read(join(dir, 'data/.gitignore')), '/x.csv\n');
    assert.equal(await ignore(dir, join(dir, 'model.pkl'), { git: g }), join(dir, '.gitignore'));
    assert.equal(read(join(dir, '.gitignore')), '/model.pkl\n');
    // a directory output
    assert.equal(await ignore(dir, join(dir, 'data/raw'), { git: g }), join(dir, 'data/.gitignore'));
    assert.equal(read(join(dir, 'data/.gitignore')), '/x.csv\n/raw\n');
    // git agrees
    assert.equal(await g.isIgnored('data/x.csv'), true);
    assert.equal(await g.isIgnored('data/raw/a.bin'), true);
    // no temp files left behind by the atomic writes
    assert.deepEqual(readdirSync(join(dir, 'data')).sort(), ['.gitignore', 'raw', 'x.csv']);
  });
});

test('ignore adds a newline first when the file does not end with one; keeps CRLF content', async () => {
  await withRepo(async (dir, g) => {
    writeFiles(dir, { '.gitignore': '*.tmp', 'a.txt': 'a' });
    await ignore(dir, join(dir, 'a.txt'), { git: g });
    assert.equal(read(join(dir, '.gitignore')), '*.tmp\n/a.txt\n');
    writeFiles(dir, { '.gitignore': '*.tmp\r\n', 'b.txt': 'b' });
    await ignore(dir, join(dir, 'b.txt'), { git: g });
    assert.equal(read(join(dir, '.gitignore')), '*.tmp\r\n/b.txt\n');
    writeFiles(dir, { '.gitignore': '', 'c.txt': 'c' });
    await ignore(dir, join(dir, 'c.txt'), { git: g });
    assert.equal(read(join(dir, '.gitignore')), '/c.txt\n');
  });
});

test('ignore escapes metacharacters byte-for-byte and git then matches the literal name', async () => {
  await withRepo(async (dir, g) => {
    const name = 'we!rd #[1]*?.csv';
    writeFiles(dir, { [`d/${name}`]: 'x', 'd/we!rd #1x.csv': 'other' });
    await ignore(dir, join(dir, 'd', name), { git: g });
    assert.equal(read(join(dir, 'd/.gitignore')), '/we\\!rd \\#\\[1\\]\\*\\?.csv\n');
    assert.equal(await g.isIgnored(`d/${name}`), true);
    assert.equal(await g.isIgnored('d/we!rd #1x.csv'), false, 'no wildcard leaks');
    // trailing space survives as an escaped space
    writeFiles(dir, { 'sp ': 'x' });
    await ignore(dir, join(dir, 'sp '), { git: g });
    assert.equal(read(join(dir, '.gitignore')), '/sp\\ \n');
    assert.equal(await g.isIgnored('sp '), true);
  });
});

test('ignore does nothing when git already ignores the path; no duplicate entries', async () => {
  await withRepo(async (dir, g) => {
    writeFiles(dir, { '.gitignore': '*.csv\n', 'data/x.csv': '1', 'data/y.bin': 'y' });
    assert.equal(await ignore(dir, join(dir, 'data/x.csv'), { git: g }), undefined);
    assert.equal(existsSync(join(dir, 'data/.gitignore')), false);
    assert.equal(await ignore(dir, join(dir, 'data/y.bin'), { git: g }), join(dir, 'data/.gitignore'));
    assert.equal(await ignore(dir, join(dir, 'data/y.bin'), { git: g }), undefined);
    assert.equal(await ignore(dir, join(dir, 'data/y.bin')), undefined, 'default Git from gitRoot');
    assert.equal(read(join(dir, 'data/.gitignore')), '/y.bin\n');
    // a parent directory ignored
    writeFiles(dir, { 'out/.keep': '', '.gitignore': '*.csv\n/out/\n' });
    assert.equal(await ignore(dir, join(dir, 'out/.keep'), { git: g }), undefined);
  });
});

test('ignore without a git repository falls back to the exact-line check', async () => {
  const dir = makeTempDir();
  try {
    writeFiles(dir, { 'a.txt': 'a' });
    assert.equal(await ignore(dir, join(dir, 'a.txt')), join(dir, '.gitignore'));
    assert.equal(await ignore(dir, join(dir, 'a.txt')), undefined);
    assert.equal(read(join(dir, '.gitignore')), '/a.txt\n');
  } finally {
    cleanup(dir);
  }
});

test('ignore refuses paths outside the repository', async () => {
  await withRepo(async (dir, g) => {
    await assert.rejects(ignore(dir, '/etc/passwd', { git: g }), (e: unknown) => e instanceof GitError && /outside of git repository/.test((e as Error).message));
    await assert.rejects(ignore(dir, dir, { git: g }), GitError);
    assert.throws(() => gitignoreTarget(dir, 'relative/path'), TypeError);
  });
});

test('ignoreRemove drops the entry, keeps the rest, deletes an emptied file', async () => {
  await withRepo(async (dir, g) => {
    writeFiles(dir, { 'data/a': 'a', 'data/b': 'b', 'data/w[1]': 'w' });
    await ignore(dir, join(dir, 'data/a'), { git: g });
    await ignore(dir, join(dir, 'data/b'), { git: g });
    await ignore(dir, join(dir, 'data/w[1]'), { git: g });
    const gi = join(dir, 'data/.gitignore');
    assert.equal(read(gi), '/a\n/b\n/w\\[1\\]\n');
    assert.deepEqual(await ignoreRemove(dir, join(dir, 'data/a')), { gitignore: gi, deleted: false });
    assert.equal(read(gi), '/b\n/w\\[1\\]\n');
    assert.deepEqual(await ignoreRemove(dir, join(dir, 'data/w[1]')), { gitignore: gi, deleted: false });
    assert.equal(read(gi), '/b\n');
    // an entry not present: file left as it is
    assert.deepEqual(await ignoreRemove(dir, join(dir, 'data/zzz')), { gitignore: gi, deleted: false });
    assert.equal(read(gi), '/b\n');
    assert.deepEqual(await ignoreRemove(dir, join(dir, 'data/b')), { gitignore: gi, deleted: true });
    assert.equal(existsSync(gi), false);
    assert.equal(await ignoreRemove(dir, join(dir, 'data/b')), undefined, 'no .gitignore there');
  });
});

test('ignoreRemove matches stripped lines (like DVC), removes duplicates, normalises CRLF', async () => {
  await withRepo(async (dir) => {
    const gi = join(dir, '.gitignore');
    writeFileSync(gi, '# keep me\r\n  /x  \r\n*.log\r\n/x\n/xy\n/x');
    await ignoreRemove(dir, join(dir, 'x'));
    assert.equal(read(gi), '# keep me\n*.log\n/xy\n');
    writeFileSync(gi, '/only\n\n');
    // a blank line remains, so the file stays (as in DVC)
    assert.deepEqual(await ignoreRemove(dir, join(dir, 'only')), { gitignore: gi, deleted: false });
    assert.equal(read(gi), '\n');
  });
});

test('unicode names and non-UTF-8 bytes survive ignore/ignoreRemove', async () => {
  await withRepo(async (dir, g) => {
    const gi = join(dir, '.gitignore');
    const odd = Buffer.from([0x2f, 0xff, 0xfe, 0x0a]); // "/\xff\xfe\n"
    writeFileSync(gi, odd);
    writeFiles(dir, { 'тест ñ.csv': 'x' });
    await ignore(dir, join(dir, 'тест ñ.csv'), { git: g });
    assert.deepEqual(readFileSync(gi), Buffer.concat([odd, Buffer.from('/тест ñ.csv\n')]));
    assert.equal(await g.isIgnored('тест ñ.csv'), true);
    await ignoreRemove(dir, join(dir, 'тест ñ.csv'));
    assert.deepEqual(readFileSync(gi), odd);
  });
});

test('ignore then ignoreRemove round-trips an existing .gitignore byte-for-byte', async () => {
  await withRepo(async (dir, g) => {
    const original = 'node_modules/\n# comment\n/build\n';
    writeFiles(dir, { '.gitignore': original, 'big.bin': 'x' });
    await ignore(dir, join(dir, 'big.bin'), { git: g });
    assert.equal(read(join(dir, '.gitignore')), original + '/big.bin\n');
    await ignoreRemove(dir, join(dir, 'big.bin'));
    assert.equal(read(join(dir, '.gitignore')), original);
  });
});

test('assertNotGitTracked: DVC\'s "already tracked by SCM" error for tracked files and dirs', async () => {
  await withRepo(async (dir, g) => {
    writeFiles(dir, { 'tracked.csv': 't', 'tdir/a': 'a' });
    commitAll(dir, 'c');
    writeFiles(dir, { 'free.csv': 'f', 'staged.csv': 's' });
    git(dir, 'add', 'staged.csv');
    await assert.rejects(assertNotGitTracked(g, join(dir, 'staged.csv'), 'staged.csv'), OutputError);
    await assertNotGitTracked(g, join(dir, 'free.csv'), 'free.csv');
    for (const p of ['tracked.csv', 'tdir']) {
      await assert.rejects(assertNotGitTracked(g, join(dir, p), p), (e: unknown) => {
        assert.ok(e instanceof OutputError);
        assert.equal((e as OutputError).code, 'OUTPUT');
        assert.deepEqual((e as OutputError).data, { path: p });
        return true;
      });
    }
    assert.equal(
      alreadyTrackedError('data/x.csv').message,
      "output 'data/x.csv' is already tracked by SCM (e.g. Git).\n" +
        '    You can remove it from Git, then add to DVC.\n' +
        '        To stop tracking from Git:\n' +
        "            git rm -r --cached 'data/x.csv'\n" +
        '            git commit -m "stop tracking data/x.csv"',
    );
  });
});
