#!/usr/bin/env node
// keel benchmarks: keel vs a plain-tool reference (md5sum, cp -r, raw SDK, `node -e 0`) and, when
// `dvc` is on PATH, vs DVC. Prints one table (with PASS/FAIL per target) and writes
// bench/out/results.json. Plain Node ESM, no dependencies beyond the project's own devDependencies.
//
//   npm run bench                  # build + run everything (~2-3.5 min on 2 cores)
//   KEEL_BENCH_QUICK=1 npm run bench   # skip the 1 GiB file case
//   KEEL_BENCH_RUNS=5              # repetitions per measured command (default 3; median taken)
//   KEEL_BENCH_NO_COLD=1           # skip the cold-cache runs (they need root for drop_caches)
//   KEEL_BENCH_NO_S3=1             # skip the s3rver case
//
// Generated data is deterministic (AES-256-CTR keystream of a fixed seed) and cached under
// bench/out/data; it is moved (rename, no copy) into each fresh repository and moved back after.
// Nothing is deleted between timed commands (see `discard`): bench/out/work is removed at the end.
import { spawn, execFileSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KEEL = path.join(ROOT, 'dist', 'cli', 'main.js');
const OUT = path.join(ROOT, 'bench', 'out');
const DATA = path.join(OUT, 'data');
const WORK = path.join(OUT, 'work');
const SCRATCH = path.join(WORK, 'scratch');

const QUICK = process.env.KEEL_BENCH_QUICK === '1' && !process.argv.includes('--big');
const RUNS = Math.max(1, Number(process.env.KEEL_BENCH_RUNS || 3));
const NO_COLD = process.env.KEEL_BENCH_NO_COLD === '1';
const NO_S3 = process.env.KEEL_BENCH_NO_S3 === '1';
const HAS_TIME = fs.existsSync('/usr/bin/time');
const RSS_METHOD = HAS_TIME ? '/usr/bin/time -f %M (ru_maxrss: largest RSS of the process or any child it waited for)' : '/proc/<pid>/status VmHWM polled every 5 ms';

const DATASETS = {
  small10k: { kind: 'tree', seed: 'keel-bench-small10k-v1', dirs: 100, perDir: 100, size: 4096 },
  small2k: { kind: 'tree', seed: 'keel-bench-small2k-v1', dirs: 20, perDir: 100, size: 4096 },
  big: { kind: 'file', seed: 'keel-bench-big1g-v1', size: 1 << 30 },
};

const BASE_ENV = {
  ...process.env,
  DVC_NO_ANALYTICS: '1',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.invalid',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.invalid',
};
delete BASE_ENV.NODE_OPTIONS;

// ---------------------------------------------------------------- small helpers

const t0Global = performance.now();
const log = (msg) => process.stderr.write(`[bench ${((performance.now() - t0Global) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
const median = (xs) => {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rmrf = (p) => fs.rmSync(p, { recursive: true, force: true });
const sync = () => execFileSync('sync');
const TRASH = path.join(WORK, 'trash');
let trashN = 0;
/**
 * Set a path aside instead of deleting it. Deleting 10k-file trees disturbs the next timed
 * command (the root ext4 here is mounted with online `discard`), so everything under
 * bench/out/work is deleted once, after the table is printed.
 */
function discard(p) {
  if (!fs.lstatSync(p, { throwIfNoEntry: false })) return;
  fs.mkdirSync(TRASH, { recursive: true });
  fs.renameSync(p, path.join(TRASH, String(trashN++)));
}
const rel = (p) => path.relative(ROOT, p) || '.';
const fmtMs = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '?');
const loadStr = () => os.loadavg().map((x) => x.toFixed(1)).join('/');
/** median over runs of keel_i / ref_i: each pair ran back to back, so it is less sensitive to load swings */
const pairedRatio = (a, b) => median(a.map((x, i) => x / b[i]));
const cpuNote = (s) =>
  Number.isFinite(median(s.cpu)) && Number.isFinite(median(s.refCpu))
    ? `cpu (user+sys) keel ${fmtMs(median(s.cpu))} vs ref ${fmtMs(median(s.refCpu))}; paired wall ratio ${pairedRatio(s.tool, s.ref).toFixed(2)}x`
    : `paired wall ratio ${pairedRatio(s.tool, s.ref).toFixed(2)}x`;

function canDropCaches() {
  try {
    sync();
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}
function dropCaches() {
  sync();
  fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
}

function which(cmd) {
  for (const d of (process.env.PATH || '').split(':')) {
    const p = path.join(d || '.', cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/**
 * Run a command; resolve with wall time (ms, spawn → exit, measured here) and optionally the peak
 * RSS in MB. Rejects on a non-zero exit unless allowFail.
 */
function run(argv, { cwd = ROOT, env = BASE_ENV, rss = false, allowFail = false } = {}) {
  return new Promise((resolve, reject) => {
    let timeFile;
    let full = argv;
    if (rss && HAS_TIME) {
      timeFile = path.join(os.tmpdir(), `keel-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
      full = ['/usr/bin/time', '-f', '%M %U %S', '-o', timeFile, ...argv];
    }
    const t0 = performance.now();
    const child = spawn(full[0], full.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let hwmKB = 0;
    let poll;
    if (rss && !HAS_TIME) {
      const read = () => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) hwmKB = Math.max(hwmKB, Number(m[1]));
        } catch {
          /* exited */
        }
      };
      poll = setInterval(read, 5);
      read();
    }
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (poll) clearInterval(poll);
      let rssMB;
      let cpuMs; // user + sys of the process tree (only with /usr/bin/time)
      if (timeFile) {
        try {
          const lines = fs.readFileSync(timeFile, 'utf8').trim().split('\n');
          const [m, u, sy] = lines[lines.length - 1].split(' ').map(Number);
          rssMB = m / 1024;
          cpuMs = (u + sy) * 1000;
        } catch {
          /* no file */
        }
        fs.rmSync(timeFile, { force: true });
      } else if (rss) rssMB = hwmKB / 1024;
      const r = { ms, code, stdout, stderr, rssMB, cpuMs };
      if (code !== 0 && !allowFail) {
        const e = new Error(`command failed (exit ${code}): ${argv.join(' ')} [cwd ${cwd}]\n${stderr.slice(-2000)}${stdout.slice(-1000)}`);
        e.result = r;
        reject(e);
      } else resolve(r);
    });
  });
}
const sh = (cmd, opts) => run(['sh', '-c', cmd], opts);

