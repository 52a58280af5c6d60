/**
 * `stage add` (dvc/repo/stage.py StageLoad.add → stage/serialize.py to_pipeline_file →
 * dvcfile.py ProjectFile._dump_pipeline_file) and the data of `stage list`
 * (dvc/commands/stage.py).
 *
 * The entry is written as DVC writes it: keys in the order desc, cmd, wdir, deps, params, outs,
 * metrics, plots, frozen, always_changed, meta, empty ones dropped; deps sorted; outs sorted by
 * path and put in the outs / metrics / plots buckets, a flagged one as `{path: {cache: false,
 * persist: true}}`; params keys of params.yaml first as bare sorted strings, other files sorted as
 * `{file: [sorted keys]}` or `{file: null}` when the whole file is tracked.
 *
 * An existing dvc.yaml is edited in place: only the lines of that stage are inserted or replaced,
 * everything else (comments included) stays byte for byte. DVC instead round-trips the whole file
 * through ruamel, which keeps comments too but re-indents a file not written in its own style.
 * Comments inside a replaced (`--force`) stage are lost. A replaced stage keeps its key order,
 * new keys go last (DVC's apply_diff), and keeps `meta`, and the annotations, `remote` and `push`
 * of outputs that are still there (DVC's restore_fields); its `desc` is kept unless a new one is
 * given (DVC always keeps the old one, dropping a new `--desc`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotFoundError, PathError, PipelineError, UsageError } from '../errors/index.js';
import { writeFileAtomic } from '../util/fs.js';
import { compareCodePoints, isInside, toPosix } from '../util/paths.js';
import { dumpYaml, parseYamlDocument } from '../util/yaml.js';
import { isValidStageName, validateProjectText, workspaceReader, type ReadFile } from './load.js';
import { isMapping, mappingEntries } from './paramfile.js';
import type { Stage } from './types.js';

export interface StageAddDef {
  name: string;
  /** one command string (see parseCmd for argv) or a list of commands */
  cmd: string | string[];
  deps?: string[];
  outs?: string[];
  outsNoCache?: string[];
  outsPersist?: string[];
  outsPersistNoCache?: string[];
  metrics?: string[];
  metricsNoCache?: string[];
  plots?: string[];
  plotsNoCache?: string[];
  /** `-p` values as typed: `k1,k2` (params.yaml), `file:k1,k2`, `file:` (the whole file) */
  params?: string[];
  /** relative to the dvc.yaml's directory, or absolute; paths of deps/outs are relative to it */
  wdir?: string;
  force?: boolean;
  alwaysChanged?: boolean;
  desc?: string;
}

export interface AddStageOptions {
  repoRoot: string;
  /** reads the existing dvc.yaml; default: the workspace */
  readFile?: ReadFile;
  /** write the file (default true); false only computes the text */
  write?: boolean;
}

export interface AddStageResult {
  file: string;
  /** DVC logs "Adding stage 'x' in 'dvc.yaml'" / "Modifying stage …" */
  action: 'Adding' | 'Modifying';
  /** dvc.yaml did not exist before */
  created: boolean;
  /** the serialised entry (`{name: {...}}` is what went into `stages:`) */
  entry: Map<string, unknown>;
  text: string;
}

// ---------------------------------------------------------------------------------------------
// CLI argument helpers
// ---------------------------------------------------------------------------------------------

/** dvc/commands/stage.py parse_cmd: argv → one command string. */
export function parseCmd(argv: string[]): string {
  if (argv.length < 2) return argv.join(' ');
  return argv
    .map((a) => {
      if (!a) return '""';
      if (a.includes(' ') && !a.includes('"')) return `"${a}"`;
      return a;
    })
    .join(' ');
}

/** dvc/utils/cli_parse.py parse_params: `-p` values → `[{file: [keys]}]` (empty keys = whole file). */
export function parseParamsArgs(values: string[]): { file: string; keys: string[] }[] {
  const ret = new Map<string, string[]>();
  for (const v of values) {
    const at = v.lastIndexOf(':');
    const file = at < 0 ? '' : v.slice(0, at);
    const keys = (at < 0 ? v : v.slice(at + 1)).split(',').filter(Boolean);
    const f = file || 'params.yaml';
    ret.set(f, [...(ret.get(f) ?? []), ...keys]);
  }
  return [...ret].map(([file, keys]) => ({ file, keys }));
}

