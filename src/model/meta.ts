/**
 * The model package's metadata file, `keel-model.yaml` (types.ts: ModelMeta): read, validate,
 * write, and check the artifacts it lists (md5 + size) before anything is loaded.
 *
 * Validation is strict: every problem is a FileFormatError naming the file and the field
 * (`data.field`, e.g. `methods[1].input`), with a hint to re-save the package.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { FileFormatError, KeelError, NotFoundError, isErrno } from '../errors/index.js';
import { hashFile } from '../data/hash.js';
import { writeFileAtomic } from '../util/fs.js';
import { dumpYaml, parseYaml, unwrapYaml } from '../util/yaml.js';
import type { ArtifactInfo, Lineage, MethodSignature, ModelMeta } from './types.js';

/** The metadata file's name inside a package directory. */
export const META_FILE = 'keel-model.yaml';
/** Runtimes keel can load. */
export const RUNTIMES = ['onnx', 'js'] as const;

const TOP_KEYS = new Set([
  'keel_model',
  'name',
  'description',
  'runtime',
  'entry',
  'artifacts',
  'methods',
  'sample',
  'processing',
  'requirements',
  'lineage',
]);
const METHOD_KEYS = new Set(['name', 'description', 'input', 'output', 'output_name', 'batchable']);
const METHOD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'a mapping';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  return String(x);
}

/** A path inside the package: relative, posix, no `..`, not the metadata file itself. */
export function isSafeRelPath(p: string): boolean {
  if (!p || p.includes('\\') || p.startsWith('/') || /^[A-Za-z]:/.test(p)) return false;
  const parts = p.split('/');
  return parts.every((s) => s !== '' && s !== '.' && s !== '..') && p !== META_FILE;
}

/**
 * Validate parsed YAML/JSON as a ModelMeta. `file` is the name used in errors.
 */
