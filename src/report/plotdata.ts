/**
 * Plot data files, parsed as DVC 3 parses them (`dvc/repo/plots/__init__.py::parse`), and the
 * records DVC finds inside them (`dvc/render/converter/vega.py::get_datapoints`).
 *
 * - `.json`, `.yaml`, `.yml`, `.toml`: the whole document, as is (any shape). The records are found
 *   later by `findDatapoints`: a list of records, or lists of records anywhere under dicts.
 * - `.csv`, `.tsv`: Python's `csv.DictReader` (excel dialect); every value stays a **string**, as
 *   in DVC. The built-in templates declare `"type": "quantitative"`, and Vega-Lite then adds a
 *   `toNumber(...)` parse for those fields, so "0.5" plots as 0.5.
 *   `header: false` names the columns "0", "1", ….
 * - `.png`, `.jpg`, `.jpeg`, `.gif`, `.svg`: the raw bytes.
 * - Anything else is an error. Extensions match case-sensitively, as in DVC (`os.path.splitext`).
 *
 * Pure: callers read the bytes (workspace, git tree or cache) and pass them in.
 */
import { parse as parseToml, TomlDate } from 'smol-toml';
import { FileFormatError } from '../errors/index.js';
import { parseYaml } from '../util/yaml.js';
import { mimeForExt } from './assets.js';

/** `ImageRenderer.EXTENSIONS` in dvc-render. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.gif', '.png', '.svg']);
/** Extensions DVC parses as data: its serializers' keys (.json .toml .py) plus .yml .yaml .csv .tsv (.py is not supported by keel). */
export const DATA_EXTENSIONS: ReadonlySet<string> = new Set(['.json', '.yaml', '.yml', '.toml', '.csv', '.tsv']);

/** One datapoint (record). Values are whatever the file held: numbers, strings, null, …. */
export type Datapoint = Record<string, unknown>;

export type PlotFile =
  | { kind: 'data'; /** the parsed document (JSON/YAML/TOML) or the CSV/TSV rows */ content: unknown }
  | { kind: 'image'; bytes: Uint8Array; /** e.g. image/png */ mime: string };

export interface ParsePlotOptions {
  /** The plot's `header` property (CSV/TSV only). Default true. */
  header?: boolean;
}

/** `os.path.splitext(path)[1]`: the last suffix of the basename; a leading dot is not a suffix. */
export function extname(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  let i = base.length - 1;
  while (i > 0 && base[i] !== '.') i--;
  if (i <= 0) return '';
  // leading dots never start a suffix: ".json" → "", "..json" → "", "a..json" → ".json"
  let lead = 0;
  while (lead < base.length && base[lead] === '.') lead++;
  return i < lead ? '' : base.slice(i);
}

/** True when DVC would render `path` as an image plot. */
export function isImagePath(path: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(path));
}

/** MIME type for an image plot path (undefined when it is not an image). */
export function imageMime(path: string): string | undefined {
  const ext = extname(path);
  return IMAGE_EXTENSIONS.has(ext) ? mimeForExt(ext) : undefined;
}

/** Parse one plot file. `path` names the file in errors and picks the format by extension. */
export function parsePlotFile(path: string, data: Uint8Array | string, opts: ParsePlotOptions = {}): PlotFile {
  const ext = extname(path);
  if (IMAGE_EXTENSIONS.has(ext)) {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    return { kind: 'image', bytes, mime: mimeForExt(ext) };
  }
  if (!DATA_EXTENSIONS.has(ext)) {
    throw new FileFormatError(
      path,
      'file type error: only JSON, YAML, TOML, CSV and TSV data files and .jpg/.jpeg/.gif/.png/.svg images can be plots',
      { hint: 'rename the file to a supported extension (extensions are case-sensitive) or remove it from the plots' },
    );
  }
  const text = decodeUtf8(path, data);
  switch (ext) {
    case '.csv':
    case '.tsv':
      return { kind: 'data', content: loadSv(text, ext === '.tsv' ? '\t' : ',', opts.header ?? true) };
    case '.json':
      return { kind: 'data', content: parsePyJson(path, text) };
    case '.toml':
      return { kind: 'data', content: parseTomlFile(path, text) };
    default:
      return { kind: 'data', content: parseYaml(text, path) };
  }
}

function decodeUtf8(path: string, data: Uint8Array | string): string {
  if (typeof data === 'string') return data;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(data);
  } catch (e) {
    throw new FileFormatError(path, 'it is not valid UTF-8', { cause: e });
  }
}

// ---------------------------------------------------------------------------------------------
// JSON (Python's json.loads: also accepts NaN, Infinity, -Infinity)
// ---------------------------------------------------------------------------------------------

const SPECIAL = '\u0000keel-pyjson:';

function parsePyJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    // Retry with Python's extra literals turned into marker strings, then revive them.
    let found = false;
    const replaced = text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => {
      if (m.startsWith('"')) return m;
      found = true;
      return JSON.stringify(SPECIAL + m);
    });
    if (found) {
      try {
        return JSON.parse(replaced, (_k, v: unknown) =>
          typeof v === 'string' && v.startsWith(SPECIAL) ? Number(v.slice(SPECIAL.length)) : v,
        );
      } catch {
        // fall through to the original error
      }
    }
    throw new FileFormatError(path, `invalid JSON: ${(first as Error).message}`, { cause: first });
  }
}