// ---------------------------------------------------------------------------------------------
// Serialisation (to_pipeline_file)
// ---------------------------------------------------------------------------------------------

const byCodePoint = (a: string, b: string): number => compareCodePoints(a, b);

/** One output as `stage add` builds it (dvc.output.Output fields that serialisation reads). */
export interface OutSpec {
  path: string;
  cache: boolean;
  persist: boolean;
  metric: boolean;
  plot: boolean;
  /** plot properties (x, y, template…), written as given after `persist` */
  plotProps?: [string, unknown][];
  /** restored annotation / remote / push flags (desc, type, labels, meta, remote, push) */
  extra?: Map<string, unknown>;
}

/** `_serialize_params_keys` over `_merge_params` of the given files. */
export function serializeParams(params: { file: string; keys: string[] | null }[]): unknown[] {
  const DEFAULT = 'params.yaml';
  const wholly = new Set(params.filter((p) => !p.keys || p.keys.length === 0).map((p) => p.file));
  const merged = new Map<string, string[]>();
  for (const p of params) {
    if (wholly.has(p.file)) merged.set(p.file, []);
    else merged.set(p.file, [...(merged.get(p.file) ?? []), ...(p.keys ?? [])]);
  }
  let keys: unknown[] = [];
  for (const file of [...merged.keys()].sort(byCodePoint)) {
    const k = [...new Set(merged.get(file))].sort(byCodePoint);
    if (k.length && file === DEFAULT) keys = [...k, ...keys];
    else keys.push(new Map([[file, k.length ? k : null]]));
  }
  return keys;
}

function serializeOuts(outs: OutSpec[]): [unknown[], unknown[], unknown[]] {
  const buckets: [unknown[], unknown[], unknown[]] = [[], [], []];
  for (const o of [...outs].sort((a, b) => byCodePoint(a.path, b.path))) {
    const flags = new Map<string, unknown>();
    const extra = o.extra ?? new Map<string, unknown>();
    for (const k of ['desc', 'type', 'labels', 'meta']) if (extra.has(k)) flags.set(k, extra.get(k));
    if (!o.cache) flags.set('cache', false);
    if (o.persist) flags.set('persist', true);
    for (const [k, v] of o.plotProps ?? []) flags.set(k, v);
    if (extra.has('remote')) flags.set('remote', extra.get('remote'));
    if (extra.get('push') === false) flags.set('push', false);
    const item = flags.size ? new Map([[o.path, flags]]) : o.path;
    buckets[o.plot ? 2 : o.metric ? 1 : 0].push(item);
  }
  return buckets;
}

/**
 * The `to_pipeline_file` entry of a stage: an ordered Map (desc, cmd, wdir, deps, params, outs,
 * metrics, plots, frozen, always_changed, meta; empty ones dropped).
 */
export function serializeStage(s: {
  cmd: string | string[];
  desc?: string;
  /** posix, relative to dvc.yaml's directory ('.' or undefined = none) */
  wdir?: string;
  deps?: string[];
  params?: { file: string; keys: string[] | null }[];
  outs?: OutSpec[];
  frozen?: boolean;
  alwaysChanged?: boolean;
  meta?: unknown;
}): Map<string, unknown> {
  const [outs, metrics, plots] = serializeOuts(s.outs ?? []);
  const entries: [string, unknown][] = [
    ['desc', s.desc],
    ['cmd', s.cmd],
    ['wdir', s.wdir === '.' ? undefined : s.wdir],
    ['deps', [...(s.deps ?? [])].sort(byCodePoint)],
    ['params', serializeParams(s.params ?? [])],
    ['outs', outs],
    ['metrics', metrics],
    ['plots', plots],
    ['frozen', s.frozen],
    ['always_changed', s.alwaysChanged],
    ['meta', s.meta],
  ];
  const truthy = (v: unknown): boolean =>
    !(v === undefined || v === null || v === false || v === '' || v === 0 || (Array.isArray(v) && v.length === 0) || (isMapping(v) && mappingEntries(v).length === 0));
  return new Map(entries.filter(([, v]) => truthy(v)));
}

