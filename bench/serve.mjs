#!/usr/bin/env node
// keel's serving bench (issue 5, "Speed" and the soak of "Reliability"). One run measures, with wrk
// on 127.0.0.1 (`wrk -t1 -c<C> --latency -s bench/serve/post.lua`, a warm-up run, then a timed run):
//
//   1. `keel serve demo/models/spam` (the example package) at 50 connections, one text per request
//   2. the same pipeline in scikit-learn behind FastAPI + uvicorn (bench/serve/sklearn_server.py)
//   3. a bare node:http server answering a constant (bench/serve/const-server.mjs): the ceiling
//   4. a small ONNX MLP package (bench/serve/make_mlp.py) at 200 connections, without and with
//      `--batch-max-size 64 --batch-max-latency-ms 2`
//   5. a soak: keel serving the example at 50 connections for KEEL_SOAK_SECONDS; non-2xx count and
//      RSS (/proc/<pid>/status VmRSS) after the warm-up vs at the end
//
// then prints one table with PASS/FAIL per target and writes bench/out/serve.json. Plain Node ESM,
// no dependencies. About 2.5 minutes with the defaults on 2 cores.
//
//   node bench/serve.mjs               # needs dist/ (npm run build) and demo/models/spam
//                                      # (KEEL_DEMO_NO_SERVE=1 npm start)
//   KEEL_SOAK_SECONDS=600 node bench/serve.mjs   # the 10-minute soak (default 60)
//   KEEL_SERVE_SECONDS=10              # length of each timed wrk run (default 10)
//   KEEL_SERVE_WARMUP=2                # length of each warm-up run (default 2)
//   KEEL_SERVE_CASES=1,4               # run only these cases (1-5; 1 and 2 go together for the ratio)
//   KEEL_BIN=/other/dist/cli/main.js   # measure another build of keel (A/B of a change)
//   KEEL_PYTHON=/path/to/python3       # the python for cases 2 and 4 (default: Debian's /usr/bin/python3,
//                                      # then python3 on PATH)
//
// Missing tools are skipped with a reason: wrk (everything), python3 with fastapi + uvicorn +
// sklearn (case 2), python3 with onnx + numpy (case 4). Debian: apt-get install -y wrk
// python3-fastapi python3-uvicorn python3-sklearn python3-onnx.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HERE = path.join(ROOT, 'bench', 'serve');
const KEEL = path.resolve(process.env.KEEL_BIN || path.join(ROOT, 'dist', 'cli', 'main.js'));
const OUT = path.join(ROOT, 'bench', 'out');
const WORK = path.join(OUT, 'serve');
const EXAMPLE = path.join(ROOT, 'demo', 'models', 'spam');
const TRAIN = path.join(ROOT, 'demo', 'data', 'prepared', 'train.tsv');
const LUA = path.join(HERE, 'post.lua');
const HOST = '127.0.0.1';

const num = (k, d, min) => {
  const v = process.env[k];
  if (v === undefined || v === '') return d;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`${k} must be a number >= ${min}, got '${v}'\n`);
    process.exit(2);
  }
  return n;
};
const SECONDS = num('KEEL_SERVE_SECONDS', 10, 1);
const WARMUP = num('KEEL_SERVE_WARMUP', 2, 0);
const SOAK = num('KEEL_SOAK_SECONDS', 60, 1);
const RSS_EVERY_MS = 5000;
const CASES = (process.env.KEEL_SERVE_CASES || '1,2,3,4,5').split(',').map((x) => x.trim());

// The targets of issue 5.
const T = { p99Ms: 10, vsFastapi: 20, batching: 2, rssGrowth: 0.1 };
// The text of the guide's first request (step 8); the same body goes to keel and to FastAPI.
const SPAM_BODY = JSON.stringify({ data: ['Is this related to the R programming language?'] });

const t0 = performance.now();
const log = (msg) => process.stderr.write(`[serve-bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rel = (p) => path.relative(ROOT, p) || '.';
const loadStr = () => os.loadavg().map((x) => x.toFixed(2)).join('/');
const fmtInt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '?');
const fmtMs = (us) => (Number.isFinite(us) ? `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms` : '?');
const fmtX = (x) => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 1)}×` : '?');

// ---------------------------------------------------------------- tools

