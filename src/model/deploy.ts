/**
 * Deployable contexts for a model package (`keel build docker|k8s`): pure generation, options →
 * file texts. Nothing here touches the file system; ops/build.ts copies the package and keel
 * itself and writes what these functions return.
 *
 * The image layout the two targets share (LAYOUT): keel installed in /opt/keel (its dist/ plus the
 * production dependencies `npm ci` installs from keel's own lockfile), the package in /app/model,
 * the server started as `node /opt/keel/dist/cli/main.js serve /app/model --host 0.0.0.0 --port P`
 * by the unprivileged `node` user (uid 1000 in the official Node images).
 */
import { stringify } from 'yaml';
import { UsageError } from '../errors/index.js';
import type { ModelMeta } from './types.js';

export const LAYOUT = {
  keelDir: '/opt/keel',
  modelDir: '/app/model',
  /** the directories of the Docker context */
  contextKeel: 'keel',
  contextModel: 'model',
  /** the official Node images' `node` user */
  uid: 1000,
} as const;

export const DEFAULTS = {
  port: 8080,
  nodeImage: 'node:20-slim',
  replicas: 2,
  maxReplicas: 5,
  cpuTarget: 70,
  cpuRequest: '250m',
  cpuLimit: '1',
  memoryRequest: '256Mi',
  memoryLimit: '512Mi',
  /** the environment variable the bearer token is read from (serve --token-env) */
  tokenEnv: 'KEEL_TOKEN',
  /** the key inside the --token-secret Secret */
  tokenKey: 'token',
} as const;

// ---------------------------------------------------------------- names and checks

/** RFC 1035 label (what Service names must be): a-z, 0-9, '-', starts with a letter, ≤ 63. */
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain (Secret names). */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Docker image reference: [registry[:port]/]path[:tag][@digest] (docker/distribution's grammar, simplified). */
const IMAGE_REF = /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
/** A Kubernetes resource quantity (250m, 1, 0.5, 512Mi, 1G). */
const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `name` made an RFC 1035 label: lower case, runs of other characters → '-', starts with a letter. */
export function dnsName(name: string): string {
  let s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  if (!s) s = 'model';
  return s;
}

function flagError(flag: string, msg: string, hint?: string): never {
  throw new UsageError(`--${flag} ${msg}`, { data: { flag }, hint });
}

function int(flag: string, v: number | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min || v > max) flagError(flag, `must be an integer from ${min} to ${max}, got ${v}`);
  return v;
}

function quantity(flag: string, v: string | undefined, dflt: string): string {
  if (v === undefined) return dflt;
  if (!QUANTITY.test(v)) flagError(flag, `must be a Kubernetes quantity (e.g. 250m, 1, 512Mi), got '${v}'`);
  return v;
}

/** A short, content-derived tag: the first 12 hex digits of the metadata file's md5. */
export function defaultTag(metaMd5: string): string {
  return metaMd5.slice(0, 12);
}

// ---------------------------------------------------------------- docker

export interface DockerOptions {
  port?: number;
  nodeImage?: string;
  /** serve with --token-env VAR (the token comes from the container's environment) */
  tokenEnv?: string;
}

export interface DockerPlan {
  port: number;
  nodeImage: string;
  tokenEnv?: string;
}

export function dockerPlan(o: DockerOptions): DockerPlan {
  const port = int('port', o.port, DEFAULTS.port, 1, 65535);
  const nodeImage = o.nodeImage ?? DEFAULTS.nodeImage;
  if (!IMAGE_REF.test(nodeImage)) flagError('node-image', `must be a Docker image reference (e.g. node:20-slim), got '${nodeImage}'`);
  if (o.tokenEnv !== undefined && !ENV_NAME.test(o.tokenEnv)) flagError('token-env', `must be an environment variable name, got '${o.tokenEnv}'`);
  const plan: DockerPlan = { port, nodeImage };
  if (o.tokenEnv !== undefined) plan.tokenEnv = o.tokenEnv;
  return plan;
}

/** The command the image runs (exec form). */
export function serveCommand(port: number, tokenEnv?: string): string[] {
  return ['node', `${LAYOUT.keelDir}/dist/cli/main.js`, 'serve', LAYOUT.modelDir, '--host', '0.0.0.0', '--port', String(port), ...(tokenEnv ? ['--token-env', tokenEnv] : [])];
}

/** A health check that needs nothing but node (slim images have no curl or wget). */
export function healthCommand(port: number): string[] {
  return ['node', '-e', `fetch('http://127.0.0.1:${port}/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`];
}

const json = (a: string[]): string => JSON.stringify(a).replace(/","/g, '", "');