/**
 * dvc/utils/collections.py apply_diff, for order only: `src`'s content with `dest`'s key order
 * (keys kept where they were, new keys last), recursively for same-typed containers.
 */
export function applyDiffOrder(src: unknown, dest: unknown): unknown {
  const isSeq = Array.isArray;
  const sameType = (a: unknown, b: unknown): boolean =>
    (typeof a === 'string' && typeof b === 'string') ||
    (isMapping(a) && isMapping(b)) ||
    (isSeq(a) && isSeq(b)) ||
    (typeof a === 'boolean' && typeof b === 'boolean');
  const merge = (s: unknown, d: unknown): unknown => ((isMapping(s) || isSeq(s)) && sameType(s, d) ? applyDiffOrder(s, d) : s);
  if (isMapping(src) && isMapping(dest)) {
    const se = new Map(mappingEntries(src));
    const out = new Map<unknown, unknown>();
    for (const [k, v] of mappingEntries(dest)) if (se.has(k)) out.set(k, merge(se.get(k), v));
    for (const [k, v] of se) if (!out.has(k)) out.set(k, v);
    return out;
  }
  if (isSeq(src) && isSeq(dest)) {
    if (src.length !== dest.length) return src;
    return src.map((v, i) => merge(v, dest[i]));
  }
  return src;
}

// ---------------------------------------------------------------------------------------------
// addStage
// ---------------------------------------------------------------------------------------------

function checkWdir(repoRoot: string, abs: string, shown: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new NotFoundError(`stage working dir '${shown}' does not exist`, { data: { path: shown } });
  }
  if (!st.isDirectory()) throw new PathError(`stage working dir '${shown}' is not directory`, { data: { path: shown } });
  if (!isInside(repoRoot, abs)) throw new PathError(`stage working dir '${shown}' is outside of DVC repo`, { data: { path: shown } });
}

/** def_path as DVC keeps it: as given, except an absolute path inside the repo, made relative to wdir. */
function defPath(p: string, wdir: string, repoRoot: string): string {
  if (path.isAbsolute(p) && isInside(repoRoot, p)) return toPosix(path.relative(wdir, p)) || '.';
  return p;
}

/** Flags of an old stage's outputs that `--force` keeps (Output.restore_fields). */
function oldOutFlags(old: unknown): Map<string, Map<string, unknown>> {
  const out = new Map<string, Map<string, unknown>>();
  if (!isMapping(old)) return out;
  const entry = new Map(mappingEntries(old));
  for (const bucket of ['outs', 'metrics', 'plots']) {
    const list = entry.get(bucket);
    if (!Array.isArray(list)) continue;
    for (const it of list) {
      if (!isMapping(it)) continue;
      for (const [p, flags] of mappingEntries(it)) {
        if (typeof p !== 'string' || !isMapping(flags)) continue;
        const f = new Map(mappingEntries(flags));
        const keep = new Map<string, unknown>();
        for (const k of ['desc', 'type', 'labels', 'meta', 'remote', 'push']) {
          const v = f.get(k);
          if (v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0) && !(isMapping(v) && mappingEntries(v).length === 0))
            keep.set(k, v);
        }
        out.set(p, keep);
      }
    }
  }
  return out;
}

