/**
 * `keel plots show | diff | modify | templates` (DVC 3: dvc/repo/plots/__init__.py, diff.py,
 * dvc/commands/plots.py). Returns data; writes only what the command writes (the HTML page and
 * images under the output dir, dvc.yaml for `modify`). Never prints.
 *
 * Per revision (the workspace, or a git revision read without checkout; DVC-cached plot files of
 * a revision are read from the cache):
 * - definitions, in DVC's order: each dvc.yaml's top-level `plots:` (`_collect_pipeline_files`),
 *   then the `plots:` outputs of stages under the config `""` (`_collect_output_plots`), then the
 *   plain targets that exist (`_collect_definitions`). Targets select definitions as DVC does:
 *   `re.match(target, id)` or `re.match(target, "config::id")`. A directory stands for the files
 *   under it. Command-line props override every definition's props.
 * - sources: the files the definitions read (`infer_data_sources`), parsed with the output's plot
 *   props + command-line props (`header` matters for CSV/TSV).
 * Then report/render builds one Vega-Lite spec per plot (revisions overlaid) or an image list.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isKeelError, NotFoundError, PipelineError, UsageError } from '../errors/index.js';
import { writeFileAtomic } from '../util/fs.js';
import { compareCodePoints, isInside, toPosix } from '../util/paths.js';
import { dumpYaml, parseYamlDocument, type YamlDocument } from '../util/yaml.js';
import { isMapping, mappingEntries } from '../pipeline/paramfile.js';
import { validateProjectText } from '../pipeline/load.js';
import { applyDiffOrder } from '../pipeline/stageadd.js';
import type { Stage, StageOut } from '../pipeline/types.js';
import { parsePlotFile } from '../report/plotdata.js';
import {
  buildPlots,
  builtinTemplate,
  htmlPlots,
  loadTemplate,
  normPath,
  plotToJson,
  renderHtml,
  resolveTopLevelPlot,
  specToPng,
  specToSvg,
  TEMPLATE_NAMES,
  inferDataSources,
  type JsonObject,
  type PlotProps,
  type PlotResult,
  type PlotSource,
  type RevisionPlots,
} from '../report/render/index.js';
import type { Repo } from '../repo/index.js';
import { loadPipeline } from '../repo/pipeline.js';
import { gitReader, type RevReader } from '../repo/revision.js';
import { outputsAtRev } from './used.js';

/** The plot properties DVC takes from the command line (`PLOT_PROPS`), in DVC's order. */
export const PLOT_PROP_NAMES = ['template', 'x', 'y', 'x_label', 'y_label', 'title', 'header'] as const;
export type PlotPropName = (typeof PLOT_PROP_NAMES)[number];

/** Command-line plot props (only the ones given). */
export interface PlotPropsInput {
  template?: string;
  x?: string;
  y?: string;
  x_label?: string;
  y_label?: string;
  title?: string;
  header?: boolean;
}

export interface PlotsOptions {
  /** plot ids / paths / regexes to select (DVC's targets); default: every plot */
  targets?: string[];
  /** override the props of every selected plot */
  props?: PlotPropsInput;
  /** `--no-header`: CSV/TSV files have no header row (same as `props.header = false`) */
  noHeader?: boolean;
  /**
   * What to produce: `html` (default) writes `<out>/index.html`; `json` builds DVC's `--json`
   * document (image plots are written to `<out>/` as DVC does); `vega` returns the first vega
   * plot's spec (`--show-vega`, exactly one target); `images` writes only the image files of
   * `images` (default PNG) into `<out>/`, no page (what `keel report` embeds).
   */
  output?: 'html' | 'json' | 'vega' | 'images';
  /** keep DVC's split anchors apart in `json` output (`--split`) */
  split?: boolean;
  /** output dir, relative to the command's cwd (default: config `plots.out_dir`, else `dvc_plots`) */
  out?: string;
  /** `html` only: also render each plot to an image file beside index.html */
  images?: ('png' | 'svg')[];
  /** write nothing (compute only) */
  dryRun?: boolean;
  /** keep the revisions in the order given (DVC puts `workspace` first) */
  asGiven?: boolean;
}

export interface PlotsDiffOptions extends PlotsOptions {
  /** revisions as typed; `workspace` is the working tree. See `diffRevisions`. */
  revs?: string[];
}

