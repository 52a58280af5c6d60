/**
 * dvc.yaml → typed stages (types.ts), as DVC 3 loads a project file: the raw file is validated
 * against DVC's schema (`dvc/schema.py`, MULTI_STAGE_SCHEMA), then templated (interpolate.ts:
 * vars, `${…}`, foreach, matrix), then each resolved stage is read the way `StageLoader.load_stage`
 * reads it (`params` merged per file as `dependency._merge_params`, outs per bucket as
 * `output._merge_data`, paths resolved against the stage's wdir).
 *
 * All file access goes through the injected `readFile(abs)`, so the same code loads the workspace
 * and a git revision. Loading is eager: a broken stage fails its whole file.
 *
 * Where keel is stricter than DVC's loader (each noted in place): a stage name with punctuation
 * other than `_` and `-` is refused on load (DVC refuses it only in `stage add`, and cannot
 * address `a@b` either); an output outside the repository is refused (DVC refuses cached ones
 * only); a URL dependency is refused (keel does not do external dependencies); the same output
 * twice in one stage is refused (DVC refuses it when the stage runs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError, isErrno } from '../errors/index.js';
import { isInside, toPosix } from '../util/paths.js';
import { isYamlFloat, parseYamlDocument, type YamlDocument } from '../util/yaml.js';
import type { IgnoreFilter } from '../data/build.js';
import { findStageFiles } from './collect.js';
import { parseDvcFile } from './dvcfile.js';
import { Resolver, pyStr, pyTypeName, toStr, type ParsingConfig, type ResolvedStage } from './interpolate.js';
import { isMapping, mappingEntries, readParamFile } from './paramfile.js';
import type { OutKind, ParamDep, PlotProps, ProjectFile, Stage, StageDep, StageOut } from './types.js';

export { resolveParams } from './paramfile.js';
export type { ParsingConfig } from './interpolate.js';

export type ReadFile = (abs: string) => string | undefined;

export interface LoadOptions {
  repoRoot: string;
  /** text of a file by absolute path; undefined when it does not exist */
  readFile: ReadFile;
  /** `parsing:` config (how dicts interpolated into `cmd` become flags) */
  parsing?: ParsingConfig;
  /** DVC's warnings (e.g. a foreach overwriting a global `item`) */
  onWarning?: (message: string) => void;
}

export interface Project {
  root: string;
  /** every dvc.yaml, in listing order */
  files: ProjectFile[];
  /** the stages of every dvc.yaml, then one stage per .dvc file */
  stages: Stage[];
}

