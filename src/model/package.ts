/**
 * Model packages: write one (`writePackage`: artifacts + keel-model.yaml, checked by running the
 * sample through it) and load one (`loadModel`: verify every artifact's md5, load the runtime and
 * the processing module, return the methods).
 *
 * A package is a directory, so it can be tracked by keel/DVC, copied into a Docker context or
 * served as is:
 *
 *   keel-model.yaml   ModelMeta (meta.ts)
 *   model.onnx | model.mjs | …   the artifacts, each listed with md5 + size
 */
import * as fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FileFormatError, NotFoundError, OutputError, UsageError, isErrno } from '../errors/index.js';
import { md5Bytes } from '../data/hash.js';
import { META_FILE, isSafeRelPath, readMeta, verifyArtifacts, writeMeta } from './meta.js';
import { entryOf, getRuntime, importPackageModule, loadProcessing } from './runtime.js';
import { isTextForestDir, textForestPlan } from './text-forest.js';
import type { ArtifactInfo, JsonSchema, Lineage, LoadedModel, MethodSignature, ModelMeta } from './types.js';

export type ModelKind = 'text-forest' | 'onnx' | 'js';
export const MODEL_KINDS: readonly ModelKind[] = ['text-forest', 'onnx', 'js'];

/** One file of a package: given as bytes, or copied from `src`. */
export interface PackageFile {
  path: string;
  bytes?: Uint8Array | string;
  src?: string;
}

/** What a model kind contributes to a package. */
export interface PackagePlan {
  runtime: 'onnx' | 'js';
  entry: string;
  processing?: string;
  files: PackageFile[];
  /** absent: read from the entry artifact by the runtime */
  methods?: MethodSignature[];
  sample?: unknown;
  description?: string;
}

let keelVersionCache: string | undefined;
/** keel's own version (package.json next to src/ and dist/). */
export function keelVersion(): string {
  if (keelVersionCache === undefined) {
    try {
      keelVersionCache = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      keelVersionCache = '0.0.0';
    }
  }
  return keelVersionCache;
}

async function statOrUndefined(p: string) {
  return fs.stat(p).catch((e: unknown) => {
    if (isErrno(e, 'ENOENT', 'ENOTDIR')) return undefined;
    throw e;
  });
}

/** Files under `dir`, relative posix paths, sorted. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await fs.readdir(path.join(dir, prefix), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (e.isFile() && rel !== META_FILE) out.push(rel);
  }
  return out;
}

/** Which kind a source is: a directory with forest.json + vectorizer.json, a .onnx file, or JS. */
export async function detectKind(source: string): Promise<ModelKind> {
  const st = await statOrUndefined(source);
  if (!st) throw new NotFoundError(`'${source}' does not exist`, { data: { path: source } });
  if (st.isDirectory()) {
    if (await isTextForestDir(source)) return 'text-forest';
    const files = await listFiles(source);
    if (files.some((f) => f.endsWith('.onnx'))) return 'onnx';
    if (files.some((f) => /\.(mjs|js)$/.test(f))) return 'js';
  } else if (source.endsWith('.onnx')) return 'onnx';
  else if (/\.(mjs|js)$/.test(source)) return 'js';
  throw new UsageError(`cannot tell what kind of model '${source}' is`, { hint: `pass --kind (${MODEL_KINDS.join(', ')})` });
}

