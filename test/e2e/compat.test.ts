/**
 * DVC 3 compatibility against files written by real DVC 3.30.3 (test/fixtures/dvc-golden):
 * the same inputs give identical .dvc files, .dir objects, cache paths, gitignore and config
 * text; DVC's own workspace reads as clean; DVC 2 (legacy) outputs are read, checked out and moved.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keel, keelOk } from '../helpers/cli.js';
import { GOLDEN } from '../helpers/fixtures.js';
import { git, makeGitRepo, makeTempDir, writeFiles } from '../helpers/git.js';
import { assertObjectsSound, keelRepo, listFiles, md5 } from '../helpers/repo.js';

const INPUTS: Record<string, string | Uint8Array> = {
  'data/hello.txt': 'hello\n',
  'data/crlf.txt': 'line1\r\nline2\r\n',
  'data/empty.txt': '',
  'data/nested/deep/bytes.bin': Uint8Array.from({ length: 256 }, (_, i) => i),
  'data/nested/n.txt': 'nested\n',
  'data/unicodé/日本語 ñ.txt': 'unicode name\n',
  'data/with space.txt': 'has space\n',
  'single.txt': 'single file\n',
  'single_crlf.txt': 'crlf\r\n',
  'single_empty.txt': '',
};

/** Put `content` into a cache or remote root at the DVC 3 (or legacy) layout. */
function putObject(root: string, content: string | Uint8Array, opts: { legacy?: boolean; oid?: string } = {}): string {
  const oid = opts.oid ?? md5(content);
  const p = path.join(root, opts.legacy ? '' : 'files/md5', oid.slice(0, 2), oid.slice(2));
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content, { mode: 0o444 });
  return p;
}