/** Create or replace stage `def.name` in `absDvcYaml`, as `dvc stage add` does. */
export async function addStage(absDvcYaml: string, def: StageAddDef, opts: AddStageOptions): Promise<AddStageResult> {
  const repoRoot = path.resolve(opts.repoRoot);
  const relFile = toPosix(path.relative(repoRoot, absDvcYaml)) || 'dvc.yaml';
  const cmdEmpty = Array.isArray(def.cmd) ? def.cmd.length === 0 : !def.cmd;
  if (cmdEmpty) throw new UsageError('command is not specified');
  if (!def.name) throw new UsageError('`-n|--name` is required');
  if (!isValidStageName(def.name))
    throw new UsageError('Stage name cannot contain punctuation characters.', { hint: 'use letters, digits, `_` and `-`', data: { name: def.name } });

  const dir = path.dirname(absDvcYaml);
  const relDir = toPosix(path.relative(repoRoot, dir)) || '.';
  if (!fs.existsSync(dir)) throw new NotFoundError(`file path '${relDir}' does not exist`, { data: { path: relDir } });
  if (!isInside(repoRoot, dir)) throw new PathError(`file path '${relDir}' is outside of DVC repo`, { data: { path: relDir } });
  const wdirAbs = path.resolve(dir, def.wdir ?? '.');
  if (def.wdir) checkWdir(repoRoot, wdirAbs, def.wdir);
  const wdirRel = toPosix(path.relative(dir, wdirAbs)) || '.';

  const deps = (def.deps ?? []).map((p) => defPath(p, wdirAbs, repoRoot));
  const outs: OutSpec[] = [];
  const addOuts = (list: string[] | undefined, o: Omit<OutSpec, 'path'>): void => {
    for (const p of list ?? []) outs.push({ path: defPath(p, wdirAbs, repoRoot), ...o });
  };
  // fill_stage_outputs order (only matters for duplicates)
  addOuts(def.outsPersist, { cache: true, persist: true, metric: false, plot: false });
  addOuts(def.outsPersistNoCache, { cache: false, persist: true, metric: false, plot: false });
  addOuts(def.metrics, { cache: true, persist: false, metric: true, plot: false });
  addOuts(def.metricsNoCache, { cache: false, persist: false, metric: true, plot: false });
  addOuts(def.plots, { cache: true, persist: false, metric: false, plot: true });
  addOuts(def.plotsNoCache, { cache: false, persist: false, metric: false, plot: true });
  addOuts(def.outsNoCache, { cache: false, persist: false, metric: false, plot: false });
  addOuts(def.outs, { cache: true, persist: false, metric: false, plot: false });

  const seen = new Set<string>();
  for (const o of outs) {
    const abs = path.resolve(wdirAbs, o.path);
    if (!isInside(repoRoot, abs) || abs === repoRoot)
      throw new PathError(`output '${o.path}' is outside of the repository`, { hint: 'outputs must live inside the repository', data: { path: o.path } });
    if (/^(\.git|\.dvc)(\/|$)/.test(toPosix(path.relative(repoRoot, abs)))) throw new PathError(`output '${o.path}' is inside .git or .dvc`, { data: { path: o.path } });
    if (seen.has(abs)) throw new UsageError(`file '${o.path}' is specified more than once.`, { data: { path: o.path } });
    seen.add(abs);
  }
  for (const d of deps) {
    const abs = path.resolve(wdirAbs, d);
    if (seen.has(abs)) throw new UsageError(`'${d}' is specified as an output and as a dependency.`, { data: { path: d } });
  }
  const depSeen = new Set<string>();
  for (const d of deps) {
    const abs = path.resolve(wdirAbs, d);
    if (depSeen.has(abs)) throw new UsageError(`file '${d}' is specified more than once.`, { data: { path: d } });
    depSeen.add(abs);
  }

  const params = parseParamsArgs(def.params ?? []).map((p) => ({ file: p.file, keys: p.keys.length ? p.keys : null }));

  const readFile = opts.readFile ?? workspaceReader();
  const existing = readFile(absDvcYaml);
  let created = existing === undefined;
  let oldRaw: unknown;
  let doc: ReturnType<typeof parseYamlDocument> | undefined;
  if (existing !== undefined) {
    validateProjectText(existing, relFile);
    doc = parseYamlDocument(existing, relFile, { keepFloats: true, bigInts: true, timestamps: true, exactKeys: true });
    const data = doc.value;
    if (data === null || data === undefined) created = true;
    else if (isMapping(data)) {
      const stages = new Map(mappingEntries(data)).get('stages');
      if (isMapping(stages) && new Map(mappingEntries(stages)).has(def.name)) {
        if (!def.force)
          throw new PipelineError(`Stage '${def.name}' already exists in '${relFile}'. Use '--force' to overwrite.`, {
            hint: "use '--force' to overwrite it",
            data: { file: relFile, stage: def.name },
          });
        oldRaw = new Map(mappingEntries(stages)).get(def.name);
      }
    }
  }

  // restore_fields: a replaced plain stage keeps meta, desc (unless given) and its outs' annotations
  let meta: unknown;
  let desc = def.desc;
  const isPlainOld = isMapping(oldRaw) && !new Map(mappingEntries(oldRaw)).has('foreach') && !new Map(mappingEntries(oldRaw)).has('matrix');
  if (isPlainOld) {
    const om = new Map(mappingEntries(oldRaw as Record<string, unknown>));
    meta = om.get('meta');
    if (desc === undefined && typeof om.get('desc') === 'string') desc = om.get('desc') as string;
    const flags = oldOutFlags(oldRaw);
    for (const o of outs) if (flags.has(o.path)) o.extra = flags.get(o.path);
  }

  let entry = serializeStage({
    cmd: def.cmd,
    desc,
    wdir: wdirRel,
    deps,
    params,
    outs,
    alwaysChanged: def.alwaysChanged,
    meta,
  });
  if (isPlainOld) entry = applyDiffOrder(entry, oldRaw) as Map<string, unknown>;

  const stageDoc = dumpYaml(new Map([['stages', new Map([[def.name, entry]])]]));
  let text: string;
  if (existing === undefined || created) text = stageDoc;
  else text = spliceStage(existing, doc!, def.name, stageDoc, oldRaw !== undefined) ?? rewriteWhole(doc!, def.name, entry);

  if (opts.write !== false) await writeFileAtomic(absDvcYaml, text);
  return { file: absDvcYaml, action: oldRaw !== undefined ? 'Modifying' : 'Adding', created, entry, text };
}

