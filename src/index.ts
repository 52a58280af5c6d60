/**
 * keel's programmatic API.
 *
 *   import { saveModel, loadModel } from 'keel';
 *   await saveModel({ source: 'model', out: 'models/spam' });          // lineage from the repo around cwd
 *   const m = await loadModel<{ predict(texts: string[]): Promise<number[]> }>('models/spam');
 *   await m.methods.predict(['free money now']);                        // [1]
 *   await m.close();
 */
import { modelSave, type ModelSaveOptions, type ModelSaveResult } from './ops/model.js';
import type { Io } from './ops/io.js';

export { loadModel, writePackage, planFor, detectKind, MODEL_KINDS } from './model/package.js';
export type { LoadModelOptions, ModelKind, PackageFile, PackagePlan, WritePackageOptions } from './model/package.js';
export { readMeta, parseMeta, formatMeta, verifyArtifacts, META_FILE } from './model/meta.js';
export type { ArtifactInfo, JsonSchema, Lineage, LoadedModel, MethodSignature, ModelMeta } from './model/types.js';
export { modelShow, collectLineage } from './ops/model.js';
export type { ModelSaveOptions, ModelSaveResult, ModelShowResult } from './ops/model.js';
export { apply } from './ops/apply.js';
export type { ApplyOptions, ApplyResult } from './ops/apply.js';
export { buildDocker, buildK8s } from './ops/build.js';
export type { BuildDockerOptions, BuildK8sOptions, BuildResult } from './ops/build.js';
export { KeelError, isKeelError } from './errors/index.js';
export type { Io } from './ops/io.js';

/**
 * Save a model package (MLEM's `save`): `source` (a model directory or file) → `out`, with the
 * lineage of the repository around `cwd` (default: the process's cwd).
 */
export function saveModel(o: ModelSaveOptions & { cwd?: string; io?: Io }): Promise<ModelSaveResult> {
  const { cwd, io, ...rest } = o;
  return modelSave(cwd ?? process.cwd(), rest, io);
}