export function validateMeta(doc: unknown, file = META_FILE): ModelMeta {
  const fail = (field: string, msg: string): never => {
    throw new FileFormatError(file, `${field} ${msg}`, {
      data: { field },
      hint: "re-create the package with 'keel model save'",
    });
  };
  if (!isObj(doc)) return fail('(top level)', `must be a mapping, got ${describe(doc)}`);
  for (const k of Object.keys(doc)) if (!TOP_KEYS.has(k)) fail(k, `is not a known field (known: ${[...TOP_KEYS].join(', ')})`);
  if (doc.keel_model !== 1) fail('keel_model', `must be 1 (the package format version), got ${describe(doc.keel_model)}`);
  const str = (v: unknown, field: string, opt = false): string | undefined => {
    if (v === undefined && opt) return undefined;
    if (typeof v !== 'string' || v === '') return fail(field, `must be a non-empty string, got ${describe(v)}`);
    return v;
  };
  const name = str(doc.name, 'name')!;
  const description = str(doc.description, 'description', true);
  const runtime = str(doc.runtime, 'runtime')!;
  if (!(RUNTIMES as readonly string[]).includes(runtime)) fail('runtime', `must be one of ${RUNTIMES.join(', ')}, got ${describe(runtime)}`);

  if (!Array.isArray(doc.artifacts)) fail('artifacts', `must be a list, got ${describe(doc.artifacts)}`);
  const artifacts: ArtifactInfo[] = [];
  const seen = new Set<string>();
  (doc.artifacts as unknown[]).forEach((a, i) => {
    const f = `artifacts[${i}]`;
    if (!isObj(a)) return fail(f, `must be a mapping with path, md5 and size, got ${describe(a)}`);
    for (const k of Object.keys(a)) if (!['path', 'md5', 'size'].includes(k)) fail(`${f}.${k}`, 'is not a known field (known: path, md5, size)');
    const p = str(a.path, `${f}.path`)!;
    if (!isSafeRelPath(p)) fail(`${f}.path`, `must be a relative path inside the package (no '..', no absolute path), got ${describe(p)}`);
    if (seen.has(p)) fail(`${f}.path`, `lists ${describe(p)} twice`);
    seen.add(p);
    if (typeof a.md5 !== 'string' || !/^[0-9a-f]{32}$/.test(a.md5)) fail(`${f}.md5`, `must be 32 lower-case hex digits, got ${describe(a.md5)}`);
    if (typeof a.size !== 'number' || !Number.isSafeInteger(a.size) || a.size < 0) fail(`${f}.size`, `must be a non-negative integer, got ${describe(a.size)}`);
    artifacts.push({ path: p, md5: a.md5 as string, size: a.size as number });
  });
  const artifactPath = (v: unknown, field: string): string => {
    const p = str(v, field)!;
    if (!seen.has(p)) fail(field, `must name one of the artifacts, got ${describe(p)}`);
    return p;
  };
  const entry = doc.entry === undefined ? undefined : artifactPath(doc.entry, 'entry');
  const processing = doc.processing === undefined ? undefined : artifactPath(doc.processing, 'processing');

  if (!Array.isArray(doc.methods) || doc.methods.length === 0) fail('methods', `must be a non-empty list, got ${describe(doc.methods)}`);
  const methods: MethodSignature[] = [];
  const names = new Set<string>();
  (doc.methods as unknown[]).forEach((m, i) => {
    const f = `methods[${i}]`;
    if (!isObj(m)) return fail(f, `must be a mapping with name, input and output, got ${describe(m)}`);
    for (const k of Object.keys(m)) if (!METHOD_KEYS.has(k)) fail(`${f}.${k}`, `is not a known field (known: ${[...METHOD_KEYS].join(', ')})`);
    const n = str(m.name, `${f}.name`)!;
    if (!METHOD_NAME.test(n)) fail(`${f}.name`, `must be an identifier (letters, digits, _), got ${describe(n)}`);
    if (names.has(n)) fail(`${f}.name`, `repeats the method ${describe(n)}`);
    names.add(n);
    if (!isObj(m.input)) fail(`${f}.input`, `must be a JSON Schema (a mapping), got ${describe(m.input)}`);
    if (!isObj(m.output)) fail(`${f}.output`, `must be a JSON Schema (a mapping), got ${describe(m.output)}`);
    const sig: MethodSignature = { name: n, input: m.input as Obj, output: m.output as Obj };
    const d = str(m.description, `${f}.description`, true);
    if (d !== undefined) sig.description = d;
    const on = str(m.output_name, `${f}.output_name`, true);
    if (on !== undefined) sig.output_name = on;
    const b: unknown = m.batchable;
    if (b !== undefined) {
      if (typeof b !== 'boolean') fail(`${f}.batchable`, `must be true or false, got ${describe(b)}`);
      else sig.batchable = b;
    }
    methods.push(sig);
  });

  const requirements: Record<string, string> = {};
  if (!isObj(doc.requirements)) fail('requirements', `must be a mapping of package → version, got ${describe(doc.requirements)}`);
  for (const [k, v] of Object.entries(doc.requirements as Obj)) {
    if (typeof v !== 'string') fail(`requirements.${k}`, `must be a version string, got ${describe(v)}`);
    requirements[k] = v as string;
  }

  const lineage = validateLineage(doc.lineage, fail);
  const meta: ModelMeta = { keel_model: 1, name, runtime, artifacts, methods, requirements, lineage };
  if (description !== undefined) meta.description = description;
  if (entry !== undefined) meta.entry = entry;
  if (processing !== undefined) meta.processing = processing;
  if ('sample' in doc) meta.sample = doc.sample;
  return meta;
}

function validateLineage(l: unknown, fail: (field: string, msg: string) => never): Lineage {
  if (!isObj(l)) return fail('lineage', `must be a mapping, got ${describe(l)}`);
  for (const k of Object.keys(l))
    if (!['git', 'stage', 'params', 'metrics', 'created'].includes(k)) fail(`lineage.${k}`, 'is not a known field (known: git, stage, params, metrics, created)');
  if (typeof l.created !== 'string' || Number.isNaN(Date.parse(l.created))) fail('lineage.created', `must be an ISO 8601 time, got ${describe(l.created)}`);
  const out: Lineage = { created: l.created as string };
  if (l.git !== undefined) {
    const g = l.git;
    if (!isObj(g)) return fail('lineage.git', `must be a mapping, got ${describe(g)}`);
    if (typeof g.commit !== 'string' || !/^[0-9a-f]{7,64}$/.test(g.commit)) fail('lineage.git.commit', `must be a commit sha, got ${describe(g.commit)}`);
    if (typeof g.dirty !== 'boolean') fail('lineage.git.dirty', `must be true or false, got ${describe(g.dirty)}`);
    out.git = { commit: g.commit as string, dirty: g.dirty as boolean };
    if (g.branch !== undefined) {
      if (typeof g.branch !== 'string') fail('lineage.git.branch', `must be a string, got ${describe(g.branch)}`);
      out.git.branch = g.branch as string;
    }
  }
  if (l.stage !== undefined) {
    const s = l.stage;
    if (!isObj(s)) return fail('lineage.stage', `must be a mapping, got ${describe(s)}`);
    if (typeof s.name !== 'string' || !s.name) fail('lineage.stage.name', `must be a non-empty string, got ${describe(s.name)}`);
    if (typeof s.file !== 'string' || !s.file) fail('lineage.stage.file', `must be a non-empty string, got ${describe(s.file)}`);
    if (!isObj(s.lock)) fail('lineage.stage.lock', `must be a mapping (the stage's dvc.lock entry), got ${describe(s.lock)}`);
    out.stage = { name: s.name as string, file: s.file as string, lock: s.lock as Obj };
  }
  for (const k of ['params', 'metrics'] as const) {
    if (l[k] === undefined) continue;
    if (!isObj(l[k])) fail(`lineage.${k}`, `must be a mapping, got ${describe(l[k])}`);
    out[k] = l[k] as Obj;
  }
  return out;
}

