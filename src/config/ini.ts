/**
 * ConfigObj INI, the format of `.dvc/config` (DVC reads and writes it with Python's ConfigObj,
 * default options: `list_values=True`, 4-space indent, ` = ` divider).
 *
 * The document model keeps every line it parsed (`raw`), so `stringifyIni(parseIni(t)) === t`
 * byte for byte (BOM, CRLF, missing final newline, comments, odd spacing). A section or entry
 * that is changed or added loses its `raw` and is rendered exactly as ConfigObj's writer does
 * (`_write_marker` / `_write_line` / `_quote`). Comment and blank lines travel with the section
 * or entry below them; lines after the last entry are `trailing`.
 *
 * Only what DVC can use is accepted: top-level sections (`[core]`, `['remote "x"']`). Nested
 * sections (`[[x]]`) and keys outside any section are errors here (DVC rejects them later anyway).
 */

/** A value as ConfigObj reads it: a string, or a list for unquoted comma-separated text. */
export type IniValue = string | string[];

export interface IniEntry {
  /** The key as written, unquoted (case kept). */
  key: string;
  value: IniValue;
  /** Blank and comment lines directly above, each with its line ending. */
  before: string[];
  /** Inline comment, starting with `#`, or ''. */
  comment: string;
  /** The entry's original text (several lines for a triple-quoted value); absent once changed. */
  raw?: string;
}

export interface IniSection {
  /** The section name as written, unquoted (`core`, `remote "store"`). */
  name: string;
  entries: IniEntry[];
  before: string[];
  comment: string;
  raw?: string;
}

export interface IniDoc {
  bom: boolean;
  sections: IniSection[];
  /** Blank and comment lines after the last entry. */
  trailing: string[];
  /** The first line ending met in the file; used for rendered lines. */
  newline: string;
}

/** A parse error (ConfigObj's wording, without its "at line N."); the caller names the file. */
export class IniSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