/** One error as DVC's `--json` lists it (`encode_exception`). */
export interface PlotsError {
  /** the plot (renderer) it belongs to; absent for a revision-level error */
  name?: string;
  rev: string;
  /** the data source that failed */
  source?: string;
  type: string;
  msg: string;
}

export interface WrittenImage {
  /** plot id */
  id: string;
  /** the revision of an image plot (absent for a rendered vega plot) */
  rev?: string;
  format: string;
  path: string;
}

export interface PlotsResult {
  /** revisions read, labels as typed, `workspace` first */
  revisions: string[];
  /** false when no revision had any plot definition (DVC: "No plots were loaded") */
  loaded: boolean;
  plots: PlotResult[];
  errors: PlotsError[];
  /** revisions with an error (DVC: "failed to load some plots for following revisions") */
  erroredRevisions: string[];
  /** DVC's warnings for data that could not be turned into datapoints: `In 'rev', …` */
  warnings: string[];
  /** absolute output dir */
  outDir: string;
  /** `html`: the page written (absent when there was nothing to render) */
  html?: { path: string; uri: string; text: string };
  /** image files written (`images` option, or image plots in `json` mode) */
  images: WrittenImage[];
  /** `json`: DVC's `plots show --json` document */
  json?: { data: Record<string, Record<string, unknown>[]>; errors?: PlotsError[] };
  /** `vega`: the spec (`{}` when the plot has no data; undefined when there is no vega plot) */
  vega?: JsonObject;
}

// ---------------------------------------------------------------------------------------------
// Revisions
// ---------------------------------------------------------------------------------------------

/** A revision's files: the workspace or a git revision. Paths are repo-relative POSIX. */
interface RevView {
  label: string;
  read(rel: string): Buffer | undefined;
  exists(rel: string): boolean;
  isDir(rel: string): boolean;
  /** files under directory `rel`, sorted */
  filesUnder(rel: string): string[];
  /** loadPipeline arguments (undefined = the workspace defaults) */
  readText?: (abs: string) => string | undefined;
  listFiles?: () => string[];
}