describe('golden DVC 3.30 files', () => {
  test('keel add of the same inputs writes identical .dvc files, .dir object, cache layout and gitignore', () => {
    const dir = keelRepo(INPUTS);
    keelOk(dir, ['add', 'data', 'single.txt', 'single_crlf.txt', 'single_empty.txt']);
    for (const f of ['data.dvc', 'single.txt.dvc', 'single_crlf.txt.dvc', 'single_empty.txt.dvc'])
      assert.equal(fs.readFileSync(path.join(dir, f), 'utf8'), fs.readFileSync(path.join(GOLDEN, 'repo', f), 'utf8'), f);
    const manifest = path.join(dir, '.dvc/cache/files/md5/25/72c69f1c0d1d626581c2aeab373368.dir');
    assert.deepEqual(fs.readFileSync(manifest), fs.readFileSync(path.join(GOLDEN, 'cache-dir-manifests/2572c69f1c0d1d626581c2aeab373368.dir')));
    // cache listing: exactly DVC's objects for these inputs (the golden listing also has the pipeline's)
    const pipelineOids = ['7dc10d', '8805e5', 'b938b8', 'fe9d26'];
    const expected = fs
      .readFileSync(path.join(GOLDEN, 'cache-listing.tsv'), 'utf8')
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('files/') && !pipelineOids.some((o) => l.includes(o.slice(0, 2) + '/' + o.slice(2))));
    const got = [...listFiles(path.join(dir, '.dvc/cache'))]
      .filter(([k]) => !k.startsWith('runs/'))
      .map(([k, v]) => `${k}\t${v.length}`)
      .sort();
    assert.deepEqual(got, expected);
    for (const k of got) assert.equal(fs.statSync(path.join(dir, '.dvc/cache', k.split('\t')[0])).mode & 0o777, 0o444);
    assert.equal(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'), '/data\n/single.txt\n/single_crlf.txt\n/single_empty.txt\n');
    assert.equal(fs.readFileSync(path.join(dir, '.dvc/.gitignore'), 'utf8'), fs.readFileSync(path.join(GOLDEN, 'repo/dot-dvc-gitignore'), 'utf8'));
  });

  test('remote add -d writes the golden config text; push gives the golden remote layout', () => {
    const dir = keelRepo(INPUTS);
    const remote = makeTempDir();
    keelOk(dir, ['remote', 'add', '-d', 'store', remote]);
    assert.equal(
      fs.readFileSync(path.join(dir, '.dvc/config'), 'utf8'),
      fs.readFileSync(path.join(GOLDEN, 'repo/dot-dvc-config'), 'utf8').replace('/path/to/remote', remote),
    );
    keelOk(dir, ['add', 'data', 'single.txt', 'single_crlf.txt', 'single_empty.txt']);
    keelOk(dir, ['push']);
    const pipelineOids = ['7dc10d', '8805e5', 'b938b8', 'fe9d26'];
    const expected = fs
      .readFileSync(path.join(GOLDEN, 'remote-listing.tsv'), 'utf8')
      .trim()
      .split('\n')
      .filter((l) => !pipelineOids.some((o) => l.includes(o.slice(0, 2) + '/' + o.slice(2))));
    const got = [...listFiles(remote)].map(([k, v]) => `${k}\t${v.length}`).sort();
    assert.deepEqual(got, expected);
  });

  test("DVC's own workspace (add + pipeline outputs) reads as clean", () => {
    const dir = makeGitRepo();
    writeFiles(dir, INPUTS);
    fs.mkdirSync(path.join(dir, '.dvc/tmp'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.dvc/config'), '');
    for (const f of ['data.dvc', 'single.txt.dvc', 'single_crlf.txt.dvc', 'single_empty.txt.dvc', 'dvc.yaml', 'dvc.lock', 'params.yaml', 'metrics.json'])
      fs.copyFileSync(path.join(GOLDEN, 'repo', f), path.join(dir, f));
    writeFiles(dir, { 'prepared.txt': '21\n', 'model/w.txt': 'w\n' });
    // DVC's cache as it left it
    const cache = path.join(dir, '.dvc/cache');
    for (const v of Object.values(INPUTS)) putObject(cache, v);
    putObject(cache, fs.readFileSync(path.join(GOLDEN, 'cache-dir-manifests/2572c69f1c0d1d626581c2aeab373368.dir')), { oid: '2572c69f1c0d1d626581c2aeab373368.dir' });
    putObject(cache, fs.readFileSync(path.join(GOLDEN, 'cache-dir-manifests/8805e567e3d07dd7e86a18a7789f69b4.dir')), { oid: '8805e567e3d07dd7e86a18a7789f69b4.dir' });
    for (const v of ['21\n', 'w\n', '{"score": 10.5}']) putObject(cache, v);
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
    assert.deepEqual(JSON.parse(keelOk(dir, ['status', '--json']).stdout), JSON.parse(fs.readFileSync(path.join(GOLDEN, 'status.json'), 'utf8')));
    // and keel can restore DVC's outputs from DVC's cache
    fs.rmSync(path.join(dir, 'data'), { recursive: true });
    fs.rmSync(path.join(dir, 'model'), { recursive: true });
    keelOk(dir, ['checkout']);
    assert.equal(fs.readFileSync(path.join(dir, 'data/unicodé/日本語 ñ.txt'), 'utf8'), 'unicode name\n');
    assert.equal(fs.readFileSync(path.join(dir, 'model/w.txt'), 'utf8'), 'w\n');
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
  });
});

describe('DVC 2 (legacy) outputs', () => {
  // DVC 2 wrote no `hash: md5`; its hash is md5-dos2unix (CRLF → LF for text) and objects sit at cache/xx/rest.
  const crlf = 'a\r\nb\r\n';
  const lf = 'a\nb\n';
  const bin = Uint8Array.from([0, 1, 2, 13, 10, 255]);

  function legacyRepo(): [string, string] {
    const dir = keelRepo({ 'text.txt': crlf, 'data/bin.dat': bin, 'data/t.txt': crlf });
    const manifest = JSON.stringify([
      { md5: md5(bin), relpath: 'bin.dat' },
      { md5: md5(lf), relpath: 't.txt' },
    ]).replace(/,"/g, ', "').replace(/":/g, '": ').replace(/\},\{/g, '}, {');
    const dirOid = md5(manifest) + '.dir';
    writeFiles(dir, {
      'text.txt.dvc': `outs:\n- md5: ${md5(lf)}\n  size: 6\n  path: text.txt\n`,
      'data.dvc': `outs:\n- md5: ${dirOid}\n  size: 12\n  nfiles: 2\n  path: data\n`,
    });
    const remote = makeTempDir();
    // a DVC 2 remote: legacy layout, dos2unix hashes
    putObject(remote, crlf, { legacy: true, oid: md5(lf) });
    putObject(remote, bin, { legacy: true });
    putObject(remote, manifest, { legacy: true, oid: dirOid });
    keelOk(dir, ['remote', 'add', '-d', 'old', remote]);
    return [dir, remote];
  }

  test('status uses md5-dos2unix; pull fetches from the legacy remote layout into the legacy cache', () => {
    const [dir, remote] = legacyRepo();
    // workspace matches the dos2unix hashes, but nothing is cached yet
    const st = keelOk(dir, ['status', '--json']).stdout;
    assert.deepEqual(JSON.parse(st), {
      'data.dvc': [{ 'changed outs': { data: 'not in cache' } }],
      'text.txt.dvc': [{ 'changed outs': { 'text.txt': 'not in cache' } }],
    });
    fs.rmSync(path.join(dir, 'data'), { recursive: true });
    fs.rmSync(path.join(dir, 'text.txt'));
    keelOk(dir, ['pull']);
    assert.equal(fs.readFileSync(path.join(dir, 'text.txt'), 'utf8'), crlf, 'bytes are restored as stored, CRLF kept');
    assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(dir, 'data/bin.dat'))), bin);
    assert.ok(fs.existsSync(path.join(dir, '.dvc/cache', md5(lf).slice(0, 2), md5(lf).slice(2))), 'legacy cache layout');
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
    // push to a fresh remote writes the legacy layout too
    const fresh = makeTempDir();
    keelOk(dir, ['remote', 'add', 'fresh', fresh]);
    keelOk(dir, ['push', '-r', 'fresh']);
    assert.deepEqual([...listFiles(fresh).keys()].sort(), [...listFiles(remote).keys()].sort());
  });

  test('re-adding a changed legacy output upgrades it to DVC 3 (hash: md5)', () => {
    const [dir] = legacyRepo();
    fs.writeFileSync(path.join(dir, 'text.txt'), 'new\r\n');
    keelOk(dir, ['add', 'text.txt']);
    assert.equal(fs.readFileSync(path.join(dir, 'text.txt.dvc'), 'utf8'), `outs:\n- md5: ${md5('new\r\n')}\n  size: 5\n  hash: md5\n  path: text.txt\n`);
    assert.equal(keel(dir, ['status', 'text.txt.dvc']).stdout, 'Data and pipelines are up to date.\n');
  });
});