function which(cmd) {
  for (const dir of (process.env.PATH || '').split(':')) {
    const p = path.join(dir || '.', cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {}
  }
  return undefined;
}

/** Debian's python3 first: a pyenv/venv python3 earlier on PATH usually lacks the Debian modules. */
function findPython(modules) {
  const cands = process.env.KEEL_PYTHON ? [process.env.KEEL_PYTHON] : [...new Set(['/usr/bin/python3', which('python3')].filter(Boolean))];
  const tried = [];
  for (const py of cands) {
    if (!fs.existsSync(py)) continue;
    const r = spawnSync(py, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
    if (r.status === 0) return { py };
    tried.push(`${py}: ${(r.stderr.trim().split('\n').pop() || `exit ${r.status}`).slice(0, 120)}`);
  }
  return { reason: tried.length ? tried.join('; ') : 'no python3 found' };
}

function pyVersions(py, modules) {
  const code = `import sys, importlib\nprint(sys.version.split()[0])\nfor m in ${JSON.stringify(modules)}:\n  print(m, importlib.import_module(m).__version__)`;
  const r = spawnSync(py, ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) return {};
  const [ver, ...rest] = r.stdout.trim().split('\n');
  return { python: ver, ...Object.fromEntries(rest.map((l) => l.split(' '))) };
}

function wrkVersion(wrk) {
  const r = spawnSync(wrk, ['-v'], { encoding: 'utf8' });
  const first = (r.stdout + r.stderr).split('\n')[0].trim();
  const m = /^wrk (\S+)/.exec(first);
  return m ? `wrk ${m[1]}` : first;
}

function gitCommit() {
  const r = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (r.status !== 0) return 'unknown';
  const d = spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' });
  return r.stdout.trim() + (d.stdout.trim() ? ' (dirty)' : '');
}

/** The newest mtime under src/ vs dist/cli/main.js: a stale build is measured but flagged. */
function distStale() {
  let newest = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  try {
    walk(path.join(ROOT, 'src'));
    return newest > fs.statSync(KEEL).mtimeMs;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- processes

/** A free TCP port on 127.0.0.1 (bound then released; the server binds it right after). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const children = new Set();
function killAll() {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {}
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * Start a server (stdout → /dev/null: keel logs one JSON line per request there) and wait until
 * `ready(stderrSoFar)` matches or `timeoutMs` passes. Returns { child, pid, port, stderr() }.
 */
async function startServer(name, cmd, args, { port, ready, timeoutMs = 60_000, env = process.env }) {
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    err += d;
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  let exited = null;
  child.once('exit', (code, sig) => {
    exited = { code, sig };
    children.delete(child);
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${name} exited (${exited.code ?? exited.sig}) before it was ready:\n${err.trim().slice(-2000)}`);
    if (ready.test(err)) {
      // the port is open: one TCP connect proves it
      if (await canConnect(port)) return { name, child, pid: child.pid, port, stderr: () => err, exited: () => exited };
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${name} was not ready within ${timeoutMs / 1000} s:\n${err.trim().slice(-2000)}`);
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, HOST);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** SIGTERM, then SIGKILL after 5 s. */
async function stopServer(s) {
  if (!s || s.exited()) return;
  const done = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  const t = setTimeout(() => s.child.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(t);
}

/** VmRSS and VmHWM of a pid in KiB, from /proc/<pid>/status. */
function rss(pid) {
  try {
    const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(st)?.[1]);
    return { rssKiB: kb('VmRSS'), hwmKiB: kb('VmHWM'), threads: Number(/^Threads:\s+(\d+)/m.exec(st)?.[1]) };
  } catch {
    return { rssKiB: NaN, hwmKiB: NaN, threads: NaN };
  }
}

const TICK = 100; // USER_HZ on Linux
/** utime + stime of a pid (and its reaped children) in seconds, from /proc/<pid>/stat. */
function cpuSeconds(pid) {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICK;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------- wrk

/**
 * One wrk run: `wrk -t1 -c<conns> -d<seconds>s --latency -s post.lua <url> -- <bodyFile> [count]`.
 * Returns the KEEL_WRK record of post.lua's done() plus rps and the command line.
 */
function runWrk(wrk, { url, conns, seconds, bodyFile, count = false, latency = true }) {
  const args = ['-t1', `-c${conns}`, `-d${seconds}s`, ...(latency ? ['--latency'] : []), '-s', LUA, url, '--', bodyFile, ...(count ? ['count'] : [])];
  const cmd = `wrk ${args.map((a) => (a.startsWith(ROOT) ? rel(a) : a)).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(wrk, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.once('exit', (code) => {
      clearTimeout(killer);
      children.delete(child);
      const m = /^KEEL_WRK (\{.*\})$/m.exec(out);
      if (code !== 0 || !m) return reject(new Error(`${cmd} failed (exit ${code}):\n${(err + out).trim().slice(-2000)}`));
      const r = JSON.parse(m[1]);
      r.rps = r.requests / (r.duration_us / 1e6);
      r.cmd = cmd;
      resolve(r);
    });
  });
}

/**
 * Warm-up run (discarded), then the timed run, with the server's CPU time and RSS around it and
 * keel's /metrics (inference time, batch sizes) after it when `metricsUrl` is given.
 */
async function measure(wrk, server, { path: route, conns, bodyFile, seconds = SECONDS, count = false, metricsUrl }) {
  const url = `http://${HOST}:${server.port}${route}`;
  if (WARMUP > 0) await runWrk(wrk, { url, conns, seconds: WARMUP, bodyFile, latency: false });
  const before = metricsUrl ? await keelMetrics(metricsUrl) : undefined;
  const cpu0 = cpuSeconds(server.pid);
  const load0 = os.loadavg()[0];
  const r = await runWrk(wrk, { url, conns, seconds, bodyFile, count });
  const cpu1 = cpuSeconds(server.pid);
  r.server_cpu_pct = (100 * (cpu1 - cpu0)) / (r.duration_us / 1e6);
  r.server_cpu_us_per_request = ((cpu1 - cpu0) * 1e6) / r.requests;
  r.server_rss_kib = rss(server.pid).rssKiB;
  r.loadavg1 = [+load0.toFixed(2), +os.loadavg()[0].toFixed(2)];
  r.warmup_s = WARMUP;
  if (metricsUrl) {
    const after = await keelMetrics(metricsUrl);
    if (before && after) {
      const d = (k) => (after[k] ?? 0) - (before[k] ?? 0);
      const calls = d('keel_inference_duration_seconds_count');
      r.keel = {
        model_calls: calls,
        inference_ms_mean: calls ? (1000 * d('keel_inference_duration_seconds_sum')) / calls : NaN,
        rows_per_call_mean: d('keel_batch_size_count') ? d('keel_batch_size_sum') / d('keel_batch_size_count') : NaN,
        handler_ms_mean: d('keel_http_request_duration_seconds_count') ? (1000 * d('keel_http_request_duration_seconds_sum')) / d('keel_http_request_duration_seconds_count') : NaN,
      };
    }
  }
  return r;
}

/** Sums of keel's Prometheus counters we use (all label sets added up). */
async function keelMetrics(url) {
  try {
    const text = await (await fetch(url)).text();
    const out = {};
    for (const line of text.split('\n')) {
      const m = /^(keel_(?:inference_duration_seconds|batch_size|http_request_duration_seconds)_(?:sum|count))(?:\{[^}]*\})?\s+(\S+)$/.exec(line);
      if (m) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
    }
    return out;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- cases

const keelArgs = (dir, port, extra = []) => [KEEL, 'serve', dir, '--host', HOST, '--port', String(port), ...extra];
const keelReady = /serving '.*' at http/;

async function serveKeel(name, dir, extra = []) {
  const port = await freePort();
  return startServer(name, process.execPath, keelArgs(dir, port, extra), { port, ready: keelReady });
}

async function checkAnswer(port, route, body, expect) {
  const r = await fetch(`http://${HOST}:${port}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await r.text();
  if (r.status !== 200 || !expect(JSON.parse(text))) throw new Error(`POST ${route} ${body.slice(0, 80)} → ${r.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

async function main() {
  fs.mkdirSync(WORK, { recursive: true });
  const env = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    keelCommit: gitCommit(),
    loadavgStart: os.loadavg().map((x) => +x.toFixed(2)),
    settings: { seconds: SECONDS, warmup: WARMUP, soakSeconds: SOAK, threads: 1 },
  };
  const results = { env, cases: {}, skipped: {}, targets: [] };
  const skip = (k, why) => {
    if (k in results.skipped) return;
    results.skipped[k] = why;
    log(`skip ${k}: ${why}`);
  };

  // -- what can run
  const wrk = which('wrk');
  if (!fs.existsSync(KEEL)) {
    process.stderr.write(`${rel(KEEL)} is missing: run 'npm run build' first\n`);
    process.exit(2);
  }
  for (const [n, k] of [
    ['1', '1_keel'],
    ['2', '2_fastapi'],
    ['3', '3_node_http'],
    ['4', '4_batching'],
    ['5', '5_soak'],
  ]) {
    if (!CASES.includes(n)) results.skipped[k] = 'not in KEEL_SERVE_CASES';
  }
  if (process.env.KEEL_BIN) log(`measuring KEEL_BIN=${KEEL}`);
  if (distStale()) log(`warning: src/ has .ts files newer than ${rel(KEEL)}; run 'npm run build' to measure the current code`);
  const haveExample = fs.existsSync(path.join(EXAMPLE, 'keel-model.yaml'));
  const pySk = findPython(['fastapi', 'uvicorn', 'sklearn', 'pydantic']);
  const pyOnnx = findPython(['onnx', 'numpy']);
  if (!wrk) {
    for (const k of ['1_keel', '2_fastapi', '3_node_http', '4_batching', '5_soak']) skip(k, "wrk is not on PATH (Debian: apt-get install -y wrk)");
  } else {
    env.wrk = wrkVersion(wrk);
    if (!haveExample) {
      for (const k of ['1_keel', '5_soak']) skip(k, `${rel(EXAMPLE)} is missing: run 'KEEL_DEMO_NO_SERVE=1 npm start' once`);
    }
    if (!haveExample || !fs.existsSync(TRAIN)) skip('2_fastapi', `${rel(TRAIN)} / ${rel(EXAMPLE)} missing: run 'KEEL_DEMO_NO_SERVE=1 npm start' once`);
    else if (!pySk.py) skip('2_fastapi', `python3 with fastapi, uvicorn, sklearn: ${pySk.reason} (Debian: apt-get install -y python3-fastapi python3-uvicorn python3-sklearn)`);
    if (!pyOnnx.py) skip('4_batching', `python3 with onnx, numpy: ${pyOnnx.reason} (Debian: apt-get install -y python3-onnx)`);
  }
  if (pySk.py) env.python = { bin: pySk.py, ...pyVersions(pySk.py, ['fastapi', 'uvicorn', 'sklearn', 'pydantic', 'starlette']) };
  if (pySk.py) {
    const r = spawnSync(pySk.py, ['-c', 'import importlib.util as u; print(",".join(m for m in ("httptools","uvloop") if u.find_spec(m)) or "none")'], { encoding: 'utf8' });
    env.python.uvicornExtras = r.stdout.trim();
  }
  const run = (k) => !(k in results.skipped);
  env.keelBin = rel(KEEL);
  log(`load avg ${loadStr()}; ${SECONDS} s runs after ${WARMUP} s warm-up; soak ${SOAK} s`);
  if (os.loadavg()[0] > 0.5 * os.cpus().length) log(`warning: the machine is busy (load avg ${loadStr()}): figures will be low and noisy`);

  const spamBody = path.join(WORK, 'spam-body.json');
  fs.writeFileSync(spamBody, SPAM_BODY);

  // -- 1. keel, the example package, 50 connections
  if (run('1_keel')) {
    let s;
    try {
      s = await serveKeel('keel serve (example)', EXAMPLE);
      const rss0 = rss(s.pid);
      await checkAnswer(s.port, '/predict', SPAM_BODY, (v) => Array.isArray(v) && v.length === 1 && (v[0] === 0 || v[0] === 1));
      log(`1. keel serve ${rel(EXAMPLE)} on :${s.port}: ${WARMUP} s warm-up + ${SECONDS} s at 50 connections`);
      const r = await measure(wrk, s, { path: '/predict', conns: 50, bodyFile: spamBody, metricsUrl: `http://${HOST}:${s.port}/metrics` });
      r.server_cmd = `node ${rel(KEEL)} serve ${rel(EXAMPLE)} --host ${HOST} --port <p> >/dev/null`;
      r.idle_rss_kib = rss0.rssKiB;
      results.cases['1_keel'] = r;
      log(`   ${fmtInt(r.rps)} req/s, p50 ${fmtMs(r.latency_us.p50)}, p99 ${fmtMs(r.latency_us.p99)}, server CPU ${r.server_cpu_pct.toFixed(0)} %`);
    } catch (e) {
      skip('1_keel', `failed: ${e.message}`);
    } finally {
      await stopServer(s);
    }
  }

  // -- 2. scikit-learn + FastAPI + uvicorn, same request
  if (run('2_fastapi')) {
    let s;
    try {
      const port = await freePort();
      s = await startServer('FastAPI + uvicorn', pySk.py, [path.join(HERE, 'sklearn_server.py'), TRAIN, String(port)], { port, ready: /^ready \d+/m, timeoutMs: 120_000 });
      await checkAnswer(s.port, '/predict', SPAM_BODY, (v) => Array.isArray(v) && v.length === 1 && (v[0] === 0 || v[0] === 1));
      log(`2. FastAPI + uvicorn (scikit-learn) on :${s.port}: ${WARMUP} s warm-up + ${SECONDS} s at 50 connections`);
      const r = await measure(wrk, s, { path: '/predict', conns: 50, bodyFile: spamBody });
      r.server_cmd = `${pySk.py} ${rel(path.join(HERE, 'sklearn_server.py'))} ${rel(TRAIN)} <p>`;
      r.trained = /trained on .*/.exec(s.stderr())?.[0];
      results.cases['2_fastapi'] = r;
      log(`   ${fmtInt(r.rps)} req/s, p50 ${fmtMs(r.latency_us.p50)}, p99 ${fmtMs(r.latency_us.p99)}, server CPU ${r.server_cpu_pct.toFixed(0)} %`);
    } catch (e) {
      skip('2_fastapi', `failed: ${e.message}`);
    } finally {
      await stopServer(s);
    }
  }

  // -- 3. bare node:http answering a constant: the ceiling
  if (run('3_node_http')) {
    let s;
    try {
      const port = await freePort();
      s = await startServer('node:http constant', process.execPath, [path.join(HERE, 'const-server.mjs'), String(port)], { port, ready: /^ready \d+/m });
      log(`3. bare node:http (constant answer) on :${s.port}: ${WARMUP} s warm-up + ${SECONDS} s at 50 connections`);
      const r = await measure(wrk, s, { path: '/predict', conns: 50, bodyFile: spamBody });
      r.server_cmd = `node ${rel(path.join(HERE, 'const-server.mjs'))} <p>`;
      results.cases['3_node_http'] = r;
      log(`   ${fmtInt(r.rps)} req/s, p50 ${fmtMs(r.latency_us.p50)}, p99 ${fmtMs(r.latency_us.p99)}, server CPU ${r.server_cpu_pct.toFixed(0)} %`);
    } catch (e) {
      skip('3_node_http', `failed: ${e.message}`);
    } finally {
      await stopServer(s);
    }
  }

  // -- 4. batching: a small ONNX MLP at 200 connections, without then with batching
  if (run('4_batching')) {
    try {
      const onnxFile = path.join(WORK, 'mlp.onnx');
      const pkg = path.join(WORK, 'mlp');
      const dims = [32, 1024, 10];
      const mk = spawnSync(pyOnnx.py, [path.join(HERE, 'make_mlp.py'), onnxFile, ...dims.map(String)], { encoding: 'utf8' });
      if (mk.status !== 0) throw new Error(`make_mlp.py failed: ${mk.stderr.trim().slice(-1000)}`);
      fs.rmSync(pkg, { recursive: true, force: true });
      // cwd bench/out/serve: the package's lineage comes from this repo's git state, nothing else
      const sv = spawnSync(process.execPath, [KEEL, 'model', 'save', onnxFile, '-o', pkg, '--kind', 'onnx', '--name', 'mlp', '--quiet'], { cwd: WORK, encoding: 'utf8' });
      if (sv.status !== 0) throw new Error(`keel model save failed: ${(sv.stderr + sv.stdout).trim().slice(-1000)}`);
      // one row of d_in floats per request, deterministic
      const row = Array.from({ length: dims[0] }, (_, i) => +(Math.sin(i * 12.9898) * 0.5).toFixed(4));
      const mlpBodyText = JSON.stringify({ data: [row] });
      const mlpBody = path.join(WORK, 'mlp-body.json');
      fs.writeFileSync(mlpBody, mlpBodyText);
      const batchFlags = ['--batch-max-size', '64', '--batch-max-latency-ms', '2'];
      const out = { model: `MLP ${dims.join(' → ')} (Gemm, Relu, Gemm, Softmax), float32, one row per request`, make: `python3 ${rel(path.join(HERE, 'make_mlp.py'))} ${rel(onnxFile)} ${dims.join(' ')}` };
      for (const [k, extra] of [
        ['unbatched', []],
        ['batched', batchFlags],
      ]) {
        let s;
        try {
          s = await serveKeel(`keel serve (mlp, ${k})`, pkg, extra);
          await checkAnswer(s.port, '/predict', mlpBodyText, (v) => Array.isArray(v) && v.length === 1 && v[0].length === dims[2]);
          log(`4. keel serve mlp ${k} on :${s.port}: ${WARMUP} s warm-up + ${SECONDS} s at 200 connections`);
          const r = await measure(wrk, s, { path: '/predict', conns: 200, bodyFile: mlpBody, metricsUrl: `http://${HOST}:${s.port}/metrics` });
          r.server_cmd = `node ${rel(KEEL)} serve ${rel(pkg)} --host ${HOST} --port <p>${extra.length ? ' ' + extra.join(' ') : ''} >/dev/null`;
          out[k] = r;
          log(`   ${fmtInt(r.rps)} req/s, p50 ${fmtMs(r.latency_us.p50)}, p99 ${fmtMs(r.latency_us.p99)}, server CPU ${r.server_cpu_pct.toFixed(0)} %, ${r.keel?.rows_per_call_mean?.toFixed(1)} rows/model call`);
        } finally {
          await stopServer(s);
        }
      }
      results.cases['4_batching'] = out;
    } catch (e) {
      skip('4_batching', `failed: ${e.message}`);
    }
  }

  // -- 5. soak: the example at 50 connections for SOAK seconds; non-2xx and RSS
  if (run('5_soak')) {
    let s;
    try {
      s = await serveKeel('keel serve (soak)', EXAMPLE);
      const idle = rss(s.pid);
      const url = `http://${HOST}:${s.port}/predict`;
      log(`5. soak: keel serve ${rel(EXAMPLE)} on :${s.port}: ${WARMUP} s warm-up + ${SOAK} s at 50 connections (KEEL_SOAK_SECONDS)`);
      if (WARMUP > 0) await runWrk(wrk, { url, conns: 50, seconds: WARMUP, bodyFile: spamBody, latency: false });
      const start = rss(s.pid);
      const samples = [{ t: 0, ...start }];
      const ts = performance.now();
      const timer = setInterval(() => samples.push({ t: +((performance.now() - ts) / 1000).toFixed(1), ...rss(s.pid) }), RSS_EVERY_MS);
      const cpu0 = cpuSeconds(s.pid);
      let r;
      try {
        r = await runWrk(wrk, { url, conns: 50, seconds: SOAK, bodyFile: spamBody, count: true });
      } finally {
        clearInterval(timer);
      }
      const cpu1 = cpuSeconds(s.pid);
      const end = rss(s.pid);
      samples.push({ t: +((performance.now() - ts) / 1000).toFixed(1), ...end });
      r.rps = r.requests / (r.duration_us / 1e6);
      r.server_cpu_pct = (100 * (cpu1 - cpu0)) / (r.duration_us / 1e6);
      r.server_cmd = `node ${rel(KEEL)} serve ${rel(EXAMPLE)} --host ${HOST} --port <p> >/dev/null`;
      r.rss = {
        idle_kib: idle.rssKiB,
        start_kib: start.rssKiB,
        end_kib: end.rssKiB,
        max_kib: Math.max(...samples.map((x) => x.rssKiB)),
        growth: end.rssKiB / start.rssKiB - 1,
        hwm_kib: end.hwmKiB,
        method: `/proc/<pid>/status VmRSS, "start" after the ${WARMUP} s warm-up, sampled every ${RSS_EVERY_MS / 1000} s`,
        samples,
      };
      r.alive = !s.exited();
      r.failed_requests = r.non2xx + r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout;
      results.cases['5_soak'] = r;
      log(`   ${fmtInt(r.requests)} requests, non-2xx ${r.non2xx}, socket errors ${r.errors.connect + r.errors.read + r.errors.write}, timeouts ${r.errors.timeout}; RSS ${(start.rssKiB / 1024).toFixed(1)} → ${(end.rssKiB / 1024).toFixed(1)} MiB (${(100 * r.rss.growth).toFixed(1)} %)`);
    } catch (e) {
      skip('5_soak', `failed: ${e.message}`);
    } finally {
      await stopServer(s);
    }
  }

  // ---------------------------------------------------------------- targets and table
  const c = results.cases;
  const rows = [];
  const row = (o) => rows.push(o);
  const k1 = c['1_keel'];
  const f2 = c['2_fastapi'];
  const n3 = c['3_node_http'];
  const b4 = c['4_batching'];
  const s5 = c['5_soak'];
  const lat = (r) => `${fmtInt(r.rps)} req/s, p50 ${fmtMs(r.latency_us.p50)}, p99 ${fmtMs(r.latency_us.p99)}`;
  const errs = (r) => r.non2xx + r.errors.status + r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout;
  row({ id: '1', name: 'keel, example, 50 conns: p99', keel: k1 ? lat(k1) : 'skipped', ref: '—', ratio: k1 ? fmtMs(k1.latency_us.p99) : '—', target: `p99 ≤ ${T.p99Ms} ms`, pass: k1 ? k1.latency_us.p99 <= T.p99Ms * 1000 && errs(k1) === 0 : null });
  row({ id: '2', name: 'keel ÷ FastAPI+uvicorn (sklearn)', keel: k1 ? `${fmtInt(k1.rps)} req/s` : 'skipped', ref: f2 ? lat(f2) : 'skipped', ratio: k1 && f2 ? fmtX(k1.rps / f2.rps) : '—', target: `≥ ${T.vsFastapi}× req/s`, pass: k1 && f2 ? k1.rps / f2.rps >= T.vsFastapi : null });
  row({ id: '3', name: 'keel ÷ bare node:http (ceiling)', keel: k1 ? `${fmtInt(k1.rps)} req/s` : 'skipped', ref: n3 ? lat(n3) : 'skipped', ratio: k1 && n3 ? `${((100 * k1.rps) / n3.rps).toFixed(0)} %` : '—', target: 'info', pass: null });
  const bOk = b4 && b4.batched && b4.unbatched;
  row({ id: '4', name: 'MLP, 200 conns: batched ÷ unbatched', keel: bOk ? lat(b4.batched) : 'skipped', ref: bOk ? lat(b4.unbatched) : 'skipped', ratio: bOk ? fmtX(b4.batched.rps / b4.unbatched.rps) : '—', target: `≥ ${T.batching}× req/s`, pass: bOk ? b4.batched.rps / b4.unbatched.rps >= T.batching : null });
  row({ id: '5a', name: `soak ${SOAK} s, 50 conns: failed requests`, keel: s5 ? `${fmtInt(s5.requests)} req, ${fmtInt(s5.rps)} req/s` : 'skipped', ref: '—', ratio: s5 ? `${s5.failed_requests}` : '—', target: '0 non-2xx / errors', pass: s5 ? s5.failed_requests === 0 && s5.alive : null });
  row({ id: '5b', name: `soak ${SOAK} s: RSS growth`, keel: s5 ? `${(s5.rss.start_kib / 1024).toFixed(1)} → ${(s5.rss.end_kib / 1024).toFixed(1)} MiB` : 'skipped', ref: '—', ratio: s5 ? `${(100 * s5.rss.growth).toFixed(1)} %` : '—', target: `≤ ${100 * T.rssGrowth} %`, pass: s5 ? s5.rss.growth <= T.rssGrowth : null });
  // a case that broke (server did not start, wrk failed…) reads ERROR, not skipped
  const deps = { 1: ['1_keel'], 2: ['1_keel', '2_fastapi'], 3: ['1_keel', '3_node_http'], 4: ['4_batching'], '5a': ['5_soak'], '5b': ['5_soak'] };
  const broke = (id) => (deps[id] ?? []).some((k) => String(results.skipped[k] ?? '').startsWith('failed:'));
  results.targets = rows.map((r) => ({ ...r, result: r.pass === true ? 'PASS' : r.pass === false ? 'FAIL' : broke(r.id) ? 'ERROR' : r.target === 'info' ? 'info' : 'skipped' }));

  env.loadavgEnd = os.loadavg().map((x) => +x.toFixed(2));
  env.totalSeconds = +((performance.now() - t0) / 1000).toFixed(1);

  const head = ['#', 'case', 'keel', 'reference', 'ratio / value', 'target', 'result'];
  const cells = results.targets.map((r) => [r.id, r.name, r.keel, r.ref, r.ratio, r.target, r.result]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (cs) => cs.map((x, i) => (i === 4 ? x.padStart(w[i]) : x.padEnd(w[i]))).join('  ').trimEnd();
  const out = [];
  out.push(`keel serving bench — ${env.date}, node ${env.node}, ${env.cpus} cpus, keel ${env.keelCommit}, ${env.wrk ?? 'no wrk'}, total ${env.totalSeconds} s, load avg ${env.loadavgStart.join('/')} at start, ${env.loadavgEnd.join('/')} at end`);
  out.push(`wrk -t1 -c<C> --latency, ${WARMUP} s warm-up then ${SECONDS} s; server and wrk share the machine's ${env.cpus} cores; request: POST /predict ${SPAM_BODY}`);
  out.push('');
  out.push(line(head));
  out.push(line(w.map((n) => '-'.repeat(n))));
  for (const r of cells) out.push(line(r));
  const pass = results.targets.filter((r) => r.result === 'PASS').length;
  const fail = results.targets.filter((r) => r.result === 'FAIL').length;
  out.push('', `targets: ${pass} PASS, ${fail} FAIL${Object.keys(results.skipped).length ? `, ${Object.keys(results.skipped).length} skipped` : ''}.`);
  out.push('');
  const detail = (label, r, extra = '') => {
    if (!r) return;
    out.push(`${label}: ${lat(r)}, p90 ${fmtMs(r.latency_us.p90)}, max ${fmtMs(r.latency_us.max)}; ${fmtInt(r.requests)} requests; errors ≥400 ${r.errors.status}, socket ${r.errors.connect + r.errors.read + r.errors.write}, timeouts ${r.errors.timeout}; server CPU ${r.server_cpu_pct.toFixed(0)} % (${fmtInt(r.server_cpu_us_per_request)} µs/request), RSS ${(r.server_rss_kib / 1024).toFixed(0)} MiB${extra}`);
    out.push(`    ${r.server_cmd}`);
    out.push(`    ${r.cmd}`);
  };
  const keelExtra = (r) => (r.keel ? `; keel /metrics: ${r.keel.model_calls} model calls, ${r.keel.rows_per_call_mean.toFixed(1)} rows/call, ${r.keel.inference_ms_mean.toFixed(3)} ms/call, handler ${r.keel.handler_ms_mean.toFixed(3)} ms/request` : '');
  detail('1 keel (example)', k1, k1 ? keelExtra(k1) : '');
  detail('2 FastAPI + uvicorn', f2, f2 && env.python ? `; python ${env.python.python}, fastapi ${env.python.fastapi}, uvicorn ${env.python.uvicorn} (extras: ${env.python.uvicornExtras}), sklearn ${env.python.sklearn}; ${f2.trained ?? ''}` : '');
  detail('3 node:http constant', n3);
  if (b4) {
    out.push(`4 ${b4.model}; ${b4.make}`);
    detail('4 unbatched', b4.unbatched, b4.unbatched ? keelExtra(b4.unbatched) : '');
    detail('4 batched', b4.batched, b4.batched ? keelExtra(b4.batched) : '');
  }
  if (s5) {
    out.push(`5 soak: ${fmtInt(s5.requests)} requests in ${(s5.duration_us / 1e6).toFixed(1)} s (${fmtInt(s5.rps)} req/s, p99 ${fmtMs(s5.latency_us.p99)}); non-2xx ${s5.non2xx}${s5.non2xx ? ` ${JSON.stringify(s5.non2xx_by_status)}` : ''}, socket errors ${s5.errors.connect + s5.errors.read + s5.errors.write}, timeouts ${s5.errors.timeout}; server CPU ${s5.server_cpu_pct.toFixed(0)} %`);
    out.push(`    RSS idle ${(s5.rss.idle_kib / 1024).toFixed(1)} MiB, after warm-up ${(s5.rss.start_kib / 1024).toFixed(1)}, end ${(s5.rss.end_kib / 1024).toFixed(1)}, max ${(s5.rss.max_kib / 1024).toFixed(1)} (${s5.rss.method}); samples (s: MiB): ${s5.rss.samples.map((x) => `${x.t}: ${(x.rssKiB / 1024).toFixed(1)}`).join(', ')}`);
    out.push(`    ${s5.server_cmd}`);
    out.push(`    ${s5.cmd}`);
  }
  for (const [k, why] of Object.entries(results.skipped)) out.push(`skipped ${k}: ${why}`);
  if (env.loadavgStart[0] > 0.5 * env.cpus) out.push(`note: load avg ${env.loadavgStart[0]} at start: other work shared the ${env.cpus} cores; run again when the machine is idle.`);

  const text = out.join('\n') + '\n';
  process.stdout.write('\n' + text);
  results.table = text;
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'serve.json'), JSON.stringify(results, null, 2) + '\n');
  log(`wrote ${rel(path.join(OUT, 'serve.json'))}`);
}

// Exit 0 whenever the bench ran (FAILs included, as bench/run.mjs); 2 when it broke.
main().catch(
  (e) => {
    killAll();
    process.stderr.write(`serve bench: ${e.stack ?? e}\n`);
    process.exitCode = 2;
  },
);
