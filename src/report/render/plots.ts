/**
 * Plot definitions + per-revision data → one Vega-Lite spec (or a set of images) per plot id, by
 * DVC 3's rules: `dvc/render/match.py` (grouping, squashed props, revisions overlaid in one
 * renderer), `dvc/render/converter/vega.py` (x/y inference, `step` index, `rev`/`filename`/`field`
 * on every datapoint, `dvc_inferred_x_value`/`dvc_inferred_y_value` for several sources),
 * `dvc/render/converter/image.py`, then dvc-render's template filling (templates.ts).
 *
 * Pure: the caller collects definitions and reads/parses the files of each revision.
 */
import type { Datapoint, PlotFile } from '../plotdata.js';
import { findDatapoints, isImagePath, listsIn } from '../plotdata.js';
import { UsageError } from '../../errors/index.js';
import type { JsonObject } from './json.js';
import {
  fillTemplateSplit,
  loadTemplate,
  SPLIT_ANCHORS,
  type FillProperties,
  type LoadTemplateOptions,
  type Template,
  type YDefinition,
} from './templates.js';

/** `x`/`y` of a plot: a field, a list of fields (y only), or `{file: field | [fields]}`. */
export type AxisDef = string | string[] | Record<string, string | string[]>;

/** Plot properties as written in dvc.yaml / .dvc (PLOT_PROPS) or given on the command line. */
export interface PlotProps {
  template?: string;
  x?: AxisDef;
  y?: AxisDef;
  x_label?: string;
  y_label?: string;
  title?: string;
  header?: boolean;
  [key: string]: unknown;
}

/** A data source of one revision: the parsed file, or why it could not be read. */
export type PlotSource = PlotFile | { error: Error };

export interface RevisionPlots {
  /** The label DVC shows: `workspace`, or the revision as the user named it (`HEAD`, `main`, a sha). */
  rev: string;
  /**
   * Definitions by config file, as DVC collects them: `{ "dvc.yaml": { plotId: props | null } }`.
   * Plots declared on outputs and plain targets go under `""`. Ids of path plots and the keys of
   * `x`/`y` dicts are repo-relative POSIX paths (config dir already joined, normalised).
   */
  definitions: Record<string, Record<string, PlotProps | null>>;
  /** Data sources by repo-relative POSIX path. A path with no entry has no data in this revision. */
  sources: Record<string, PlotSource>;
}

export interface BuildPlotsOptions {
  /** Resolves the template a plot names (default: `loadTemplate(name, templateOptions)`). */
  resolveTemplate?: (name: string | undefined) => Template;
  /** Where custom templates are looked up (`.dvc/plots`) when `resolveTemplate` is not given. */
  templateOptions?: LoadTemplateOptions;
  /** Keep DVC's anchors apart (`plots show --json --split`). */
  split?: boolean;
}

export interface PlotError {
  rev: string;
  /** The data source that failed (source errors only). */
  source?: string;
  error: Error;
}

export interface VegaPlot {
  type: 'vega';
  id: string;
  /** Filled Vega-Lite spec (`{}` when no revision had data, as DVC). */
  spec: JsonObject;
  /** Values of the split anchors when `split` was asked. */
  anchorDefinitions?: Record<string, unknown>;
  /** Revisions that contributed datapoints, in order. */
  revisions: string[];
  /** The renderer's datapoints (before the template drops filename/field) and properties. */
  datapoints: Datapoint[];
  properties: Record<string, unknown>;
  /** Sources that failed to load, per revision. */
  sourceErrors: PlotError[];
  /** Revisions whose data could not be turned into datapoints (DVC warns "In 'rev', …"). */
  definitionErrors: PlotError[];
}

export interface PlotImage {
  rev: string;
  filename: string;
  bytes: Uint8Array;
  mime: string;
}

export interface ImagePlot {
  type: 'image';
  id: string;
  images: PlotImage[];
  revisions: string[];
  sourceErrors: PlotError[];
  definitionErrors: PlotError[];
}

export type PlotResult = VegaPlot | ImagePlot;

const INDEX = 'step';
const REVISION = 'rev';
const FILENAME = 'filename';
const FIELD = 'field';
const INFERRED_X = 'dvc_inferred_x_value';
const INFERRED_Y = 'dvc_inferred_y_value';

/** A plot-data error a user can fix: a field that is not in the data, sources that cannot be joined. */
function plotDataError(message: string): UsageError {
  return new UsageError(message, { hint: "check the plot's x/y properties against the fields of its data files" });
}

