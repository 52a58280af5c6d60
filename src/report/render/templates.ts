/**
 * DVC plot templates: the built-ins, custom templates, and anchor filling exactly as dvc-render's
 * `VegaRenderer.get_filled_template` does it (`src/dvc_render/vega.py`, `vega_templates.py`).
 *
 * Anchors are JSON strings `"<DVC_METRIC_NAME>"`. A value equal to an anchor is replaced by the
 * value (any JSON); with a string value, an anchor inside a longer string *in a dict* is replaced
 * too (not inside a list item), as `dict_replace_value`/`list_replace_value` do.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { FileFormatError, NotFoundError, UsageError } from '../../errors/index.js';
import { compareCodePoints } from '../../util/paths.js';
import { BUILTIN_TEMPLATES } from './builtin-templates.js';
import { cloneJson, isJsonObject, type Json, type JsonObject } from './json.js';

export type { Json, JsonObject } from './json.js';

export interface Template {
  /** The name it was asked by (`linear`, `confusion`, `.dvc/plots/x.json`, …). */
  name: string;
  content: JsonObject;
}

/** Names of the built-in templates, in DVC's order. */
export const TEMPLATE_NAMES: readonly string[] = BUILTIN_TEMPLATES.map(([n]) => n);
export const DEFAULT_TEMPLATE = 'linear';

/** A built-in template by name (a fresh copy), or undefined. */
export function builtinTemplate(name: string): Template | undefined {
  const hit = BUILTIN_TEMPLATES.find(([n]) => n === name);
  return hit ? { name, content: cloneJson(hit[1]) } : undefined;
}

