import { GOLDEN } from '../helpers/fixtures.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DVCIGNORE_INIT_TEXT, DvcIgnore, parseDvcignore, rebasePattern } from '../../src/git/dvcignore.js';
import { cleanup, makeTempDir, writeFiles } from '../helpers/git.js';

const GOLDEN_DVCIGNORE = GOLDEN + 'repo/dotdvcignore';

/** A walk as data/build will do it: enterDir, then filter; returns the kept files. */
async function walk(root: string, di: DvcIgnore, start = ''): Promise<string[]> {
  const out: string[] = [];
  async function go(rel: string): Promise<void> {
    const ents = readdirSync(join(root, rel), { withFileTypes: true });
    if (!(await di.enterDir(rel, ents.map((e) => e.name)))) return;
    const dirs = ents.filter((e) => e.isDirectory()).map((e) => e.name);
    const files = ents.filter((e) => !e.isDirectory()).map((e) => e.name);
    const kept = di.filter(rel, dirs, files);
    for (const f of kept.files) out.push(rel ? `${rel}/${f}` : f);
    for (const d of kept.dirs) await go(rel ? `${rel}/${d}` : d);
  }
  await go(start);
  return out.sort();
}

async function withTree(files: Record<string, string>, fn: (dir: string, di: DvcIgnore) => Promise<void>): Promise<void> {
  const dir = makeTempDir('keel-dvcignore-');
  try {
    writeFiles(dir, files);
    await fn(dir, await DvcIgnore.load(dir));
  } finally {
    cleanup(dir);
  }
}

test('DVCIGNORE_INIT_TEXT is byte-identical to what dvc init writes', () => {
  assert.equal(DVCIGNORE_INIT_TEXT, readFileSync(GOLDEN_DVCIGNORE, 'utf8'));
  assert.ok(DVCIGNORE_INIT_TEXT.endsWith('/dvcignore\n'));
  assert.deepEqual(parseDvcignore(DVCIGNORE_INIT_TEXT), []);
});

test('built-ins: .git (file or dir), .git/ .hg/ .dvc/ at any depth; nothing else', async () => {
  const di = DvcIgnore.fromTexts({ '': DVCIGNORE_INIT_TEXT });
  assert.equal(di.hasPatterns, false, 'comment-only .dvcignore costs nothing');
  for (const [p, isDir, want] of [
    ['.git', true, true],
    ['.git', false, true],
    ['.git/config', false, true],
    ['.dvc', true, true],
    ['.dvc', false, false],
    ['.dvc/config', false, true],
    ['.hg', true, true],
    ['.hg', false, false],
    ['sub/.git', false, true],
    ['sub/.dvc/cache/x', false, true],
    ['a/.hg/store', true, true],
    ['data.dvc', false, false],
    ['.gitignore', false, false],
    ['.dvcignore', false, false],
    ['x.git', false, false],
    ['.github/workflows/ci.yml', false, false],
    ['src/main.ts', false, false],
  ] as const) {
    assert.equal(di.isIgnored(p, isDir), want, `${p} isDir=${isDir}`);
  }
});

