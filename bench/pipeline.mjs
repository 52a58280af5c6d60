#!/usr/bin/env node
// Pipeline benchmarks (the pipelines issue): no-op `keel repro` of a 4-stage pipeline whose deps
// include a 10,000-file directory (target ≤ 0.5 s, and ≥ 5× faster than DVC when `dvc` is on
// PATH), `keel metrics diff` between two revisions (≤ 0.3 s), three plots to PNG (≤ 2 s).
// Prints a table and writes bench/out/pipeline.json. Run after `npm run build`.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KEEL = path.join(ROOT, 'dist', 'cli', 'main.js');
const OUT = path.join(ROOT, 'bench', 'out');
const RUNS = Math.max(3, Number(process.env.KEEL_BENCH_RUNS || 5));
const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x.invalid', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x.invalid', NO_COLOR: '1' };

const sh = (cwd, cmd, args) => execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const keel = (cwd, ...args) => sh(cwd, process.execPath, [KEEL, ...args]);
function time(cwd, cmd, args) {
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return (performance.now() - t) / 1000;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const hasDvc = spawnSync('sh', ['-c', 'command -v dvc'], { env }).status === 0;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-bench-pipe-'));
const repo = path.join(work, 'repo');
fs.mkdirSync(repo);
sh(repo, 'git', ['init', '-q', '-b', 'main']);
keel(repo, 'init', '-q');
for (let d = 0; d < 100; d++) {
  fs.mkdirSync(path.join(repo, 'data', `d${d}`), { recursive: true });
  for (let f = 0; f < 100; f++) fs.writeFileSync(path.join(repo, 'data', `d${d}`, `f${f}`), `file ${d}/${f}\n`.repeat(200));
}
keel(repo, 'add', '-q', 'data');
fs.writeFileSync(path.join(repo, 'params.yaml'), 'train:\n  lr: 0.1\n');
const node = (body) => `node -e "${body}"`;
fs.mkdirSync(path.join(repo, 'eval'), { recursive: true });
fs.writeFileSync(
  path.join(repo, 'dvc.yaml'),
  `stages:
  prepare:
    cmd: ${node("require('fs').writeFileSync('prepared.txt', String(require('fs').readdirSync('data').length))")}
    deps: [data]
    outs: [prepared.txt]
  featurize:
    cmd: ${node("require('fs').writeFileSync('features.txt', require('fs').readFileSync('prepared.txt'))")}
    deps: [prepared.txt]
    outs: [features.txt]
  train:
    cmd: ${node("require('fs').writeFileSync('model.txt', 'model')")}
    deps: [features.txt]
    params: [train.lr]
    outs: [model.txt]
  evaluate:
    cmd: node eval.js
    deps: [model.txt, eval.js]
    metrics:
    - eval/metrics.json:
        cache: false
    plots:
    - eval/prc.json:
        cache: false
        x: recall
        y: precision
    - eval/roc.json:
        cache: false
        x: fpr
        y: tpr
    - eval/cm.json:
        cache: false
        template: confusion
        x: actual
        y: predicted
`,
);
const evalJs = (k) => `const fs=require('fs');const k=${k};
fs.writeFileSync('eval/metrics.json', JSON.stringify({avg_prec: 0.8+k/100, roc_auc: 0.9+k/200}));
fs.writeFileSync('eval/prc.json', JSON.stringify({prc: Array.from({length:100},(_,i)=>({precision: 1-i/(100+k), recall: i/100, threshold: i/100}))}));
fs.writeFileSync('eval/roc.json', JSON.stringify({roc: Array.from({length:100},(_,i)=>({fpr: i/100, tpr: Math.min(1,(i+k)/100), threshold: i/100}))}));
fs.writeFileSync('eval/cm.json', JSON.stringify(Array.from({length:200},(_,i)=>({actual: String(i%2), predicted: String((i+(i%7===0?1:0)+k)%2)}))));`;
fs.writeFileSync(path.join(repo, 'eval.js'), evalJs(1));
keel(repo, 'repro', '-q');
sh(repo, 'git', ['add', '-A']);
sh(repo, 'git', ['commit', '-qm', 'v1']);
fs.writeFileSync(path.join(repo, 'eval.js'), evalJs(3));
keel(repo, 'repro', '-q');
sh(repo, 'git', ['commit', '-qam', 'v2']);

const rows = [];
const noop = [];
for (let i = 0; i < RUNS; i++) noop.push(time(repo, process.execPath, [KEEL, 'repro']));
rows.push({ metric: 'no-op repro, 4 stages, 10k-file dep dir', keel: median(noop), target: '≤ 0.5 s', pass: median(noop) <= 0.5, cmd: 'keel repro' });
const md = [];
for (let i = 0; i < RUNS; i++) md.push(time(repo, process.execPath, [KEEL, 'metrics', 'diff', 'HEAD~1', 'HEAD']));
rows.push({ metric: 'metrics diff HEAD~1 HEAD', keel: median(md), target: '≤ 0.3 s', pass: median(md) <= 0.3, cmd: 'keel metrics diff HEAD~1 HEAD' });
const pl = [];
for (let i = 0; i < Math.min(RUNS, 3); i++) pl.push(time(repo, process.execPath, [KEEL, 'plots', 'diff', 'HEAD~1', '--png', '-o', path.join(work, 'plots')]));
const pngs = fs.readdirSync(path.join(work, 'plots')).filter((f) => f.endsWith('.png'));
rows.push({ metric: `plots diff HEAD~1 --png (${pngs.length} PNGs + HTML)`, keel: median(pl), target: '≤ 2 s', pass: median(pl) <= 2 && pngs.length >= 3, cmd: 'keel plots diff HEAD~1 --png' });
if (hasDvc) {
  const d = [];
  for (let i = 0; i < RUNS; i++) d.push(time(repo, 'dvc', ['repro']));
  rows.push({ metric: 'no-op repro: DVC / keel', keel: median(noop), dvc: median(d), ratio: median(d) / median(noop), target: '≥ 5×', pass: median(d) / median(noop) >= 5, cmd: 'dvc repro' });
} else rows.push({ metric: 'DVC peer', note: 'dvc not on PATH: peer skipped' });

console.log(`\nkeel pipeline benchmarks (median of ${RUNS}; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)})\n`);
for (const r of rows) {
  if (r.note) console.log(`  ${r.metric.padEnd(48)} ${r.note}`);
  else console.log(`  ${r.metric.padEnd(48)} ${r.keel.toFixed(3)} s  target ${r.target.padEnd(8)} ${r.pass ? 'PASS' : 'FAIL'}${r.ratio ? `  (dvc ${r.dvc.toFixed(2)} s, ${r.ratio.toFixed(1)}×)` : ''}   [${r.cmd}]`);
}
fs.mkdirSync(OUT, { recursive: true });
fs.writeFileSync(path.join(OUT, 'pipeline.json'), JSON.stringify({ date: new Date().toISOString(), load: os.loadavg(), rows }, null, 2));
fs.rmSync(work, { recursive: true, force: true });