// ---------------------------------------------------------------------------------------------
// Definitions
// ---------------------------------------------------------------------------------------------

/** `get_plot_id`: `config::id` when a config file is named. */
export function plotId(id: string, configFile = ''): string {
  return configFile ? `${configFile}::${id}` : id;
}

/**
 * `group_definitions_by_id`: definitions of one revision keyed by plot id; an id defined in several
 * config files is prefixed with each file (`dvc.yaml::loss`). Value: [inner id, props].
 */
export function groupDefinitionsById(
  definitions: Record<string, Record<string, PlotProps | null>>,
): Map<string, [string, PlotProps]> {
  const byConfig = new Map<string, Map<string, [string, PlotProps]>>();
  for (const [config, plots] of Object.entries(definitions)) {
    for (const [id, props] of Object.entries(plots)) {
      let m = byConfig.get(id);
      if (!m) byConfig.set(id, (m = new Map()));
      m.set(config, [id, props ?? {}]);
    }
  }
  const out = new Map<string, [string, PlotProps]>();
  for (const [id, configs] of byConfig) {
    if (configs.size === 1) out.set(id, [...configs.values()][0]);
    else for (const [config, def] of configs) out.set(plotId(id, config), def);
  }
  return out;
}

/** `posixpath.normpath`. */
export function normPath(p: string): string {
  if (p === '') return '.';
  const abs = p.startsWith('/');
  const lead = abs && p.startsWith('//') && !p.startsWith('///') ? '//' : abs ? '/' : '';
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c !== '..' || (!abs && out.length === 0) || (out.length > 0 && out[out.length - 1] === '..')) out.push(c);
    else if (out.length > 0) out.pop();
  }
  return lead + out.join('/') || '.';
}

/**
 * How DVC reads one entry of a dvc.yaml's top-level `plots:` (`_resolve_definitions`): an id whose
 * `y` is not a dict names a data path (relative to the dvc.yaml's directory; a directory there
 * stands for every file under it, each file taking the props of its closest listed parent); else
 * the id is a free name and the file keys of `x`/`y` are made relative to the repo root.
 */
export function resolveTopLevelPlot(
  configFile: string,
  id: string,
  props: PlotProps | null,
): { kind: 'path'; path: string; props: PlotProps } | { kind: 'named'; id: string; props: PlotProps } {
  const slash = configFile.lastIndexOf('/');
  const dir = slash >= 0 ? configFile.slice(0, slash) : '';
  const join = (p: string) => normPath(dir ? `${dir}/${p}` : p);
  const pr: PlotProps = props ?? {};
  if (!isAxisDict(pr.y)) return { kind: 'path', path: join(id), props: pr };
  const adjusted: PlotProps = { ...pr };
  for (const axis of ['x', 'y'] as const) {
    const v = adjusted[axis];
    if (axis === 'x' && (v === undefined || typeof v === 'string')) continue;
    delete adjusted[axis];
    adjusted[axis] = Object.fromEntries(Object.entries(isAxisDict(v) ? v : {}).map(([f, val]) => [join(f), val]));
  }
  return { kind: 'named', id, props: adjusted };
}

/** `infer_data_sources`: the files a plot reads — the keys of a `y` dict (else the id), plus the first `x` key. */
export function inferDataSources(id: string, props?: PlotProps | null): string[] {
  const y = props?.y;
  const sources = isAxisDict(y) ? Object.keys(y) : [id];
  const x = props?.x;
  if (isAxisDict(x)) {
    const first = Object.keys(x)[0];
    if (first !== undefined) sources.push(first);
  }
  return [...new Set(sources)];
}