// ---------------------------------------------------------------- deterministic data

function keystream(seed) {
  const key = createHash('sha256').update(seed).digest();
  const c = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return (n) => c.update(Buffer.alloc(n));
}

const treeName = (d, f) => [`d${String(d).padStart(3, '0')}`, `f${String(f).padStart(4, '0')}.bin`];

function datasetHome(name) {
  return path.join(DATA, name);
}

function datasetValid(name) {
  const spec = DATASETS[name];
  const home = datasetHome(name);
  try {
    const marker = JSON.parse(fs.readFileSync(home + '.json', 'utf8'));
    if (JSON.stringify(marker) !== JSON.stringify(spec)) return false;
    if (spec.kind === 'file') return fs.statSync(home).size === spec.size;
    const dirs = fs.readdirSync(home);
    if (dirs.length !== spec.dirs) return false;
    for (const d of dirs) if (fs.readdirSync(path.join(home, d)).length !== spec.perDir) return false;
    // spot-check content of the last file (catches a half-written tree)
    const [d, f] = treeName(spec.dirs - 1, spec.perDir - 1);
    return fs.statSync(path.join(home, d, f)).size === spec.size;
  } catch {
    return false;
  }
}

function ensureDataset(name) {
  if (datasetValid(name)) return false;
  const spec = DATASETS[name];
  const home = datasetHome(name);
  rmrf(home);
  rmrf(home + '.json');
  fs.mkdirSync(DATA, { recursive: true });
  const next = keystream(spec.seed);
  if (spec.kind === 'file') {
    const fd = fs.openSync(home + '.part', 'w');
    const CH = 16 << 20;
    for (let done = 0; done < spec.size; done += CH) fs.writeSync(fd, next(Math.min(CH, spec.size - done)));
    fs.closeSync(fd);
    fs.renameSync(home + '.part', home);
  } else {
    const part = home + '.part';
    rmrf(part);
    for (let d = 0; d < spec.dirs; d++) {
      const buf = next(spec.perDir * spec.size);
      const [dn] = treeName(d, 0);
      fs.mkdirSync(path.join(part, dn), { recursive: true });
      for (let f = 0; f < spec.perDir; f++) fs.writeFileSync(path.join(part, ...treeName(d, f)), buf.subarray(f * spec.size, (f + 1) * spec.size));
    }
    fs.renameSync(part, home);
  }
  fs.writeFileSync(home + '.json', JSON.stringify(spec));
  return true;
}

// Datasets are renamed into workspaces (same filesystem, no copy) and always renamed back.
const placed = new Map(); // name -> current path
function place(name, dest) {
  const cur = placed.get(name) ?? datasetHome(name);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.renameSync(cur, dest);
  placed.set(name, dest);
}
function restore(name) {
  const cur = placed.get(name);
  if (!cur) return;
  if (fs.existsSync(cur)) fs.renameSync(cur, datasetHome(name));
  placed.delete(name);
}
function restoreAll() {
  for (const name of [...placed.keys()]) {
    try {
      restore(name);
    } catch (e) {
      process.stderr.write(`bench: could not move ${name} back: ${e.message} (it will be regenerated next run)\n`);
    }
  }
}

// ---------------------------------------------------------------- tools

const keelTool = { name: 'keel', argv: [process.execPath, KEEL], show: 'node dist/cli/main.js' };
const dvcPath = which('dvc');
const dvcTool = dvcPath ? { name: 'dvc', argv: [dvcPath], show: 'dvc' } : undefined;
const T = (tool, ...args) => [...tool.argv, ...args];

async function newRepo(dir, tool) {
  discard(dir);
  fs.mkdirSync(dir, { recursive: true });
  await run(['git', 'init', '-q'], { cwd: dir });
  await run(T(tool, 'init', '-q'), { cwd: dir });
}
async function gitCommitAll(dir) {
  await run(['git', 'add', '-A'], { cwd: dir });
  await run(['git', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'bench'], { cwd: dir });
}

// ---------------------------------------------------------------- results

const rows = [];
const extra = {}; // raw samples and context for results.json
/**
 * target: { kind: 'ratio<=' | 'abs<=' | 'abs>=', value } — applied to `ratio` for ratio targets,
 * to `keel` otherwise. ratio = keel / ref for times, ref / keel for rates (so >1 is always "keel slower").
 */