function workspaceView(repo: Repo): RevView {
  const abs = (rel: string) => path.join(repo.root, rel);
  const statOf = (rel: string) => fs.statSync(abs(rel), { throwIfNoEntry: false });
  return {
    label: 'workspace',
    read(rel) {
      try {
        return fs.readFileSync(abs(rel));
      } catch {
        return undefined;
      }
    },
    exists: (rel) => statOf(rel) !== undefined,
    isDir: (rel) => !!statOf(rel)?.isDirectory(),
    filesUnder(rel) {
      const out: string[] = [];
      const walk = (r: string): void => {
        let ents: fs.Dirent[];
        try {
          ents = fs.readdirSync(abs(r), { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of ents) {
          const p = r === '.' ? e.name : `${r}/${e.name}`;
          if (e.isDirectory()) {
            if (e.name !== '.git' && e.name !== '.dvc' && !repo.ignore.isIgnored(p, true)) walk(p);
          } else if (!repo.ignore.isIgnored(p, false)) out.push(p);
        }
      };
      walk(rel);
      return out.sort(compareCodePoints);
    },
  };
}

function gitView(repo: Repo, r: RevReader): RevView {
  const abs = (rel: string) => path.join(repo.root, rel);
  const under = (rel: string) => {
    const prefix = rel === '.' ? '' : `${rel}/`;
    return r
      .list((p) => p.startsWith(prefix))
      .map((a) => toPosix(path.relative(repo.root, a)))
      .sort(compareCodePoints);
  };
  return {
    label: r.label,
    read: (rel) => r.readFile(abs(rel)),
    exists: (rel) => r.exists(abs(rel)) || under(rel).length > 0,
    isDir: (rel) => !r.exists(abs(rel)) && under(rel).length > 0,
    filesUnder: under,
    readText: (a) => r.readFile(a)?.toString('utf8'),
    listFiles: () => r.list((p) => p.endsWith('dvc.yaml') || p.endsWith('.dvc')),
  };
}

async function openRevision(repo: Repo, rev: string): Promise<RevView> {
  if (rev === 'workspace') return workspaceView(repo);
  return gitView(repo, await gitReader(repo, rev, (sha) => outputsAtRev(repo, sha)));
}

/**
 * `dvc plots diff`'s revisions (dvc/repo/plots/diff.py): none → `HEAD` + `workspace` when tracked
 * files are modified, else `workspace` alone; one → `[rev, workspace]`; more → as given.
 * Undefined when the repository has no commit (DVC shows nothing then).
 */
export async function diffRevisions(repo: Repo, revs: string[] = []): Promise<string[] | undefined> {
  const out = [...revs];
  if (repo.git) {
    if ((await repo.git.headSha()) === undefined) return undefined;
  } else if (out.some((r) => r !== 'workspace')) {
    // revParse would say the same; fail early with the reason
    await gitReader(repo, out.find((r) => r !== 'workspace')!);
  }
  if (out.length <= 1) {
    if (out.length === 0 && repo.git && (await repo.git.isDirty({ untracked: false }))) out.push('HEAD');
    out.push('workspace');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Definitions and sources of one revision
// ---------------------------------------------------------------------------------------------

type Definitions = RevisionPlots['definitions'];

/** `re.match(target, id)`: a regex anchored at the start (a target that is no valid regex matches as a prefix). */
function reMatch(target: string, id: string): boolean {
  try {
    return new RegExp(`^(?:${target})`).test(id);
  } catch {
    return id.startsWith(target);
  }
}

function matches(targets: string[], configFile: string, id: string): boolean {
  if (targets.length === 0) return true;
  const full = configFile ? `${configFile}::${id}` : id;
  return targets.some((t) => reMatch(t, id) || reMatch(t, full));
}

/** posixpath.commonpath of two relative paths. */
function commonPath(a: string, b: string): string {
  const x = a.split('/').filter((c) => c && c !== '.');
  const y = b.split('/').filter((c) => c && c !== '.');
  const out: string[] = [];
  for (let i = 0; i < x.length && i < y.length && x[i] === y[i]; i++) out.push(x[i]);
  return out.join('/');
}

function closestParent(p: string, parents: string[]): string {
  let best = '';
  for (const parent of parents) {
    const c = commonPath(p, parent);
    if (c.length > best.length) best = c;
  }
  return best;
}

/** `unpack_if_dir`: a directory stands for every file under it, each with the same props. */
function unpack(view: RevView, rel: string, props: PlotProps): [string, PlotProps][] {
  if (view.isDir(rel)) return view.filesUnder(rel).map((f) => [f, { ...props }]);
  return [[rel, { ...props }]];
}

function plotPropsOf(out: StageOut): PlotProps {
  const p: PlotProps = {};
  for (const [k, v] of Object.entries(out.plot ?? {})) if (v !== undefined) p[k] = v;
  return p;
}

interface RevisionData {
  plots: RevisionPlots;
  /** a revision-level error (its dvc.yaml could not be read) */
  error?: Error;
  /** some definition exists (DVC keeps the revision only then) */
  hasDefinitions: boolean;
}

/**
 * One revision's definitions and sources. `targets` are repo-relative paths (files that need no
 * definition); `selectors` are matched against plot ids (the targets, also as typed, so a plot
 * name works from a subdirectory too).
 */
async function collectRevision(repo: Repo, view: RevView, targets: string[], selectors: string[], cli: PlotProps): Promise<RevisionData> {
  const definitions: Definitions = {};
  const add = (config: string, id: string, props: PlotProps): void => {
    const d = (definitions[config] ??= {});
    d[id] = { ...(d[id] ?? {}), ...props };
  };
  /** output plot props by repo-relative path (what `parse` uses, e.g. `header`) */
  const outputProps = new Map<string, PlotProps>();
  let error: Error | undefined;
  try {
    const project = await loadPipeline(repo, view.readText, view.listFiles);
    // top-level `plots:` of every dvc.yaml (_collect_pipeline_files / _resolve_definitions)
    for (const f of project.files) {
      if (f.plots.length === 0) continue;
      const config = repo.rel(f.file);
      const dir = config.includes('/') ? config.slice(0, config.lastIndexOf('/')) : '';
      const parents = f.plots.map((p) => normPath(dir ? `${dir}/${p.id}` : p.id));
      definitions[config] ??= {};
      for (const { id, props } of f.plots) {
        if (!matches(selectors, config, id)) continue;
        const r = resolveTopLevelPlot(config, id, props as PlotProps | null);
        if (r.kind === 'path') {
          for (const [p, pr] of unpack(view, r.path, { ...r.props, ...cli })) {
            if (closestParent(p, parents) === r.path) add(config, p, pr);
          }
        } else add(config, r.id, { ...r.props, ...cli });
      }
    }
    // plots outputs of stages (_collect_output_plots), under the config ""
    for (const stage of project.stages) {
      for (const out of stage.outs) {
        if (out.kind !== 'plots') continue;
        const rel = repo.rel(out.abs);
        const props = plotPropsOf(out);
        outputProps.set(rel, props);
        if (!matches(selectors, repo.rel(stage.file), rel)) continue;
        for (const [p, pr] of unpack(view, rel, { ...props, ...cli })) add('', p, pr);
      }
    }
  } catch (e) {
    if (!isKeelError(e)) throw e;
    error = e;
  }
  if (!error) {
    // plain targets (files that need no definition)
    const none = Object.keys(definitions).length === 0;
    for (const t of targets) {
      if (none || view.exists(t)) {
        for (const [p, pr] of unpack(view, t, cli)) add('', p, pr);
      }
    }
  }

  // sources (_collect_data_sources)
  const sources: Record<string, PlotSource> = {};
  for (const defs of Object.values(definitions)) {
    for (const [id, props] of Object.entries(defs)) {
      for (const src of inferDataSources(id, props)) {
        if (Object.hasOwn(sources, src)) continue;
        const bytes = view.read(src);
        if (bytes === undefined) {
          const err = new Error(`No such file or directory: '${src}'`);
          err.name = 'FileNotFoundError';
          sources[src] = { error: err };
          continue;
        }
        const parseProps = { ...(outputProps.get(src) ?? {}), ...cli };
        try {
          sources[src] = parsePlotFile(src, bytes, { header: parseProps.header ?? true });
        } catch (e) {
          if (!isKeelError(e)) throw e;
          sources[src] = { error: e };
        }
      }
    }
  }
  return { plots: { rev: view.label, definitions, sources }, error, hasDefinitions: Object.keys(definitions).length > 0 };
}

// ---------------------------------------------------------------------------------------------
// show / diff
// ---------------------------------------------------------------------------------------------

function cliProps(o: PlotsOptions): PlotProps {
  const p: PlotProps = {};
  for (const k of PLOT_PROP_NAMES) {
    const v = o.props?.[k];
    if (v !== undefined && v !== null) (p as Record<string, unknown>)[k] = v;
  }
  if (o.noHeader) p.header = false;
  return p;
}

function normTarget(repo: Repo, t: string): string {
  let rel = t;
  if (path.isAbsolute(t)) rel = path.relative(repo.root, t);
  else if (repo.cwd !== repo.root) rel = path.relative(repo.root, path.resolve(repo.cwd, t));
  return normPath(toPosix(rel));
}

/** Output dir: `-o`, else config `plots.out_dir`, else `dvc_plots`; relative to the cwd (as DVC). */
export function plotsOutDir(repo: Repo, out?: string): string {
  return path.resolve(repo.cwd, out ?? repo.config.get('plots', 'out_dir') ?? 'dvc_plots');
}

/** A plot id as a file name: anything but letters, digits, `_`, `.`, `-` becomes `_`. */
export function imageFileName(id: string): string {
  const s = id.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^\.+/, (m) => '_'.repeat(m.length));
  return s === '' ? '_' : s;
}

function encodeError(e: Error): { type: string; msg: string } {
  return { type: e.name || 'Error', msg: e.message };
}

/** `keel plots show`: the workspace's plots. */
export async function plotsShow(repo: Repo, o: PlotsOptions = {}): Promise<PlotsResult> {
  return renderPlots(repo, ['workspace'], o);
}

/** `keel plots diff`: plots of several revisions overlaid (see `diffRevisions`). */
export async function plotsDiff(repo: Repo, o: PlotsDiffOptions = {}): Promise<PlotsResult> {
  const revs = await diffRevisions(repo, o.revs ?? []);
  return renderPlots(repo, revs ?? [], o);
}

/** Read, build and (unless `dryRun`) write the plots of `revs`. */
export async function renderPlots(repo: Repo, revs: string[], o: PlotsOptions = {}): Promise<PlotsResult> {
  const output = o.output ?? 'html';
  const targets = (o.targets ?? []).map((t) => normTarget(repo, t));
  const selectors = [...new Set([...targets, ...(o.targets ?? []).map((t) => normPath(toPosix(t)))])];
  if (output === 'vega') {
    if (targets.length === 0) throw new UsageError('please specify a target for `--show-vega`');
    if (targets.length > 1) throw new UsageError('you can only specify one target for `--show-vega`');
  }
  const cli = cliProps(o);
  if (cli.template !== undefined) loadTemplate(cli.template, templateOptions(repo)); // fail early on an unknown template

  const ordered = [...new Set(revs)];
  const labels = o.asGiven ? ordered : [...ordered.filter((r) => r === 'workspace'), ...ordered.filter((r) => r !== 'workspace')];
  const views = await Promise.all(labels.map((r) => openRevision(repo, r)));
  const data: RevisionData[] = [];
  for (const v of views) data.push(await collectRevision(repo, v, targets, selectors, cli));
  const kept = data.filter((d) => d.hasDefinitions || d.error);

  const outDir = plotsOutDir(repo, o.out);
  const result: PlotsResult = {
    revisions: labels,
    loaded: kept.length > 0,
    plots: [],
    errors: [],
    erroredRevisions: [],
    warnings: [],
    outDir,
    images: [],
  };
  if (kept.length === 0) return result;

  const plots = buildPlots(
    kept.map((d) => d.plots),
    { templateOptions: templateOptions(repo), split: output === 'json' && !!o.split },
  );
  result.plots = plots;
  for (const p of plots) {
    for (const se of p.sourceErrors) result.errors.push({ name: p.id, rev: se.rev, ...(se.source ? { source: se.source } : {}), ...encodeError(se.error) });
    for (const de of p.definitionErrors) {
      result.errors.push({ name: p.id, rev: de.rev, ...encodeError(de.error) });
      result.warnings.push(`In '${de.rev}', ${de.error.message.toLowerCase()}`);
    }
  }
  for (const d of kept) if (d.error) result.errors.push({ rev: d.plots.rev, ...encodeError(d.error) });
  // DVC's errored_revisions: failed sources and definitions, not data the converter refused (those are warnings)
  const loadErrors = result.errors.filter((e) => e.source !== undefined || e.name === undefined);
  result.erroredRevisions = labels.filter((r) => loadErrors.some((e) => e.rev === r));

  if (output === 'vega') {
    const v = plots.find((p) => p.type === 'vega');
    if (v && v.type === 'vega') result.vega = v.spec;
    return result;
  }

  if (output === 'json') {
    const json: Record<string, Record<string, unknown>[]> = {};
    for (const p of plots) {
      if (p.type === 'vega') {
        json[p.id] = plotToJson(p);
        continue;
      }
      // DVC writes image plots into the output dir and gives their path (ImageConverter)
      json[p.id] = [];
      for (const img of p.images) {
        const file = path.join(outDir, imageFileName(`${img.rev}_${img.filename}`));
        if (!o.dryRun) {
          fs.mkdirSync(outDir, { recursive: true });
          await writeFileAtomic(file, img.bytes);
        }
        result.images.push({ id: p.id, rev: img.rev, format: path.extname(file).slice(1), path: file });
        json[p.id].push({ type: 'image', revisions: [img.rev], url: file });
      }
    }
    result.json = { data: json, ...(result.errors.length ? { errors: result.errors } : {}) };
    return result;
  }

  // html: nothing to write when no plot was selected (DVC writes the page only for some renderer)
  if (plots.length === 0) return result;
  if (!o.dryRun) fs.mkdirSync(outDir, { recursive: true });
  if (output === 'html') {
    const text = renderHtml(htmlPlots(plots));
    const index = path.join(outDir, 'index.html');
    if (!o.dryRun) await writeFileAtomic(index, text);
    result.html = { path: index, uri: pathToFileURL(index).href, text };
  }

  const formats = [...new Set(o.images ?? (output === 'images' ? ['png' as const] : []))];
  if (formats.length > 0) {
    const used = new Set<string>(output === 'html' ? ['index.html'] : []);
    const unique = (name: string): string => {
      let n = name;
      const dot = name.lastIndexOf('.');
      for (let i = 2; used.has(n); i++) n = `${name.slice(0, dot)}_${i}${name.slice(dot)}`;
      used.add(n);
      return n;
    };
    for (const p of plots) {
      if (p.type === 'vega') {
        if (Object.keys(p.spec).length === 0) continue;
        for (const fmt of formats) {
          const file = path.join(outDir, unique(`${imageFileName(p.id)}.${fmt}`));
          const bytes = fmt === 'png' ? await specToPng(p.spec) : await specToSvg(p.spec);
          if (!o.dryRun) await writeFileAtomic(file, bytes);
          result.images.push({ id: p.id, format: fmt, path: file });
        }
      } else {
        // image plots are images already: one file per revision, named as DVC names them
        for (const img of p.images) {
          const file = path.join(outDir, unique(imageFileName(`${img.rev}_${img.filename}`)));
          if (!o.dryRun) await writeFileAtomic(file, img.bytes);
          result.images.push({ id: p.id, rev: img.rev, format: path.extname(file).slice(1), path: file });
        }
      }
    }
  }
  return result;
}

function templateOptions(repo: Repo): { templatesDir: string; cwd: string } {
  return { templatesDir: path.join(repo.dvcDir, 'plots'), cwd: repo.cwd };
}

// ---------------------------------------------------------------------------------------------
// templates
// ---------------------------------------------------------------------------------------------

export interface PlotsTemplatesResult {
  /** without a name: the built-in template names, in DVC's order */
  names?: string[];
  /** with a name: the template */
  name?: string;
  content?: JsonObject;
  /** where a custom template was read from (absent for a built-in) */
  file?: string;
}

/**
 * `dvc plots templates [name]`: list the built-ins, or dump one. keel also dumps a custom template
 * of `.dvc/plots/` by name (DVC only knows the built-ins here).
 */
export async function plotsTemplates(repo: Repo, o: { name?: string } = {}): Promise<PlotsTemplatesResult> {
  if (o.name === undefined) return { names: [...TEMPLATE_NAMES] };
  const builtin = builtinTemplate(o.name);
  if (builtin) return { name: o.name, content: builtin.content };
  const dir = path.join(repo.dvcDir, 'plots');
  for (const f of [path.join(dir, o.name), path.join(dir, `${o.name}.json`)]) {
    if (isInside(dir, f) && fs.statSync(f, { throwIfNoEntry: false })?.isFile()) {
      return { name: o.name, content: loadTemplate(f).content, file: f };
    }
  }
  throw new UsageError(`Unexpected template: ${o.name}.`, {
    hint: `built-in templates: ${TEMPLATE_NAMES.join(', ')} (custom ones live in .dvc/plots/)`,
    data: { template: o.name },
  });
}

// ---------------------------------------------------------------------------------------------
// modify
// ---------------------------------------------------------------------------------------------

export interface PlotsModifyOptions {
  /** the plots (or any) output, a path relative to the cwd */
  target: string;
  props?: PlotPropsInput;
  /** props to remove */
  unset?: string[];
  /** compute only */
  dryRun?: boolean;
}

export interface PlotsModifyResult {
  /** absolute path of the dvc.yaml written */
  file: string;
  stage: string;
  /** the output as written in dvc.yaml */
  path: string;
  /** its plot props after the change (`true`: a plot without props) */
  plot: Record<string, unknown> | true;
  /** the new dvc.yaml text */
  text: string;
  changed: boolean;
}

const OUT_BUCKETS = ['outs', 'metrics', 'plots'] as const;
type Bucket = (typeof OUT_BUCKETS)[number];

interface RawOut {
  path: string;
  flags: Map<string, unknown>;
  bucket: Bucket;
}

/**
 * `dvc plots modify` (Plots.modify): set (and with `unset`, remove) plot props of a stage output
 * in dvc.yaml. An output that is not a plot becomes one. The stage's outs / metrics / plots lists
 * are written as DVC's `to_pipeline_file` + `apply_diff` write them (sorted by path, flags in
 * DVC's order, existing key order kept, new keys last). Only the stage's lines change; comments
 * inside that stage are lost (DVC keeps them through ruamel), the rest of the file stays byte
 * for byte (a flow-style `stages:` is rewritten whole, without comments).
 */
export async function plotsModify(repo: Repo, o: PlotsModifyOptions): Promise<PlotsModifyResult> {
  const props: Record<string, unknown> = {};
  for (const k of PLOT_PROP_NAMES) if (o.props?.[k] !== undefined) props[k] = o.props[k];
  for (const k of o.unset ?? []) {
    if (!(PLOT_PROP_NAMES as readonly string[]).includes(k))
      throw new UsageError(`unknown plot property '${k}'`, { hint: `plot properties: ${PLOT_PROP_NAMES.join(', ')}` });
  }
  if (typeof props.template === 'string') loadTemplate(props.template, templateOptions(repo));

  const abs = path.resolve(repo.cwd, o.target);
  const project = await loadPipeline(repo);
  let found: { stage: Stage; out: StageOut } | undefined;
  for (const stage of project.stages) for (const out of stage.outs) if (out.abs === abs) found = { stage, out };
  if (!found) {
    throw new NotFoundError(`Unable to find DVC file with output '${o.target}'`, {
      hint: "plots modify works on outputs of dvc.yaml stages; add one with 'plots:' in dvc.yaml",
      data: { path: o.target },
    });
  }
  const { stage, out } = found;
  const rel = repo.rel(stage.file);
  if (stage.kind !== 'pipeline') {
    throw new UsageError(`'${o.target}' is an output of '${rel}': keel edits plot props of dvc.yaml stages only`, {
      hint: 'declare the plot in dvc.yaml (a stage output, or a top-level plots: entry)',
    });
  }
  if (out.kind !== 'plots' && o.unset !== undefined) {
    throw new UsageError(`'${o.target}' is not a known plot. Use \`keel plots modify\` to turn it into one.`, { data: { path: o.target } });
  }

  const text = fs.readFileSync(stage.file, 'utf8');
  const doc = parseYamlDocument(text, rel, { keepFloats: true, bigInts: true, timestamps: true, exactKeys: true });
  const top = isMapping(doc.value) ? new Map(mappingEntries(doc.value)) : new Map<unknown, unknown>();
  const stages = top.get('stages');
  const rawStage = isMapping(stages) ? new Map(mappingEntries(stages)).get(stage.name) : undefined;
  if (!isMapping(rawStage) || interpolated(rawStage)) {
    throw new PipelineError(`cannot dump a parametrized stage: '${stage.name}'`, {
      hint: 'edit the plot props in dvc.yaml by hand (the stage uses foreach/matrix or ${} templating)',
      data: { file: rel, stage: stage.name },
    });
  }
  const entry = new Map(mappingEntries(rawStage));

  // the stage's outputs as written
  const outs: RawOut[] = [];
  for (const bucket of OUT_BUCKETS) {
    const list = entry.get(bucket);
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      if (typeof item === 'string') outs.push({ path: item, flags: new Map(), bucket });
      else if (isMapping(item))
        for (const [p, f] of mappingEntries(item)) outs.push({ path: String(p), flags: isMapping(f) ? new Map(mappingEntries(f) as [string, unknown][]) : new Map(), bucket });
    }
  }
  const target = outs.find((x) => path.resolve(stage.wdir, x.path) === abs);
  if (!target) throw new PipelineError(`output '${o.target}' not found in stage '${stage.name}' of '${rel}'`, { data: { file: rel } });

  // Plots.modify on out.plot
  let plot: Map<string, unknown> | true | false =
    target.bucket === 'plots' ? new Map([...target.flags].filter(([k]) => (PLOT_PROP_NAMES as readonly string[]).includes(k))) : false;
  if (plot instanceof Map && plot.size === 0) plot = true;
  const dict: Map<string, unknown> = plot instanceof Map ? plot : new Map();
  for (const k of o.unset ?? []) dict.delete(k);
  for (const [k, v] of Object.entries(props)) dict.set(k, v);
  const newPlot: Map<string, unknown> | true = dict.size > 0 ? dict : true;

  // to_pipeline_file's outs / metrics / plots, then apply_diff onto the old lists
  const serialized: Record<Bucket, unknown[]> = { outs: [], metrics: [], plots: [] };
  for (const x of [...outs].sort((a, b) => compareCodePoints(a.path, b.path))) {
    const isTarget = x === target;
    const bucket: Bucket = isTarget ? 'plots' : x.bucket;
    const f = new Map<string, unknown>();
    for (const k of ['desc', 'type', 'labels', 'meta']) if (x.flags.has(k)) f.set(k, x.flags.get(k));
    if (x.flags.get('cache') === false) f.set('cache', false);
    if (x.flags.get('persist') === true) f.set('persist', true);
    const plotProps = isTarget
      ? newPlot === true
        ? []
        : [...newPlot]
      : bucket === 'plots'
        ? [...x.flags].filter(([k]) => (PLOT_PROP_NAMES as readonly string[]).includes(k))
        : [];
    for (const [k, v] of plotProps) f.set(k, v);
    if (x.flags.has('remote')) f.set('remote', x.flags.get('remote'));
    if (x.flags.get('push') === false) f.set('push', false);
    serialized[bucket].push(f.size > 0 ? new Map([[x.path, f]]) : x.path);
  }
  const newEntry = new Map<unknown, unknown>();
  for (const [k, v] of entry) {
    if ((OUT_BUCKETS as readonly unknown[]).includes(k)) {
      const list = serialized[k as Bucket];
      if (list.length > 0) newEntry.set(k, applyDiffOrder(list, v));
    } else newEntry.set(k, v);
  }
  for (const b of OUT_BUCKETS) if (!newEntry.has(b) && serialized[b].length > 0) newEntry.set(b, serialized[b]);

  const stageDoc = dumpYaml(new Map([['stages', new Map([[stage.name, newEntry]])]]));
  const newText = spliceStage(text, doc, stage.name, stageDoc) ?? rewriteWhole(top, stage.name, newEntry);
  validateProjectText(newText, rel);
  const changed = newText !== text;
  if (changed && !o.dryRun) await writeFileAtomic(stage.file, newText);
  return {
    file: stage.file,
    stage: stage.name,
    path: target.path,
    plot: newPlot === true ? true : Object.fromEntries(newPlot),
    text: newText,
    changed,
  };
}

function rewriteWhole(top: Map<unknown, unknown>, name: string, entry: Map<unknown, unknown>): string {
  const data = new Map(top);
  const stages = data.get('stages');
  const st = isMapping(stages) ? new Map(mappingEntries(stages)) : new Map<unknown, unknown>();
  st.set(name, entry);
  data.set('stages', st);
  return dumpYaml(data);
}

/**
 * Replace the lines of stage `name` in `text` with `stageDoc`'s (a `stages:` document holding that
 * one stage), re-indented to the file's stage column. Undefined when the layout is not plain
 * block style.
 */
function spliceStage(text: string, doc: YamlDocument, name: string, stageDoc: string): string | undefined {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const trailing = lines.length > 0 && lines[lines.length - 1] === '';
  if (trailing) lines.pop();
  const stagesPos = doc.positionOf(['stages']);
  const pos = doc.positionOf(['stages', name]);
  if (!stagesPos || !pos || stagesPos.column !== 1 || pos.line <= stagesPos.line) return undefined;
  const afterKey = lines[stagesPos.line - 1].slice(lines[stagesPos.line - 1].indexOf(':') + 1).replace(/#.*$/, '').trim();
  if (afterKey !== '') return undefined; // flow style
  const col = pos.column - 1;
  const at = pos.line - 1;
  if (!lines[at].slice(col).startsWith(name) && !/^["']/.test(lines[at].slice(col))) return undefined;
  const neutral = (l: string): boolean => l.trim() === '' || l.trimStart().startsWith('#');
  const indent = (l: string): number => l.length - l.trimStart().length;
  let end = at;
  for (let i = at + 1; i < lines.length; i++) {
    if (neutral(lines[i])) continue;
    if (indent(lines[i]) > col) end = i;
    else break;
  }
  const body = stageDoc
    .replace(/\n$/, '')
    .split('\n')
    .slice(1)
    .map((l) => (col >= 2 ? ' '.repeat(col - 2) + l : l.slice(2 - col)));
  return [...lines.slice(0, at), ...body, ...lines.slice(end + 1)].join(eol) + eol;
}

/** True when some string in the value holds `${` (DVC refuses to dump a templated stage). */
function interpolated(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('${');
  if (Array.isArray(v)) return v.some(interpolated);
  if (isMapping(v)) return mappingEntries(v).some(([k, x]) => interpolated(k) || interpolated(x));
  return false;
}