/** The plan of a model kind for `source` (a file or directory). */
export async function planFor(source: string, kind?: ModelKind, opts: { entry?: string; shown?: string } = {}): Promise<PackagePlan> {
  const k = kind ?? (await detectKind(source));
  const st = await statOrUndefined(source);
  if (!st) throw new NotFoundError(`'${opts.shown ?? source}' does not exist`, { data: { path: source } });
  if (k === 'text-forest') {
    if (!st.isDirectory()) throw new UsageError(`a text-forest model is a directory holding forest.json and vectorizer.json; '${opts.shown ?? source}' is a file`);
    return textForestPlan(source, { shownDir: opts.shown ?? source, keelVersion: keelVersion() });
  }
  const ext = k === 'onnx' ? /\.onnx$/ : /\.(mjs|js)$/;
  let files: PackageFile[];
  let entry: string;
  if (st.isDirectory()) {
    const rels = await listFiles(source);
    files = rels.map((r) => ({ path: r, src: path.join(source, ...r.split('/')) }));
    const candidates = opts.entry ? [opts.entry] : k === 'onnx' ? rels.filter((r) => ext.test(r)) : ['model.mjs', 'index.mjs', 'model.js', 'index.js'].filter((r) => rels.includes(r));
    if (!candidates[0] || !rels.includes(candidates[0])) {
      throw new UsageError(`no entry in '${opts.shown ?? source}': ${k === 'onnx' ? 'no .onnx file' : 'expected model.mjs or index.mjs'}`, { hint: 'pass --entry <file>' });
    }
    entry = candidates[0];
  } else {
    if (!ext.test(source)) throw new UsageError(`a ${k} model must be a ${k === 'onnx' ? '.onnx' : '.mjs or .js'} file, got '${opts.shown ?? source}'`);
    entry = k === 'onnx' ? 'model.onnx' : path.extname(source) === '.js' ? 'model.mjs' : path.basename(source);
    files = [{ path: entry, src: source }];
  }
  return { runtime: k === 'onnx' ? 'onnx' : 'js', entry, files };
}

export interface WritePackageOptions {
  /** the package directory to write (replaced if it holds a package; refused if it holds anything else) */
  out: string;
  plan: PackagePlan;
  /** default: the out directory's name */
  name?: string;
  description?: string;
  /** a valid input of the first method (overrides the plan's) */
  sample?: unknown;
  /** an ES module to bundle as the processing module (preprocess / postprocess) */
  processing?: string;
  lineage?: Omit<Lineage, 'created'> & { created?: string };
  requirements?: Record<string, string>;
  /** run the sample through the first method before keeping the package (default true) */
  check?: boolean;
}