function isAxisDict(v: unknown): v is Record<string, string | string[]> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `_file_field`: (file, field) pairs of axis dicts, list values expanded. */
function* fileFields(...defs: (Record<string, string | string[]> | undefined | null)[]): Generator<[string, string]> {
  for (const def of defs) {
    if (!def) continue;
    for (const [file, val] of Object.entries(def)) {
      if (typeof val === 'string') yield [file, val];
      else if (Array.isArray(val)) for (const f of val) yield [file, f];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Converter (dvc/render/converter/vega.py)
// ---------------------------------------------------------------------------------------------

type ConvertProps = Record<string, unknown> & {
  x?: unknown;
  y?: unknown;
  x_label?: unknown;
  y_label?: unknown;
};

function inferYFromData(id: string, data: Record<string, unknown>): Record<string, string> | null {
  if (!Object.hasOwn(data, id)) return null;
  for (const lst of listsIn(data[id])) {
    // DVC takes the first list of dicts (an empty one would crash it; keel skips it)
    if (lst.length > 0 && lst.every((i) => i !== null && typeof i === 'object' && !Array.isArray(i))) {
      const keys = Object.keys(lst[0] as object);
      return { [id]: keys[keys.length - 1] };
    }
  }
  return null;
}

function inferXY(id: string, props: ConvertProps, data: Record<string, unknown>): ConvertProps {
  const { x, y } = props;
  const inferred: ConvertProps = {};
  if (typeof x === 'string') {
    const xs: Record<string, string | string[]> = {};
    if (isAxisDict(y)) {
      for (const [file, fields] of Object.entries(y)) xs[file] = Array.isArray(fields) ? fields.map(() => x) : x;
    } else xs[id] = x;
    inferred.x = xs;
  }
  if (y === undefined || y === null) inferred.y = inferYFromData(id, data);
  else if (!isAxisDict(y)) inferred.y = { [id]: y as string | string[] };
  return inferred;
}

function inferYLabel(props: ConvertProps): unknown {
  if (props.y_label !== undefined && props.y_label !== null) return props.y_label;
  const y = props.y;
  if (typeof y === 'string') return y;
  if (Array.isArray(y)) return 'y';
  if (!isAxisDict(y)) return null;
  const fields = new Set([...fileFields(y)].map(([, f]) => f));
  return fields.size === 1 ? [...fields][0] : 'y';
}

function inferXLabel(props: ConvertProps): unknown {
  if (props.x_label !== undefined && props.x_label !== null) return props.x_label;
  const x = props.x;
  if (!isAxisDict(x)) return INDEX;
  const fields = new Set([...fileFields(x)].map(([, f]) => f));
  return fields.size === 1 ? [...fields][0] : 'x';
}

function verifyField(file2dps: Map<string, Datapoint[]>, file: string, field: string): void {
  const dps = file2dps.get(file);
  if (!dps) return;
  const first = dps[0];
  if (!first || !Object.hasOwn(first, field)) {
    throw plotDataError(
      `Could not find provided field ('${field}') in data fields ('${first ? Object.keys(first).join(', ') : ''}').`,
    );
  }
}

/** Python's `os.path.commonpath` for relative POSIX paths (what DVC uses to shorten file names). */
function commonPath(paths: string[]): string {
  const abs = paths[0].startsWith('/');
  const split = paths.map((p) => p.split('/').filter((c) => c !== '' && c !== '.'));
  const common: string[] = [];
  for (let i = 0; ; i++) {
    const c = split[0][i];
    if (c === undefined || !split.every((s) => s[i] === c)) break;
    common.push(c);
  }
  return (abs ? '/' : '') + common.join('/');
}

function shortFile(file: string, prefixLen: number): string {
  return file.slice(prefixLen).replace(/^[/\\]+|[/\\]+$/g, '');
}

function updateFromField(
  target: Datapoint[],
  field: string,
  source: Datapoint[] = target,
  sourceField: string = field,
): void {
  if (source.length !== target.length) throw new RangeError('Source and target datapoints must have the same length');
  target.forEach((dp, i) => {
    if (Object.hasOwn(source[i], sourceField)) dp[field] = source[i][sourceField];
  });
}

/**
 * `VegaConverter.flat_datapoints`: the datapoints of one revision for one plot, and the resolved
 * properties. `data` maps each source file to its parsed content.
 */
export function flatDatapoints(
  id: string,
  data: Record<string, unknown>,
  properties: PlotProps,
  revision: string,
): { datapoints: Datapoint[]; properties: Record<string, unknown> } {
  // convert()
  const inferred = inferXY(id, properties, data);
  const file2dps = new Map<string, Datapoint[]>();
  for (const [file, content] of Object.entries(data)) file2dps.set(file, findDatapoints(content));
  const props: ConvertProps = { ...properties, ...inferred };
  props.y_label = inferYLabel(props);
  props.x_label = inferXLabel(props);

  const update: Record<string, unknown> = {};
  const xs: [string, string][] = [];
  if (isAxisDict(props.x)) {
    for (const [file, field] of fileFields(props.x)) {
      verifyField(file2dps, file, field);
      xs.push([file, field]);
    }
  }
  let [xFile, xField]: [string | null, string] = xs.length === 0 ? [null, INDEX] : xs[0];
  const multipleXFields = xs.length > 1 && new Set(xs.map((x) => x[1])).size > 1;
  update.x = multipleXFields ? INFERRED_X : xField;

  const ys: [string, string][] = [];
  if (props.y !== undefined && props.y !== null) {
    for (const [file, field] of fileFields(props.y as Record<string, string | string[]>)) {
      verifyField(file2dps, file, field);
      ys.push([file, field]);
    }
  }
  if (xs.length > 1 && xs.length !== ys.length) {
    throw plotDataError(
      `Cannot have different number of x and y data sources. Found ${xs.length} x and ${ys.length} y data sources.`,
    );
  }
  const yFiles = new Set(ys.map((y) => y[0]));
  const yFields = new Set(ys.map((y) => y[1]));
  update.y = yFields.size > 1 ? INFERRED_Y : yFields.size === 1 ? [...yFields][0] : null;
  const prefixLen = yFiles.size > 1 ? commonPath([...yFiles]).length : 0;
  update.anchors_y_definitions = ys.map(([f, field]) => ({ [FILENAME]: shortFile(f, prefixLen), [FIELD]: field }));

  const all: Datapoint[] = [];
  ys.forEach(([yFile, yField], i) => {
    if (xs.length > 1) [xFile, xField] = xs[i];
    const dps = (file2dps.get(yFile) ?? []).map((d) => ({ ...d }));
    if (update.y === INFERRED_Y) updateFromField(dps, INFERRED_Y, dps, yField);
    if (xField === INDEX && xFile === null) {
      dps.forEach((d, k) => (d[INDEX] = k));
    } else {
      try {
        updateFromField(dps, multipleXFields ? INFERRED_X : xField, file2dps.get(xFile as string) ?? [], xField);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        throw plotDataError(
          `Cannot join '${xField}' from '${xFile}' and '${yField}' from '${yFile}'. They have to have same length.`,
        );
      }
    }
    const short = shortFile(yFile, prefixLen);
    for (const d of dps) {
      d[REVISION] = revision;
      d[FILENAME] = short;
      d[FIELD] = yField;
    }
    all.push(...dps);
  });
  if (all.length === 0) return { datapoints: [], properties: {} };
  return { datapoints: all, properties: { ...props, ...update } };
}

// ---------------------------------------------------------------------------------------------
// Matching definitions to renderers (dvc/render/match.py)
// ---------------------------------------------------------------------------------------------

function hasContent(v: unknown): boolean {
  // Python truthiness of the parsed content: empty lists/dicts/strings/bytes count as no data.
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/**
 * Build every plot DVC would render for these revisions. Revisions are taken in the given order,
 * except that `workspace` goes first (DVC reorders so); the colour domain follows that order.
 * Plots come in DVC's order (first appearance of each id); `renderHtml` reorders for the page.
 */
export function buildPlots(revisions: RevisionPlots[], opts: BuildPlotsOptions = {}): PlotResult[] {
  const revs = [...revisions.filter((r) => r.rev === 'workspace'), ...revisions.filter((r) => r.rev !== 'workspace')];
  const resolveTemplate = opts.resolveTemplate ?? ((name: string | undefined) => loadTemplate(name, opts.templateOptions));

  // PlotsData.group_definitions
  const groups = new Map<string, { rev: RevisionPlots; innerId: string; props: PlotProps }[]>();
  for (const r of revs) {
    for (const [id, [innerId, props]] of groupDefinitionsById(r.definitions)) {
      let g = groups.get(id);
      if (!g) groups.set(id, (g = []));
      g.push({ rev: r, innerId, props });
    }
  }

  const results: PlotResult[] = [];
  for (const [id, group] of groups) {
    // _squash_plots_properties: the first revision's definition wins, key by key
    let squashed: PlotProps = {};
    for (const entry of [...group].reverse()) squashed = { ...squashed, ...entry.props };

    const sourceErrors: PlotError[] = [];
    const definitionErrors: PlotError[] = [];
    const withData: string[] = [];
    const datapoints: Datapoint[] = [];
    const images: PlotImage[] = [];
    let firstProps: Record<string, unknown> = {};
    let isImage = false;
    let rendererId = id;

    for (const { rev, innerId, props } of group) {
      const sources = inferDataSources(innerId, props);
      const data: Record<string, unknown> = {};
      for (const src of sources) {
        const s = rev.sources[src];
        if (!s) continue;
        if ('error' in s) {
          sourceErrors.push({ rev: rev.rev, source: src, error: s.error });
          continue;
        }
        if (s.kind === 'image') {
          if (s.bytes.length > 0) data[src] = s;
        } else if (hasContent(s.content)) data[src] = s.content;
      }

      isImage = isImagePath(innerId);
      rendererId = isImage ? innerId : id;
      if (isImage) {
        // ImageConverter.flat_datapoints
        let any = false;
        for (const [filename, f] of Object.entries(data)) {
          const img = f as PlotFile & { kind: 'image' };
          if (img.kind !== 'image') continue;
          images.push({ rev: rev.rev, filename, bytes: img.bytes, mime: img.mime });
          any = true;
        }
        if (any && !withData.includes(rev.rev)) withData.push(rev.rev);
        continue;
      }
      try {
        const { datapoints: dps, properties } = flatDatapoints(innerId, data, squashed, rev.rev);
        if (dps.length > 0 && !withData.includes(rev.rev)) withData.push(rev.rev);
        if (Object.keys(firstProps).length === 0 && Object.keys(properties).length > 0) firstProps = properties;
        datapoints.push(...dps);
      } catch (e) {
        definitionErrors.push({ rev: rev.rev, error: e as Error });
      }
    }

    if (isImage) {
      results.push({ type: 'image', id: rendererId, images, revisions: withData, sourceErrors, definitionErrors });
      continue;
    }
    const properties: Record<string, unknown> = { ...firstProps };
    if (!('title' in properties)) properties.title = rendererId;
    if (withData.length > 0) properties.revs_with_datapoints = withData;

    let spec: JsonObject = {};
    let anchorDefinitions: Record<string, unknown> | undefined;
    if (datapoints.length > 0) {
      const template = resolveTemplate(properties.template as string | undefined);
      const filled = fillTemplateSplit(template, { ...(properties as Omit<FillProperties, 'data'>), data: datapoints } as FillProperties, {
        splitAnchors: opts.split ? SPLIT_ANCHORS : [],
      });
      spec = filled.content;
      if (opts.split) anchorDefinitions = filled.anchorDefinitions;
    }
    results.push({
      type: 'vega',
      id: rendererId,
      spec,
      ...(anchorDefinitions ? { anchorDefinitions } : {}),
      revisions: withData,
      datapoints,
      properties,
      sourceErrors,
      definitionErrors,
    });
  }
  return results;
}

/**
 * `render_html`'s order: vega plots first (in their order), then images sorted by directory,
 * numeric file stem (`0.png`, `1.png`, `10.png` — a dvclive step series), then basename.
 */
export function htmlOrder<T extends { id: string; type?: string; spec?: unknown; images?: unknown; image?: unknown }>(plots: T[]): T[] {
  const isImg = (p: T) => p.type === 'image' || (p.type === undefined && p.spec === undefined);
  const key = (p: T): [string, number | null, string] => {
    const slash = p.id.lastIndexOf('/');
    const dir = slash >= 0 ? p.id.slice(0, slash) : '';
    const base = p.id.slice(slash + 1);
    const dot = base.lastIndexOf('.');
    const stem = dot > 0 ? base.slice(0, dot) : base;
    return [dir, /^[0-9]+$/.test(stem) ? Number(stem) : null, base];
  };
  const vega = plots.filter((p) => !isImg(p));
  const imgs = plots
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => isImg(p))
    .sort((a, b) => {
      const ka = key(a.p);
      const kb = key(b.p);
      if (ka[0] !== kb[0]) return ka[0] < kb[0] ? -1 : 1;
      if (ka[1] !== kb[1]) {
        if (ka[1] === null) return 1; // DVC would fail comparing None with an int; numbers first
        if (kb[1] === null) return -1;
        return ka[1] - kb[1];
      }
      if (ka[2] !== kb[2]) return ka[2] < kb[2] ? -1 : 1;
      return a.i - b.i;
    })
    .map(({ p }) => p);
  return [...vega, ...imgs];
}

/** `dvc plots show --json` shape of one plot (`to_json`); images carry a data URI as DVC without an output dir. */
export function plotToJson(plot: PlotResult): Record<string, unknown>[] {
  if (plot.type === 'vega') {
    if (plot.datapoints.length === 0) return [];
    return [
      {
        type: 'vega',
        revisions: plot.revisions,
        content: plot.spec,
        ...(plot.anchorDefinitions ? { anchor_definitions: plot.anchorDefinitions } : {}),
      },
    ];
  }
  return plot.images.map((img) => ({
    type: 'image',
    revisions: [img.rev],
    url: `data:image;base64,${Buffer.from(img.bytes).toString('base64')}`,
  }));
}

export type { YDefinition };
