/**
 * `keel build docker|k8s <package-dir> -o <dir>`: deployable contexts for a model package.
 *
 * - docker: a build context — Dockerfile, .dockerignore, README.md, `model/` (the package, copied
 *   and re-verified: every artifact's md5 against keel-model.yaml) and `keel/` (keel pinned: its own
 *   package.json, package-lock.json, .npmrc and dist/, installed in the image by `npm ci`).
 * - k8s: deployment.yaml, service.yaml, hpa.yaml and kustomization.yaml.
 *
 * The package is verified before anything is written. The output is built in a temp directory
 * beside `-o` and renamed into place, so a failure leaves nothing half-written; an existing
 * non-empty `-o` is replaced only with `force`.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotFoundError, OutputError, UsageError, isErrno } from '../errors/index.js';
import { md5Bytes } from '../data/hash.js';
import { META_FILE, parseMeta, readMeta, verifyArtifacts } from '../model/meta.js';
import { keelVersion } from '../model/package.js';
import { LAYOUT, dockerPlan, dockerReadme, dockerfile, dockerignore, defaultTag, dnsName, k8sFiles, k8sPlan } from '../model/deploy.js';
import type { DockerOptions, DockerPlan, K8sOptions, K8sPlan } from '../model/deploy.js';
import type { ModelMeta } from '../model/types.js';

export interface BuildCommon {
  /** the model package directory */
  package: string;
  /** the directory to write */
  out: string;
  /** replace a non-empty `out` */
  force?: boolean;
}

export type BuildDockerOptions = BuildCommon & DockerOptions;
export type BuildK8sOptions = BuildCommon & K8sOptions;

export interface BuildResult {
  target: 'docker' | 'k8s';
  out: string;
  meta: ModelMeta;
  /** files written, relative to `out` (for docker: the top-level entries) */
  files: string[];
  /** docker: the image tag the README suggests; k8s: the image the Deployment runs */
  image: string;
  plan: DockerPlan | K8sPlan;
}

/** keel's own root (package.json, package-lock.json, dist/): two levels above this file. */
export function keelRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** The package's metadata, its md5, and every artifact checked. */
async function loadVerified(dir: string): Promise<{ meta: ModelMeta; metaMd5: string }> {
  const meta = await readMeta(dir);
  await verifyArtifacts(dir, meta);
  const metaMd5 = md5Bytes(await fs.readFile(path.join(dir, META_FILE)));
  return { meta, metaMd5 };
}

const inside = (child: string, parent: string): boolean => child === parent || child.startsWith(parent + path.sep);

/** Refuse an `out` that would clobber something: a file, a non-empty dir without force, the package itself. */
async function checkOut(out: string, shownOut: string, pkg: string, force: boolean): Promise<void> {
  if (inside(pkg, out) || inside(out, pkg)) {
    throw new OutputError(`-o ${shownOut}: the output directory must not be the model package, inside it, or hold it`, { data: { path: out }, hint: 'choose a directory outside the package' });
  }
  const st = await fs.stat(out).catch((e: unknown) => {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  });
  if (!st) return;
  if (!st.isDirectory()) throw new OutputError(`-o ${shownOut} exists and is not a directory`, { data: { path: out } });
  if (!force && (await fs.readdir(out)).length > 0) {
    throw new OutputError(`-o ${shownOut} exists and is not empty; refusing to overwrite it`, { data: { path: out }, hint: 'pass -f to replace it, or choose another directory' });
  }
}

/** Build into a temp dir beside `out` with `fill`, then swap it into place. */
async function writeDirAtomic(out: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const parent = path.dirname(out);
  await fs.mkdir(parent, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(parent, `.${path.basename(out)}.tmp-`));
  try {
    await fill(tmp);
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  let old: string | undefined;
  try {
    await fs.rename(tmp, out);
  } catch (e) {
    if (!isErrno(e, 'ENOTEMPTY', 'EEXIST', 'EISDIR', 'EPERM')) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw e;
    }
    // an existing -o (checked: empty, or force): move it aside, put the new one in, drop the old
    old = `${tmp}.old`;
    await fs.rename(out, old);
    await fs.rename(tmp, out);
  }
  if (old) await fs.rm(old, { recursive: true, force: true });
}