// tests/unit/test_ignore.py::test_match_ignore_from_file (paths relative to the .dvcignore dir)
test('gitignore syntax cases from DVC\'s unit tests', () => {
  const cases: [string, string[], boolean][] = [
    ['to_ignore', ['to_ignore'], true],
    ['dont_ignore.txt', ['dont_ignore'], false],
    ['to_ignore', ['', 'to_ignore'], true],
    ['#to_ignore', ['\\#to_ignore'], true],
    ['#to_ignore', ['#to_ignore'], false],
    [' to_ignore', [' to_ignore'], false],
    [' to_ignore', ['\\ to_ignore'], true],
    ['to_ignore.txt', ['to_ignore*'], true],
    ['to_ignore.txt', ['to_ignore*', '!to_ignore.txt'], false],
    ['to_ignore.txt', ['!to_ignore.txt', 'to_ignore*'], true],
    ['!to_ignore.txt', ['\\!to_ignore.txt'], true],
    ['file', ['/file'], true],
    ['data/file', ['/file'], false],
    ['data/file', ['data/file'], true],
    ['other/data/file', ['data/file'], false],
    ['to_ignore.txt', ['/*.txt'], true],
    ['path/to_ignore.txt', ['/*.txt'], false],
    ['data/file.txt', ['data/*'], true],
    ['data/subdir/file.txt', ['data/*'], true],
    ['data/file.txt', ['data/'], true],
    ['data/subdir/file.txt', ['data/'], true],
    ['data/subdir/file.txt', ['subdir/'], true],
    ['data/subdir/file.txt', ['/subdir/'], false],
    ['data/path', ['path/'], false],
    ['.git/file.txt', ['.git/'], true],
    ['data/.dvc/file.txt', ['.dvc/'], true],
    ['rel/path/path2/to_ignore', ['rel/*/to_ignore'], false],
    ['file.txt', ['file.*'], true],
    ['file.txt', ['fi?e.t?t'], true],
    ['fi/e.txt', ['fi?e.t?t'], false],
    ['file.txt', ['[a-zA-Z]ile.txt'], true],
    ['2ile.txt', ['[a-zA-Z]ile.txt'], false],
    ['rel/p/p2/to_ignore', ['**/to_ignore'], true],
    ['rel/p/p2/to_ignore', ['**/p2/to_ignore'], true],
    ['rel/path/path2/dont_ignore', ['**/to_ignore'], false],
    ['rel/p/p2/to_ignore', ['rel/**'], true],
    ['rel/p/p2/to_ignore', ['p/**'], false],
    ['rel/path/path2/dont_ignore', ['rel/**'], true],
    ['rel/p/to_ignore', ['rel/**/to_ignore'], true],
    ['rel/p/p2/to_ignore', ['rel/**/to_ignore'], true],
    ['rel/path/path2/dont_ignore', ['rel/**/to_ignore'], false],
    ['rel/path/path2/dont_ignore', ['path/**/dont_ignore'], false],
    ['to_ignore.txt', ['/***.txt'], true],
    ['path/to_ignore.txt', ['/****.txt'], false],
    ['path/to_ignore.txt', ['****.txt'], true],
    ['data/file.txt', ['data/***'], true],
    ['Case.TXT', ['*.txt'], false],
  ];
  for (const [p, patterns, want] of cases) {
    for (const base of ['', 'full/path']) {
      const di = DvcIgnore.fromTexts({ [base]: patterns.join('\n') });
      const full = base ? `${base}/${p}` : p;
      assert.equal(di.isIgnored(full, false), want, `${full} with ${JSON.stringify(patterns)} in '${base}/.dvcignore'`);
    }
  }
});

// tests/unit/test_pathspec_math.py::test_dvcignore_pattern_change_dir
test('rebasePattern follows DVC change_rule', () => {
  const cases: [string, string, string][] = [
    ['#comment', 'dir', '#comment'],
    ['\\#hash', 'dir', 'dir/**/#hash'],
    ['\\#hash', '#dir', '#dir/**/#hash'],
    [' space', 'dir', 'dir/**/space'],
    ['\\ space', 'dir', 'dir/**/ space'],
    ['!include', 'dir', '!/dir/**/include'],
    ['\\!important!.txt', 'dir', 'dir/**/!important!.txt'],
    ['/separator.txt', 'dir', 'dir/separator.txt'],
    ['subdir/separator.txt', 'dir', 'dir/subdir/separator.txt'],
    ['no_sep', 'dir', 'dir/**/no_sep'],
    ['doc/fortz/', 'dir', 'dir/doc/fortz/'],
    ['fortz/', 'dir', 'dir/**/fortz/'],
    ['*aste*risk*', 'dir', 'dir/**/*aste*risk*'],
    ['?fi?le?', 'dir', 'dir/**/?fi?le?'],
    ['[a-zA-Z]file[a-zA-Z]', 'dir', 'dir/**/[a-zA-Z]file[a-zA-Z]'],
    ['**/foo', 'dir', 'dir/**/foo'],
    ['**/foo/bar', 'dir', 'dir/**/foo/bar'],
    ['abc/**', 'dir', 'dir/abc/**'],
    ['a/**/b', 'dir', 'dir/a/**/b'],
    ['/***.txt', 'dir', 'dir/***.txt'],
    ['data/***', 'dir', 'dir/data/***'],
    ['***/file.txt', 'dir', 'dir/***/file.txt'],
    ['***file', 'dir', 'dir/**/***file'],
    ['a/***/b', 'dir', 'dir/a/***/b'],
  ];
  for (const [rule, rel, want] of cases) assert.equal(rebasePattern(rule, rel), want, rule);
});