/** Parse the text of a keel-model.yaml. */
export function parseMeta(text: string, file = META_FILE): ModelMeta {
  return validateMeta(unwrapYaml(parseYaml(text, file)), file);
}

/** The YAML text of a ModelMeta, fields in a fixed, readable order. */
export function formatMeta(meta: ModelMeta): string {
  const ordered: Obj = { keel_model: meta.keel_model, name: meta.name };
  if (meta.description !== undefined) ordered.description = meta.description;
  ordered.runtime = meta.runtime;
  if (meta.entry !== undefined) ordered.entry = meta.entry;
  if (meta.processing !== undefined) ordered.processing = meta.processing;
  ordered.artifacts = meta.artifacts.map((a) => ({ path: a.path, md5: a.md5, size: a.size }));
  ordered.methods = meta.methods.map((m) => {
    const o: Obj = { name: m.name };
    if (m.description !== undefined) o.description = m.description;
    if (m.output_name !== undefined) o.output_name = m.output_name;
    if (m.batchable !== undefined) o.batchable = m.batchable;
    o.input = m.input;
    o.output = m.output;
    return o;
  });
  if (meta.sample !== undefined) ordered.sample = meta.sample;
  ordered.requirements = meta.requirements;
  ordered.lineage = meta.lineage;
  // JSON round trip: drops undefined values and class instances the YAML writer would not know
  return dumpYaml(JSON.parse(JSON.stringify(ordered)));
}

/** Read and validate `<dir>/keel-model.yaml`. */
export async function readMeta(dir: string): Promise<ModelMeta> {
  const file = path.join(dir, META_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'ENOTDIR')) {
      throw new NotFoundError(`'${dir}' is not a model package: ${META_FILE} not found`, {
        hint: "create one with 'keel model save <model> -o <dir>'",
        data: { path: dir },
      });
    }
    throw e;
  }
  return parseMeta(text, path.join(path.basename(path.resolve(dir)), META_FILE));
}

/** Write `<dir>/keel-model.yaml` atomically (validated first, so a bad meta is never written). */
export async function writeMeta(dir: string, meta: ModelMeta): Promise<void> {
  const text = formatMeta(meta);
  validateMeta(unwrapYaml(parseYaml(text, META_FILE)));
  await writeFileAtomic(path.join(dir, META_FILE), text);
}

/**
 * Check every artifact's size and md5 against the metadata. A missing or changed file throws
 * KeelError CORRUPT naming it: nothing of a tampered package is loaded.
 */
export async function verifyArtifacts(dir: string, meta: ModelMeta): Promise<void> {
  for (const a of meta.artifacts) {
    const abs = path.join(dir, ...a.path.split('/'));
    const st = await fs.stat(abs).catch((e: unknown) => {
      if (isErrno(e, 'ENOENT', 'ENOTDIR')) return undefined;
      throw e;
    });
    const corrupt = (what: string, actual: Obj): never => {
      throw new KeelError('CORRUPT', `model package '${dir}': artifact '${a.path}' ${what}; the package was not loaded`, {
        hint: "the package was modified after it was saved; re-create it with 'keel model save'",
        data: { package: dir, artifact: a.path, expected: { md5: a.md5, size: a.size }, ...actual },
      });
    };
    if (!st || !st.isFile()) corrupt('is missing', {});
    if (st!.size !== a.size) corrupt(`has ${st!.size} bytes, expected ${a.size}`, { size: st!.size });
    const h = await hashFile(abs);
    if (h.md5 !== a.md5) corrupt(`has md5 ${h.md5}, expected ${a.md5}`, { md5: h.md5 });
  }
}
