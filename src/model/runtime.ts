/**
 * Runtimes: what turns a package's entry artifact into callable methods. One file per runtime
 * under runtimes/, imported lazily (a JS package never loads onnxruntime).
 *
 * A runtime method takes the model's input (after the optional processing module's
 * `preprocess`) and returns JSON-able data (before `postprocess`).
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileFormatError } from '../errors/index.js';
import type { MethodSignature, ModelMeta } from './types.js';

export type MethodFn = (data: unknown) => Promise<unknown>;

export interface RuntimeInstance {
  methods: Record<string, MethodFn>;
  close(): Promise<void>;
}

export interface Runtime {
  name: string;
  /** Versions to record in the package's `requirements` (e.g. onnxruntime-node). */
  requirements(): Promise<Record<string, string>>;
  /** The methods (signatures) the entry artifact offers, read from the artifact itself. */
  describe(file: string): Promise<MethodSignature[]>;
  /** Load the entry artifact of a package whose artifacts were verified. */
  load(dir: string, meta: ModelMeta, file: string): Promise<RuntimeInstance>;
}

export async function getRuntime(name: string): Promise<Runtime> {
  switch (name) {
    case 'onnx':
      return (await import('./runtimes/onnx.js')).onnxRuntime;
    case 'js':
      return (await import('./runtimes/js.js')).jsRuntime;
    default:
      throw new FileFormatError('keel-model.yaml', `runtime must be one of onnx, js, got '${name}'`, { data: { field: 'runtime' } });
  }
}

/** The artifact the runtime loads: `meta.entry`, or the first artifact. */
export function entryOf(meta: ModelMeta): string {
  const e = meta.entry ?? meta.artifacts[0]?.path;
  if (!e) throw new FileFormatError('keel-model.yaml', 'the package lists no artifacts', { data: { field: 'artifacts' } });
  return e;
}

/**
 * Import an ES module of a package. The md5 goes into the URL so a re-saved package at the
 * same path is imported afresh, not served from Node's module cache.
 */
export async function importPackageModule(dir: string, rel: string, md5?: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path.join(dir, ...rel.split('/'))).href + (md5 ? `?md5=${md5}` : '');
  return (await import(url)) as Record<string, unknown>;
}

/** The hooks of a processing module (`processing:` in keel-model.yaml). */
export interface ProcessingHooks {
  /** request data → the model's input */
  preprocess?(method: string, data: unknown): unknown;
  /** the model's output → the response; `input` is the request data */
  postprocess?(method: string, output: unknown, input: unknown): unknown;
}

/**
 * Load a processing module: it exports `preprocess` / `postprocess` directly, or a
 * `load(dir, meta)` returning them (to read its own artifacts once, e.g. a vectorizer).
 */
export async function loadProcessing(dir: string, meta: ModelMeta): Promise<ProcessingHooks | undefined> {
  if (!meta.processing) return undefined;
  const md5 = meta.artifacts.find((a) => a.path === meta.processing)?.md5;
  const mod = await importPackageModule(dir, meta.processing, md5);
  let hooks: unknown = mod;
  if (typeof mod.load === 'function') hooks = await (mod.load as (d: string, m: ModelMeta) => unknown)(dir, meta);
  const h = (hooks ?? {}) as Record<string, unknown>;
  const pre = h.preprocess;
  const post = h.postprocess;
  if ((pre !== undefined && typeof pre !== 'function') || (post !== undefined && typeof post !== 'function') || (pre === undefined && post === undefined)) {
    throw new FileFormatError(meta.processing, 'a processing module must export preprocess(method, data) and/or postprocess(method, output, input), or load(dir) returning them', {
      data: { field: 'processing' },
    });
  }
  return {
    preprocess: pre as ProcessingHooks['preprocess'],
    postprocess: post as ProcessingHooks['postprocess'],
  };
}