/** Comments are lost: the whole document is dumped again (fallback for flow-style `stages`). */
function rewriteWhole(doc: ReturnType<typeof parseYamlDocument>, name: string, entry: Map<string, unknown>): string {
  const data = new Map(mappingEntries(doc.value as Record<string, unknown>));
  const stages = data.get('stages');
  const st = isMapping(stages) ? new Map(mappingEntries(stages)) : new Map<unknown, unknown>();
  st.set(name, entry);
  data.set('stages', st);
  return dumpYaml(data);
}

const indentOf = (l: string): number => l.length - l.trimStart().length;
const isNeutral = (l: string): boolean => l.trim() === '' || l.trimStart().startsWith('#');

/** Last line (0-based) of the block of the key at line `at` whose column is `col`. */
function blockEnd(lines: string[], at: number, col: number): number {
  let last = at;
  for (let i = at + 1; i < lines.length; i++) {
    if (isNeutral(lines[i])) continue;
    if (indentOf(lines[i]) > col) {
      last = i;
      continue;
    }
    break;
  }
  return last;
}

/**
 * Put the stage's lines into `text` (replacing the old stage's lines, or after the last stage, or
 * as a new `stages:` section at the end). Undefined when the layout is not plain block style.
 */
function spliceStage(text: string, doc: ReturnType<typeof parseYamlDocument>, name: string, stageDoc: string, replace: boolean): string | undefined {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const trailingNewline = lines.length > 0 && lines[lines.length - 1] === '';
  if (trailingNewline) lines.pop();
  const newLines = stageDoc.replace(/\n$/, '').split('\n').slice(1); // drop "stages:"
  const data = new Map(mappingEntries(doc.value as Record<string, unknown>));
  const join = (ls: string[]): string => ls.join(eol) + eol;

  if (!data.has('stages')) {
    const add = stageDoc.replace(/\n$/, '').split('\n');
    return join([...lines, ...add]);
  }
  const stagesPos = doc.positionOf(['stages']);
  if (!stagesPos || stagesPos.column !== 1) return undefined;
  const sLine = stagesPos.line - 1;
  const afterKey = lines[sLine].slice(lines[sLine].indexOf(':') + 1).replace(/#.*$/, '').trim();
  const stages = data.get('stages');
  const stageEntries = isMapping(stages) ? mappingEntries(stages) : [];
  if (stageEntries.length === 0) {
    // `stages:` (null) or `stages: {}`: rewrite that key
    if (afterKey !== '' && afterKey !== '{}' && afterKey !== '~' && afterKey !== 'null') return undefined;
    const end = blockEnd(lines, sLine, 0);
    return join([...lines.slice(0, sLine), ...stageDoc.replace(/\n$/, '').split('\n'), ...lines.slice(end + 1)]);
  }
  if (afterKey !== '') return undefined; // flow style
  const firstPos = doc.positionOf(['stages', String(stageEntries[0][0])]);
  if (!firstPos || firstPos.line - 1 <= sLine) return undefined;
  const col = firstPos.column - 1;
  const shift = (l: string): string => (col >= 2 ? ' '.repeat(col - 2) + l : l.slice(2 - col));
  const body = newLines.map(shift);
  if (replace) {
    const pos = doc.positionOf(['stages', name]);
    if (!pos || pos.column - 1 !== col) return undefined;
    const at = pos.line - 1;
    const end = blockEnd(lines, at, col);
    return join([...lines.slice(0, at), ...body, ...lines.slice(end + 1)]);
  }
  const end = blockEnd(lines, sLine, 0);
  return join([...lines.slice(0, end + 1), ...body, ...lines.slice(end + 1)]);
}

// ---------------------------------------------------------------------------------------------
// stage list
// ---------------------------------------------------------------------------------------------

export interface StageListRow {
  /** `name`, or `path/dvc.yaml:name` when not the dvc.yaml of the current directory; `x.dvc` */
  name: string;
  description: string;
}

const ELLIPSIS = '…';

/** dvc/commands/stage.py generate_description */
export function generateDescription(stage: Stage): string {
  const depPaths = [...stage.deps.map((d) => d.path), ...stage.params.map((p) => p.file)];
  if (depPaths.length === 0 && stage.outs.length === 0) return 'No outputs or dependencies';
  if (stage.outs.length === 0) return 'Depends on ' + depPaths.join(', ');
  const desc: string[] = [];
  const plain = stage.outs.filter((o) => o.kind === 'outs');
  if (plain.length) desc.push('Outputs ' + plain.map((o) => o.path).join(', '));
  const reports = stage.outs.filter((o) => o.kind !== 'outs');
  if (reports.length) desc.push('Reports ' + reports.map((o) => o.path).join(', '));
  return desc.join('; ');
}

/** `stage.short_description() or generate_description(stage)`, truncated to 80 as DVC does. */
export function stageDescription(stage: Stage, maxLength = 80): string {
  const first = stage.desc?.split(/\r\n|\r|\n/).find((l) => l !== '');
  const text = first !== undefined ? first.trim() : generateDescription(stage);
  const chars = [...text];
  return chars.length > maxLength ? chars.slice(0, maxLength - 1).join('') + ELLIPSIS : text;
}

/** DVC's `stage.addressing` relative to `cwd`: `name` for ./dvc.yaml, `sub/dvc.yaml:name`, `data.dvc`. */
export function stageAddressing(stage: Stage, cwd: string): string {
  const rel = toPosix(path.relative(cwd, stage.file));
  if (stage.kind === 'dvcfile') return rel;
  return rel === 'dvc.yaml' ? stage.name : `${rel}:${stage.name}`;
}

/** Rows of `stage list` (name, description), as prepare_stages_data builds them. */
export function listStages(from: Stage[] | { stages: Stage[] }, opts: { cwd: string; nameOnly?: boolean }): StageListRow[] {
  const rows = new Map<string, string>();
  for (const s of Array.isArray(from) ? from : from.stages) rows.set(stageAddressing(s, opts.cwd), opts.nameOnly ? '' : stageDescription(s));
  return [...rows].map(([name, description]) => ({ name, description }));
}

/** tabulate(rows, tablefmt="plain"): columns padded to width, two spaces apart, lines right-trimmed. */
export function formatStageList(rows: StageListRow[]): string {
  if (rows.length === 0) return '';
  const width = Math.max(...rows.map((r) => [...r.name].length));
  return rows.map((r) => (r.name + ' '.repeat(width - [...r.name].length) + '  ' + r.description).trimEnd()).join('\n');
}