// tests/func/test_ignore.py::test_walk, test_match_nested, test_ignore_blank_line
test('walk: root .dvcignore patterns, nested matches, blank lines', async () => {
  await withTree(
    { foo: 'foo', bar: 'bar', 'dir/foo': '', 'dir/bar': '', 'dir/baz': '', 'dir/subdir/foo': '', 'dir/subdir/qux': '', '.dvcignore': 'dir/bar\n\nfoo' },
    async (dir, di) => {
      assert.deepEqual(await walk(dir, di), ['.dvcignore', 'bar', 'dir/baz', 'dir/subdir/qux']);
    },
  );
  await withTree({ '.dvcignore': '*.backup\ntmp', foo: 'foo', tmp: '...', 'dir/x.backup': 'x', 'dir/tmp': 'c' }, async (dir, di) => {
    assert.deepEqual(await walk(dir, di), ['.dvcignore', 'foo']);
  });
});

// test_ignore_file_in_parent_path, test_ignore_sub_directory, test_ignore_directory
test('no re-including a file whose parent directory is excluded; dir-only and anchored patterns', async () => {
  for (const [patterns, want] of [
    [['subdir/*', '!not_ignore'], ['dir/subdir/not_ignore']],
    [['subdir', '!should_ignore'], []],
    [['subdir/', '!should_ignore'], []],
  ] as const) {
    await withTree({ 'dir/subdir/not_ignore': '1', 'dir/subdir/should_ignore': '1', '.dvcignore': patterns.join('\n') }, async (dir, di) => {
      const files = (await walk(dir, di)).filter((f) => f.startsWith('dir/') && (want.length === 0 || f.endsWith('not_ignore')));
      assert.deepEqual(files, [...want], patterns.join(','));
    });
  }
  await withTree({ 'dir/doc/fortz/b': 'b', 'dir/a/doc/fortz/a': 'a', 'dir/.dvcignore': 'doc/fortz' }, async (dir, di) => {
    assert.deepEqual(await walk(dir, di), ['dir/.dvcignore', 'dir/a/doc/fortz/a']);
  });
  await withTree({ 'dir/fortz/x': '', 'dir/a/fortz/y': '', 'dir/.dvcignore': 'fortz' }, async (dir, di) => {
    assert.deepEqual(await walk(dir, di), ['dir/.dvcignore']);
  });
});

// test_multi_ignore_file: a nested .dvcignore negates a parent's rule
test('nested .dvcignore merges after its parents (negation wins), relative to its own directory', async () => {
  await withTree(
    {
      'dir/subdir/should_ignore': '1',
      'dir/subdir/not_ignore': '1',
      '.dvcignore': 'dir/subdir/*_ignore',
      'dir/.dvcignore': '!subdir/not_ignore',
      'other/subdir/not_ignore': '1',
      'other/x.tmp': '',
      'other/deep/y.tmp': '',
      'other/.dvcignore': '*.tmp\n/subdir',
      'z.tmp': '',
      'subdir/kept': '',
    },
    async (dir, di) => {
      assert.deepEqual(await walk(dir, di), [
        '.dvcignore',
        'dir/.dvcignore',
        'dir/subdir/not_ignore',
        'other/.dvcignore',
        'subdir/kept',
        'z.tmp',
      ]);
      assert.equal(di.hasPatterns, true);
      assert.deepEqual(di.loadedFiles, ['', 'dir', 'other']);
    },
  );
});

test('a .dvcignore in an ignored directory, or itself ignored, is not read', async () => {
  await withTree(
    {
      '.dvcignore': 'skipped/\nquiet/.dvcignore',
      'skipped/.dvcignore': '!*',
      'skipped/f': '',
      'quiet/.dvcignore': 'a',
      'quiet/a': '',
    },
    async (dir, di) => {
      assert.deepEqual(await walk(dir, di), ['.dvcignore', 'quiet/a']);
      assert.equal(await di.check('skipped/f', false), true);
    },
  );
});