/** Copy a package: keel-model.yaml and the artifacts it lists (nothing else), then verify the copy. */
async function copyPackage(src: string, dest: string, meta: ModelMeta): Promise<void> {
  await fs.mkdir(dest, { recursive: true });
  await fs.copyFile(path.join(src, META_FILE), path.join(dest, META_FILE));
  for (const a of meta.artifacts) {
    const to = path.join(dest, ...a.path.split('/'));
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.copyFile(path.join(src, ...a.path.split('/')), to);
  }
  // the copy is what the image will serve: check it, from its own metadata
  await verifyArtifacts(dest, parseMeta(await fs.readFile(path.join(dest, META_FILE), 'utf8'), META_FILE));
}

/** keel's files the image installs from: package.json, package-lock.json, .npmrc, dist/ (no .d.ts). */
async function copyKeel(dest: string): Promise<void> {
  const root = keelRoot();
  const need = async (rel: string): Promise<string> => {
    const p = path.join(root, rel);
    try {
      await fs.access(p);
    } catch {
      throw new NotFoundError(`keel's own '${rel}' is missing at ${root}; the Docker context needs it to pin keel`, {
        data: { path: p },
        hint: rel === 'dist' ? "run 'npm run build' in keel's checkout first" : 'run keel from a checkout or an installed package that has it',
      });
    }
    return p;
  };
  const files = ['package.json', 'package-lock.json', '.npmrc'];
  const srcs = await Promise.all([...files, 'dist'].map(need));
  await fs.mkdir(dest, { recursive: true });
  for (const f of files) await fs.copyFile(path.join(root, f), path.join(dest, f));
  await fs.cp(srcs[files.length], path.join(dest, 'dist'), {
    recursive: true,
    filter: (s) => !s.endsWith('.d.ts'),
  });
}

function resolveCommon(cwd: string, o: BuildCommon): { pkg: string; out: string } {
  if (!o.out) throw new UsageError('-o <dir> is required: the directory to write');
  return { pkg: path.resolve(cwd, o.package), out: path.resolve(cwd, o.out) };
}

/** `keel build docker`: a Docker build context for the package. */
export async function buildDocker(cwd: string, o: BuildDockerOptions): Promise<BuildResult> {
  const { pkg, out } = resolveCommon(cwd, o);
  const plan = dockerPlan(o);
  const { meta, metaMd5 } = await loadVerified(pkg);
  await checkOut(out, o.out, pkg, o.force === true);
  const version = keelVersion();
  const image = `${dnsName(meta.name)}:${defaultTag(metaMd5)}`;
  await writeDirAtomic(out, async (tmp) => {
    await copyPackage(pkg, path.join(tmp, LAYOUT.contextModel), meta);
    await copyKeel(path.join(tmp, LAYOUT.contextKeel));
    await fs.writeFile(path.join(tmp, 'Dockerfile'), dockerfile(meta, plan, version));
    await fs.writeFile(path.join(tmp, '.dockerignore'), dockerignore());
    await fs.writeFile(path.join(tmp, 'README.md'), dockerReadme(meta, plan, image, version));
  });
  return { target: 'docker', out, meta, files: ['Dockerfile', '.dockerignore', 'README.md', `${LAYOUT.contextKeel}/`, `${LAYOUT.contextModel}/`], image, plan };
}

/** `keel build k8s`: Kubernetes manifests (Deployment, Service, HPA, kustomization) for the package's image. */
export async function buildK8s(cwd: string, o: BuildK8sOptions): Promise<BuildResult> {
  const { pkg, out } = resolveCommon(cwd, o);
  const { meta, metaMd5 } = await loadVerified(pkg);
  const plan = k8sPlan(meta, metaMd5, o);
  await checkOut(out, o.out, pkg, o.force === true);
  const files = k8sFiles(meta, plan, keelVersion());
  await writeDirAtomic(out, async (tmp) => {
    for (const [f, text] of Object.entries(files)) await fs.writeFile(path.join(tmp, f), text);
  });
  return { target: 'k8s', out, meta, files: Object.keys(files), image: plan.image, plan };
}
