/**
 * `keel build docker|k8s` through the built CLI, on a real ONNX model package (y = 2x + 1).
 *
 * No Docker engine or cluster runs here, so the outputs are checked structurally and, as close to
 * running the image as this machine gets, the context's own keel (keel/dist, with the repo's
 * node_modules standing in for `npm ci`) is started with the Dockerfile's CMD and HEALTHCHECK
 * against the copied package. The manifests are validated with ajv against the vendored strict
 * Kubernetes schemas (test/fixtures/schemas/k8s/), which reject unknown fields.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYamlDoc } from 'yaml';
import { keel, keelOk } from '../helpers/cli.js';
import { cleanup, makeTempDir } from '../helpers/git.js';
import { DataType, encodeModel } from '../../src/model/onnx/index.js';
import { readMeta, verifyArtifacts } from '../../src/model/meta.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCHEMAS = path.join(ROOT, 'test/fixtures/schemas/k8s');

// ajv and ajv-formats are CommonJS: the default export is the module object under tsx
const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as typeof AjvModule;
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as typeof addFormatsModule;

type Obj = Record<string, any>;

/** y = 2x + 1 for x float [N, 3]. */
function affineOnnx(): Uint8Array {
  return encodeModel({
    opsetImports: [{ domain: '', version: 17 }],
    graph: {
      name: 'affine',
      nodes: [
        { opType: 'Mul', inputs: ['x', 'two'], outputs: ['t'] },
        { opType: 'Add', inputs: ['t', 'one'], outputs: ['y'] },
      ],
      initializers: [
        { name: 'one', dataType: DataType.FLOAT, dims: [], data: [1] },
        { name: 'two', dataType: DataType.FLOAT, dims: [], data: [2] },
      ],
      inputs: [{ name: 'x', elemType: DataType.FLOAT, shape: ['N', 3] }],
      outputs: [{ name: 'y', elemType: DataType.FLOAT, shape: ['N', 3] }],
    },
  });
}

interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** Dockerfile → instructions (comments and blank lines dropped, `\` continuations joined). */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i];
    const line = i + 1;
    if (/^\s*(#|$)/.test(l)) continue;
    while (l.endsWith('\\') && i + 1 < lines.length) l = l.slice(0, -1) + ' ' + lines[++i].trim();
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(l);
    assert.ok(m, `Dockerfile line ${line} is an instruction: ${l}`);
    out.push({ op: m[1].toUpperCase(), args: m[2].trim(), line });
  }
  return out;
}

/** Start the context's keel with `argv` (node …); resolves with the URL it prints, or rejects. */
function startServer(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(argv[0] === 'node' ? process.execPath : argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`server did not start in 20 s: ${err}`));
    }, 20_000);
    child.stdout!.resume();
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /at (http:\/\/[^\s]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], stderr: () => err });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited ${code}: ${err}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

/** Everything under `dir`, relative paths, sorted. */
function tree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map((p) => p.split(path.sep).join('/')).sort();
}

describe('keel build (built CLI)', () => {
  let dir: string;
  const ajvValidate: Record<string, ReturnType<InstanceType<typeof Ajv>['compile']>> = {};

  before(() => {
    dir = makeTempDir('keel-build-');
    fs.writeFileSync(path.join(dir, 'affine.onnx'), affineOnnx());
    keelOk(dir, ['model', 'save', 'affine.onnx', '-o', 'pkg', '--name', 'Affine Model_v2', '--sample', '[[1,2,3]]', '-q']);

    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    for (const kind of ['deployment-apps-v1', 'service-v1', 'horizontalpodautoscaler-autoscaling-v2']) {
      const schema = JSON.parse(fs.readFileSync(path.join(SCHEMAS, `${kind}.json`), 'utf8')) as Obj;
      delete schema.$schema; // "http://json-schema.org/schema#": not a meta-schema ajv 8 knows
      ajvValidate[kind] = ajv.compile(schema);
    }
  });
  after(() => cleanup(dir));

  const validate = (kind: string, doc: unknown): string[] => {
    const v = ajvValidate[kind];
    return v(doc) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  };

  test('docker: the context — Dockerfile instructions, COPY sources, keel pinned, package re-verified', async () => {
    const r = keelOk(dir, ['build', 'docker', 'pkg', '-o', 'ctx']);
    assert.match(r.stdout, /^Wrote a Docker build context for 'Affine Model_v2' to ctx \(node:20-slim, port 8080; keel pinned by its lockfile\)\n  docker build -t affine-model-v2:[0-9a-f]{12} ctx\n/);
    const ctx = path.join(dir, 'ctx');
    assert.deepEqual(fs.readdirSync(ctx).sort(), ['.dockerignore', 'Dockerfile', 'README.md', 'keel', 'model']);
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith('.')), [], 'no temp dirs left beside -o');

    const ins = parseDockerfile(fs.readFileSync(path.join(ctx, 'Dockerfile'), 'utf8'));
    const ops = ins.map((i) => i.op);
    assert.equal(ops[0], 'FROM');
    assert.equal(ins[0].args, 'node:20-slim');
    const one = (op: string): Instruction => {
      const found = ins.filter((i) => i.op === op);
      assert.equal(found.length, 1, `one ${op}`);
      return found[0];
    };
    assert.equal(one('USER').args, 'node');
    assert.ok(ops.indexOf('USER') > ops.lastIndexOf('RUN'), 'USER node after every RUN: the server does not run as root');
    const env = ins.filter((i) => i.op === 'ENV').map((i) => i.args).join(' ');
    assert.match(env, /\bONNXRUNTIME_NODE_INSTALL=skip\b/);
    assert.match(env, /\bNODE_ENV=production\b/);
    assert.equal(one('EXPOSE').args, '8080');
    assert.match(one('RUN').args, /^npm ci --omit=dev --ignore-scripts\b/);
    assert.ok(ins.some((i) => i.op === 'WORKDIR' && i.args === '/opt/keel'));
    // every COPY source exists in the context (and .dockerignore does not exclude it)
    const ignored = fs.readFileSync(path.join(ctx, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    const copies = ins.filter((i) => i.op === 'COPY');
    assert.ok(copies.length >= 3);
    for (const c of copies) {
      const parts = c.args.split(/\s+/);
      assert.ok(!parts[0].startsWith('--'), 'no COPY flags');
      for (const src of parts.slice(0, -1)) {
        assert.ok(fs.existsSync(path.join(ctx, src)), `COPY source '${src}' (line ${c.line}) exists in the context`);
        assert.ok(!ignored.includes(src), `COPY source '${src}' is not in .dockerignore`);
      }
    }
    // the npm ci step sees the lockfile: package.json + package-lock.json are copied before RUN
    const runAt = ops.indexOf('RUN');
    assert.ok(copies.some((c) => ins.indexOf(c) < runAt && /keel\/package-lock\.json/.test(c.args) && /keel\/package\.json/.test(c.args)));
    const cmd = JSON.parse(one('CMD').args) as string[];
    assert.deepEqual(cmd, ['node', '/opt/keel/dist/cli/main.js', 'serve', '/app/model', '--host', '0.0.0.0', '--port', '8080']);
    assert.ok(copies.some((c) => c.args === 'model /app/model'), 'the package lands where CMD serves it');
    assert.ok(copies.some((c) => c.args === 'keel/dist ./dist'), 'keel dist lands in /opt/keel/dist');
    const hc = one('HEALTHCHECK').args;
    const hcCmd = JSON.parse(hc.slice(hc.indexOf('CMD ') + 4)) as string[];
    assert.equal(hcCmd[0], 'node', 'slim images have no curl: the health check uses node');
    assert.match(hcCmd[2], /http:\/\/127\.0\.0\.1:8080\/livez/);

    // keel pinned: its own lockfile, package.json, .npmrc and compiled CLI
    for (const f of ['package-lock.json', 'package.json', '.npmrc']) assert.equal(fs.readFileSync(path.join(ctx, 'keel', f), 'utf8'), fs.readFileSync(path.join(ROOT, f), 'utf8'), f);
    assert.ok(fs.existsSync(path.join(ctx, 'keel/dist/cli/main.js')));
    assert.ok(fs.existsSync(path.join(ctx, 'keel/dist/model/runtimes/onnx.js')));
    assert.ok(!tree(path.join(ctx, 'keel/dist')).some((f) => f.endsWith('.d.ts')), 'no type declarations in the image');

    // the copied package: the same metadata, every artifact's md5 checks out
    assert.deepEqual(fs.readdirSync(path.join(ctx, 'model')).sort(), ['keel-model.yaml', 'model.onnx']);
    assert.equal(fs.readFileSync(path.join(ctx, 'model/keel-model.yaml'), 'utf8'), fs.readFileSync(path.join(dir, 'pkg/keel-model.yaml'), 'utf8'));
    const meta = await readMeta(path.join(ctx, 'model'));
    await verifyArtifacts(path.join(ctx, 'model'), meta);
    assert.equal(keel(dir, ['model', 'show', 'ctx/model']).code, 0);

    const readme = fs.readFileSync(path.join(ctx, 'README.md'), 'utf8');
    assert.match(readme, /docker build -t affine-model-v2:[0-9a-f]{12} \./);
    assert.match(readme, /docker run --rm -p 8080:8080 affine-model-v2:/);
  });

  test("docker: the context's keel serves the copied package with the Dockerfile's CMD; the HEALTHCHECK passes", async () => {
    keelOk(dir, ['build', 'docker', 'pkg', '-o', 'ctx-auth', '--token-env', 'MODEL_TOKEN', '--port', '9090']);
    const ctx = path.join(dir, 'ctx-auth');
    const ins = parseDockerfile(fs.readFileSync(path.join(ctx, 'Dockerfile'), 'utf8'));
    const cmd = JSON.parse(ins.find((i) => i.op === 'CMD')!.args) as string[];
    assert.deepEqual(cmd.slice(-4), ['--port', '9090', '--token-env', 'MODEL_TOKEN']);
    assert.equal(ins.find((i) => i.op === 'EXPOSE')!.args, '9090');
    // what `npm ci` would install in /opt/keel: the repository's node_modules
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(ctx, 'keel/node_modules'), 'dir');
    // the image's paths → the context's; the fixed port → a free one; loopback only
    const local = cmd.map((a) => a.replace('/opt/keel', path.join(ctx, 'keel')).replace('/app/model', path.join(ctx, 'model')).replace(/^0\.0\.0\.0$/, '127.0.0.1').replace(/^9090$/, '0'));
    assert.ok(local[1].startsWith(ctx), 'the server is the copy of keel in the context, not the repository');
    const s = await startServer(local, { MODEL_TOKEN: 's3cret' });
    try {
      const port = new URL(s.url).port;
      assert.equal((await fetch(`${s.url}/readyz`)).status, 200, 'probes need no token');
      const sample = (await readMeta(path.join(ctx, 'model'))).sample;
      const post = (headers: Record<string, string>) =>
        fetch(`${s.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ data: sample }) });
      assert.equal((await post({})).status, 401);
      const ok = await post({ authorization: 'Bearer s3cret' });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), [[3, 5, 7]]);
      // the HEALTHCHECK command, pointed at the running server
      const hc = ins.find((i) => i.op === 'HEALTHCHECK')!.args;
      const hcCmd = (JSON.parse(hc.slice(hc.indexOf('CMD ') + 4)) as string[]).map((a) => a.replace(':9090/', `:${port}/`));
      const h = spawnSync(process.execPath, hcCmd.slice(1), { encoding: 'utf8', timeout: 10_000 });
      assert.equal(h.status, 0, `health check: ${h.stderr}`);
    } finally {
      await stop(s.child);
    }
  });

  test('docker: -o refused when not empty (nothing touched), replaced with -f; tampered package → no output', () => {
    fs.mkdirSync(path.join(dir, 'busy'));
    fs.writeFileSync(path.join(dir, 'busy/keep.txt'), 'mine');
    const r = keel(dir, ['build', 'docker', 'pkg', '-o', 'busy']);
    assert.equal(r.code, 8);
    assert.match(r.stderr, /-o busy exists and is not empty; refusing to overwrite it/);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'busy')), ['keep.txt']);
    keelOk(dir, ['build', 'docker', 'pkg', '-o', 'busy', '-f', '-q']);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'busy')).sort(), ['.dockerignore', 'Dockerfile', 'README.md', 'keel', 'model']);
    // an empty existing directory is fine without -f
    fs.mkdirSync(path.join(dir, 'empty'));
    keelOk(dir, ['build', 'k8s', 'pkg', '-o', 'empty', '-q']);
    // -o must not be the package or inside it
    const inPkg = keel(dir, ['build', 'docker', 'pkg', '-o', 'pkg/ctx', '-f']);
    assert.equal(inPkg.code, 8);
    assert.match(inPkg.stderr, /must not be the model package, inside it, or hold it/);

    fs.cpSync(path.join(dir, 'pkg'), path.join(dir, 'tampered'), { recursive: true });
    const onnx = path.join(dir, 'tampered/model.onnx');
    const bytes = fs.readFileSync(onnx);
    bytes[bytes.length - 1] ^= 1; // same size, different md5
    fs.writeFileSync(onnx, bytes);
    for (const target of ['docker', 'k8s']) {
      const t = keel(dir, ['build', target, 'tampered', '-o', `out-${target}`]);
      assert.equal(t.code, 10, t.stderr);
      assert.match(t.stderr, /artifact 'model\.onnx' has md5 [0-9a-f]{32}, expected [0-9a-f]{32}/);
      assert.ok(!fs.existsSync(path.join(dir, `out-${target}`)), 'no output directory');
    }
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith('.')), [], 'no temp dirs left');
    // not a package
    fs.mkdirSync(path.join(dir, 'notpkg'));
    const np = keel(dir, ['build', 'docker', 'notpkg', '-o', 'out-np']);
    assert.equal(np.code, 7);
    assert.match(np.stderr, /'.*notpkg' is not a model package: keel-model\.yaml not found/);
    assert.ok(!fs.existsSync(path.join(dir, 'out-np')));
  });

  test('bad flag values name the flag, exit 2, write nothing', () => {
    const cases: [string[], RegExp][] = [
      [['docker', '--port', '70000'], /--port must be an integer from 1 to 65535, got 70000/],
      [['docker', '--node-image', 'node 20'], /--node-image must be a Docker image reference/],
      [['docker', '--token-env', 'MY-TOKEN'], /--token-env must be an environment variable name/],
      [['docker', '--replicas', '3'], /--replicas is a 'keel build k8s' option/],
      [['k8s', '--name', 'Bad_Name'], /--name must be a DNS label .* got 'Bad_Name'/],
      [['k8s', '--replicas', '0'], /--replicas must be an integer from 1 to 1000, got 0/],
      [['k8s', '--replicas', '1.5'], /--replicas must be an integer/],
      [['k8s', '--min', '5', '--max', '2'], /--min \(5\) must not be above --max \(2\)/],
      [['k8s', '--cpu-target', '150'], /--cpu-target must be an integer from 1 to 100/],
      [['k8s', '--image', 'Has Space:1'], /--image must be a Docker image reference/],
      [['k8s', '--memory-limit', '512MB'], /--memory-limit must be a Kubernetes quantity/],
      [['k8s', '--token-secret', 'Bad_Secret'], /--token-secret must be a Secret name/],
      [['k8s', '--node-image', 'node:22'], /--node-image is a 'keel build docker' option/],
    ];
    for (const [[target, ...flags], re] of cases) {
      const r = keel(dir, ['build', target, 'pkg', '-o', 'bad-out', ...flags]);
      assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.ok(!fs.existsSync(path.join(dir, 'bad-out')), `${flags.join(' ')}: nothing written`);
    }
    assert.match(keel(dir, ['build', 'helm', 'pkg', '-o', 'x']).stderr, /unknown build target 'helm' \(known: docker, k8s\)/);
    assert.match(keel(dir, ['build', 'docker', 'pkg']).stderr, /usage: keel build docker <package-dir> -o <dir>/);
  });

  const readManifests = (out: string): Record<string, Obj> => {
    const docs: Record<string, Obj> = {};
    for (const f of ['deployment.yaml', 'service.yaml', 'hpa.yaml', 'kustomization.yaml']) docs[f] = parseYamlDoc(fs.readFileSync(path.join(dir, out, f), 'utf8')) as Obj;
    return docs;
  };

  test('k8s: every manifest validates against its strict schema; probes, ports, selector and HPA line up', () => {
    const r = keelOk(dir, ['build', 'k8s', 'pkg', '-o', 'k8s']);
    assert.match(r.stdout, /deployment\/affine-model-v2: image affine-model-v2:[0-9a-f]{12}, 2 replicas, port 8080/);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'k8s')).sort(), ['deployment.yaml', 'hpa.yaml', 'kustomization.yaml', 'service.yaml']);
    const m = readManifests('k8s');
    assert.deepEqual(validate('deployment-apps-v1', m['deployment.yaml']), []);
    assert.deepEqual(validate('service-v1', m['service.yaml']), []);
    assert.deepEqual(validate('horizontalpodautoscaler-autoscaling-v2', m['hpa.yaml']), []);

    const dep = m['deployment.yaml'];
    assert.equal(dep.metadata.name, 'affine-model-v2', 'the package name, DNS-safe');
    // the default image tag: the md5 prefix of keel-model.yaml, as `build docker` suggests
    const dockerTag = /docker build -t (\S+) ctx/.exec(keelOk(dir, ['build', 'docker', 'pkg', '-o', 'ctx', '-f']).stdout)![1];
    const c = dep.spec.template.spec.containers[0] as Obj;
    assert.equal(c.image, dockerTag);
    for (const [k, v] of Object.entries(dep.spec.selector.matchLabels)) assert.equal(dep.spec.template.metadata.labels[k], v, 'selector matches the pod labels');
    assert.equal(dep.spec.template.spec.securityContext.runAsNonRoot, true);
    assert.equal(dep.spec.template.spec.securityContext.runAsUser, 1000);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, 'requests and limits');
    // the container runs keel serve on the image's package, on the container port
    assert.deepEqual([...c.command, ...c.args], ['node', '/opt/keel/dist/cli/main.js', 'serve', '/app/model', '--host', '0.0.0.0', '--port', '8080']);
    const ports = c.ports as Obj[];
    assert.equal(ports.length, 1);
    const portByName = (p: unknown): number => (typeof p === 'number' ? p : ports.find((x) => x.name === p)!.containerPort);
    assert.equal(ports[0].containerPort, 8080);
    assert.equal(portByName(c.readinessProbe.httpGet.port), 8080);
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.equal(c.livenessProbe.httpGet.path, '/livez');
    assert.equal(portByName(c.livenessProbe.httpGet.port), 8080);
    assert.equal(c.startupProbe.httpGet.path, '/livez');
    assert.equal(c.env, undefined, 'no token env without --token-secret');
    assert.ok(!fs.readFileSync(path.join(dir, 'k8s/deployment.yaml'), 'utf8').includes('secretKeyRef'));

    const svc = m['service.yaml'];
    assert.equal(svc.metadata.name, dep.metadata.name);
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.equal(svc.spec.ports[0].port, 80);
    assert.equal(portByName(svc.spec.ports[0].targetPort), 8080, 'Service targetPort → the container port');
    for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(dep.spec.template.metadata.labels[k], v, 'service selects the pods');

    const hpa = m['hpa.yaml'];
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: dep.metadata.name });
    assert.equal(hpa.spec.minReplicas, 2);
    assert.equal(hpa.spec.maxReplicas, 5);
    assert.deepEqual(hpa.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);

    const kus = m['kustomization.yaml'];
    assert.equal(kus.kind, 'Kustomization');
    assert.deepEqual(kus.resources, ['deployment.yaml', 'service.yaml', 'hpa.yaml']);
    for (const f of kus.resources as string[]) assert.ok(fs.existsSync(path.join(dir, 'k8s', f)));
  });

  test('k8s: flags — name, image, replicas, port, HPA bounds, --token-secret (secretKeyRef + --token-env)', () => {
    keelOk(dir, [
      'build', 'k8s', 'pkg', '-o', 'k8s-custom', '--name', 'spam', '--image', 'registry.example.com:5000/ml/spam:1.2.0', '--replicas', '3',
      '--port', '9000', '--min', '2', '--max', '10', '--cpu-target', '60', '--token-secret', 'spam-token', '--memory-limit', '1Gi',
    ]);
    const m = readManifests('k8s-custom');
    assert.deepEqual(validate('deployment-apps-v1', m['deployment.yaml']), []);
    assert.deepEqual(validate('service-v1', m['service.yaml']), []);
    assert.deepEqual(validate('horizontalpodautoscaler-autoscaling-v2', m['hpa.yaml']), []);
    const dep = m['deployment.yaml'];
    const c = dep.spec.template.spec.containers[0] as Obj;
    assert.equal(dep.metadata.name, 'spam');
    assert.equal(dep.spec.replicas, 3);
    assert.equal(c.image, 'registry.example.com:5000/ml/spam:1.2.0');
    assert.equal(c.ports[0].containerPort, 9000);
    assert.equal(c.resources.limits.memory, '1Gi');
    assert.deepEqual(c.env, [{ name: 'KEEL_TOKEN', valueFrom: { secretKeyRef: { name: 'spam-token', key: 'token' } } }]);
    assert.deepEqual(c.args.slice(-4), ['--port', '9000', '--token-env', 'KEEL_TOKEN']);
    assert.equal(m['service.yaml'].metadata.name, 'spam');
    assert.deepEqual(m['hpa.yaml'].spec.scaleTargetRef.name, 'spam');
    assert.equal(m['hpa.yaml'].spec.minReplicas, 2);
    assert.equal(m['hpa.yaml'].spec.maxReplicas, 10);
    assert.equal(m['hpa.yaml'].spec.metrics[0].resource.target.averageUtilization, 60);
    assert.match(fs.readFileSync(path.join(dir, 'k8s-custom/kustomization.yaml'), 'utf8'), /kubectl create secret generic spam-token --from-literal=token=/);
  });

  test('k8s: the schemas are real — a misspelled or mistyped field fails validation', () => {
    const m = readManifests('k8s');
    const dep = structuredClone(m['deployment.yaml']);
    const probe = dep.spec.template.spec.containers[0].readinessProbe.httpGet;
    probe.paht = probe.path;
    delete probe.path;
    const errs = validate('deployment-apps-v1', dep);
    assert.ok(errs.some((e) => /readinessProbe\/httpGet must NOT have additional properties .*"paht"/.test(e)), errs.join('\n'));
    const dep2 = structuredClone(m['deployment.yaml']);
    dep2.spec.replicas = 'two';
    assert.ok(validate('deployment-apps-v1', dep2).some((e) => /^\/spec\/replicas must be/.test(e)));
    const svc = structuredClone(m['service.yaml']);
    svc.spec.ports[0].targetport = 8080;
    assert.ok(validate('service-v1', svc).length > 0);
    const hpa = structuredClone(m['hpa.yaml']);
    hpa.spec.minReplica = hpa.spec.minReplicas;
    assert.ok(validate('horizontalpodautoscaler-autoscaling-v2', hpa).some((e) => /"minReplica"/.test(e)));
    const wrongKind = structuredClone(m['service.yaml']);
    wrongKind.kind = 'Deployment';
    assert.ok(validate('service-v1', wrongKind).length > 0);
  });
});