// tests/unit/test_ignore.py::test_ignore_complex
test('complex spec: ignore everything but directories, re-include by extension', async () => {
  const spec = [
    '# Ignore everything',
    '1/**',
    '# Except directories (leaves all files ignored)',
    '!1/**/',
    "# Don't ignore files in 3",
    '!seq/**/3/**',
    '',
    'data/',
    '!data/keep.csv',
    '',
    'data2/**',
    '!data2/**/',
    '!data2/**/*.csv',
    '',
    'ignore.txt',
    '!no-ignore.txt',
    '',
  ].join('\n');
  const files = {
    '.dvcignore': spec,
    '1/2/shouldIgnore.txt': '',
    '1/2/3/shouldKeep.txt': '',
    'data/keep.csv': '',
    'data/other.csv': '',
    'data/subdir/file.txt': '',
    'data2/keep.csv': '',
    'data2/other.txt': '',
    'data2/subdir/keep.csv': '',
    'data2/subdir/other.txt': '',
    'ignore.txt': '',
    'no-ignore.txt': '',
  };
  await withTree(files, async (dir, di) => {
    const expect: [string, boolean, boolean][] = [
      ['1', true, false],
      ['1/2', true, false],
      ['1/2/shouldIgnore.txt', false, true],
      ['1/2/3', true, false],
      ['1/2/3/shouldKeep.txt', false, true],
      ['data', true, true],
      ['data/keep.csv', false, true],
      ['data/subdir/file.txt', false, true],
      ['data2', true, false],
      ['data2/keep.csv', false, false],
      ['data2/other.txt', false, true],
      ['data2/subdir', true, false],
      ['data2/subdir/keep.csv', false, false],
      ['data2/subdir/other.txt', false, true],
      ['ignore.txt', false, true],
      ['no-ignore.txt', false, false],
    ];
    for (const [p, isDir, want] of expect) assert.equal(di.isIgnored(p, isDir), want, p);
    assert.deepEqual(await walk(dir, di), ['.dvcignore', 'data2/keep.csv', 'data2/subdir/keep.csv', 'no-ignore.txt']);
  });
});

// tests/unit/test_ignore.py::test_ignore_unignore_from_git_example
test("git's 'exclude everything except foo/bar' example", async () => {
  const files: Record<string, string> = { '.dvcignore': '# exclude everything except directory foo/bar\n/*\n!/foo\n/foo/*\n!/foo/bar\n' };
  for (const d of ['', 'foo/', 'foo/bar/', 'foo/baz/', 'foobar/']) files[`${d}myfile`] = '';
  await withTree(files, async (dir, di) => {
    for (const [p, isDir, want] of [
      ['foo', true, false],
      ['foo/myfile', false, true],
      ['foo/bar', true, false],
      ['foo/bar/myfile', false, false],
      ['foo/baz', true, true],
      ['foo/baz/myfile', false, true],
      ['foobar', true, true],
    ] as const) {
      assert.equal(di.isIgnored(p, isDir), want, p);
    }
    assert.deepEqual(await walk(dir, di), ['foo/bar/myfile']);
  });
});

test('sub-repositories (a directory holding .dvc) are skipped', async () => {
  await withTree({ 'foo': '', 'subrepo/.dvc/config': '', 'subrepo/bar/bar': '', 'plain/x': '' }, async (dir, di) => {
    assert.deepEqual(await walk(dir, di), ['foo', 'plain/x']);
    assert.equal(di.isIgnored('subrepo', true), true);
    assert.equal(di.isIgnored('subrepo/bar/bar', false), true);
  });
  await withTree({ 'subrepo/.dvc/config': '', 'subrepo/bar/bar': '' }, async (dir) => {
    const di = await DvcIgnore.load(dir);
    assert.equal(await di.check('subrepo/bar/bar', false), true, 'check() discovers it without a walk');
    const keep = await DvcIgnore.load(dir, { ignoreSubrepos: false });
    assert.deepEqual(await walk(dir, keep), ['subrepo/bar/bar']);
  });
});