export function dockerfile(meta: ModelMeta, plan: DockerPlan, keelVersion: string): string {
  const { port } = plan;
  return [
    `# The model server of '${meta.name}' (${meta.runtime}: ${meta.methods.map((m) => m.name).join(', ')}).`,
    `# Generated by keel ${keelVersion} (keel build docker). Build: docker build -t <image> .`,
    `FROM ${plan.nodeImage}`,
    '',
    '# onnxruntime-node: no GPU download at install time; keel serves on the CPU build it ships',
    'ENV NODE_ENV=production ONNXRUNTIME_NODE_INSTALL=skip',
    '',
    `# keel itself, pinned: its package.json and lockfile (every dependency with an integrity hash)`,
    `# and its compiled dist/. --ignore-scripts: keel's 'prepare' would need TypeScript.`,
    `WORKDIR ${LAYOUT.keelDir}`,
    `COPY ${LAYOUT.contextKeel}/package.json ${LAYOUT.contextKeel}/package-lock.json ${LAYOUT.contextKeel}/.npmrc ./`,
    'RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force',
    `COPY ${LAYOUT.contextKeel}/dist ./dist`,
    '',
    '# the model package (keel-model.yaml + artifacts; keel checks every md5 when it loads them)',
    `COPY ${LAYOUT.contextModel} ${LAYOUT.modelDir}`,
    '',
    'USER node',
    'WORKDIR /app',
    `EXPOSE ${port}`,
    plan.tokenEnv
      ? `# bearer auth: every route but the probes needs "Authorization: Bearer $${plan.tokenEnv}"; run with -e ${plan.tokenEnv}=<secret>`
      : '# bearer auth (optional): rebuild with keel build docker --token-env KEEL_TOKEN, then run with -e KEEL_TOKEN=<secret>',
    `HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ${json(healthCommand(port))}`,
    `CMD ${json(serveCommand(port, plan.tokenEnv))}`,
    '',
  ].join('\n');
}

export function dockerignore(): string {
  return ['# the context holds only what the image needs; keep editor and OS litter out', '**/.DS_Store', '**/*.swp', '**/.git', '**/node_modules', 'README.md', ''].join('\n');
}