function addRow(r) {
  const row = { ...r };
  if (row.ratio === undefined && Number.isFinite(row.keel) && Number.isFinite(row.ref))
    row.ratio = row.unit === 'obj/s' ? row.ref / row.keel : row.keel / row.ref;
  if (row.target) {
    const v = row.target.kind.startsWith('ratio') ? row.ratio : row.keel;
    if (!Number.isFinite(v)) row.pass = undefined;
    else row.pass = row.target.kind.endsWith('<=') ? v <= row.target.value : v >= row.target.value;
  }
  rows.push(row);
  return row;
}
function errorRow(id, metric, e, target) {
  log(`ERROR in ${id}: ${e.message.split('\n')[0]}`);
  rows.push({ id, metric, error: e.message.split('\n').slice(0, 3).join(' | '), target, pass: target ? false : undefined });
}

// ---------------------------------------------------------------- phases

const REF_ADD_TREE = 'find data -type f -print0 | xargs -0 md5sum > /dev/null && cp -r data ../scratch';
const REF_ADD_FILE = 'md5sum big.bin > /dev/null && cp big.bin ../scratch';
const REF_CP_TREE = 'cp -r data ../scratch';

/**
 * `add` of a dataset in fresh repositories, RUNS times, with the reference (md5sum + cp) run on
 * the same files just before each keel run. The last repository is kept (with its data) and returned.
 */
async function phaseAdd(tool, { dataset, target, refCmd, repo, runs, withRef }) {
  const s = { ref: [], tool: [], rss: [], refRss: [], refCpu: [], cpu: [], load: [], out: '' };
  for (let i = 0; i < runs; i++) {
    await newRepo(repo, tool);
    place(dataset, path.join(repo, target));
    if (i === 0) await sh(`find ${target} -type f -print0 | xargs -0 cat > /dev/null`, { cwd: repo }); // warm the page cache
    if (withRef) {
      discard(SCRATCH);
      sync();
      const r = await sh(refCmd, { cwd: repo, rss: true });
      s.ref.push(r.ms);
      s.refRss.push(r.rssMB);
      s.refCpu.push(r.cpuMs);
      discard(SCRATCH);
    }
    sync();
    const k = await run(T(tool, 'add', target), { cwd: repo, rss: true });
    s.tool.push(k.ms);
    s.rss.push(k.rssMB);
    s.cpu.push(k.cpuMs);
    s.load.push(os.loadavg()[0]);
    s.out = (k.stdout + k.stderr).trim().split('\n').slice(-3).join(' / ');
    log(`  ${tool.name} add ${target} run ${i + 1}/${runs}: ${(k.ms / 1000).toFixed(2)} s, cpu ${fmtMs(k.cpuMs)} (ref ${withRef ? (s.ref[i] / 1000).toFixed(2) + ' s, cpu ' + fmtMs(s.refCpu[i]) : '-'}) rss ${k.rssMB?.toFixed(0)} MB, load ${loadStr()}`);
    if (i < runs - 1) {
      restore(dataset);
      discard(repo);
    }
  }
  return s;
}

/** One cold-cache add: page cache dropped before the reference and again before keel. */
async function phaseAddCold(tool, { dataset, target, refCmd, repo }) {
  await newRepo(repo, tool);
  place(dataset, path.join(repo, target));
  discard(SCRATCH);
  dropCaches();
  const r = await sh(refCmd, { cwd: repo, rss: true });
  discard(SCRATCH);
  dropCaches();
  const k = await run(T(tool, 'add', target), { cwd: repo, rss: true });
  log(`  ${tool.name} add ${target} cold: ${(k.ms / 1000).toFixed(2)} s (ref ${(r.ms / 1000).toFixed(2)} s)`);
  restore(dataset);
  discard(repo);
  return { ref: r.ms, tool: k.ms, rss: k.rssMB, cpu: k.cpuMs, refCpu: r.cpuMs };
}

async function phaseStatus(tool, repo, n = 5) {
  const first = await run(T(tool, 'status'), { cwd: repo });
  const rest = [];
  let out = first.stdout.trim();
  for (let i = 0; i < n; i++) {
    const r = await run(T(tool, 'status'), { cwd: repo });
    rest.push(r.ms);
    out = r.stdout.trim();
  }
  const noop = /up to date/i.test(out);
  log(`  ${tool.name} status: first ${(first.ms / 1000).toFixed(2)} s, then median ${(median(rest) / 1000).toFixed(2)} s (${JSON.stringify(out.slice(0, 60))})`);
  return { first: first.ms, samples: rest, med: median(rest), noop, out };
}