// ---------------------------------------------------------------------------------------------
// TOML
// ---------------------------------------------------------------------------------------------

function parseTomlFile(path: string, text: string): unknown {
  let doc: unknown;
  try {
    doc = parseToml(text);
  } catch (e) {
    throw new FileFormatError(path, `invalid TOML: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  return plainToml(doc);
}

function plainToml(v: unknown): unknown {
  if (v instanceof TomlDate) return v.toISOString();
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plainToml);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plainToml(x);
    return out;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// CSV / TSV: Python's csv.reader (excel dialect, strict=False) + csv.DictReader
// ---------------------------------------------------------------------------------------------

/**
 * Rows of a delimited text as Python's `csv.reader` yields them from a file opened in text mode
 * (universal newlines: `\r\n` and `\r` read as `\n`). A blank line yields an empty row.
 */
export function readCsvRows(text: string, delimiter: string): string[][] {
  const s = text.replace(/\r\n?/g, '\n');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  // states: 0 start of record, 1 start of field, 2 in field, 3 in quoted field, 4 quote in quoted field
  let state = 0;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRecord = () => {
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    switch (state) {
      case 0:
        if (c === '\n') {
          endRecord(); // empty row
          break;
        }
      // falls through: start of a field
      case 1:
        if (c === '"') state = 3;
        else if (c === delimiter) {
          endField();
          state = 1;
        } else if (c === '\n') {
          endField();
          endRecord();
          state = 0;
        } else {
          field += c;
          state = 2;
        }
        break;
      case 2:
        if (c === delimiter) {
          endField();
          state = 1;
        } else if (c === '\n') {
          endField();
          endRecord();
          state = 0;
        } else field += c;
        break;
      case 3:
        if (c === '"') state = 4;
        else field += c;
        break;
      case 4:
        if (c === '"') {
          field += '"';
          state = 3;
        } else if (c === delimiter) {
          endField();
          state = 1;
        } else if (c === '\n') {
          endField();
          endRecord();
          state = 0;
        } else {
          field += c; // not strict: keep the character, go on unquoted
          state = 2;
        }
        break;
    }
  }
  // At EOF (a last line without a newline, or an unterminated quote): the record is saved.
  if (state !== 0) {
    endField();
    endRecord();
  }
  return rows;
}

/**
 * `csv.DictReader` rows: field names from the first row (or "0", "1", … with `header=false`),
 * blank lines skipped, missing values `null` (restval None), surplus values as a list under the
 * key "null" (restkey None, which json.dumps writes as "null").
 */
export function loadSv(text: string, delimiter: string, header = true): Datapoint[] {
  const rows = readCsvRows(text, delimiter);
  if (rows.length === 0) return [];
  let names: string[];
  let body: string[][];
  if (header) {
    names = rows[0];
    body = rows.slice(1);
  } else {
    // DVC sizes the names from the first row read with the default (comma) dialect; keel uses the
    // file's own delimiter, which gives the same result for every well-formed TSV/CSV.
    names = rows[0].map((_, i) => String(i));
    body = rows;
  }
  const out: Datapoint[] = [];
  for (const row of body) {
    if (row.length === 0) continue;
    const d: Datapoint = {};
    names.forEach((name, i) => {
      d[name] = i < row.length ? row[i] : null;
    });
    if (row.length > names.length) d['null'] = row.slice(names.length);
    out.push(d);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Finding the records (dvc/render/converter/vega.py)
// ---------------------------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** `_lists`: the blob itself if it is a list, else every list value found under nested dicts. */
export function* listsIn(blob: unknown): Generator<unknown[]> {
  if (Array.isArray(blob)) {
    yield blob;
    return;
  }
  if (!isRecord(blob)) return;
  for (const value of Object.values(blob)) {
    if (Array.isArray(value)) yield value;
    else if (isRecord(value)) yield* listsIn(value);
  }
}

/** `_is_datapoints`: every item is a dict and all have the first item's key set. */
function isDatapoints(lst: unknown[]): lst is Datapoint[] {
  if (lst.length === 0) return false; // DVC crashes on an empty list here; keel just skips it
  if (!lst.every(isRecord)) return false;
  const firstKeys = new Set(Object.keys(lst[0] as Datapoint));
  for (const item of lst as Datapoint[]) for (const k of Object.keys(item)) if (!firstKeys.has(k)) return false;
  return true;
}

/**
 * `get_datapoints`: every list of uniform records found in the content, merged index-wise (the
 * i-th record of each list is merged into the i-th datapoint). Returns fresh objects.
 */
export function findDatapoints(content: unknown): Datapoint[] {
  const result: Datapoint[] = [];
  for (const lst of listsIn(content)) {
    if (!isDatapoints(lst)) continue;
    lst.forEach((dp, i) => {
      if (result.length <= i) result.push({});
      Object.assign(result[i], dp);
    });
  }
  return result;
}