// ConfigObj's regular expressions (configobj/__init__.py), unchanged in meaning.
const KEYWORD = /^(\s*)((?:".*?")|(?:'.*?')|(?:[^'"=].*?))\s*=\s*(.*)$/;
const SECTION = /^(\s*)((?:\[\s*)+)((?:"\s*\S.*?\s*")|(?:'\s*\S.*?\s*')|(?:[^'"\s].*?))((?:\s*\])+)\s*(#.*)?$/;
const VALUE =
  /^(?:(?:((?:(?:(?:".*?")|(?:'.*?')|(?:[^'",#][^,#]*?))\s*,\s*)*)((?:".*?")|(?:'.*?')|(?:[^'",#\s][^,]*?)|(?:(?<!,)))?)|(,))\s*(#.*)?$/;
const LIST_ITEM = /((?:".*?")|(?:'.*?')|(?:[^'",#]?.*?))\s*,\s*/g;
const TRIPLE: Record<string, [RegExp, RegExp]> = {
  "'''": [/^'''(.*?)'''\s*(#.*)?$/, /^(.*?)'''\s*(#.*)?$/],
  '"""': [/^"""(.*?)"""\s*(#.*)?$/, /^(.*?)"""\s*(#.*)?$/],
};

function unquote(s: string): string {
  return s.length >= 2 && s[0] === s[s.length - 1] && (s[0] === '"' || s[0] === "'") ? s.slice(1, -1) : s;
}

/** ConfigObj `_handle_value`: strip quotes and the inline comment; split unquoted lists. */
function parseValue(text: string): { value: IniValue; comment: string } | undefined {
  const m = VALUE.exec(text);
  if (!m) return undefined;
  const [, listPart, single, emptyList, comment = ''] = m;
  if (emptyList !== undefined) return { value: [], comment };
  // Python keeps '' for an empty match of the optional last item; JS leaves it undefined.
  if (!listPart) return { value: unquote(single || '""'), comment };
  const items = [...listPart.matchAll(LIST_ITEM)].map((x) => x[1]);
  // ConfigObj's _unquote refuses an empty item (`a, ,b`): a parse error.
  if (items.includes('')) return undefined;
  for (let i = 0; i < items.length; i++) items[i] = unquote(items[i]);
  if (single) items.push(unquote(single));
  return { value: items, comment };
}

/** Split text into lines that keep their own line ending. */
function splitLines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

const stripEol = (line: string): string => line.replace(/(?:\r\n|\r|\n)$/, '');

/** Parse ConfigObj text. Throws IniSyntaxError (with a 1-based line number) on bad input. */
export function parseIni(text: string): IniDoc {
  const bom = text.startsWith('\uFEFF');
  const lines = splitLines(bom ? text.slice(1) : text);
  const newline = /\r\n|\r|\n/.exec(text)?.[0] ?? '\n';
  const doc: IniDoc = { bom, sections: [], trailing: [], newline };
  let pending: string[] = [];
  let current: IniSection | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const content = stripEol(line);
    const lineNo = i + 1;
    const sline = content.trim();
    if (sline === '' || sline.startsWith('#')) {
      pending.push(line);
      continue;
    }
    const sm = SECTION.exec(content);
    if (sm) {
      const depth = (sm[2].match(/\[/g) ?? []).length;
      if (depth !== (sm[4].match(/\]/g) ?? []).length) throw new IniSyntaxError('Cannot compute the section depth', lineNo);
      if (depth !== 1) throw new IniSyntaxError('Section too nested (nested sections are not supported)', lineNo);
      const name = unquote(sm[3]);
      if (doc.sections.some((s) => s.name === name)) throw new IniSyntaxError('Duplicate section name', lineNo);
      current = { name, entries: [], before: pending, comment: sm[5] ?? '', raw: line };
      doc.sections.push(current);
      pending = [];
      continue;
    }
    const km = KEYWORD.exec(content);
    if (!km) {
      throw new IniSyntaxError(`Invalid line (${JSON.stringify(content)}) (matched as neither section nor keyword)`, lineNo);
    }
    if (!current) throw new IniSyntaxError('Option outside of any section', lineNo);
    let raw = line;
    let value: IniValue;
    let comment: string;
    const rest = km[3];
    const quot = rest.slice(0, 3);
    if (quot === '"""' || quot === "'''") {
      const [oneLine, lastLine] = TRIPLE[quot];
      const one = oneLine.exec(rest);
      if (one) {
        value = one[1];
        comment = one[2] ?? '';
      } else {
        if (rest.slice(3).includes(quot)) throw new IniSyntaxError('Parse error in multiline value', lineNo);
        let acc = rest.slice(3);
        let end: RegExpExecArray | null = null;
        while (++i < lines.length) {
          raw += lines[i];
          const l = stripEol(lines[i]);
          if (!l.includes(quot)) {
            acc += '\n' + l;
            continue;
          }
          end = lastLine.exec(l);
          if (!end) throw new IniSyntaxError('Parse error in multiline value', i + 1);
          acc += '\n' + end[1];
          break;
        }
        if (!end) throw new IniSyntaxError('Parse error in multiline value', lineNo);
        value = acc;
        comment = end[2] ?? '';
      }
    } else {
      const pv = parseValue(rest);
      if (!pv) throw new IniSyntaxError('Parse error in value', lineNo);
      ({ value, comment } = pv);
    }
    const key = unquote(km[2]);
    if (current.entries.some((e) => e.key === key)) throw new IniSyntaxError('Duplicate keyword name', lineNo);
    current.entries.push({ key, value, before: pending, comment, raw });
    pending = [];
  }
  doc.trailing = pending;
  return doc;
}

const WSPACE_PLUS = ' \r\n\v\t\'"';

/** ConfigObj `_get_single_quote`. */
function singleQuote(value: string): string {
  if (value.includes("'") && value.includes('"')) throw new Error(`Value "${value}" cannot be safely quoted.`);
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/**
 * ConfigObj `_quote` (list_values=True): a string is written bare unless it is empty (`""`),
 * starts or ends with whitespace or a quote, or contains `,` or `#` — then it gets `"…"`, or
 * `'…'` when it contains `"`. A value with a newline, or with both `'` and `"`, gets triple
 * quotes (`multiline`, values only). Lists are `a, b`; one item is `a,`; none is `,`.
 */
export function quoteIni(value: IniValue, multiline = true): string {
  if (Array.isArray(value)) {
    if (!multiline) throw new Error('a list cannot be a key');
    if (value.length === 0) return ',';
    if (value.length === 1) return quoteIni(value[0], false) + ',';
    return value.map((v) => quoteIni(v, false)).join(', ');
  }
  if (value === '') return '""';
  const needTriple = multiline && ((value.includes("'") && value.includes('"')) || value.includes('\n'));
  if (needTriple) {
    // ConfigObj picks ''' unless the value holds """; we also avoid ''' when the value holds it.
    if (value.includes('"""') && value.includes("'''")) throw new Error(`Value "${value}" cannot be safely quoted.`);
    return value.includes("'''") ? `"""${value}"""` : `'''${value}'''`;
  }
  if (value.includes('\n')) throw new Error(`Value "${value}" cannot be safely quoted.`);
  const bare = !WSPACE_PLUS.includes(value[0]) && !WSPACE_PLUS.includes(value[value.length - 1]) && !value.includes(',');
  return bare && !value.includes('#') ? value : singleQuote(value);
}

const INDENT = '    ';

/** ConfigObj `_handle_comment`: an inline comment follows one indent. */
const inline = (comment: string): string => (comment ? INDENT + (comment.startsWith('#') ? comment : ` # ${comment}`) : '');

export function renderSection(s: IniSection, newline = '\n'): string {
  return `[${quoteIni(s.name, false)}]${inline(s.comment)}${newline}`;
}

export function renderEntry(e: IniEntry, newline = '\n'): string {
  return `${INDENT}${quoteIni(e.key, false)} = ${quoteIni(e.value)}${inline(e.comment)}${newline}`;
}

/** The document's text: original bytes where unchanged, ConfigObj's rendering elsewhere. */
export function stringifyIni(doc: IniDoc): string {
  const chunks: string[] = [];
  for (const s of doc.sections) {
    chunks.push(...s.before, s.raw ?? renderSection(s, doc.newline));
    for (const e of s.entries) chunks.push(...e.before, e.raw ?? renderEntry(e, doc.newline));
  }
  chunks.push(...doc.trailing);
  let out = doc.bom ? '\uFEFF' : '';
  for (const c of chunks) {
    // Only the file's last line may lack a line ending; add one if something now follows it.
    if (out !== '' && out !== '\uFEFF' && !/[\r\n]$/.test(out)) out += doc.newline;
    out += c;
  }
  return out;
}

/** True when two values are equal (same string, or same list). */
export function sameValue(a: IniValue, b: IniValue): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Python's str() of a value as DVC prints it: a string as is, a list as `['a', 'b']`. */
export function formatValue(v: IniValue): string {
  if (typeof v === 'string') return v;
  return `[${v.map((x) => (x.includes("'") && !x.includes('"') ? `"${x}"` : `'${x.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`)).join(', ')}]`;
}