/** push to a fresh local remote, then pull in a fresh clone; reference cp -r before each. */
async function phasePushPull(tool, { repo, remote, clone, runs, withRef }) {
  const s = { refPush: [], push: [], pushRss: [], pushCpu: [], refPull: [], pull: [], pullRss: [], pullCpu: [], load: [], pushOut: '', pullOut: '' };
  for (let i = 0; i < runs; i++) {
    discard(remote);
    if (withRef) {
      discard(SCRATCH);
      sync();
      s.refPush.push((await sh(REF_CP_TREE, { cwd: repo })).ms);
      discard(SCRATCH);
    }
    sync();
    const p = await run(T(tool, 'push'), { cwd: repo, rss: true });
    s.push.push(p.ms);
    s.pushRss.push(p.rssMB);
    s.pushCpu.push(p.cpuMs);
    s.pushOut = lastLine(p, /pushed|up to date|Everything/i);
    discard(clone);
    await run(['git', 'clone', '-q', repo, clone]);
    if (withRef) {
      discard(SCRATCH);
      sync();
      s.refPull.push((await sh(REF_CP_TREE, { cwd: repo })).ms);
      discard(SCRATCH);
    }
    sync();
    const q = await run(T(tool, 'pull'), { cwd: clone, rss: true });
    s.pull.push(q.ms);
    s.pullRss.push(q.rssMB);
    s.pullCpu.push(q.cpuMs);
    s.load.push(os.loadavg()[0]);
    s.pullOut = lastLine(q, /fetched|added|up to date|Everything/i);
    log(`  ${tool.name} push/pull run ${i + 1}/${runs}: push ${(p.ms / 1000).toFixed(2)} s (ref ${withRef ? fmtMs(s.refPush[i]) : '-'}), pull ${(q.ms / 1000).toFixed(2)} s (ref ${withRef ? fmtMs(s.refPull[i]) : '-'}), rss ${p.rssMB?.toFixed(0)}/${q.rssMB?.toFixed(0)} MB, load ${loadStr()}`);
  }
  return s;
}

async function phaseVersion() {
  const hf = which('hyperfine');
  const keelCmd = `${process.execPath} ${KEEL} --version`;
  const nodeCmd = `${process.execPath} -e 0`;
  const empty = path.join(WORK, 'empty.mjs');
  fs.writeFileSync(empty, '');
  const emptyCmd = `${process.execPath} ${empty}`;
  if (hf) {
    const json = path.join(WORK, 'hyperfine.json');
    await run([hf, '-N', '--warmup', '3', '--runs', '20', '--export-json', json, keelCmd, nodeCmd, emptyCmd]);
    const res = JSON.parse(fs.readFileSync(json, 'utf8')).results;
    return { method: 'hyperfine -N --warmup 3 --runs 20 (median)', keel: res[0].median * 1000, node: res[1].median * 1000, empty: res[2].median * 1000, keelMean: res[0].mean * 1000, nodeMean: res[1].mean * 1000 };
  }
  const k = [];
  const n = [];
  const e = [];
  for (let i = 0; i < 3; i++) await run([process.execPath, KEEL, '--version']);
  for (let i = 0; i < 20; i++) {
    k.push((await run([process.execPath, KEEL, '--version'])).ms);
    n.push((await run([process.execPath, '-e', '0'])).ms);
    e.push((await run([process.execPath, empty])).ms);
  }
  return { method: '20 interleaved runs each, median (hyperfine not found)', keel: median(k), node: median(n), empty: median(e) };
}

// --- S3 (s3rver child process)

async function startS3rver(dir, bucket) {
  discard(dir);
  const child = spawn(process.execPath, [path.join(ROOT, 'bench', 's3rver.mjs'), dir, bucket], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('s3rver did not start within 20 s')), 20000);
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /\{"port":(\d+)\}/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (c) => reject(new Error(`s3rver exited (${c})`)));
  });
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      child.stdin.end();
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
      discard(dir);
    },
  };
}

/** the last output line matching `re` (keel/dvc may print warnings after the summary) */
function lastLine(r, re) {
  const lines = (r.stdout + '\n' + r.stderr).split('\n').map((l) => l.trim()).filter(Boolean);
  return [...lines].reverse().find((l) => re.test(l)) ?? lines[lines.length - 1] ?? '';
}
const countFrom = (out, re, fallback) => {
  const m = re.exec(out);
  return m ? Number(m[1]) : fallback;
};