test('check() reads parent .dvcignore files lazily for an arbitrary path', async () => {
  await withTree({ 'a/b/.dvcignore': '*.log', 'a/b/c/x.log': '', 'a/b/c/x.txt': '', 'a/y.log': '' }, async (dir, di) => {
    assert.equal(di.isIgnored('a/b/c/x.log', false), false, 'nothing known about a/b yet');
    assert.equal(await di.check('a/b/c/x.log', false), true);
    assert.equal(await di.check('a/b/c/x.txt', false), false);
    assert.equal(await di.check('a/y.log', false), false);
    assert.equal(di.isIgnored('a/b/c/x.log', false), true, 'now loaded');
  });
});

test('a walk starting below the root reads the parents\' .dvcignore files first', async () => {
  const files = { 'a/.dvcignore': '*.log\n', 'a/b/c/x.log': '', 'a/b/c/x.txt': '', 'a/sub/.dvc/config': '', 'a/sub/d/f': '' };
  await withTree(files, async (dir, di) => {
    assert.deepEqual(await walk(dir, di, 'a/b'), ['a/b/c/x.txt']);
  });
  await withTree(files, async (dir) => {
    const di = DvcIgnore.loadSync(dir);
    assert.equal(di.enterDirSync('a/b/c', ['x.log', 'x.txt']), true);
    assert.equal(di.isIgnored('a/b/c/x.log', false), true);
    assert.equal(di.enterDirSync('a/sub/d', ['f']), true);
    assert.equal(di.isIgnored('a/sub/d/f', false), true, 'inside a sub-repository found on the way down');
    assert.equal(di.checkSync('a/b/c/x.txt', false), false);
  });
});

test('loadSync / enterDirSync behave like the async versions', () => {
  const dir = makeTempDir('keel-dvcignore-');
  try {
    writeFiles(dir, { '.dvcignore': '*.tmp', 'sub/.dvcignore': '!keep.tmp', 'sub/keep.tmp': '', 'sub/x.tmp': '' });
    const di = DvcIgnore.loadSync(dir);
    assert.equal(di.enterDirSync('', ['.dvcignore', 'sub']), true);
    assert.equal(di.enterDirSync('sub', ['.dvcignore', 'keep.tmp', 'x.tmp']), true);
    assert.deepEqual(di.filter('sub', [], ['.dvcignore', 'keep.tmp', 'x.tmp']).files, ['.dvcignore', 'keep.tmp']);
  } finally {
    cleanup(dir);
  }
});

test('fromTexts: .dvcignore files of a git revision, parents first', () => {
  const di = DvcIgnore.fromTexts(
    new Map([
      ['a', '!keep.csv'],
      ['', '*.csv\nignored/'],
      ['ignored', '!*'],
    ]),
  );
  assert.equal(di.isIgnored('x.csv', false), true);
  assert.equal(di.isIgnored('a/keep.csv', false), false);
  assert.equal(di.isIgnored('a/other.csv', false), true);
  assert.equal(di.isIgnored('ignored/f', false), true);
  assert.equal(di.isIgnored('dvc.yaml', false), false);
});

test('performance: 20,000 paths, empty and non-empty .dvcignore', async () => {
  const paths: string[] = [];
  for (let i = 0; i < 20000; i++) paths.push(`data/part${i % 50}/sub${i % 7}/file${i}.${i % 3 ? 'csv' : 'tmp'}`);
  const empty = DvcIgnore.fromTexts({ '': DVCIGNORE_INIT_TEXT });
  let t = process.hrtime.bigint();
  let n = 0;
  for (const p of paths) if (empty.isIgnored(p, false)) n++;
  const emptyNs = Number(process.hrtime.bigint() - t) / paths.length;
  assert.equal(n, 0);
  const full = DvcIgnore.fromTexts({ '': '*.tmp\nlogs/\n!keep.tmp\n/data/part3/', 'data/part7': 'sub1/' });
  t = process.hrtime.bigint();
  n = 0;
  for (const p of paths) if (full.isIgnored(p, false)) n++;
  const fullNs = Number(process.hrtime.bigint() - t) / paths.length;
  assert.ok(n > 0);
  // generous bounds: this is a noisy 2-core machine
  assert.ok(emptyNs < 2_000, `empty .dvcignore: ${emptyNs.toFixed(0)} ns/path`);
  assert.ok(fullNs < 50_000, `patterns: ${fullNs.toFixed(0)} ns/path`);
  console.log(`dvcignore isIgnored: empty ${emptyNs.toFixed(0)} ns/path, with patterns ${fullNs.toFixed(0)} ns/path`);
});