/** A custom template from its file text. It must hold a JSON object (DVC's BadTemplateError otherwise). */
export function parseTemplate(text: string, name: string, file = name): Template {
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(file, `template is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!isJsonObject(content)) throw new FileFormatError(file, 'a template must be a JSON object (a Vega-Lite spec)');
  return { name, content };
}

/** pathlib's `with_suffix('.json')`: replace (or add) the last suffix of the final component. */
function withJsonSuffix(p: string): string {
  const slash = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  const base = p.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return p.slice(0, slash + 1) + stem + '.json';
}

/**
 * Where DVC looks for template `name` (`_find_template`), in order: `<templatesDir>/<name>`,
 * `<templatesDir>/<name>` with its suffix replaced by `.json`, then `name` as a path (relative to
 * `cwd`). Only when none exists is `name` taken as a built-in, so `.dvc/plots/linear.json` overrides
 * the built-in `linear`.
 */
export function templateCandidates(name: string, templatesDir?: string, cwd = '.'): string[] {
  const out: string[] = [];
  if (templatesDir) {
    out.push(join(templatesDir, name));
    out.push(withJsonSuffix(join(templatesDir, name)));
  }
  out.push(isAbsolute(name) ? name : resolve(cwd, name));
  return out;
}

export interface LoadTemplateOptions {
  /** The repository's `.dvc/plots` directory. */
  templatesDir?: string;
  /** Base for a relative template path (DVC uses the process cwd). */
  cwd?: string;
}

/** DVC's `get_template`: a custom template file if one is found, else a built-in; default `linear`. */
export function loadTemplate(name: string | undefined, opts: LoadTemplateOptions = {}): Template {
  const wanted = name ?? DEFAULT_TEMPLATE;
  for (const p of templateCandidates(wanted, opts.templatesDir, opts.cwd)) {
    if (existsSync(p) && statSync(p).isFile()) return parseTemplate(readFileSync(p, 'utf8'), wanted, p);
  }
  const builtin = builtinTemplate(wanted);
  if (builtin) return builtin;
  throw new NotFoundError(`Template '${wanted}' not found.`, {
    hint: `use one of: ${TEMPLATE_NAMES.join(', ')}, a file in .dvc/plots/, or a path to a JSON template`,
    data: { template: wanted },
  });
}

// ---------------------------------------------------------------------------------------------
// Anchors
// ---------------------------------------------------------------------------------------------

export function anchor(name: string): string {
  return `<DVC_METRIC_${name.toUpperCase()}>`;
}

/** `find_value`: an anchor is present when some dict value (or list item) equals it exactly. */
function findValue(d: unknown, value: string): boolean {
  if (isJsonObject(d)) {
    for (const v of Object.values(d)) {
      if (isJsonObject(v) && findValue(v, value)) return true;
      if (typeof v === 'string' && v === value) return true;
      if (Array.isArray(v) && v.some((e) => findValue(e, value))) return true;
    }
    return false;
  }
  return typeof d === 'string' && d === value;
}

export function hasAnchor(content: JsonObject, name: string): boolean {
  return findValue(content, anchor(name));
}

function dictReplace(d: JsonObject, name: string, value: Json): JsonObject {
  const x: JsonObject = {};
  for (const [k, v0] of Object.entries(d)) {
    let v: Json = v0;
    if (isJsonObject(v)) v = dictReplace(v, name, value);
    else if (Array.isArray(v)) v = listReplace(v, name, value);
    else if (typeof v === 'string') {
      if (v === name) {
        x[k] = value;
        continue;
      }
      if (typeof value === 'string' && v.includes(name)) v = v.split(name).join(value);
    }
    x[k] = v;
  }
  return x;
}

function listReplace(l: Json[], name: string, value: Json): Json[] {
  return l.map((e) => {
    if (Array.isArray(e)) return listReplace(e, name, value);
    if (isJsonObject(e)) return dictReplace(e, name, value);
    if (typeof e === 'string' && e === name) return value;
    return e;
  });
}

/** Replace anchor `name` by `value` everywhere in `content` (a new object; `content` is untouched). */
export function fillAnchor(content: JsonObject, name: string, value: unknown): JsonObject {
  return dictReplace(content, anchor(name), value as Json);
}

/** `.`, `[` and `]` escaped with a backslash, as Vega field names need. */
export function escapeField(value: string): string {
  return value.replace(/[.[\]]/g, (c) => '\\' + c);
}

// ---------------------------------------------------------------------------------------------
// Filling (VegaRenderer)
// ---------------------------------------------------------------------------------------------

const FIELD_SEPARATOR = '::';
const REV = 'rev';
const FILENAME = 'filename';
const FIELD = 'field';
const FILENAME_FIELD = [FILENAME, FIELD];
const CONCAT_FIELDS = FILENAME_FIELD.join(FIELD_SEPARATOR);

/** Anchors `get_partial_filled_template` (`dvc plots show --json --split`) leaves in place. */
export const SPLIT_ANCHORS: readonly string[] = [
  'color',
  'data',
  'plot_height',
  'plot_width',
  'shape',
  'stroke_dash',
  'title',
  'tooltip',
  'x_label',
  'y_label',
  'zoom_and_pan',
];
const OPTIONAL_ANCHORS = [
  'color',
  'column',
  'group_by_x',
  'group_by_y',
  'group_by',
  'pivot_field',
  'plot_height',
  'plot_width',
  'row',
  'shape',
  'stroke_dash',
  'tooltip',
  'zoom_and_pan',
];
/** `OPTIONAL_ANCHOR_RANGES`: the palette DVC colours revisions with, dash patterns and shapes. */
export const ANCHOR_RANGES: Readonly<Record<string, readonly Json[]>> = {
  stroke_dash: [[1, 0], [8, 8], [8, 4], [4, 4], [4, 2], [2, 1], [1, 1]],
  color: ['#945dd6', '#13adc7', '#f46837', '#48bb78', '#4299e1', '#ed8936', '#f56565'],
  shape: ['circle', 'square', 'triangle', 'diamond'],
};

export interface YDefinition {
  filename: string;
  field: string;
}

/** What the renderer gets: the datapoints and the converter's properties. */
export interface FillProperties {
  data: Record<string, unknown>[];
  x?: string | null;
  y?: string | null;
  title?: string | null;
  x_label?: string | null;
  y_label?: string | null;
  anchors_y_definitions?: YDefinition[];
  revs_with_datapoints?: string[];
}

export interface FillOptions {
  /** Check that `x` and `y` name fields of some datapoint (DVC's default). Default true. */
  strict?: boolean;
  /** Leave these anchors in the content and return their values apart (`--split`). */
  splitAnchors?: readonly string[];
}

export interface FilledTemplate {
  /** The Vega-Lite spec; `{}` when there are no datapoints (as DVC). */
  content: JsonObject;
  /** Values of the split anchors, keyed by `<DVC_METRIC_…>` (empty unless `splitAnchors`). */
  anchorDefinitions: Record<string, Json>;
}

/** `get_filled_template`: the template with every anchor DVC knows filled. */
export function fillTemplate(template: Template, props: FillProperties, opts: FillOptions = {}): JsonObject {
  return fillTemplateSplit(template, props, opts).content;
}

/** `get_filled_template(split_anchors=…)` / `get_partial_filled_template`. */
export function fillTemplateSplit(template: Template, props: FillProperties, opts: FillOptions = {}): FilledTemplate {
  const filler = new Filler(template, props, opts.splitAnchors ?? []);
  return filler.fill(opts.strict ?? true);
}

class Filler {
  private content: JsonObject;
  private readonly split: Record<string, Json> = {};
  private readonly datapoints: Record<string, unknown>[];
  private readonly x: string | null;
  private readonly y: string | null;

  constructor(
    private readonly template: Template,
    private readonly props: FillProperties,
    private readonly splitAnchors: readonly string[],
  ) {
    this.content = template.content;
    this.datapoints = props.data.map((d) => ({ ...d }));
    this.x = props.x ?? null;
    this.y = props.y ?? null;
  }

  fill(strict: boolean): FilledTemplate {
    if (this.datapoints.length === 0) return { content: {}, anchorDefinitions: {} };
    if (strict) {
      for (const f of [this.x, this.y]) {
        if (f && !this.datapoints.some((row) => Object.hasOwn(row, f))) {
          throw new UsageError(`Field '${f}' does not exist in provided data.`, {
            hint: 'check the plot\'s x/y properties (-x/-y) against the fields of the data file',
            data: { field: f },
          });
        }
      }
    }
    const title = this.props.title ?? '';
    const xLabel = this.props.x_label ?? this.x;
    const yLabel = this.props.y_label ?? this.y;

    const varied = this.processOptionalAnchors();
    this.updateDatapoints(varied);

    const names: [string, Json | undefined | null][] = [
      ['title', title],
      ['x', this.x],
      ['y', this.y],
      ['x_label', xLabel],
      ['y_label', yLabel],
      ['data', this.datapoints as unknown as Json],
    ];
    for (const [name, v] of names) {
      let value = v;
      if (value === null || value === undefined) continue;
      if (this.splitAnchors.includes(name)) {
        this.split[anchor(name)] = value;
        continue;
      }
      if (name === 'data') {
        if (!hasAnchor(this.content, 'data')) {
          throw new FileFormatError(this.template.name, `Template '${this.template.name}' is not using '${anchor('data')}' anchor`);
        }
      } else if ((name === 'x' || name === 'y') && typeof value === 'string') {
        value = escapeField(value);
      }
      this.content = fillAnchor(this.content, name, value);
    }
    return { content: this.content, anchorDefinitions: this.split };
  }

  private revs(): string[] {
    if (this.props.revs_with_datapoints && this.props.revs_with_datapoints.length > 0) return this.props.revs_with_datapoints;
    const revs: string[] = [];
    for (const d of this.datapoints) {
      const r = d[REV];
      if (r && !revs.includes(r as string)) revs.push(r as string);
    }
    return revs;
  }

  /** Returns the varied keys (`[]` for a single source), or null when the template has no optional anchor. */
  private processOptionalAnchors(): string[] | null {
    const optional = OPTIONAL_ANCHORS.filter((a) => hasAnchor(this.content, a));
    if (optional.length === 0) return null;

    this.fillMapping(optional, REV, 'color', this.revs());
    this.fillOptional(optional, 'zoom_and_pan', { name: 'grid', select: 'interval', bind: 'scales' });
    this.fillOptional(optional, 'plot_height', 300);
    this.fillOptional(optional, 'plot_width', 300);

    const yDefs = this.props.anchors_y_definitions ?? [];
    if (yDefs.length <= 1) {
      this.fillGroupBy(optional, [REV]);
      this.fillOptional(optional, 'pivot_field', 'datum.rev');
      this.fillTooltip(optional, []);
      for (const a of optional) this.content = fillAnchor(this.content, a, {});
      return [];
    }

    // several y sources: which of filename / field vary?
    const values: Record<string, Set<string>> = { [FILENAME]: new Set(), [FIELD]: new Set(), [CONCAT_FIELDS]: new Set() };
    for (const d of yDefs) {
      values[FILENAME].add(d.filename);
      values[FIELD].add(d.field);
      values[CONCAT_FIELDS].add(`${d.filename ?? ''}${FIELD_SEPARATOR}${d.field ?? ''}`);
    }
    const varied = FILENAME_FIELD.filter((k) => values[k].size > 1);
    const domainSet = varied.length === 2 ? values[CONCAT_FIELDS] : varied.length === 1 ? values[varied[0]] : new Set<string>();
    const domain = [...domainSet].sort(compareCodePoints);

    const concatField = varied.join(FIELD_SEPARATOR);
    this.fillGroupBy(optional, [REV, concatField]);
    this.fillOptional(optional, 'pivot_field', [REV, ...varied].map((k) => `datum.${k}`).join(` + '${FIELD_SEPARATOR}' + `));
    this.fillOptional(optional, 'row', { field: concatField, sort: [] });
    this.fillOptional(optional, 'column', { field: concatField, sort: [] });
    this.fillTooltip(optional, [concatField]);
    for (const a of ['stroke_dash', 'shape']) this.fillMapping(optional, concatField, a, domain);
    return varied;
  }

  private fillGroupBy(optional: string[], groupBy: string[]): void {
    this.fillOptional(optional, 'group_by', groupBy);
    this.fillOptional(optional, 'group_by_x', [...groupBy, this.x]);
    this.fillOptional(optional, 'group_by_y', [...groupBy, this.y]);
  }

  private fillTooltip(optional: string[], extra: string[]): void {
    this.fillOptional(optional, 'tooltip', [{ field: REV }, { field: this.x }, { field: this.y }, ...extra.map((f) => ({ field: f }))]);
  }

  private fillOptional(optional: string[], name: string, value: Json): void {
    const i = optional.indexOf(name);
    if (i < 0) return;
    optional.splice(i, 1);
    if (this.splitAnchors.includes(name)) {
      this.split[anchor(name)] = value;
      return;
    }
    this.content = fillAnchor(this.content, name, value);
  }

  private fillMapping(optional: string[], field: string, name: string, domain: string[]): void {
    const i = optional.indexOf(name);
    if (i < 0) return;
    optional.splice(i, 1);
    const full = ANCHOR_RANGES[name] ?? [];
    const range = domain.map((_, k) => cloneJson(full[k % full.length]));
    const encoding: JsonObject = { field, scale: { domain: [...domain], range } };
    if (name !== 'color') encoding.legend = { symbolFillColor: 'transparent', symbolStrokeColor: 'grey' };
    if (this.splitAnchors.includes(name)) {
      this.split[anchor(name)] = encoding;
      return;
    }
    this.content = fillAnchor(this.content, name, encoding);
  }

  /** `_update_datapoints`: keep only the filename/field keys that vary (joined when both do). */
  private updateDatapoints(varied: string[] | null): void {
    if (varied === null) return;
    const concat = varied.length === 2;
    const toRemove = concat ? varied : FILENAME_FIELD.filter((k) => !varied.includes(k));
    for (const d of this.datapoints) {
      if (concat) d[varied.join(FIELD_SEPARATOR)] = varied.map((k) => d[k]).join(FIELD_SEPARATOR);
      for (const k of toRemove) delete d[k];
    }
  }
}