/** `readFile` for the workspace. */
export function workspaceReader(): ReadFile {
  return (abs) => {
    try {
      return fs.readFileSync(abs, 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT', 'ENOTDIR', 'EISDIR')) return undefined;
      throw e;
    }
  };
}

/** Absolute paths of the workspace's dvc.yaml files (same walk as collect.ts findStageFiles). */
export function findProjectFiles(root: string, ignore?: IgnoreFilter): string[] {
  return findStageFiles(root, ignore)
    .pipelineDirs.map((d) => path.join(d, 'dvc.yaml'))
    .filter((f) => fs.existsSync(f));
}

/**
 * Load every dvc.yaml (and .dvc file) the listing names. Default listing: the workspace walk
 * (dvc.yaml files, then .dvc files). For a git revision pass `listFiles` (e.g. from `git ls-tree`)
 * and a `readFile` reading that revision.
 */
export function loadProject(
  repoRoot: string,
  opts: Omit<LoadOptions, 'repoRoot'> & {
    /** absolute (or repo-relative) paths of the dvc.yaml and .dvc files to load */
    listFiles?: () => string[];
    /** for the default workspace walk */
    ignore?: IgnoreFilter;
  },
): Project {
  const files =
    opts.listFiles?.() ??
    (() => {
      const s = findStageFiles(repoRoot, opts.ignore);
      return [...s.pipelineDirs.map((d) => path.join(d, 'dvc.yaml')).filter((f) => fs.existsSync(f)), ...s.dvcFiles];
    })();
  const paramsCache = new Map<string, unknown>();
  const project: Project = { root: repoRoot, files: [], stages: [] };
  const dvcStages: Stage[] = [];
  for (const f of files) {
    const abs = path.resolve(repoRoot, f);
    const text = opts.readFile(abs);
    if (text === undefined) continue;
    if (path.basename(abs) === 'dvc.yaml') {
      const pf = loadWithCache(abs, text, { ...opts, repoRoot }, paramsCache);
      project.files.push(pf);
      project.stages.push(...pf.stages);
    } else if (abs.endsWith('.dvc')) {
      dvcStages.push(dvcFileStage(abs, text, repoRoot));
    }
  }
  project.stages.push(...dvcStages);
  return project;
}

/** Load one dvc.yaml from its text. */
export function loadProjectFile(absFile: string, text: string, opts: LoadOptions): ProjectFile {
  return loadWithCache(absFile, text, opts, new Map());
}

/** A `.dvc` file as a stage (kind 'dvcfile', named by its repo-relative path, as DVC addresses it). */
export function dvcFileStage(absFile: string, text: string, repoRoot: string): Stage {
  const f = parseDvcFile(text, absFile, repoRoot);
  const raw = f.raw;
  const wdirRaw = typeof raw.wdir === 'string' ? raw.wdir : '.';
  const wdir = path.resolve(path.dirname(absFile), wdirRaw);
  const deps: StageDep[] = [];
  for (const d of f.deps) {
    if (!d || typeof d.path !== 'string' || d.repo !== undefined || URL_RE.test(d.path)) continue; // imports: not local files
    deps.push({ path: d.path, abs: path.resolve(wdir, d.path) });
  }
  const outs: StageOut[] = f.outs.map((o) => ({
    path: o.defPath,
    abs: o.abs,
    kind: o.raw.plot ? 'plots' : o.raw.metric ? 'metrics' : 'outs',
    cache: o.cache,
    persist: o.persist,
    push: o.push,
    ...(o.remote !== undefined ? { remote: o.remote } : {}),
    ...(typeof o.raw.desc === 'string' ? { desc: o.raw.desc } : {}),
  }));
  return {
    name: toPosix(path.relative(repoRoot, absFile)),
    file: absFile,
    kind: 'dvcfile',
    wdir,
    wdirRaw,
    ...(typeof raw.cmd === 'string' || Array.isArray(raw.cmd) ? { cmd: raw.cmd as string | string[] } : {}),
    deps,
    params: [],
    outs,
    frozen: raw.frozen === true || raw.locked === true,
    alwaysChanged: raw.always_changed === true,
    ...(typeof raw.desc === 'string' ? { desc: raw.desc } : {}),
    ...(raw.meta !== undefined ? { meta: raw.meta } : {}),
    trackedVars: {},
    dvcOutputs: f.outs,
  };
}

// ---------------------------------------------------------------------------------------------

const URL_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** string.punctuation minus `_` and `-` (dvc/stage/__init__.py INVALID_STAGENAME_CHARS) */
const INVALID_STAGENAME_CHARS = new Set('!"#$%&\'()*+,./:;<=>?@[\\]^`{|}~');

/** DVC's `is_valid_name`: no punctuation other than `_` and `-`. */
export function isValidStageName(name: string): boolean {
  return name !== '' && ![...name].some((c) => INVALID_STAGENAME_CHARS.has(c));
}

/** Check a dvc.yaml's text against DVC's schema (throws FileFormatError naming key and line). */
export function validateProjectText(text: string, relFile: string): void {
  const doc = parseYamlDocument(text, relFile, { keepFloats: true, bigInts: true, exactKeys: true });
  new Validator(doc, relFile).project(doc.value === null || doc.value === undefined ? {} : doc.value);
}

function loadWithCache(absFile: string, text: string, opts: LoadOptions, paramsCache: Map<string, unknown>): ProjectFile {
  const repoRoot = path.resolve(opts.repoRoot);
  const relFile = toPosix(path.relative(repoRoot, absFile)) || 'dvc.yaml';
  const doc = parseYamlDocument(text, relFile, { keepFloats: true, bigInts: true, exactKeys: true });
  const raw = doc.value === null || doc.value === undefined ? {} : doc.value;
  const v = new Validator(doc, relFile);
  v.project(raw);
  const data = raw as Record<string, unknown>;

  const read = (rel: string): unknown => {
    const abs = path.resolve(repoRoot, rel);
    if (paramsCache.has(abs)) return paramsCache.get(abs);
    const t = opts.readFile(abs);
    const parsed = t === undefined ? undefined : readParamFile(t, rel);
    paramsCache.set(abs, parsed);
    return parsed;
  };
  const resolver = new Resolver(data, {
    relFile,
    read,
    parsing: opts.parsing,
    onWarning: opts.onWarning,
    lineOf: (p) => doc.lineOf(p),
  });
  const dir = path.dirname(absFile);
  const conv = new StageConverter(relFile, absFile, dir, repoRoot, doc, opts.parsing ?? {});
  const stages = resolver.resolveStages().map((rs) => conv.stage(rs));

  const strings = (section: 'params' | 'metrics'): string[] =>
    resolver.resolveTop(section).map((x, i) => {
      if (typeof x !== 'string') throw v.error(`expected str, got ${typeName(x)}`, [section, i]);
      return x;
    });
  const plots: ProjectFile['plots'] = [];
  resolver.resolveTop('plots').forEach((item, i) => {
    if (typeof item === 'string') plots.push({ id: item, props: null });
    else if (isMapping(item))
      for (const [id, props] of mappingEntries(item)) plots.push({ id: String(id), props: props === null ? null : plotProps(props, v, ['plots', i]) });
    else throw v.error(`expected str or a dictionary, got ${typeName(item)}`, ['plots', i]);
  });
  return { file: absFile, dir, stages, params: strings('params'), metrics: strings('metrics'), plots };
}

const typeName = pyTypeName;

function plotProps(props: unknown, v: Validator, at: (string | number)[]): PlotProps {
  if (!isMapping(props)) throw v.error('expected a dictionary', at);
  const out: PlotProps = {};
  for (const [k, x] of mappingEntries(props)) {
    const key = String(k);
    if (key === 'header') {
      if (typeof x !== 'boolean') throw v.error('expected bool', [...at, key]);
      out.header = x;
    } else if (key === 'x') {
      if (typeof x === 'string') out.x = x;
      else if (isMapping(x)) out.x = Object.fromEntries(mappingEntries(x).map(([f, field]) => [String(f), String(field)]));
      else throw v.error('expected str or a dictionary', [...at, key]);
    } else if (key === 'y') {
      if (typeof x === 'string' || (Array.isArray(x) && x.every((s) => typeof s === 'string'))) out.y = x as string | string[];
      else if (isMapping(x)) out.y = Object.fromEntries(mappingEntries(x).map(([f, fields]) => [String(f), fields as string | string[]]));
      else throw v.error('expected str, list or a dictionary', [...at, key]);
    } else if (key === 'template' || key === 'x_label' || key === 'y_label' || key === 'title') {
      if (typeof x !== 'string') throw v.error('expected str', [...at, key]);
      out[key] = x;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Schema (dvc/schema.py), checked on the raw file before templating, as DVC does
// ---------------------------------------------------------------------------------------------

type Seg = string | number;
type FieldType = 'str' | 'bool' | 'any' | 'strlist';

const OUT_FLAGS: Record<string, FieldType> = {
  desc: 'str',
  type: 'str',
  labels: 'strlist',
  meta: 'any',
  cache: 'bool',
  persist: 'bool',
  checkpoint: 'bool',
  remote: 'str',
  push: 'bool',
};
const PLOT_PROP_TYPES: Record<string, FieldType> = {
  template: 'str',
  x: 'str',
  y: 'str',
  x_label: 'str',
  y_label: 'str',
  title: 'str',
  header: 'bool',
};
const PLOT_FLAGS: Record<string, FieldType> = { ...OUT_FLAGS, ...PLOT_PROP_TYPES };
const PLOT_PROP_KEYS = Object.keys(PLOT_PROP_TYPES) as (keyof PlotProps)[];
const STAGE_KEYS = new Set(['matrix', 'cmd', 'wdir', 'deps', 'params', 'vars', 'frozen', 'meta', 'desc', 'always_changed', 'outs', 'metrics', 'plots']);
const TOP_KEYS = new Set(['datasets', 'plots', 'stages', 'vars', 'params', 'metrics', 'artifacts']);

class Validator {
  constructor(
    private readonly doc: YamlDocument,
    private readonly file: string,
  ) {}

  lineAt(at: readonly Seg[]): number | undefined {
    for (let p = [...at]; p.length; p = p.slice(0, -1)) {
      const l = this.doc.lineOf(p);
      if (l !== undefined) return l;
    }
    return undefined;
  }

  /** `<msg>, in a -> b -> c, line N` (voluptuous / DVC's wording) */
  error(msg: string, at: readonly Seg[], hint?: string): FileFormatError {
    const line = this.lineAt(at);
    const where = at.length ? `, in ${at.join(' -> ')}` : '';
    return new FileFormatError(this.file, `${msg}${where}${line !== undefined ? `, line ${line}` : ''}`, {
      hint,
      data: { key: at.join('.'), ...(line !== undefined ? { line } : {}) },
    });
  }

  private mapping(x: unknown, at: Seg[]): [unknown, unknown][] {
    if (!isMapping(x)) throw this.error('expected a dictionary', at);
    return mappingEntries(x);
  }

  private list(x: unknown, at: Seg[]): unknown[] {
    if (x === null) return []; // DVC refuses an empty list key; keel reads it as empty
    if (!Array.isArray(x)) throw this.error('expected a list', at);
    return x;
  }

  private field(x: unknown, t: FieldType, at: Seg[]): void {
    if (t === 'str' && typeof x !== 'string') throw this.error('expected str', at);
    if (t === 'bool' && typeof x !== 'boolean') throw this.error('expected bool', at);
    if (t === 'strlist') this.list(x, at).forEach((s, i) => this.field(s, 'str', [...at, i]));
  }

  private keys(entries: [unknown, unknown][], allowed: Set<string>, at: Seg[]): void {
    for (const [k] of entries) if (typeof k !== 'string' || !allowed.has(k)) throw this.error('extra keys not allowed', [...at, String(k)]);
  }

  project(raw: unknown): void {
    const top = this.mapping(raw, []);
    this.keys(top, TOP_KEYS, []);
    const get = (k: string): unknown => top.find(([x]) => x === k)?.[1];
    this.vars(get('vars'), ['vars']);
    for (const k of ['params', 'metrics'])
      if (get(k) !== undefined) this.list(get(k), [k]).forEach((s, i) => this.field(s, 'str', [k, i]));
    if (get('plots') !== undefined)
      this.list(get('plots'), ['plots']).forEach((p, i) => {
        if (typeof p === 'string') return;
        const entries = this.mapping(p, ['plots', i]);
        if (entries.length === 0) throw this.error('required key not provided', ['plots', i]);
        for (const [id, props] of entries) {
          if (typeof id !== 'string') throw this.error('extra keys not allowed', ['plots', i, String(id)]);
          if (props === null) continue;
          const pe = this.mapping(props, ['plots', i, id]);
          for (const [k, x] of pe) {
            const at = ['plots', i, id, String(k)];
            if (k === 'x') {
              if (typeof x !== 'string' && !(isMapping(x) && mappingEntries(x).every(([, f]) => typeof f === 'string')))
                throw this.error('expected str or a dictionary of str', at);
            } else if (k === 'y') {
              const ok = (y: unknown): boolean => typeof y === 'string' || (Array.isArray(y) && y.every((s) => typeof s === 'string'));
              if (!ok(x) && !(isMapping(x) && mappingEntries(x).every(([, f]) => ok(f)))) throw this.error('expected str, list of str or a dictionary', at);
            } else if (k === 'x_label' || k === 'y_label' || k === 'title' || k === 'template') this.field(x, 'str', at);
            else throw this.error('extra keys not allowed', at);
          }
        }
      });
    if (get('artifacts') !== undefined)
      for (const [name, art] of this.mapping(get('artifacts'), ['artifacts'])) {
        const at: Seg[] = ['artifacts', String(name)];
        const entries = this.mapping(art, at);
        this.keys(entries, new Set(['path', 'desc', 'type', 'labels', 'meta']), at);
        if (!entries.some(([k]) => k === 'path')) throw this.error('required key not provided', [...at, 'path']);
        for (const [k, x] of entries) if (k !== 'meta') this.field(x, k === 'labels' ? 'strlist' : 'str', [...at, String(k)]);
      }
    const stages = get('stages');
    if (stages === undefined || stages === null) return;
    for (const [name, def] of this.mapping(stages, ['stages'])) {
      if (typeof name !== 'string') throw this.error('extra keys not allowed', ['stages', String(name)]);
      if (!isValidStageName(name))
        throw this.error(`invalid stage name '${name}': Stage name cannot contain punctuation characters.`, ['stages', name], 'use letters, digits, `_` and `-`');
      const entries = this.mapping(def, ['stages', name]);
      if (entries.some(([k]) => k === 'foreach' || k === 'do')) {
        this.keys(entries, new Set(['foreach', 'do']), ['stages', name]);
        const fe = entries.find(([k]) => k === 'foreach');
        const doDef = entries.find(([k]) => k === 'do');
        if (!fe) throw this.error('required key not provided', ['stages', name, 'foreach']);
        if (!doDef) throw this.error('required key not provided', ['stages', name, 'do']);
        if (!(typeof fe[1] === 'string' || Array.isArray(fe[1]) || isMapping(fe[1])))
          throw this.error('expected a dictionary, a list or str', ['stages', name, 'foreach']);
        this.stage(doDef[1], ['stages', name, 'do']);
      } else this.stage(def, ['stages', name]);
    }
  }

  private vars(x: unknown, at: Seg[]): void {
    if (x === undefined) return;
    this.list(x, at).forEach((item, i) => {
      if (typeof item !== 'string' && !isMapping(item)) throw this.error('expected str or a dictionary', [...at, i]);
    });
  }

  private stage(def: unknown, at: Seg[]): void {
    const entries = this.mapping(def, at);
    this.keys(entries, STAGE_KEYS, at);
    const get = (k: string): unknown => entries.find(([x]) => x === k)?.[1];
    const has = (k: string): boolean => entries.some(([x]) => x === k);
    if (!has('cmd')) throw this.error('required key not provided', [...at, 'cmd']);
    const cmd = get('cmd');
    if (typeof cmd !== 'string' && !Array.isArray(cmd)) throw this.error('expected str or a list', [...at, 'cmd']);
    if (has('matrix'))
      for (const [axis, values] of this.mapping(get('matrix'), [...at, 'matrix'])) {
        if (typeof axis !== 'string') throw this.error('extra keys not allowed', [...at, 'matrix', String(axis)]);
        if (typeof values !== 'string' && !Array.isArray(values)) throw this.error('expected str or a list', [...at, 'matrix', axis]);
      }
    if (has('wdir')) this.field(get('wdir'), 'str', [...at, 'wdir']);
    if (has('desc')) this.field(get('desc'), 'str', [...at, 'desc']);
    if (has('frozen')) this.field(get('frozen'), 'bool', [...at, 'frozen']);
    if (has('always_changed')) this.field(get('always_changed'), 'bool', [...at, 'always_changed']);
    if (has('deps')) this.list(get('deps'), [...at, 'deps']).forEach((d, i) => this.field(d, 'str', [...at, 'deps', i]));
    if (has('params'))
      this.list(get('params'), [...at, 'params']).forEach((p, i) => {
        if (typeof p !== 'string' && !isMapping(p)) throw this.error('expected str or a dictionary', [...at, 'params', i]);
      });
    this.vars(get('vars'), [...at, 'vars']);
    for (const bucket of ['outs', 'metrics', 'plots'] as const) {
      if (!has(bucket)) continue;
      const flagsSchema = bucket === 'plots' ? PLOT_FLAGS : OUT_FLAGS;
      this.list(get(bucket), [...at, bucket]).forEach((o, i) => {
        if (typeof o === 'string') return;
        for (const [p, flags] of this.mapping(o, [...at, bucket, i])) {
          const fat = [...at, bucket, i, String(p)];
          if (typeof p !== 'string') throw this.error('extra keys not allowed', fat);
          for (const [k, x] of this.mapping(flags, fat)) {
            const t = typeof k === 'string' ? flagsSchema[k] : undefined;
            if (!t) throw this.error('extra keys not allowed', [...fat, String(k)]);
            if (t !== 'any') this.field(x, t, [...fat, k as string]);
          }
        }
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Resolved stage data → Stage
// ---------------------------------------------------------------------------------------------

class StageConverter {
  constructor(
    private readonly relFile: string,
    private readonly absFile: string,
    private readonly dir: string,
    private readonly repoRoot: string,
    private readonly doc: YamlDocument,
    private readonly parsing: ParsingConfig,
  ) {}

  private fail(rs: ResolvedStage, key: string, msg: string, hint?: string): never {
    const base: Seg[] = rs.kind === 'foreach' ? ['stages', rs.group, 'do'] : ['stages', rs.group];
    let line: number | undefined;
    for (let p: Seg[] = [...base, key]; p.length && line === undefined; p = p.slice(0, -1)) line = this.doc.lineOf(p);
    throw new FileFormatError(this.relFile, `stage '${rs.name}': ${msg}${line !== undefined ? ` (line ${line})` : ''}`, {
      hint,
      data: { stage: rs.name, key: `stages.${rs.name}.${key}`, ...(line !== undefined ? { line } : {}) },
    });
  }

  /** a path-like value after templating: a string (numbers are formatted as Python would) */
  private pathString(rs: ResolvedStage, key: string, x: unknown): string {
    if (typeof x === 'string') return x;
    if (typeof x === 'number' || typeof x === 'bigint' || isYamlFloat(x)) return pyStr(x);
    return this.fail(rs, key, `expected a path (str), got ${typeName(x)}`);
  }

  private list(rs: ResolvedStage, key: string): unknown[] {
    const x = rs.data[key];
    if (x === undefined || x === null) return [];
    if (!Array.isArray(x)) return this.fail(rs, key, `expected a list, got ${typeName(x)}`);
    return x;
  }

  private bool(rs: ResolvedStage, key: string): boolean {
    const x = rs.data[key];
    if (x === undefined || x === null) return false;
    if (typeof x !== 'boolean') return this.fail(rs, key, `expected bool, got ${typeName(x)}`);
    return x;
  }

  stage(rs: ResolvedStage): Stage {
    const d = rs.data;
    const wdirRaw = d.wdir === undefined || d.wdir === null || d.wdir === '' ? '.' : this.pathString(rs, 'wdir', d.wdir);
    const wdir = path.resolve(this.dir, wdirRaw);

    let cmd: string | string[];
    const c = d.cmd;
    const cmdPart = (x: unknown): string => {
      if (typeof x === 'string') return x;
      if (isMapping(x)) return toStr(x, this.parsing); // `cmd: ${dict}`: DVC keeps the dict (and fails to run it); keel expands it as flags
      if (x === null || Array.isArray(x)) return this.fail(rs, 'cmd', `expected str or a list of str, got ${typeName(x)}`);
      return pyStr(x);
    };
    if (Array.isArray(c)) cmd = c.map(cmdPart);
    else cmd = cmdPart(c);

    const deps: StageDep[] = this.list(rs, 'deps').map((x) => {
      const p = this.pathString(rs, 'deps', x);
      if (URL_RE.test(p)) this.fail(rs, 'deps', `external dependency '${p}' is not supported by keel`, 'depend on a file inside the repository');
      return { path: p, abs: path.resolve(wdir, p) };
    });

    const params = this.params(rs, wdir);

    const outs: StageOut[] = [];
    const seen = new Map<string, string>();
    for (const kind of ['outs', 'metrics', 'plots'] as OutKind[]) {
      for (const [p, flags] of this.mergeData(rs, kind)) {
        const abs = path.resolve(wdir, p);
        if (!isInside(this.repoRoot, abs) || abs === this.repoRoot)
          this.fail(rs, kind, `output '${p}' is outside of the repository`, 'outputs must live inside the repository');
        if (/^(\.git|\.dvc)(\/|$)/.test(toPosix(path.relative(this.repoRoot, abs)))) this.fail(rs, kind, `output '${p}' is inside .git or .dvc`);
        if (seen.has(abs)) this.fail(rs, kind, `file/directory '${p}' is specified more than once.`);
        seen.set(abs, p);
        const out: StageOut = {
          path: p,
          abs,
          kind,
          cache: flags.cache === undefined ? true : flags.cache === true,
          persist: flags.persist === true,
          push: flags.push === undefined ? true : flags.push === true,
        };
        if (typeof flags.remote === 'string') out.remote = flags.remote;
        if (typeof flags.desc === 'string') out.desc = flags.desc;
        if (kind === 'plots') {
          const plot: PlotProps = {};
          for (const k of PLOT_PROP_KEYS) if (flags[k] !== undefined) (plot as Record<string, unknown>)[k] = flags[k];
          out.plot = plot;
        }
        outs.push(out);
      }
    }

    const stage: Stage = {
      name: rs.name,
      file: this.absFile,
      kind: 'pipeline',
      wdir,
      wdirRaw,
      cmd,
      deps,
      params,
      outs,
      frozen: this.bool(rs, 'frozen'),
      alwaysChanged: this.bool(rs, 'always_changed'),
      trackedVars: rs.trackedVars,
    };
    if (d.desc !== undefined && d.desc !== null) {
      if (typeof d.desc !== 'string') this.fail(rs, 'desc', `expected str, got ${typeName(d.desc)}`);
      stage.desc = d.desc;
    }
    if (d.meta !== undefined) stage.meta = d.meta;
    return stage;
  }

  /** dependency._merge_params */
  private params(rs: ResolvedStage, wdir: string): ParamDep[] {
    const items = this.list(rs, 'params');
    const DEFAULT = 'params.yaml';
    const wholly = new Set<string>();
    for (const it of items) if (isMapping(it)) for (const [k, ps] of mappingEntries(it)) if (!ps || (Array.isArray(ps) && ps.length === 0)) wholly.add(String(k));
    const d = new Map<string, string[]>();
    const add = (file: string, keys: string[]): void => {
      const cur = d.get(file) ?? [];
      for (const k of keys) if (!cur.includes(k)) cur.push(k);
      d.set(file, cur);
    };
    for (const it of items) {
      if (typeof it === 'string') {
        if (!wholly.has(DEFAULT)) add(DEFAULT, [it]);
        continue;
      }
      if (!isMapping(it)) this.fail(rs, 'params', `Only list of str/dict is supported. Got: '${typeName(it)}'.`);
      for (const [k, ps] of mappingEntries(it)) {
        const file = this.pathString(rs, 'params', k);
        if (wholly.has(file)) {
          d.set(file, []);
          continue;
        }
        if (!Array.isArray(ps)) this.fail(rs, 'params', `Expected list of params for custom params file '${file}', got '${typeName(ps)}'.`);
        add(
          file,
          ps.map((x) => this.pathString(rs, 'params', x)),
        );
      }
    }
    return [...d].map(([file, keys]) => ({ file, abs: path.resolve(wdir, file), keys: keys.length ? keys : null }));
  }

  /** output._merge_data for one bucket: path → flags, in first-seen order */
  private mergeData(rs: ResolvedStage, kind: OutKind): Map<string, Record<string, unknown>> {
    const out = new Map<string, Record<string, unknown>>();
    for (const it of this.list(rs, kind)) {
      if (typeof it === 'string') {
        out.set(it, out.get(it) ?? {});
        continue;
      }
      if (!isMapping(it)) this.fail(rs, kind, `'${typeName(it)}' not supported.`);
      for (const [k, flags] of mappingEntries(it)) {
        const p = this.pathString(rs, kind, k);
        if (!isMapping(flags)) this.fail(rs, kind, `Expected dict for '${p}', got: '${typeName(flags)}'`);
        const merged = { ...(out.get(p) ?? {}) };
        for (const [fk, fv] of mappingEntries(flags)) merged[String(fk)] = fv;
        for (const b of ['cache', 'persist', 'push'])
          if (merged[b] !== undefined && typeof merged[b] !== 'boolean') this.fail(rs, kind, `'${b}' of '${p}' must be true or false`);
        out.set(p, merged);
      }
    }
    return out;
  }
}
