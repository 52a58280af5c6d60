#!/usr/bin/env node
// The README's main job: the guide's experiment, driven by keel, in a demo workspace.
//   1. prepare demo/ (a git repo) from example/ if there is none;
//   2. keel pull   — the dataset comes from the local remote bundled with the example;
//   3. keel repro  — prepare → featurize → train → evaluate (only what changed);
//   4. keel metrics show, keel plots show (HTML + PNG);
// and prints where to look. Rerunning is fast and idempotent: nothing re-runs when nothing changed.
//   5. keel serve — the package the pipeline's last stage made (`keel model save`: ONNX + its text
//      pre-processing, signature, lineage) served on http://127.0.0.1:8080 (KEEL_DEMO_PORT).
// Every step is the real `keel` CLI; the commands are printed as they run. The server keeps running
// until Ctrl-C; KEEL_DEMO_NO_SERVE=1 stops it after the sample requests (tests, CI).
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KEEL = path.join(ROOT, 'dist', 'cli', 'main.js');
const EXAMPLE = path.join(ROOT, 'example');
const DEMO = path.resolve(process.env.KEEL_DEMO_DIR ?? path.join(ROOT, 'demo'));
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? 'keel demo',
  GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? 'demo@keel.invalid',
  GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? 'keel demo',
  GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? 'demo@keel.invalid',
};

if (!fs.existsSync(KEEL) || !fs.existsSync(path.join(EXAMPLE, 'dist', 'prepare.js'))) {
  console.error('keel is not built: run `npm ci` (or `npm run build`) first.');
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const shown = cmd === process.execPath ? `keel ${args.slice(1).join(' ')}` : `${cmd} ${args.join(' ')}`;
  if (!opts.quiet) process.stdout.write(`\n$ ${shown}\n`);
  return execFileSync(cmd, args, { cwd: DEMO, env, stdio: opts.quiet ? 'pipe' : 'inherit' });
}
const keel = (...args) => run(process.execPath, [KEEL, ...args]);
const git = (...args) => run('git', args, { quiet: true });

/** Copy the example's files a workspace needs (not its bundled remote, tools or test data). */
function syncExample() {
  const copy = (rel) => fs.cpSync(path.join(EXAMPLE, rel), path.join(DEMO, rel), { recursive: true });
  for (const rel of ['dvc.yaml', 'src', 'dist', 'data/data.xml.dvc', 'data/.gitignore', '.gitignore', 'README.md']) copy(rel);
  if (!fs.existsSync(path.join(DEMO, 'params.yaml'))) copy('params.yaml');
}

const fresh = !fs.existsSync(path.join(DEMO, '.dvc'));
if (fresh) {
  console.log(`Preparing the demo workspace in ${DEMO} (a git repository made from example/)`);
  fs.mkdirSync(DEMO, { recursive: true });
  git('init', '-q', '-b', 'main');
  keel('init', '-q');
  syncExample();
  keel('remote', 'add', '-d', 'bundled', path.join(EXAMPLE, 'remote'));
  git('add', '-A');
  git('commit', '-q', '-m', 'The guide experiment, tracked with keel');
} else {
  console.log(`Using the demo workspace in ${DEMO}`);
  syncExample();
}

keel('pull');
keel('repro');
keel('metrics', 'show');
keel('plots', 'show', '--png');
if (fresh) {
  git('add', '-A');
  git('commit', '-q', '-m', 'Reproduce the pipeline');
}


const rel = (p) => path.relative(process.cwd(), path.join(DEMO, p)) || '.';
console.log(`
Look at:
  ${rel('evaluation/metrics.json')}          the metrics (avg_prec, roc_auc)
  ${rel('dvc_plots/index.html')}             the plots page (opens offline in any browser)
  ${rel('dvc_plots')}/*.png                  the same plots as PNG images
  ${rel('models/spam')}/                     the model package (keel model show ${rel('models/spam')})
  ${rel('dvc.lock')}                         what was run, with the hash of every input and output
Try:  cd ${rel('.')} && keel dag && keel params diff
      change featurize.max_features in params.yaml, then keel repro && keel metrics diff
      and keel report (params + metrics diff tables and plots vs main, in report.md)`);

/** Start `keel serve` and resolve with its URL (from its "serving … at <url>" line). */
function startServer(port) {
  process.stdout.write(`\n$ keel serve models/spam --port ${port}\n`);
  const child = spawn(process.execPath, [KEEL, 'serve', 'models/spam', '--port', String(port)], { cwd: DEMO, env, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = /serving .* at (http:\/\/[^\s]+)/.exec(err);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`keel serve exited with ${code}: ${err.trim()}`)));
  });
}

let server;
try {
  server = await startServer(process.env.KEEL_DEMO_PORT ?? 8080);
} catch (e) {
  console.log(`(${e.message.split('\n')[0]}; trying a free port)`);
  server = await startServer(0);
}
const texts = [
  'Congratulations! You have won a FREE prize. Click here to claim your cash now!!!',
  'Hi team, the meeting moves to 3pm tomorrow; the agenda is attached.',
  'Is this related to the R programming language?',
];
for (const method of ['predict', 'predict_proba']) {
  const body = JSON.stringify({ data: texts });
  const res = await fetch(`${server.url}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  console.log(`\n$ curl -s -X POST ${server.url}/${method} -H 'content-type: application/json' -d '${body}'\n${await res.text()}`);
}
if (process.env.KEEL_DEMO_NO_SERVE === '1') {
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  console.log('\nServer stopped (KEEL_DEMO_NO_SERVE=1).');
} else {
  console.log(`\nThe model is served at ${server.url} (docs: ${server.url}/docs, lineage: ${server.url}/metadata). Ctrl-C stops it.`);
  const stop = () => server.child.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await new Promise((r) => server.child.once('exit', r));
}
