/**
 * `keel model save` / `keel model show`: write a model package with its lineage (the git commit,
 * the stage that produced the model, its dvc.lock entry, params and metrics at save time), and
 * describe one.
 *
 * Saving works outside a repository too: the lineage then holds what can be known (git, time).
 */
import * as path from 'node:path';
import { NotFoundError, isKeelError } from '../errors/index.js';
import { Git } from '../git/index.js';
import { entryDoc } from '../pipeline/lockfile.js';
import type { Stage } from '../pipeline/types.js';
import { Repo } from '../repo/index.js';
import { loadPipeline, lockFor } from '../repo/pipeline.js';
import { readMeta, verifyArtifacts } from '../model/meta.js';
import { planFor, writePackage, type ModelKind } from '../model/package.js';
import type { Lineage, ModelMeta } from '../model/types.js';
import { toPosix } from '../util/paths.js';
import { unwrapYaml } from '../util/yaml.js';
import { metricsShow } from './metrics.js';
import { silentIo, type Io } from './io.js';

export interface ModelSaveOptions {
  /** the trained model: a directory (text-forest, js, onnx) or a file (.onnx, .mjs) */
  source: string;
  /** the package directory to write */
  out: string;
  name?: string;
  kind?: ModelKind;
  /** the stage that produced the model (default: the stage whose outs contain `source`) */
  stage?: string;
  /** the entry file inside a source directory */
  entry?: string;
  sample?: unknown;
  /** an ES module bundled as the processing module */
  processing?: string;
  description?: string;
  /** record no lineage beyond the time (e.g. for reproducible test fixtures) */
  noLineage?: boolean;
  env?: Record<string, string | undefined>;
}

export interface ModelSaveResult {
  dir: string;
  meta: ModelMeta;
}

type LineageParts = Omit<Lineage, 'created'>;

function stageProduces(stage: Stage, abs: string): boolean {
  return stage.outs.some((o) => o.abs === abs || abs.startsWith(o.abs + path.sep) || o.abs.startsWith(abs + path.sep));
}

/** The lineage of `sourceAbs` in the repository around `cwd` (what can be found; never throws for a missing repo). */
export async function collectLineage(cwd: string, sourceAbs: string, o: { stage?: string; env?: Record<string, string | undefined> } = {}, io: Io = silentIo): Promise<LineageParts> {
  const lineage: LineageParts = {};
  let repo: Repo | undefined;
  try {
    repo = await Repo.open(cwd, { env: o.env });
  } catch (e) {
    if (!isKeelError(e) || e.code !== 'NOT_A_REPO') throw e;
  }
  try {
    const git = repo ? repo.git : await Git.open(cwd);
    const commit = await git?.headSha();
    if (git && commit) {
      lineage.git = { commit, dirty: await git.isDirty() };
      const branch = await git.currentBranch();
      if (branch) lineage.git.branch = branch;
    }
    if (!repo) {
      if (o.stage) throw new NotFoundError(`--stage ${o.stage}: not inside a keel/DVC repository`);
      return lineage;
    }
    const pl = await loadPipeline(repo);
    const pipelineStages = pl.stages.filter((s) => s.kind === 'pipeline');
    const stage = o.stage ? pipelineStages.find((s) => s.name === o.stage) : pipelineStages.find((s) => stageProduces(s, sourceAbs));
    if (o.stage && !stage) {
      throw new NotFoundError(`stage '${o.stage}' not found in the pipeline`, { hint: "list the stages with 'keel stage list'", data: { stage: o.stage } });
    }
    if (stage) {
      const lock = lockFor(repo, stage);
      if (lock) {
        lineage.stage = { name: stage.name, file: toPosix(path.relative(repo.root, stage.file)), lock: entryDoc(lock) };
        if (lock.params && Object.keys(lock.params).length) lineage.params = unwrapYaml(lock.params) as Record<string, unknown>;
      } else io.warn(`stage '${stage.name}' has no dvc.lock entry (it has not run): the package records no stage lineage`);
    }
    const shown = await metricsShow(repo, {}, io);
    const files = shown['']?.data ?? {};
    const metrics: Record<string, unknown> = {};
    for (const [f, r] of Object.entries(files)) if (r.data !== undefined) metrics[f] = unwrapYaml(r.data);
    if (Object.keys(metrics).length) lineage.metrics = metrics;
    return lineage;
  } finally {
    await repo?.close();
  }
}

/** `keel model save`: source → package directory with metadata and lineage. */
export async function modelSave(cwd: string, o: ModelSaveOptions, io: Io = silentIo): Promise<ModelSaveResult> {
  const source = path.resolve(cwd, o.source);
  const out = path.resolve(cwd, o.out);
  const plan = await planFor(source, o.kind, { entry: o.entry, shown: o.source });
  const lineage = o.noLineage ? {} : await collectLineage(cwd, source, { stage: o.stage, env: o.env }, io);
  const meta = await writePackage({
    out,
    plan,
    name: o.name,
    description: o.description,
    sample: o.sample,
    processing: o.processing ? path.resolve(cwd, o.processing) : undefined,
    lineage,
  });
  return { dir: out, meta };
}

export interface ModelShowResult {
  dir: string;
  meta: ModelMeta;
  /** every artifact's md5 and size match */
  verified: boolean;
  /** why not */
  problem?: string;
}

/** `keel model show`: the metadata of a package, and whether its artifacts are intact. */
export async function modelShow(cwd: string, pkg: string): Promise<ModelShowResult> {
  const dir = path.resolve(cwd, pkg);
  const meta = await readMeta(dir);
  try {
    await verifyArtifacts(dir, meta);
    return { dir, meta, verified: true };
  } catch (e) {
    if (!isKeelError(e)) throw e;
    return { dir, meta, verified: false, problem: e.message };
  }
}