async function phaseS3(tool, { runs }) {
  const repo = path.join(WORK, `${tool.name}-s3`);
  const clone = path.join(WORK, `${tool.name}-s3-clone`);
  const bucket = 'bench';
  const srv = await startS3rver(path.join(WORK, 's3rver'), bucket);
  const env = { ...BASE_ENV, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
  const s = { push: [], pull: [], pushObjs: [], pullObjs: [], refPut: [], refGet: [], endpoint: srv.endpoint };
  try {
    await newRepo(repo, tool);
    place('small2k', path.join(repo, 'data'));
    await run(T(tool, 'add', 'data'), { cwd: repo });
    await run(T(tool, 'remote', 'add', '-d', 's3', `s3://${bucket}/run0`), { cwd: repo });
    await run(T(tool, 'remote', 'modify', 's3', 'endpointurl', srv.endpoint), { cwd: repo });
    await gitCommitAll(repo);
    const expected = DATASETS.small2k.dirs * DATASETS.small2k.perDir + 1; // files + the .dir manifest
    for (let i = 0; i < runs; i++) {
      const url = `s3://${bucket}/run${i + 1}`; // a fresh prefix: every object is uploaded again
      await run(T(tool, 'remote', 'modify', 's3', 'url', url), { cwd: repo });
      const p = await run(T(tool, 'push'), { cwd: repo, env, rss: true });
      s.push.push(p.ms);
      s.pushObjs.push(countFrom(p.stdout + p.stderr, /(\d+) files? pushed/, expected));
      discard(clone);
      await run(['git', 'clone', '-q', repo, clone]);
      await run(T(tool, 'remote', 'modify', 's3', 'url', url), { cwd: clone });
      const q = await run(T(tool, 'pull'), { cwd: clone, env, rss: true });
      s.pull.push(q.ms);
      s.pullObjs.push(countFrom(q.stdout + q.stderr, /(\d+) files? fetched/, expected));
      s.pushOut = lastLine(p, /pushed|up to date/i);
      s.pullOut = lastLine(q, /fetched|added|up to date/i);
      log(`  ${tool.name} s3 run ${i + 1}/${runs}: push ${s.pushObjs[i]} obj in ${(p.ms / 1000).toFixed(2)} s, pull ${s.pullObjs[i]} obj in ${(q.ms / 1000).toFixed(2)} s`);
      if (tool === keelTool && i === 0) {
        const ref = path.join(ROOT, 'bench', 's3-ref.mjs');
        const rp = JSON.parse((await run([process.execPath, ref, 'put', srv.endpoint, bucket, `ref${i}`, path.join(repo, 'data'), '16'], { env })).stdout);
        const rg = JSON.parse((await run([process.execPath, ref, 'get', srv.endpoint, bucket, `ref${i}`, path.join(repo, 'data'), '16'], { env })).stdout);
        s.refPut.push((rp.objects / rp.ms) * 1000);
        s.refGet.push((rg.objects / rg.ms) * 1000);
        log(`  raw SDK 16-concurrent: put ${s.refPut[i].toFixed(0)} obj/s, get ${s.refGet[i].toFixed(0)} obj/s`);
      }
    }
  } finally {
    restore('small2k');
    await srv.close();
    discard(repo);
    discard(clone);
  }
  s.pushRate = median(s.push.map((ms, i) => (s.pushObjs[i] / ms) * 1000));
  s.pullRate = median(s.pull.map((ms, i) => (s.pullObjs[i] / ms) * 1000));
  return s;
}

// ---------------------------------------------------------------- output

const fmtNum = (v, unit) => {
  if (v === undefined || v === null || !Number.isFinite(v)) return '-';
  if (unit === 's') return v >= 10 ? `${v.toFixed(1)} s` : v >= 1 ? `${v.toFixed(2)} s` : `${(v * 1000).toFixed(0)} ms`;
  if (unit === 'obj/s') return `${v.toFixed(0)} obj/s`;
  if (unit === 'MB') return `${v.toFixed(0)} MB`;
  return String(v);
};
const fmtTarget = (t, unit) => {
  if (!t) return '';
  if (t.kind.startsWith('ratio')) return `ratio ${t.kind.slice(5)} ${t.value}`;
  return `${t.kind.slice(3)} ${fmtNum(t.value, unit)}`;
};

function printTable(header) {
  rows.sort((x, y) => x.id.localeCompare(y.id, 'en', { numeric: true }));
  const cols = ['#', 'metric', 'keel', 'reference', 'ratio', 'target', 'result'];
  const data = rows.map((r) => [
    r.id,
    r.metric,
    r.error ? 'ERROR' : fmtNum(r.keel, r.unit),
    r.error ? '' : fmtNum(r.ref, r.unit),
    Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}x` : '-',
    fmtTarget(r.target, r.unit),
    r.pass === true ? 'PASS' : r.pass === false ? 'FAIL' : r.target ? 'n/a' : 'info',
  ]);
  const w = cols.map((c, i) => Math.max(c.length, ...data.map((d) => d[i].length)));
  const line = (cells) => cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ');
  const out = [header, '', line(cols), w.map((n) => '-'.repeat(n)).join('  ')];
  rows.forEach((r, i) => {
    out.push(line(data[i]));
    if (r.error) out.push(`      error: ${r.error}`);
    if (r.keelCmd) out.push(`      keel: ${r.keelCmd}`);
    if (r.refCmd) out.push(`      ref:  ${r.refCmd}`);
    if (r.note) out.push(`      note: ${r.note}`);
    const sp = (xs) => xs.map((x) => (x / 1000).toFixed(2)).join(' / ');
    if (r.samples?.keel?.length > 1) out.push(`      runs (s): keel ${sp(r.samples.keel)}${r.samples.ref ? `; ref ${sp(r.samples.ref)}` : ''}`);
  });
  const pass = rows.filter((r) => r.pass === true).length;
  const fail = rows.filter((r) => r.pass === false).length;
  out.push('', `targets: ${pass} PASS, ${fail} FAIL. ratio = keel / reference for times (keel time ÷ reference time), reference / keel for obj/s; > 1 means keel is slower.`);
  process.stdout.write(out.join('\n') + '\n');
}

// ---------------------------------------------------------------- main

async function main() {
  if (!fs.existsSync(KEEL)) throw new Error(`${rel(KEEL)} not found: run 'npm run build' first (npm run bench does)`);
  fs.mkdirSync(OUT, { recursive: true });
  rmrf(WORK);
  fs.mkdirSync(WORK, { recursive: true });

  log('preparing data (generated once, reused from bench/out/data) ...');
  for (const name of ['small10k', 'small2k', ...(QUICK ? [] : ['big'])]) {
    const t = performance.now();
    if (ensureDataset(name)) log(`  generated ${name} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const cold = !NO_COLD && canDropCaches();
  const loadStart = os.loadavg();
  if (loadStart[0] > os.cpus().length) log(`WARNING: load average ${loadStr()} on ${os.cpus().length} cpus: other work is running, timings will be noisy`);
  const n10k = DATASETS.small10k.dirs * DATASETS.small10k.perDir;
  const main = path.join(WORK, 'keel-main');
  const remote = path.join(WORK, 'keel-remote');
  const clone = path.join(WORK, 'keel-clone');
  const kc = keelTool.show;

  // 1. add 10k (warm), keep the last repo as the main repo for status / push / pull
  let add10k;
  log(`1. keel add of ${n10k} x 4 KiB files (warm, ${RUNS} runs) ...`);
  try {
    add10k = await phaseAdd(keelTool, { dataset: 'small10k', target: 'data', refCmd: REF_ADD_TREE, repo: main, runs: RUNS, withRef: true });
    addRow({
      id: '1', metric: `add ${n10k} x 4 KiB (warm, median of ${RUNS})`, unit: 's', keel: median(add10k.tool) / 1000, ref: median(add10k.ref) / 1000,
      target: { kind: 'ratio<=', value: 1.5 }, keelCmd: `${kc} add data   (fresh repo each run; 'data' = 100 dirs x 100 files)`, refCmd: `sh -c '${REF_ADD_TREE}'`,
      note: cpuNote(add10k), samples: { keel: add10k.tool, ref: add10k.ref, keelCpu: add10k.cpu, refCpu: add10k.refCpu, load1: add10k.load },
    });
    await run(T(keelTool, 'remote', 'add', '-d', 'store', remote), { cwd: main });
    await gitCommitAll(main);
  } catch (e) {
    errorRow('1', 'add 10k (warm)', e, { kind: 'ratio<=', value: 1.5 });
  }

  // 3. status
  if (add10k) {
    log('3. keel status (no-op) ...');
    try {
      const st = await phaseStatus(keelTool, main);
      extra.status = st;
      addRow({ id: '3a', metric: 'status, no-op, 10k tracked (first after add)', unit: 's', keel: st.first / 1000, target: { kind: 'abs<=', value: 0.3 }, keelCmd: `${kc} status`, note: `output: ${JSON.stringify(st.out)}` });
      addRow({ id: '3b', metric: 'status, no-op, 10k tracked (median of next 5)', unit: 's', keel: st.med / 1000, target: { kind: 'abs<=', value: 0.3 }, keelCmd: `${kc} status`, samples: { keel: st.samples } });
    } catch (e) {
      errorRow('3', 'status no-op', e, { kind: 'abs<=', value: 0.3 });
    }
  }

  // 4. push / pull local
  let pp;
  if (add10k) {
    log(`4. keel push / pull, local remote (${RUNS} runs) ...`);
    try {
      pp = await phasePushPull(keelTool, { repo: main, remote, clone, runs: RUNS, withRef: true });
      addRow({ id: '4a', metric: `push ${n10k} files, local remote (median of ${RUNS})`, unit: 's', keel: median(pp.push) / 1000, ref: median(pp.refPush) / 1000, target: { kind: 'ratio<=', value: 3 }, keelCmd: `${kc} push   (empty remote dir each run) -> ${JSON.stringify(pp.pushOut)}`, refCmd: `sh -c '${REF_CP_TREE}'`, note: `cpu keel ${fmtMs(median(pp.pushCpu))}; paired wall ratio ${pairedRatio(pp.push, pp.refPush).toFixed(2)}x`, samples: { keel: pp.push, ref: pp.refPush, keelCpu: pp.pushCpu, load1: pp.load } });
      addRow({ id: '4b', metric: `pull ${n10k} files, local remote, fresh clone (median of ${RUNS})`, unit: 's', keel: median(pp.pull) / 1000, ref: median(pp.refPull) / 1000, target: { kind: 'ratio<=', value: 3 }, keelCmd: `git clone main clone && cd clone && ${kc} pull (timed: pull only) -> ${JSON.stringify(pp.pullOut)}`, refCmd: `sh -c '${REF_CP_TREE}'`, note: `cpu keel ${fmtMs(median(pp.pullCpu))}; paired wall ratio ${pairedRatio(pp.pull, pp.refPull).toFixed(2)}x`, samples: { keel: pp.pull, ref: pp.refPull, keelCpu: pp.pullCpu, load1: pp.load } });
      const st = await phaseStatus(keelTool, clone, 3);
      addRow({ id: '4c', metric: 'status, no-op, in the clone right after pull', unit: 's', keel: st.first / 1000, target: { kind: 'abs<=', value: 0.3 }, keelCmd: `${kc} status  (first run after pull; later runs median ${(st.med / 1000).toFixed(2)} s)` });
    } catch (e) {
      errorRow('4', 'push/pull local', e, { kind: 'ratio<=', value: 3 });
    }
  }

  // 7. peak RSS (from the runs above)
  if (add10k)
    addRow({ id: '7a', metric: 'peak RSS, add 10k (max over runs)', unit: 'MB', keel: Math.max(...add10k.rss), ref: Math.max(...add10k.refRss), ratio: NaN, target: { kind: 'abs<=', value: 200 }, keelCmd: `${kc} add data`, refCmd: 'md5sum+cp (max of the sh process tree)', note: `measured with ${RSS_METHOD}` });
  if (pp) {
    addRow({ id: '7b', metric: 'peak RSS, pull 10k (max over runs)', unit: 'MB', keel: Math.max(...pp.pullRss), target: { kind: 'abs<=', value: 200 }, keelCmd: `${kc} pull`, note: `measured with ${RSS_METHOD}` });
    addRow({ id: '7c', metric: 'peak RSS, push 10k (max over runs)', unit: 'MB', keel: Math.max(...pp.pushRss), keelCmd: `${kc} push` });
  }

  // 6. --version
  log('6. keel --version vs node -e 0 ...');
  try {
    const v = await phaseVersion();
    addRow({ id: '6', metric: 'startup: --version vs node -e 0', unit: 's', keel: v.keel / 1000, ref: v.node / 1000, target: { kind: 'ratio<=', value: 1.5 }, keelCmd: `${kc} --version`, refCmd: 'node -e 0', note: v.method });
    if (Number.isFinite(v.empty))
      addRow({ id: '6b', metric: 'startup: --version vs node <empty .mjs>', unit: 's', keel: v.keel / 1000, ref: v.empty / 1000, keelCmd: `${kc} --version`, refCmd: 'node bench/out/work/empty.mjs', note: 'info only: `node -e 0` takes the eval path, which can be slower than loading an empty ES module' });
  } catch (e) {
    errorRow('6', 'startup', e, { kind: 'ratio<=', value: 1.5 });
  }

  // 1 (cold)
  if (add10k) {
    if (cold) {
      log('1c. keel add 10k, cold page cache ...');
      try {
        restore('small10k');
        const c = await phaseAddCold(keelTool, { dataset: 'small10k', target: 'data', refCmd: REF_ADD_TREE, repo: path.join(WORK, 'keel-cold') });
        addRow({ id: '1c', metric: `add ${n10k} x 4 KiB (cold cache, 1 run)`, unit: 's', keel: c.tool / 1000, ref: c.ref / 1000, target: { kind: 'ratio<=', value: 1.5 }, keelCmd: `${kc} add data`, refCmd: `sh -c '${REF_ADD_TREE}'`, note: `sync; echo 3 > /proc/sys/vm/drop_caches before each side (node + keel modules are read cold too); cpu keel ${fmtMs(c.cpu)} vs ref ${fmtMs(c.refCpu)}` });
      } catch (e) {
        errorRow('1c', 'add 10k cold', e, { kind: 'ratio<=', value: 1.5 });
      }
    } else rows.push({ id: '1c', metric: 'add 10k, cold cache', note: NO_COLD ? 'skipped (KEEL_BENCH_NO_COLD=1)' : 'skipped: cannot write /proc/sys/vm/drop_caches (needs root)' });
  }
  restore('small10k');
  discard(main);
  discard(clone);
  discard(remote);

  // 5. S3
  const n2k = DATASETS.small2k.dirs * DATASETS.small2k.perDir;
  if (NO_S3) rows.push({ id: '5', metric: 'S3 push/pull', note: 'skipped (KEEL_BENCH_NO_S3=1)' });
  else {
    log(`5. keel push / pull with s3rver, ${n2k} files (${RUNS} runs) ...`);
    try {
      const s = await phaseS3(keelTool, { runs: RUNS });
      extra.s3 = s;
      const note = `${n2k} x 4 KiB files (not 10k: s3rver is slow), s3rver 3.7.1 as a child process on 127.0.0.1 sharing the 2 cores; reference = raw @aws-sdk/client-s3, 16 concurrent (bench/s3-ref.mjs)`;
      addRow({ id: '5a', metric: `S3 push ${n2k} files (median of ${RUNS})`, unit: 'obj/s', keel: s.pushRate, ref: median(s.refPut), target: { kind: 'abs>=', value: 300 }, keelCmd: `${kc} push  (remote s3://bench/runN, endpointurl ${s.endpoint}) -> ${JSON.stringify(s.pushOut)}`, refCmd: 'node bench/s3-ref.mjs put <endpoint> bench refN <repo>/data 16  (PutObject per file, 1 run)', note, samples: { keelMs: s.push, objs: s.pushObjs, refPut: s.refPut } });
      addRow({ id: '5b', metric: `S3 pull ${n2k} files, fresh clone (median of ${RUNS})`, unit: 'obj/s', keel: s.pullRate, ref: median(s.refGet), target: { kind: 'abs>=', value: 300 }, keelCmd: `${kc} pull -> ${JSON.stringify(s.pullOut)}  (includes checkout of the files)`, refCmd: 'node bench/s3-ref.mjs get <endpoint> bench refN <repo>/data 16  (GetObject per file, 1 run)', samples: { keelMs: s.pull, objs: s.pullObjs, refGet: s.refGet } });
    } catch (e) {
      errorRow('5', 'S3 push/pull', e, { kind: 'abs>=', value: 300 });
    }
  }

  // 8. DVC peer
  if (!dvcTool) rows.push({ id: '8', metric: 'DVC peer', note: 'dvc not on PATH: peer skipped' });
  else {
    log(`8. DVC peer (${dvcPath}) ...`);
    const dmain = path.join(WORK, 'dvc-main');
    const dremote = path.join(WORK, 'dvc-remote');
    const dclone = path.join(WORK, 'dvc-clone');
    try {
      const dv = (await run([dvcPath, '--version'], { allowFail: true })).stdout.trim().split('\n')[0];
      const a = await phaseAdd(dvcTool, { dataset: 'small10k', target: 'data', refCmd: REF_ADD_TREE, repo: dmain, runs: RUNS, withRef: false });
      await run(T(dvcTool, 'remote', 'add', '-d', 'store', dremote), { cwd: dmain });
      await gitCommitAll(dmain);
      const st = await phaseStatus(dvcTool, dmain);
      const p = await phasePushPull(dvcTool, { repo: dmain, remote: dremote, clone: dclone, runs: RUNS, withRef: false });
      const peer = (id, metric, dvcMs, keelMs, sub) =>
        rows.push({ id, metric, unit: 's', keel: keelMs / 1000, ref: dvcMs / 1000, ratio: keelMs / dvcMs, keelCmd: `${keelTool.show} ${sub}`, refCmd: `${dvcPath} ${sub}  (same protocol, median of ${RUNS})`, note: `reference = ${dv}; keel speed-up ${(dvcMs / keelMs).toFixed(2)}x`, peer: true });
      if (add10k) peer('8a', 'vs DVC: add 10k', median(a.tool), median(add10k.tool), 'add data');
      if (extra.status) peer('8b', 'vs DVC: status no-op (median of 5)', st.med, extra.status.med, 'status');
      if (pp) {
        peer('8c', 'vs DVC: push 10k local', median(p.push), median(pp.push), 'push');
        peer('8d', 'vs DVC: pull 10k local', median(p.pull), median(pp.pull), 'pull');
      }
      extra.dvc = { version: dv, add: a, status: st, pushpull: p };
    } catch (e) {
      errorRow('8', 'DVC peer', e);
    } finally {
      restore('small10k');
      discard(dmain);
      discard(dclone);
      discard(dremote);
    }
  }

  // 2. big file (last: it leaves ~8 GiB in bench/out/work/trash)
  if (QUICK) rows.push({ id: '2', metric: 'add 1 GiB file', note: 'skipped (KEEL_BENCH_QUICK=1)' });
  else {
    log(`2. keel add of one 1 GiB file (warm, ${RUNS} runs) ...`);
    const repo = path.join(WORK, 'keel-big');
    try {
      const b = await phaseAdd(keelTool, { dataset: 'big', target: 'big.bin', refCmd: REF_ADD_FILE, repo, runs: RUNS, withRef: true });
      restore('big');
      discard(repo);
      addRow({ id: '2', metric: `add 1 GiB random file (warm, median of ${RUNS})`, unit: 's', keel: median(b.tool) / 1000, ref: median(b.ref) / 1000, target: { kind: 'ratio<=', value: 1.0 }, keelCmd: `${kc} add big.bin`, refCmd: `sh -c '${REF_ADD_FILE}'`, note: `peak RSS ${Math.max(...b.rss).toFixed(0)} MB; ${cpuNote(b)}`, samples: { keel: b.tool, ref: b.ref, keelCpu: b.cpu, refCpu: b.refCpu, load1: b.load } });
      if (cold) {
        const c = await phaseAddCold(keelTool, { dataset: 'big', target: 'big.bin', refCmd: REF_ADD_FILE, repo });
        addRow({ id: '2c', metric: 'add 1 GiB random file (cold cache, 1 run)', unit: 's', keel: c.tool / 1000, ref: c.ref / 1000, target: { kind: 'ratio<=', value: 1.0 }, keelCmd: `${kc} add big.bin`, refCmd: `sh -c '${REF_ADD_FILE}'`, note: `cpu keel ${fmtMs(c.cpu)} vs ref ${fmtMs(c.refCpu)}` });
      }
    } catch (e) {
      errorRow('2', 'add 1 GiB', e, { kind: 'ratio<=', value: 1.0 });
    } finally {
      restore('big');
      discard(repo);
    }
  }

  // ---- report
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim()) commit += '+dirty(src)';
  } catch {
    /* not a git checkout */
  }
  const env = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    kernel: os.release(),
    keelCommit: commit,
    runs: RUNS,
    quick: QUICK,
    coldCache: cold,
    rssMethod: RSS_METHOD,
    dvc: dvcPath ?? null,
    loadavgStart: loadStart.map((x) => +x.toFixed(2)),
    loadavgEnd: os.loadavg().map((x) => +x.toFixed(2)),
    totalSeconds: +((performance.now() - t0Global) / 1000).toFixed(1),
  };
  const header = `keel benchmarks — ${env.date}, node ${env.node}, ${env.cpus} cpus, keel ${commit}, ${RUNS} runs/median, data on ${rel(DATA)} (${fsType(DATA)}), total ${env.totalSeconds} s, load avg ${env.loadavgStart.join('/')} at start, ${env.loadavgEnd.join('/')} at end`;
  printTable(header);
  fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify({ env, rows, extra }, null, 2) + '\n');
  process.stdout.write(`\nwrote ${rel(path.join(OUT, 'results.json'))}\n`);
  log('removing bench/out/work (with online discard this can take a minute) ...');
  rmrf(WORK);
  log('done');
}

function fsType(p) {
  try {
    return execFileSync('df', ['-T', p], { encoding: 'utf8' }).trim().split('\n')[1].split(/\s+/)[1];
  } catch {
    return '?';
  }
}

const onSignal = (sig) => {
  restoreAll();
  process.stderr.write(`bench: interrupted (${sig})\n`);
  process.exit(130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

main()
  .catch((e) => {
    process.stderr.write(`bench: ${e.stack ?? e}\n`);
    process.exitCode = 1;
  })
  .finally(restoreAll);
