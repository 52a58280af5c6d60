/**
 * The JS runtime: the entry artifact is an ES module exporting
 *
 *   export async function load(dir) { return { methods: { predict: async (data) => …, … }, close?() {} } }
 *   export const signatures = { predict: { input: {…JSON Schema}, output: {…}, description? } }   // optional
 *
 * `load` gets the package directory (to read its other artifacts). Methods without a signature
 * accept and return anything (`{}` schemas).
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileFormatError } from '../../errors/index.js';
import type { JsonSchema, MethodSignature, ModelMeta } from '../types.js';
import type { Runtime, RuntimeInstance } from '../runtime.js';

type Obj = Record<string, unknown>;

/** Import a package's module; the md5 in the URL makes a re-saved package load afresh. */
async function importPackageModule(dir: string, rel: string, md5?: string): Promise<Obj> {
  return (await import(pathToFileURL(path.join(dir, ...rel.split('/'))).href + (md5 ? `?md5=${md5}` : ''))) as Obj;
}

interface Loaded {
  methods: Record<string, (data: unknown) => unknown>;
  close?: () => unknown;
}

async function loadModule(dir: string, rel: string, md5: string | undefined, file: string, meta?: ModelMeta): Promise<{ mod: Obj; loaded: Loaded }> {
  const mod = await importPackageModule(dir, rel, md5);
  if (typeof mod.load !== 'function') throw new FileFormatError(file, 'a JS model must export load(dir) returning { methods }', { data: { field: 'entry' } });
  let loaded: Loaded | undefined;
  try {
    loaded = (await (mod.load as (d: string, m?: ModelMeta) => unknown)(dir, meta)) as Loaded | undefined;
  } catch (e) {
    throw new FileFormatError(file, `load(dir) failed: ${(e as Error)?.message ?? String(e)}`, { cause: e, data: { field: 'entry' } });
  }
  if (!loaded || typeof loaded !== 'object' || typeof loaded.methods !== 'object' || loaded.methods === null) {
    throw new FileFormatError(file, 'load(dir) must return { methods: { name: function } }', { data: { field: 'entry' } });
  }
  for (const [k, f] of Object.entries(loaded.methods)) {
    if (typeof f !== 'function') throw new FileFormatError(file, `load(dir).methods.${k} is not a function`, { data: { field: 'entry' } });
  }
  return { mod, loaded };
}

export const jsRuntime: Runtime = {
  name: 'js',
  async requirements() {
    return {};
  },
  async describe(file) {
    const { mod, loaded } = await loadModule(path.dirname(file), path.basename(file), undefined, file);
    try {
      const sigs = (typeof mod.signatures === 'object' && mod.signatures !== null ? mod.signatures : {}) as Record<string, Obj>;
      return Object.keys(loaded.methods).map((name): MethodSignature => {
        const s = sigs[name] ?? {};
        const sig: MethodSignature = { name, input: (s.input as JsonSchema) ?? {}, output: (s.output as JsonSchema) ?? {} };
        if (typeof s.description === 'string') sig.description = s.description;
        return sig;
      });
    } finally {
      await loaded.close?.();
    }
  },
  async load(dir: string, meta: ModelMeta, file: string): Promise<RuntimeInstance> {
    const rel = path.relative(dir, file).split(path.sep).join('/');
    const md5 = meta.artifacts.find((a) => a.path === rel)?.md5;
    const { loaded } = await loadModule(dir, rel, md5, file, meta);
    const methods: RuntimeInstance['methods'] = {};
    for (const sig of meta.methods) {
      const f = loaded.methods[sig.name];
      if (!f) throw new FileFormatError(file, `load(dir) returned no method '${sig.name}' (keel-model.yaml lists it)`, { data: { field: 'methods' } });
      methods[sig.name] = async (data) => f(data);
    }
    return {
      methods,
      close: async () => {
        await loaded.close?.();
      },
    };
  },
};