export function dockerReadme(meta: ModelMeta, plan: DockerPlan, image: string, keelVersion: string): string {
  const p = plan.port;
  const sample = meta.sample !== undefined ? JSON.stringify({ data: meta.sample }) : '{"data": ...}';
  const auth = plan.tokenEnv ? ` -H "Authorization: Bearer $${plan.tokenEnv}"` : '';
  return [
    `# ${meta.name}: Docker build context`,
    '',
    `Generated by \`keel build docker\` (keel ${keelVersion}). It holds:`,
    '',
    `- \`Dockerfile\`: ${plan.nodeImage}, keel installed with \`npm ci --omit=dev --ignore-scripts\` from keel's lockfile, runs as \`node\`.`,
    `- \`${LAYOUT.contextKeel}/\`: keel ${keelVersion} (package.json, package-lock.json, .npmrc, dist/).`,
    `- \`${LAYOUT.contextModel}/\`: the model package (${meta.runtime}; methods ${meta.methods.map((m) => m.name).join(', ')}), md5-verified when copied and again when served.`,
    '',
    '```sh',
    `docker build -t ${image} .`,
    `docker run --rm -p ${p}:${p}${plan.tokenEnv ? ` -e ${plan.tokenEnv}=<secret>` : ''} ${image}`,
    `curl -s localhost:${p}/readyz`,
    `curl -s localhost:${p}/${meta.methods[0].name}${auth} -H 'content-type: application/json' -d '${sample.replace(/'/g, "'\\''")}'`,
    '```',
    '',
    `Routes: \`/docs\` (OpenAPI), \`/livez\`, \`/readyz\`, \`/metrics\` (Prometheus), \`POST /<method>\`, \`POST /invocations\`.`,
    plan.tokenEnv
      ? `Every route but the probes needs \`Authorization: Bearer <token>\`; the token is read from \`${plan.tokenEnv}\` at start-up.`
      : 'No authentication: put it behind your gateway, or rebuild with `keel build docker --token-env KEEL_TOKEN`.',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------- kubernetes

export interface K8sOptions {
  /** default: the package's name, made an RFC 1035 label */
  name?: string;
  /** default: `<name>:<md5 prefix of keel-model.yaml>` */
  image?: string;
  replicas?: number;
  port?: number;
  min?: number;
  max?: number;
  cpuTarget?: number;
  cpuRequest?: string;
  cpuLimit?: string;
  memoryRequest?: string;
  memoryLimit?: string;
  /** a Secret whose key `token` holds the bearer token */
  tokenSecret?: string;
}

export interface K8sPlan {
  name: string;
  image: string;
  replicas: number;
  port: number;
  min: number;
  max: number;
  cpuTarget: number;
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  tokenSecret?: string;
}

/** Check the flags and fill in the defaults. `metaMd5` is the md5 of the package's keel-model.yaml. */
export function k8sPlan(meta: ModelMeta, metaMd5: string, o: K8sOptions): K8sPlan {
  let name: string;
  if (o.name !== undefined) {
    if (!DNS_LABEL.test(o.name)) flagError('name', `must be a DNS label (a-z, 0-9, '-', starting with a letter, at most 63 characters), got '${o.name}'`, `e.g. --name ${dnsName(o.name)}`);
    name = o.name;
  } else name = dnsName(meta.name);
  const image = o.image ?? `${name}:${defaultTag(metaMd5)}`;
  if (!IMAGE_REF.test(image)) flagError('image', `must be a Docker image reference (e.g. registry.example.com/team/${name}:1.0), got '${image}'`);
  const replicas = int('replicas', o.replicas, DEFAULTS.replicas, 1, 1000);
  const port = int('port', o.port, DEFAULTS.port, 1, 65535);
  const min = int('min', o.min, Math.min(replicas, o.max ?? DEFAULTS.maxReplicas), 1, 1000);
  const max = int('max', o.max, Math.max(min, DEFAULTS.maxReplicas), 1, 1000);
  if (min > max) flagError('min', `(${min}) must not be above --max (${max})`);
  const cpuTarget = int('cpu-target', o.cpuTarget, DEFAULTS.cpuTarget, 1, 100);
  const resources = {
    requests: { cpu: quantity('cpu-request', o.cpuRequest, DEFAULTS.cpuRequest), memory: quantity('memory-request', o.memoryRequest, DEFAULTS.memoryRequest) },
    limits: { cpu: quantity('cpu-limit', o.cpuLimit, DEFAULTS.cpuLimit), memory: quantity('memory-limit', o.memoryLimit, DEFAULTS.memoryLimit) },
  };
  const plan: K8sPlan = { name, image, replicas, port, min, max, cpuTarget, resources };
  if (o.tokenSecret !== undefined) {
    if (!DNS_SUBDOMAIN.test(o.tokenSecret)) flagError('token-secret', `must be a Secret name (lower-case DNS subdomain), got '${o.tokenSecret}'`);
    plan.tokenSecret = o.tokenSecret;
  }
  return plan;
}

export const K8S_FILES = ['deployment.yaml', 'service.yaml', 'hpa.yaml', 'kustomization.yaml'] as const;

type Obj = Record<string, unknown>;

/** The manifests as objects (the tests validate these against the Kubernetes schemas). */
export function k8sObjects(meta: ModelMeta, plan: K8sPlan, keelVersion: string): Record<(typeof K8S_FILES)[number], Obj> {
  const { name, port } = plan;
  const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'model-server' };
  const labels = { ...selector, 'app.kubernetes.io/managed-by': 'keel' };
  const metadata = { name, labels, annotations: { 'keel.model/name': meta.name, 'keel.model/runtime': meta.runtime, 'keel.model/built-by': `keel ${keelVersion}` } };
  const probe = (path: string, period: number, failures: number): Obj => ({
    httpGet: { path, port: 'http', scheme: 'HTTP' },
    periodSeconds: period,
    timeoutSeconds: 2,
    failureThreshold: failures,
  });
  const [command0, command1, ...args] = serveCommand(port, plan.tokenSecret ? DEFAULTS.tokenEnv : undefined);
  const container: Obj = {
    name: 'model',
    image: plan.image,
    imagePullPolicy: 'IfNotPresent',
    command: [command0, command1],
    args,
    ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
    ...(plan.tokenSecret ? { env: [{ name: DEFAULTS.tokenEnv, valueFrom: { secretKeyRef: { name: plan.tokenSecret, key: DEFAULTS.tokenKey } } }] } : {}),
    // startup: up to 2 min to load the model; then liveness/readiness take over
    startupProbe: probe('/livez', 2, 60),
    readinessProbe: probe('/readyz', 5, 3),
    livenessProbe: probe('/livez', 10, 3),
    resources: plan.resources,
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: plan.replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          // the image's USER is `node`; a numeric uid lets the kubelet check runAsNonRoot
          securityContext: { runAsNonRoot: true, runAsUser: LAYOUT.uid, runAsGroup: LAYOUT.uid, seccompProfile: { type: 'RuntimeDefault' } },
          // serve drains on SIGTERM: /readyz turns 503, requests in flight finish (10 s grace)
          terminationGracePeriodSeconds: 30,
          containers: [container],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  };
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: plan.min,
      maxReplicas: plan.max,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: plan.cpuTarget } } }],
    },
  };
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: ['deployment.yaml', 'service.yaml', 'hpa.yaml'],
  };
  return { 'deployment.yaml': deployment, 'service.yaml': service, 'hpa.yaml': hpa, 'kustomization.yaml': kustomization };
}

/** The manifests as YAML texts, each with a header comment. */
export function k8sFiles(meta: ModelMeta, plan: K8sPlan, keelVersion: string): Record<string, string> {
  const objs = k8sObjects(meta, plan, keelVersion);
  const out: Record<string, string> = {};
  for (const f of K8S_FILES) {
    const head = f === 'kustomization.yaml' ? `# kubectl apply -k .   (generated by keel ${keelVersion}: keel build k8s)\n` : `# ${meta.name}: generated by keel ${keelVersion} (keel build k8s)\n`;
    out[f] = head + stringify(objs[f], { lineWidth: 0, aliasDuplicateObjects: false });
  }
  if (plan.tokenSecret) {
    out['kustomization.yaml'] += `# the bearer token: kubectl create secret generic ${plan.tokenSecret} --from-literal=${DEFAULTS.tokenKey}=<secret>\n`;
  }
  return out;
}