/** Write a package. Returns its metadata. */
export async function writePackage(o: WritePackageOptions): Promise<ModelMeta> {
  const out = path.resolve(o.out);
  const plan = { ...o.plan, files: [...o.plan.files] };
  if (o.processing) {
    const rel = path.basename(o.processing).replace(/\.js$/, '.mjs');
    if (plan.files.some((f) => f.path === rel)) throw new UsageError(`the processing module '${rel}' clashes with an artifact of the same name`);
    plan.files.push({ path: rel, src: o.processing });
    plan.processing = rel;
  }
  for (const f of plan.files) if (!isSafeRelPath(f.path)) throw new UsageError(`artifact path '${f.path}' is not a plain relative path`);

  const existing = await statOrUndefined(out);
  if (existing) {
    if (!existing.isDirectory()) throw new OutputError(`'${o.out}' exists and is not a directory`);
    const entries = await fs.readdir(out);
    if (entries.length > 0 && !entries.includes(META_FILE)) {
      throw new OutputError(`'${o.out}' is not empty and is not a model package; refusing to overwrite it`, { hint: 'choose another -o directory' });
    }
  }
  await fs.mkdir(path.dirname(out), { recursive: true });
  const tmp = await fs.mkdtemp(path.join(path.dirname(out), `.${path.basename(out)}.tmp-`));
  try {
    const artifacts: ArtifactInfo[] = [];
    for (const f of plan.files) {
      const bytes = f.bytes !== undefined ? (typeof f.bytes === 'string' ? Buffer.from(f.bytes, 'utf8') : f.bytes) : await fs.readFile(f.src!);
      const dest = path.join(tmp, ...f.path.split('/'));
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.writeFile(dest, bytes);
      artifacts.push({ path: f.path, md5: md5Bytes(bytes), size: bytes.length });
    }
    const runtime = await getRuntime(plan.runtime);
    let methods = plan.methods ?? (await runtime.describe(path.join(tmp, ...plan.entry.split('/'))));
    if (plan.processing) methods = await mergeProcessingSignatures(tmp, plan.processing, methods);
    const meta: ModelMeta = {
      keel_model: 1,
      name: o.name ?? path.basename(out),
      runtime: plan.runtime,
      entry: plan.entry,
      artifacts,
      methods,
      requirements: { keel: keelVersion(), node: '>=20', ...(await runtime.requirements()), ...(o.requirements ?? {}) },
      lineage: { ...(o.lineage ?? {}), created: o.lineage?.created ?? new Date().toISOString() },
    };
    const description = o.description ?? plan.description;
    if (description) meta.description = description;
    if (plan.processing) meta.processing = plan.processing;
    const sample = o.sample !== undefined ? o.sample : plan.sample;
    if (sample !== undefined) meta.sample = sample;
    await writeMeta(tmp, meta);
    if (sample !== undefined && o.check !== false) {
      const m = await loadModel(tmp);
      try {
        await m.methods[meta.methods[0].name](sample);
      } catch (e) {
        throw new UsageError(`the sample input does not run through '${meta.methods[0].name}': ${(e as Error).message}`, { cause: e, hint: 'pass a valid --sample' });
      } finally {
        await m.close();
      }
    }
    if (existing) await fs.rm(out, { recursive: true, force: true });
    await fs.rename(tmp, out);
    return meta;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** A processing module may export `signatures: {method: {input?, output?, description?}}`. */
async function mergeProcessingSignatures(dir: string, rel: string, methods: MethodSignature[]): Promise<MethodSignature[]> {
  const mod = await importPackageModule(dir, rel);
  const sigs = mod.signatures as Record<string, { input?: JsonSchema; output?: JsonSchema; description?: string }> | undefined;
  if (!sigs || typeof sigs !== 'object') return methods;
  return methods.map((m) => {
    const s = sigs[m.name];
    if (!s) return m;
    const merged: MethodSignature = { ...m, input: s.input ?? m.input, output: s.output ?? m.output };
    if (s.description) merged.description = s.description;
    return merged;
  });
}

export interface LoadModelOptions {
  /** check artifacts' md5 and size first (default true) */
  verify?: boolean;
}

/**
 * Load a package: metadata, artifact check, runtime, processing module. The methods take the
 * request's `data` and return JSON-able results.
 */
export async function loadModel<M extends Record<string, (data: any) => Promise<unknown>> = Record<string, (data: unknown) => Promise<unknown>>>(
  dir: string,
  opts: LoadModelOptions = {},
): Promise<LoadedModel & { methods: M }> {
  const meta = await readMeta(dir);
  if (opts.verify !== false) await verifyArtifacts(dir, meta);
  const runtime = await getRuntime(meta.runtime);
  const entry = entryOf(meta);
  const inst = await runtime.load(dir, meta, path.join(dir, ...entry.split('/')));
  let hooks;
  try {
    hooks = await loadProcessing(dir, meta);
  } catch (e) {
    await inst.close();
    throw e;
  }
  const methods: Record<string, (data: unknown) => Promise<unknown>> = {};
  for (const sig of meta.methods) {
    const run = inst.methods[sig.name];
    if (!run) {
      await inst.close();
      throw new FileFormatError(META_FILE, `method '${sig.name}' is not provided by the ${meta.runtime} model`, { data: { field: 'methods' } });
    }
    const name = sig.name;
    methods[name] = async (data: unknown) => {
      let input = data;
      if (hooks?.preprocess) {
        try {
          input = await hooks.preprocess(name, data);
        } catch (e) {
          // the processing module checks the request's shape: its TypeErrors are the caller's
          if (e instanceof TypeError || e instanceof RangeError) throw new UsageError(`${name}: ${e.message}`, { cause: e, data: { method: name } });
          throw e;
        }
      }
      const output = await run(input);
      return hooks?.postprocess ? hooks.postprocess(name, output, data) : output;
    };
  }
  return { dir, meta, methods: methods as M, close: () => inst.close() };
}

