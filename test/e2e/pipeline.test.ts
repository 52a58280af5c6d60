/**
 * Pipelines end to end with the built CLI: repro runs only what changed, writes dvc.lock as DVC
 * does (the golden pipeline, byte for byte), restores from the run-cache, stops on failure with
 * the finished stages locked, and refuses bad pipelines with the file and key named.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keel, keelOk } from '../helpers/cli.js';
import { GOLDEN } from '../helpers/fixtures.js';
import { git, writeFiles } from '../helpers/git.js';
import { keelRepo } from '../helpers/repo.js';
import { parseYaml } from '../../src/util/yaml.js';

const W = (file: string, content: string): string => `node -e "require('fs').writeFileSync('${file}', ${content})"`;

function twoStage(extra: Record<string, string> = {}): string {
  const dir = keelRepo({
    'data/a.txt': 'hello\n',
    'params.yaml': 'prep:\n  factor: 3\ntrain:\n  lr: 0.5\n',
    'count.js': "const fs=require('fs'); fs.appendFileSync('runs.log', process.argv[2]+'\\n');\n",
    'dvc.yaml': `stages:
  prep:
    cmd:
    - node count.js prep
    - ${W('prepared.txt', "'21'")}
    deps:
    - data
    - count.js
    params:
    - prep.factor
    outs:
    - prepared.txt
  train:
    cmd: node count.js train && ${W('metrics.json', "JSON.stringify({score:10.5})")} && node -e "require('fs').mkdirSync('model',{recursive:true});require('fs').writeFileSync('model/w.txt','w')"
    deps:
    - prepared.txt
    params:
    - train
    outs:
    - model
    metrics:
    - metrics.json:
        cache: false
`,
    ...extra,
  });
  return dir;
}
const runs = (dir: string): string[] => (fs.existsSync(path.join(dir, 'runs.log')) ? fs.readFileSync(path.join(dir, 'runs.log'), 'utf8').trim().split('\n') : []);

describe('repro', () => {
  test('runs stale stages in order, then nothing; a params change re-runs only its stage', () => {
    const dir = twoStage();
    const r = keelOk(dir, ['repro']);
    assert.match(r.stdout, /Running stage 'prep':\n> node count\.js prep\n> node -e/);
    assert.deepEqual(runs(dir), ['prep', 'train']);
    const lock = fs.readFileSync(path.join(dir, 'dvc.lock'), 'utf8');
    assert.match(lock, /^schema: '2\.0'\nstages:\n  prep:\n    cmd:\n    - node count\.js prep\n/);
    assert.match(lock, /    params:\n      params\.yaml:\n        train:\n          lr: 0\.5\n/);
    assert.equal(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'), '/prepared.txt\n/model\n');
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
    assert.match(keelOk(dir, ['repro']).stdout, /Stage 'prep' didn't change, skipping\nStage 'train' didn't change, skipping/);
    assert.deepEqual(runs(dir), ['prep', 'train']);
    fs.writeFileSync(path.join(dir, 'params.yaml'), 'prep:\n  factor: 3\ntrain:\n  lr: 0.7\n');
    assert.match(keelOk(dir, ['status']).stdout, /train:\n\tchanged deps:\n\t\tparams\.yaml:\n\t\t\tmodified:           train\n/);
    const dry = keelOk(dir, ['repro', '--dry']).stdout;
    assert.match(dry, /Running stage 'train'/);
    assert.deepEqual(runs(dir), ['prep', 'train'], '--dry runs nothing');
    keelOk(dir, ['repro']);
    assert.deepEqual(runs(dir), ['prep', 'train', 'train']);
    assert.match(fs.readFileSync(path.join(dir, 'dvc.lock'), 'utf8'), /lr: 0\.7/);
  });

  test('the run-cache restores outputs of an input state seen before, without running', () => {
    const dir = twoStage();
    keelOk(dir, ['repro']);
    fs.writeFileSync(path.join(dir, 'params.yaml'), 'prep:\n  factor: 3\ntrain:\n  lr: 0.7\n');
    keelOk(dir, ['repro']);
    fs.writeFileSync(path.join(dir, 'params.yaml'), 'prep:\n  factor: 3\ntrain:\n  lr: 0.5\n');
    const r = keelOk(dir, ['repro']);
    assert.match(r.stdout, /Stage 'train' is cached - skipping run, checking out outputs/);
    assert.deepEqual(runs(dir), ['prep', 'train', 'train']);
    assert.equal(fs.readFileSync(path.join(dir, 'model/w.txt'), 'utf8'), 'w');
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
    // deleted outputs come back from the cache; --no-run-cache / -f run anyway
    fs.rmSync(path.join(dir, 'model'), { recursive: true });
    assert.match(keelOk(dir, ['repro']).stdout, /Stage 'train' is cached/);
    keelOk(dir, ['repro', '-f', 'train']);
    assert.deepEqual(runs(dir), ['prep', 'train', 'train', 'prep', 'train']);
  });

  test('targets: -s single stage, --downstream, dvc.yaml:stage', () => {
    const dir = twoStage();
    keelOk(dir, ['repro', '-s', 'prep']);
    assert.deepEqual(runs(dir), ['prep']);
    keelOk(dir, ['repro', '-f', '--downstream', 'prep']);
    assert.deepEqual(runs(dir), ['prep', 'prep', 'train']);
    keelOk(dir, ['repro', '-f', '-s', 'dvc.yaml:train']);
    assert.deepEqual(runs(dir), ['prep', 'prep', 'train', 'train']);
    assert.equal(keel(dir, ['repro', 'nope']).code, 7);
  });

  test('a failing stage stops its dependents, keeps finished lock entries, exits non-zero naming it', () => {
    const dir = twoStage();
    const yaml = fs.readFileSync(path.join(dir, 'dvc.yaml'), 'utf8').replace('node count.js train &&', 'node -e "process.exit(3)" &&');
    fs.writeFileSync(path.join(dir, 'dvc.yaml'), yaml);
    const r = keel(dir, ['repro']);
    assert.equal(r.code, 15, r.stderr);
    assert.match(r.stderr, /failed to reproduce 'train'/);
    const lock = fs.readFileSync(path.join(dir, 'dvc.lock'), 'utf8');
    assert.match(lock, /  prep:/);
    assert.doesNotMatch(lock, /  train:/);
    assert.equal(keelOk(dir, ['repro', '-s', 'prep']).stdout.includes("didn't change"), true, 'prep stays locked and unchanged');
  });

  test('frozen stages are not reproduced', () => {
    const dir = twoStage();
    keelOk(dir, ['repro']);
    keelOk(dir, ['freeze', 'train']);
    assert.match(fs.readFileSync(path.join(dir, 'dvc.yaml'), 'utf8'), /    frozen: true\n/);
    fs.writeFileSync(path.join(dir, 'params.yaml'), 'prep:\n  factor: 3\ntrain:\n  lr: 0.9\n');
    assert.match(keelOk(dir, ['repro']).stdout, /Stage 'train' is frozen, skipping/);
    keelOk(dir, ['unfreeze', 'train']);
    keelOk(dir, ['repro']);
    assert.deepEqual(runs(dir), ['prep', 'train', 'train']);
  });

  test('push / pull / status -c include stage outputs (cached ones only)', () => {
    const dir = twoStage();
    keelOk(dir, ['repro']);
    const remote = path.join(dir, '..', path.basename(dir) + '-remote');
    keelOk(dir, ['remote', 'add', '-d', 'r', remote]);
    keelOk(dir, ['push']);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'pipeline');
    fs.rmSync(path.join(dir, 'model'), { recursive: true });
    fs.rmSync(path.join(dir, 'prepared.txt'));
    fs.rmSync(path.join(dir, '.dvc/cache'), { recursive: true });
    keelOk(dir, ['pull']);
    assert.equal(fs.readFileSync(path.join(dir, 'model/w.txt'), 'utf8'), 'w');
    assert.equal(keelOk(dir, ['status']).stdout, 'Data and pipelines are up to date.\n');
  });
});

describe('DVC compatibility', () => {
  const pyYaml = spawnSync('/usr/bin/python3', ['-c', 'import yaml']).status === 0;
  test('the golden pipeline: keel repro writes the dvc.lock DVC 3.30 wrote, byte for byte', { skip: !pyYaml && '/usr/bin/python3 with PyYAML is needed (Debian python3-yaml)' }, () => {
    const dir = keelRepo({
      'data/hello.txt': 'hello\n',
      'data/crlf.txt': 'line1\r\nline2\r\n',
      'data/empty.txt': '',
      'data/nested/deep/bytes.bin': Uint8Array.from({ length: 256 }, (_, i) => i),
      'data/nested/n.txt': 'nested\n',
      'data/unicodé/日本語 ñ.txt': 'unicode name\n',
      'data/with space.txt': 'has space\n',
    });
    for (const f of ['dvc.yaml', 'params.yaml']) fs.copyFileSync(path.join(GOLDEN, 'repo', f), path.join(dir, f));
    keelOk(dir, ['add', 'data']);
    keelOk(dir, ['repro'], { env: { PATH: `/usr/bin:${process.env.PATH}` } });
    assert.equal(fs.readFileSync(path.join(dir, 'dvc.lock'), 'utf8'), fs.readFileSync(path.join(GOLDEN, 'repo/dvc.lock'), 'utf8'));
    assert.equal(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8'), fs.readFileSync(path.join(GOLDEN, 'repo/metrics.json'), 'utf8'));
    const listing = fs.readFileSync(path.join(GOLDEN, 'cache-listing.tsv'), 'utf8');
    for (const line of listing.split('\n').filter((l) => l.startsWith('runs/'))) assert.ok(fs.existsSync(path.join(dir, '.dvc/cache', line.split('\t')[0])), line);
    assert.equal(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'), '/data\n/prepared.txt\n/model\n');
  });

  test('stage add writes the dvc.yaml text DVC writes', () => {
    const dir = keelRepo({ 'params.yaml': 'prep:\n  factor: 3\ntrain:\n  lr: 0.5\n' });
    keelOk(dir, ['stage', 'add', '-n', 'prep', '-d', 'data', '-p', 'prep.factor', '-o', 'prepared.txt', "python3 -c \"import yaml; f=yaml.safe_load(open('params.yaml'))['prep']['factor']; open('prepared.txt','w').write(str(f*7)+'\\n')\""]);
    keelOk(dir, ['stage', 'add', '-n', 'train', '-d', 'prepared.txt', '-p', 'train', '-o', 'model', '-M', 'metrics.json', "python3 -c \"import json,yaml; lr=yaml.safe_load(open('params.yaml'))['train']['lr']; v=int(open('prepared.txt').read()); json.dump({'score':v*lr},open('metrics.json','w')); import os; os.makedirs('model',exist_ok=True); open('model/w.txt','w').write('w\\n')\""]);
    // the golden dvc.yaml was written by hand (DVC's own writer folds long lines at 80 columns, as in
    // dvc.lock): same document, and the same text once folded lines are joined
    const ours = fs.readFileSync(path.join(dir, 'dvc.yaml'), 'utf8');
    assert.deepEqual(parseYaml(ours, 'ours'), parseYaml(fs.readFileSync(path.join(GOLDEN, 'repo/dvc.yaml'), 'utf8'), 'golden'));
    assert.equal(ours.replace(/\n {6}(?! )/g, ' '), fs.readFileSync(path.join(GOLDEN, 'repo/dvc.yaml'), 'utf8'));
    const again = keel(dir, ['stage', 'add', '-n', 'prep', 'echo']);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already exists/);
  });
});

describe('bad pipelines', () => {
  const cases: [string, Record<string, string>, RegExp, number][] = [
    ['a cycle', { 'dvc.yaml': 'stages:\n  a:\n    cmd: echo\n    deps: [b.txt]\n    outs: [a.txt]\n  b:\n    cmd: echo\n    deps: [a.txt]\n    outs: [b.txt]\n' }, /cycle: .*a.*b/, 15],
    ['two stages with the same out', { 'dvc.yaml': 'stages:\n  a:\n    cmd: echo\n    outs: [x.txt]\n  b:\n    cmd: echo\n    outs: [x.txt]\n' }, /output 'x\.txt' is specified in: 'a' and 'b'/, 15],
    ['overlapping outs', { 'dvc.yaml': 'stages:\n  a:\n    cmd: echo\n    outs: [d]\n  b:\n    cmd: echo\n    outs: [d/x]\n' }, /overlap/, 15],
    ['an out outside the repo', { 'dvc.yaml': 'stages:\n  a:\n    cmd: echo\n    outs: [../x]\n' }, /dvc\.yaml/, 5],
    ['an undefined ${var}', { 'dvc.yaml': 'stages:\n  a:\n    cmd: echo ${nope.x}\n' }, /dvc\.yaml[\s\S]*nope/, 15],
    ['a dict interpolated outside cmd', { 'params.yaml': 'd:\n  a: 1\n', 'dvc.yaml': 'stages:\n  a:\n    cmd: echo\n    deps:\n    - ${d}\n' }, /dvc\.yaml/, 15],
    ['an unknown key', { 'dvc.yaml': 'stages:\n  a:\n    cmd: echo\n    depz: [x]\n' }, /dvc\.yaml[\s\S]*depz/, 5],
    ['a bad stage name', { 'dvc.yaml': 'stages:\n  "a.b":\n    cmd: echo\n' }, /dvc\.yaml[\s\S]*a\.b/, 5],
    ['a params key that does not exist', { 'params.yaml': 'x: 1\n', 'dvc.yaml': 'stages:\n  a:\n    cmd: echo > o\n    params: [nope]\n    outs: [o]\n' }, /nope/, 15],
    ['a lock file of another schema', { 'dvc.yaml': 'stages:\n  a:\n    cmd: echo > o\n    outs: [o]\n', 'dvc.lock': 'a:\n  cmd: echo\n' }, /dvc\.lock[\s\S]*schema/, 5],
    ['a missing dep', { 'dvc.yaml': 'stages:\n  a:\n    cmd: echo > o\n    deps: [missing.txt]\n    outs: [o]\n' }, /missing dependencies of stage 'a': missing\.txt/, 15],
  ];
  for (const [name, files, re, code] of cases) {
    test(`${name} → a clear error, exit ${code}, dvc.lock untouched`, () => {
      const dir = keelRepo(files);
      const before = fs.existsSync(path.join(dir, 'dvc.lock')) ? fs.readFileSync(path.join(dir, 'dvc.lock'), 'utf8') : undefined;
      const r = keel(dir, ['repro']);
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr, re);
      assert.match(r.stderr, /hint:|line|dvc\./);
      const after = fs.existsSync(path.join(dir, 'dvc.lock')) ? fs.readFileSync(path.join(dir, 'dvc.lock'), 'utf8') : undefined;
      assert.equal(after, before);
    });
  }
});

describe('run-cache on a remote', () => {
  test('push --run-cache / pull --run-cache: a clone restores a stage without running it', () => {
    const dir = keelRepo({
      'in.txt': 'input',
      'count.js': "require('fs').appendFileSync('runs.log','x\\n'); require('fs').writeFileSync('out.txt', require('fs').readFileSync('in.txt','utf8').toUpperCase())",
      'dvc.yaml': 'stages:\n  up:\n    cmd: node count.js\n    deps: [in.txt, count.js]\n    outs: [out.txt]\n',
    });
    keelOk(dir, ['repro']);
    const remote = path.join(dir, '..', path.basename(dir) + '-rc-remote');
    keelOk(dir, ['remote', 'add', '-d', 'r', remote]);
    keelOk(dir, ['push', '--run-cache']);
    assert.ok(fs.readdirSync(path.join(remote, 'runs')).length > 0, 'run-cache entries are on the remote');
    fs.writeFileSync(path.join(dir, '.gitignore'), fs.readFileSync(path.join(dir, '.gitignore'), 'utf8') + '/runs.log\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'c');
    const clone = path.join(path.dirname(dir), path.basename(dir) + '-clone');
    git(path.dirname(dir), 'clone', '-q', dir, clone);
    fs.rmSync(path.join(clone, 'dvc.lock'));
    keelOk(clone, ['pull', '--run-cache']);
    const r = keelOk(clone, ['repro']);
    assert.match(r.stdout, /Stage 'up' is cached - skipping run, checking out outputs/);
    assert.equal(fs.readFileSync(path.join(clone, 'out.txt'), 'utf8'), 'INPUT');
    assert.ok(!fs.existsSync(path.join(clone, 'runs.log')), 'the command never ran in the clone');
  });
});
