import { UsageError } from '../../errors/index.js';
import { buildDocker, buildK8s } from '../../ops/build.js';
import type { BuildResult } from '../../ops/build.js';
import type { DockerPlan, K8sPlan } from '../../model/deploy.js';
import type { Command, CommandContext } from '../command.js';
import { printJson } from '../open.js';

const TARGETS = ['docker', 'k8s'] as const;

function str(ctx: CommandContext, k: string): string | undefined {
  const v = ctx.args[k];
  return typeof v === 'string' ? v : undefined;
}
function num(ctx: CommandContext, k: string): number | undefined {
  const v = ctx.args[k];
  return typeof v === 'number' ? v : undefined;
}

function summary(r: BuildResult, shownOut: string): string {
  if (r.target === 'docker') {
    const p = r.plan as DockerPlan;
    return [
      `Wrote a Docker build context for '${r.meta.name}' to ${shownOut} (${p.nodeImage}, port ${p.port}; keel pinned by its lockfile)`,
      `  docker build -t ${r.image} ${shownOut}`,
      `  docker run --rm -p ${p.port}:${p.port}${p.tokenEnv ? ` -e ${p.tokenEnv}=<secret>` : ''} ${r.image}`,
      '',
    ].join('\n');
  }
  const p = r.plan as K8sPlan;
  return [
    `Wrote Kubernetes manifests for '${r.meta.name}' to ${shownOut}: ${r.files.join(', ')}`,
    `  deployment/${p.name}: image ${p.image}, ${p.replicas} replicas, port ${p.port}; service/${p.name}: port 80; hpa: ${p.min}-${p.max} replicas at ${p.cpuTarget}% CPU`,
    ...(p.tokenSecret ? [`  bearer token from secret/${p.tokenSecret} (key 'token')`] : []),
    `  kubectl apply -k ${shownOut}`,
    '',
  ].join('\n');
}

const command: Command = {
  spec: {
    name: 'build',
    summary: 'Write a deployable context for a model package: a Docker build context, or Kubernetes manifests.',
    usage: 'build <docker|k8s> <package-dir> -o <dir> [options]',
    subcommands: [
      'docker <package-dir> -o <dir> [--port 8080] [--node-image node:20-slim] [--token-env VAR] [-f]',
      'k8s <package-dir> -o <dir> [--image REF] [--name N] [--replicas N] [--port 8080] [--min N --max N --cpu-target 70] [--token-secret NAME] [-f]',
    ],
    options: [
      { name: 'out', short: 'o', type: 'string', desc: 'the directory to write (refused if not empty, unless -f)', arg: '<dir>' },
      { name: 'force', short: 'f', type: 'boolean', desc: 'replace a non-empty output directory' },
      { name: 'port', short: 'p', type: 'number', desc: 'the port the server listens on in the container (default 8080)', arg: '<port>' },
      { name: 'node-image', type: 'string', desc: '(docker) the base image (default node:20-slim)', arg: '<ref>' },
      { name: 'token-env', type: 'string', desc: '(docker) serve with bearer auth, the token read from env variable VAR', arg: '<VAR>' },
      { name: 'image', type: 'string', desc: '(k8s) the image to run (default <name>:<md5 prefix of keel-model.yaml>)', arg: '<ref>' },
      { name: 'name', short: 'n', type: 'string', desc: "(k8s) the Deployment/Service name (default: the package's name, DNS-safe)", arg: '<name>' },
      { name: 'replicas', type: 'number', desc: '(k8s) replicas (default 2)', arg: '<N>' },
      { name: 'min', type: 'number', desc: '(k8s) HPA minReplicas (default: --replicas)', arg: '<N>' },
      { name: 'max', type: 'number', desc: '(k8s) HPA maxReplicas (default 5)', arg: '<N>' },
      { name: 'cpu-target', type: 'number', desc: '(k8s) HPA target average CPU utilisation in % (default 70)', arg: '<pct>' },
      { name: 'cpu-request', type: 'string', desc: '(k8s) container CPU request (default 250m)', arg: '<q>' },
      { name: 'cpu-limit', type: 'string', desc: '(k8s) container CPU limit (default 1)', arg: '<q>' },
      { name: 'memory-request', type: 'string', desc: '(k8s) container memory request (default 256Mi)', arg: '<q>' },
      { name: 'memory-limit', type: 'string', desc: '(k8s) container memory limit (default 512Mi)', arg: '<q>' },
      { name: 'token-secret', type: 'string', desc: "(k8s) require a bearer token, read from this Secret's key 'token'", arg: '<name>' },
      { name: 'json', type: 'boolean', desc: 'print the result as JSON' },
    ],
  },
  async run(ctx) {
    const [target, ...rest] = ctx.args._;
    if (!(TARGETS as readonly string[]).includes(target ?? '')) {
      throw new UsageError(target ? `unknown build target '${target}' (known: ${TARGETS.join(', ')})` : 'missing build target: keel build <docker|k8s> <package-dir> -o <dir>', {
        hint: "see 'keel build --help'",
      });
    }
    const out = str(ctx, 'out');
    if (rest.length !== 1 || !out) throw new UsageError(`usage: keel build ${target} <package-dir> -o <dir>`, { hint: "see 'keel build --help'" });
    const only = (flags: string[], other: string): void => {
      for (const f of flags) {
        const key = f.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
        if (ctx.args[key] !== undefined) throw new UsageError(`--${f} is a 'keel build ${other}' option`, { hint: "see 'keel build --help'" });
      }
    };
    const common = { package: rest[0], out, force: ctx.args.force === true };
    let r: BuildResult;
    if (target === 'docker') {
      only(['image', 'name', 'replicas', 'min', 'max', 'cpu-target', 'cpu-request', 'cpu-limit', 'memory-request', 'memory-limit', 'token-secret'], 'k8s');
      r = await buildDocker(ctx.cwd, { ...common, port: num(ctx, 'port'), nodeImage: str(ctx, 'nodeImage'), tokenEnv: str(ctx, 'tokenEnv') });
    } else {
      only(['node-image', 'token-env'], 'docker');
      r = await buildK8s(ctx.cwd, {
        ...common,
        port: num(ctx, 'port'),
        image: str(ctx, 'image'),
        name: str(ctx, 'name'),
        replicas: num(ctx, 'replicas'),
        min: num(ctx, 'min'),
        max: num(ctx, 'max'),
        cpuTarget: num(ctx, 'cpuTarget'),
        cpuRequest: str(ctx, 'cpuRequest'),
        cpuLimit: str(ctx, 'cpuLimit'),
        memoryRequest: str(ctx, 'memoryRequest'),
        memoryLimit: str(ctx, 'memoryLimit'),
        tokenSecret: str(ctx, 'tokenSecret'),
      });
    }
    if (ctx.args.json) printJson(ctx, { target: r.target, out: r.out, name: r.meta.name, image: r.image, files: r.files, plan: r.plan });
    else if (!ctx.args.quiet) ctx.out(summary(r, out));
    return 0;
  },
};
export default command;
