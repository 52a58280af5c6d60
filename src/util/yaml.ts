/**
 * YAML as DVC reads and writes it.
 *
 * Writing (`dumpYaml`) ports the parts of ruamel.yaml 0.17.21 that DVC's writer uses: the
 * representer, the serializer and the emitter. The writer is `dvc/utils/serialize/_yaml.py`: the
 * `YAML()` round-trip dumper with `default_flow_style = False`, width 80, `allow_unicode = True`
 * and the YAML 1.2 resolver. The emitter is a state machine. It is ported state by state, not
 * re-derived, because the bytes depend on its quirks:
 * - a long plain scalar breaks at the first single space met *after* column 80, and continuation
 *   lines are indented like the node;
 * - an empty item is written `- `, with a trailing space;
 * - None is written `key:`, with nothing after the colon;
 * - a key is written `? key` once it and its tag (`!!str`) reach 128 characters;
 * - characters outside the BMP are escaped in double quotes (`\U0001F600`) but written raw in
 *   plain and single-quoted scalars.
 * ruamel 0.17.21 reproduces the golden files that DVC 3.30.3 wrote. 0.19.1 folds long plain
 * scalars differently. test/fixtures/yaml/ holds cases that the tests compare byte for byte with
 * ruamel 0.17.21 output (scripts/gen-yaml-fixtures.py).
 *
 * Values dumpYaml takes:
 * - string, number, bigint, boolean, null, arrays, plain objects and `Map`s. Plain objects keep
 *   their insertion order, but JS lists integer-like keys (`'10'`) first whatever the insertion
 *   order, so use a `Map` for those. A `Map` may also have number, boolean or null keys.
 * - `undefined`: an object entry with that value is skipped, as JSON.stringify does; an array
 *   item is written as null.
 * - Numbers: an integral JS number is written as a Python int (`1`), any other number as a Python
 *   float via `repr` (`0.5`, `1e-07`, `.inf`, `.nan`); -0 is written as `-0.0`. JS cannot tell
 *   `1.0` from `1`, so wrap a value in `YamlFloat` (`yamlFloat(1)`) to write it as a float
 *   (`1.0`). `parseYaml` with `keepFloats` returns such wrappers for integral floats, so a params
 *   value `lr: 1.0` survives parse → dump.
 * - `YamlTimestamp` carries a timestamp in the form ruamel writes it back.
 * - A sub-object that appears in several places is written out in full at each one: no `&id001`
 *   anchors. A cycle throws.
 *
 * Reading (`parseYaml`) uses the `yaml` package, with tags that follow ruamel's YAML 1.2
 * resolver and constructors: `1_000` is an int, `0o17` is octal, `True`/`TRUE` are booleans,
 * `~`/`Null` are null, `1.` and `.5` are floats. `<<` merge keys are ordered as ruamel orders them.
 * Duplicate keys are rejected. Errors become a `FileFormatError` that names the file, line and
 * column.
 */
import { createRequire } from 'node:module';
import type * as YamlLib from 'yaml';
import type { Document, Node as YamlNode, ScalarTag } from 'yaml';
import { FileFormatError } from '../errors/index.js';
import { pyFloatRepr } from './pyjson.js';

/**
 * The yaml package, loaded on first parse: about 30 ms of start-up that commands reading only
 * canonical `.dvc` files (see pipeline/dvcfile.ts) never pay.
 */
let yamlLibrary: typeof YamlLib | undefined;
function Y(): typeof YamlLib {
  return (yamlLibrary ??= createRequire(import.meta.url)('yaml') as typeof YamlLib);
}

// ---------------------------------------------------------------------------------------------
// Value wrappers
// ---------------------------------------------------------------------------------------------

/**
 * A number that must be written as a Python float even when it is integral: `new YamlFloat(1)`
 * dumps as `1.0`. `valueOf()`/`toJSON()` give the plain number, so arithmetic and
 * `JSON.stringify` see a number; use `unwrapYaml` to strip wrappers from a whole tree before
 * comparing values.
 */
export class YamlFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
  /** Python's repr: `1.0`, `0.5`, `inf`, `nan`. */
  toString(): string {
    if (Number.isNaN(this.value)) return 'nan';
    if (!Number.isFinite(this.value)) return this.value > 0 ? 'inf' : '-inf';
    return pyFloatRepr(this.value);
  }
}

export function yamlFloat(n: number): YamlFloat {
  return new YamlFloat(n);
}

export function isYamlFloat(v: unknown): v is YamlFloat {
  return v instanceof YamlFloat;
}

/**
 * A YAML timestamp as ruamel's safe loader reads it and DVC writes it back: `text` is what the
 * dumper writes (`2020-01-01` for a date, `2001-12-15 02:59:43.100000` for a datetime, which
 * ruamel converts to naive UTC). Written as a plain scalar.
 */
export class YamlTimestamp {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toJSON(): string {
    return this.text;
  }
}

export function isYamlTimestamp(v: unknown): v is YamlTimestamp {
  return v instanceof YamlTimestamp;
}

/** Deep copy with `YamlFloat` → number and `YamlTimestamp` → its text; other values as they are. */
export function unwrapYaml(value: unknown): unknown {
  if (value instanceof YamlFloat) return value.value;
  if (value instanceof YamlTimestamp) return value.text;
  if (Array.isArray(value)) return value.map(unwrapYaml);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [unwrapYaml(k), unwrapYaml(v)]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = unwrapYaml(v);
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// ruamel's YAML 1.2 implicit resolver (resolver.py, versions [(1, 2)])
// ---------------------------------------------------------------------------------------------

const TAG = 'tag:yaml.org,2002:';
const STR_TAG = TAG + 'str';
const NULL_TAG = TAG + 'null';
const BOOL_TAG = TAG + 'bool';
const INT_TAG = TAG + 'int';
const FLOAT_TAG = TAG + 'float';
const TIMESTAMP_TAG = TAG + 'timestamp';
const SEQ_TAG = TAG + 'seq';
const MAP_TAG = TAG + 'map';

const RE_BOOL = /^(?:true|True|TRUE|false|False|FALSE)$/;
const RE_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const RE_INT = /^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$/;
const RE_MERGE = /^(?:<<)$/;
const RE_NULL = /^(?:~|null|Null|NULL|)$/;
const RE_TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const RE_VALUE = /^(?:=)$/;
const RE_YAML = /^(?:!|&|\*)$/;

/** Resolvers by first character, in the order ruamel registers them. */
const RESOLVERS = new Map<string, [string, RegExp][]>();
function addResolver(tag: string, re: RegExp, first: string[]): void {
  for (const ch of first) {
    const list = RESOLVERS.get(ch) ?? [];
    list.push([tag, re]);
    RESOLVERS.set(ch, list);
  }
}
addResolver(BOOL_TAG, RE_BOOL, [...'tTfF']);
addResolver(FLOAT_TAG, RE_FLOAT, [...'-+0123456789.']);
addResolver(INT_TAG, RE_INT, [...'-+0123456789']);
addResolver(TAG + 'merge', RE_MERGE, ['<']);
addResolver(NULL_TAG, RE_NULL, ['~', 'n', 'N', '']);
addResolver(TIMESTAMP_TAG, RE_TIMESTAMP, [...'0123456789']);
addResolver(TAG + 'value', RE_VALUE, ['=']);
addResolver(TAG + 'yaml', RE_YAML, [...'!&*']);

/** Python `re.match(pattern_ending_in_$)`: `$` also matches before one final newline. */
function pyFullMatch(re: RegExp, s: string): boolean {
  return re.test(s) || (s.endsWith('\n') && re.test(s.slice(0, -1)));
}

/** The tag a plain scalar with this text would get (VersionedResolver.resolve, implicit plain). */
function resolvePlain(value: string): string {
  const first = value === '' ? '' : String.fromCodePoint(value.codePointAt(0)!);
  for (const [tag, re] of RESOLVERS.get(first) ?? []) if (pyFullMatch(re, value)) return tag;
  return STR_TAG;
}

// ---------------------------------------------------------------------------------------------
// Representer + serializer: JS value → events
// ---------------------------------------------------------------------------------------------

type ScalarEvent = { kind: 'Scalar'; tag: string; implicit: [boolean, boolean, boolean]; value: string };
type YamlEvent =
  | { kind: 'StreamStart' }
  | { kind: 'StreamEnd' }
  | { kind: 'DocumentStart' }
  | { kind: 'DocumentEnd' }
  | ScalarEvent
  | { kind: 'SequenceStart' }
  | { kind: 'SequenceEnd' }
  | { kind: 'MappingStart'; nrItems: number }
  | { kind: 'MappingEnd' };

function scalarEvent(tag: string, value: string): ScalarEvent {
  return { kind: 'Scalar', tag, implicit: [resolvePlain(value) === tag, tag === STR_TAG, tag.startsWith(TAG)], value };
}

function pyInt(n: number | bigint): string {
  return typeof n === 'bigint' ? n.toString() : BigInt(n).toString();
}

/** SafeRepresenter.represent_float: `repr(data).lower()`, with `.nan`, `.inf`, `-.inf`. */
function pyFloatText(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (n === Infinity) return '.inf';
  if (n === -Infinity) return '-.inf';
  return pyFloatRepr(n).toLowerCase();
}

class Representer {
  readonly events: YamlEvent[] = [];
  /** ruamel's `represented_objects` is non-empty once a collection has been represented. */
  private representedCollection = false;
  private readonly stack = new Set<object>();

  represent(data: unknown): void {
    const ev = this.events;
    if (data === null || data === undefined) {
      // RoundTripRepresenter.represent_none: 'null' only for a document that is just None.
      ev.push(scalarEvent(NULL_TAG, this.representedCollection ? '' : 'null'));
    } else if (typeof data === 'string') {
      ev.push(scalarEvent(STR_TAG, data));
    } else if (typeof data === 'boolean') {
      ev.push(scalarEvent(BOOL_TAG, data ? 'true' : 'false'));
    } else if (typeof data === 'bigint') {
      ev.push(scalarEvent(INT_TAG, pyInt(data)));
    } else if (typeof data === 'number') {
      if (Number.isInteger(data) && !Object.is(data, -0)) ev.push(scalarEvent(INT_TAG, pyInt(data)));
      else ev.push(scalarEvent(FLOAT_TAG, pyFloatText(data)));
    } else if (data instanceof YamlFloat) {
      ev.push(scalarEvent(FLOAT_TAG, pyFloatText(data.value)));
    } else if (data instanceof YamlTimestamp) {
      ev.push(scalarEvent(TIMESTAMP_TAG, data.text));
    } else if (typeof data === 'object') {
      const proto = Object.getPrototypeOf(data);
      if (!Array.isArray(data) && !(data instanceof Map) && proto !== Object.prototype && proto !== null) {
        throw new TypeError(`dumpYaml: cannot represent a ${proto?.constructor?.name ?? 'object'} (use YamlTimestamp for dates)`);
      }
      if (this.stack.has(data)) throw new TypeError('dumpYaml: cyclic structure');
      this.stack.add(data);
      this.representedCollection = true;
      if (Array.isArray(data)) {
        ev.push({ kind: 'SequenceStart' });
        for (const item of data) this.represent(item);
        ev.push({ kind: 'SequenceEnd' });
      } else {
        const entries: [unknown, unknown][] =
          data instanceof Map
            ? [...data.entries()]
            : Object.entries(data as Record<string, unknown>).filter(([, v]) => v !== undefined);
        ev.push({ kind: 'MappingStart', nrItems: entries.length });
        for (const [k, v] of entries) {
          if (k !== null && typeof k === 'object' && !(k instanceof YamlFloat) && !(k instanceof YamlTimestamp)) {
            throw new TypeError('dumpYaml: mapping keys must be scalars');
          }
          this.represent(k);
          this.represent(v);
        }
        ev.push({ kind: 'MappingEnd' });
      }
      this.stack.delete(data);
    } else {
      throw new TypeError(`dumpYaml: cannot represent a ${typeof data}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Emitter (ruamel/yaml/emitter.py 0.17.21, block/flow/scalar paths DVC can reach)
// ---------------------------------------------------------------------------------------------

/**
 * Scalar text indexable by code point: the string itself when it has no surrogates (most
 * text; saves an array per scalar), else its code points. Python indexes and counts columns by
 * code point.
 */
type CodePoints = string | string[];

function codePoints(value: string): CodePoints {
  return /[\ud800-\udfff]/.test(value) ? Array.from(value) : value;
}

function sub(text: CodePoints, start: number, end: number): string {
  return typeof text === 'string' ? text.slice(start, end) : text.slice(start, end).join('');
}

interface ScalarAnalysis {
  scalar: CodePoints;
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
  allowDoubleQuoted: boolean;
  allowBlock: boolean;
}

const BREAKS = '\n\x85\u2028\u2029';
const WS_OR_BREAK = '\0 \t\r\n\x85\u2028\u2029';
const isBreak = (ch: string | null): boolean => ch !== null && BREAKS.includes(ch);

const ESCAPE_REPLACEMENTS: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\x08': 'b',
  '\x09': 't',
  '\x0A': 'n',
  '\x0B': 'v',
  '\x0C': 'f',
  '\x0D': 'r',
  '\x1B': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xA0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

const MAX_SIMPLE_KEY_LENGTH = 128;

/** Emitter.prepare_tag for the tags the representer produces: `tag:yaml.org,2002:str` → `!!str`. */
function prepareTag(tag: string): string {
  return tag.startsWith(TAG) ? '!!' + tag.slice(TAG.length) : '!<' + tag + '>';
}

class Emitter {
  private out = '';
  private readonly events: YamlEvent[];
  private pos = -1;
  private event: YamlEvent | null = null;
  private states: (() => void)[] = [];
  private state: () => void;

  private readonly indents: [number | null, boolean | null][] = [];
  private indent: number | null = null;
  private readonly flowContext: string[] = [];

  private rootContext = false;
  private sequenceContext = false;
  private mappingContext = false;
  private simpleKeyContext = false;

  private column = 0;
  private whitespace = true;
  private indention = true;
  private readonly compactSeqSeq = true;
  private readonly compactSeqMap = true;
  private noNewline: boolean | null = null;
  private openEnded = false;

  private readonly bestSequenceIndent = 2;
  private readonly bestMapIndent = 2;
  private readonly sequenceDashOffset = 0;
  private readonly requestedIndent: number | null = null;
  private readonly bestWidth = 80;
  private readonly allowUnicode = true;

  private analysis: ScalarAnalysis | null = null;
  private style: string | null = null;

  constructor(events: YamlEvent[]) {
    this.events = events;
    this.state = this.expectStreamStart;
  }

  run(): string {
    for (this.pos = 0; this.pos < this.events.length; this.pos++) {
      this.event = this.events[this.pos];
      this.state.call(this);
      this.event = null;
    }
    return this.out;
  }

  private get flowLevel(): number {
    return this.flowContext.length;
  }

  /** `self.events[0]` in ruamel: the event after the current one. */
  private peek(): YamlEvent | undefined {
    return this.events[this.pos + 1];
  }

  private get ev(): YamlEvent {
    return this.event!;
  }

  private lastSeq(): boolean {
    const v = this.indents[this.indents.length - 2];
    return v === undefined ? false : Boolean(v[1]);
  }

  private seqFlowAlign(seqIndent: number, column: number): number {
    const n = this.indents.length;
    if (n < 2 || !this.indents[n - 1][1]) return 0;
    const base = this.indents[n - 1][0] ?? 0;
    return base + seqIndent - column - 1;
  }

  private increaseIndent(flow = false, sequence: boolean | null = null, indentless = false): void {
    this.indents.push([this.indent, sequence]);
    if (this.indent === null) {
      this.indent = flow ? this.requestedIndent : 0;
    } else if (!indentless) {
      this.indent += this.lastSeq() ? this.bestSequenceIndent : this.bestMapIndent;
    }
  }

  private popIndent(): number | null {
    return this.indents.pop()![0];
  }

  private popState(): void {
    this.state = this.states.pop()!;
  }

  // Stream and document handlers.

  private expectStreamStart(): void {
    if (this.ev.kind !== 'StreamStart') throw new Error('expected StreamStartEvent');
    this.state = this.expectFirstDocumentStart;
  }

  private expectNothing(): void {
    throw new Error(`expected nothing, but got ${this.ev.kind}`);
  }

  private expectFirstDocumentStart(): void {
    this.expectDocumentStart(true);
  }

  private expectDocumentStart(first = false): void {
    const ev = this.ev;
    if (ev.kind === 'DocumentStart') {
      // The document is implicit unless it is empty (its root is an untagged '' scalar, which a
      // tagged representer never produces).
      if (!first) {
        this.writeIndent();
        this.writeIndicator('---', true);
      }
      this.state = this.expectDocumentRoot;
    } else if (ev.kind === 'StreamEnd') {
      if (this.openEnded) {
        this.writeIndicator('...', true);
        this.writeIndent();
      }
      this.state = this.expectNothing;
    } else {
      throw new Error(`expected DocumentStartEvent, but got ${ev.kind}`);
    }
  }

  private expectDocumentEnd(): void {
    if (this.ev.kind !== 'DocumentEnd') throw new Error('expected DocumentEndEvent');
    this.writeIndent();
    this.state = this.expectDocumentStart;
  }

  private expectDocumentRoot(): void {
    this.states.push(this.expectDocumentEnd);
    this.expectNode(true);
  }

  // Node handlers.

  private expectNode(root = false, sequence = false, mapping = false, simpleKey = false): void {
    this.rootContext = root;
    this.sequenceContext = sequence;
    this.mappingContext = mapping;
    this.simpleKeyContext = simpleKey;
    const ev = this.ev;
    if (ev.kind === 'Scalar' || ev.kind === 'SequenceStart' || ev.kind === 'MappingStart') {
      this.processTag();
      if (ev.kind === 'Scalar') {
        this.expectScalar();
      } else if (ev.kind === 'SequenceStart') {
        if (this.flowLevel || this.checkEmptySequence()) this.expectFlowSequence();
        else this.expectBlockSequence();
      } else {
        if (this.flowLevel || this.checkEmptyMapping()) this.expectFlowMapping();
        else this.expectBlockMapping();
      }
    } else {
      throw new Error(`expected NodeEvent, but got ${ev.kind}`);
    }
  }

  private expectScalar(): void {
    this.increaseIndent(true);
    this.processScalar();
    this.indent = this.popIndent();
    this.popState();
  }

  // Flow collections: with default_flow_style=False only empty ones are written in flow style.

  private expectFlowSequence(): void {
    const ind = this.seqFlowAlign(this.bestSequenceIndent, this.column);
    this.writeIndicator(' '.repeat(Math.max(0, ind)) + '[', true, true);
    this.increaseIndent(true, true);
    this.flowContext.push('[');
    this.state = this.expectFirstFlowSequenceItem;
  }

  private expectFirstFlowSequenceItem(): void {
    if (this.ev.kind !== 'SequenceEnd') throw new Error('flow sequences with items are not emitted');
    this.indent = this.popIndent();
    this.flowContext.pop();
    this.writeIndicator(']', false);
    if (this.flowLevel === 0) this.writeLineBreak();
    this.popState();
  }

  private expectFlowMapping(): void {
    const ind = this.seqFlowAlign(this.bestSequenceIndent, this.column);
    this.writeIndicator(' '.repeat(Math.max(0, ind)) + '{', true, true);
    this.flowContext.push('{');
    this.increaseIndent(true, false);
    this.state = this.expectFirstFlowMappingKey;
  }

  private expectFirstFlowMappingKey(): void {
    if (this.ev.kind !== 'MappingEnd') throw new Error('flow mappings with items are not emitted');
    this.indent = this.popIndent();
    this.flowContext.pop();
    this.writeIndicator('}', false);
    if (this.flowLevel === 0) this.writeLineBreak();
    this.popState();
  }

  // Block sequence handlers.

  private expectBlockSequence(): void {
    let indentless: boolean;
    if (this.mappingContext) {
      indentless = !this.indention;
    } else {
      indentless = false;
      if (!this.compactSeqSeq && this.column !== 0) this.writeLineBreak();
    }
    this.increaseIndent(false, true, indentless);
    this.state = this.expectFirstBlockSequenceItem;
  }

  private expectFirstBlockSequenceItem(): void {
    this.expectBlockSequenceItem(true);
  }

  private expectBlockSequenceItem(first = false): void {
    if (!first && this.ev.kind === 'SequenceEnd') {
      this.indent = this.popIndent();
      this.popState();
      this.noNewline = false;
    } else {
      const nonl = this.column === 0 ? this.noNewline : false;
      this.writeIndent();
      this.writeIndicator(' '.repeat(this.sequenceDashOffset) + '-', true, false, true);
      if (nonl || this.sequenceDashOffset + 2 > this.bestSequenceIndent) this.noNewline = true;
      this.states.push(this.expectBlockSequenceItem);
      this.expectNode(false, true);
    }
  }

  // Block mapping handlers.

  private expectBlockMapping(): void {
    if (!this.mappingContext && !(this.compactSeqMap || this.column === 0)) this.writeLineBreak();
    this.increaseIndent(false, false);
    this.state = this.expectFirstBlockMappingKey;
  }

  private expectFirstBlockMappingKey(): void {
    this.expectBlockMappingKey(true);
  }

  private expectBlockMappingKey(first = false): void {
    if (!first && this.ev.kind === 'MappingEnd') {
      this.indent = this.popIndent();
      this.popState();
    } else {
      this.writeIndent();
      if (this.checkSimpleKey()) {
        this.states.push(this.expectBlockMappingSimpleValue);
        this.expectNode(false, false, true, true);
      } else {
        this.writeIndicator('?', true, false, true);
        this.states.push(this.expectBlockMappingValue);
        this.expectNode(false, false, true);
      }
    }
  }

  private expectBlockMappingSimpleValue(): void {
    this.writeIndicator(':', false);
    this.states.push(this.expectBlockMappingKey);
    this.expectNode(false, false, true);
  }

  private expectBlockMappingValue(): void {
    this.writeIndent();
    this.writeIndicator(':', true, false, true);
    this.states.push(this.expectBlockMappingKey);
    this.expectNode(false, false, true);
  }

  // Checkers.

  private checkEmptySequence(): boolean {
    return this.ev.kind === 'SequenceStart' && this.peek()?.kind === 'SequenceEnd';
  }

  private checkEmptyMapping(): boolean {
    return this.ev.kind === 'MappingStart' && this.peek()?.kind === 'MappingEnd';
  }

  private checkSimpleKey(): boolean {
    const ev = this.ev;
    let length = 0;
    if (ev.kind === 'Scalar' || ev.kind === 'SequenceStart' || ev.kind === 'MappingStart') {
      // Every node carries a tag here, and ruamel counts its short form (`!!str`) in the length.
      length += prepareTag(ev.kind === 'Scalar' ? ev.tag : ev.kind === 'SequenceStart' ? SEQ_TAG : MAP_TAG).length;
    }
    if (ev.kind === 'Scalar') {
      if (this.analysis === null) this.analysis = this.analyzeScalar(ev.value);
      length += this.analysis.scalar.length;
    }
    return (
      length < MAX_SIMPLE_KEY_LENGTH &&
      ((ev.kind === 'Scalar' &&
        !(this.analysis!.empty && this.style && !`'"`.includes(this.style)) &&
        !this.analysis!.multiline) ||
        this.checkEmptySequence() ||
        this.checkEmptyMapping())
    );
  }

  // Tag and scalar processors.

  private processTag(): void {
    const ev = this.ev;
    if (ev.kind !== 'Scalar') return; // collections always resolve implicitly
    if (this.style === null) {
      this.style = this.chooseScalarStyle();
      if (ev.value === '' && this.style === "'" && ev.tag === NULL_TAG) {
        ev.value = 'null'; // alt_null
        this.analysis = null;
        this.style = this.chooseScalarStyle();
      }
    }
    if ((this.style === '' && ev.implicit[0]) || (this.style !== '' && ev.implicit[1])) return;
    // Not reachable for the values dumpYaml accepts; written the way ruamel would.
    this.writeIndicator(prepareTag(ev.tag), true);
    if (this.sequenceContext && !this.flowLevel) this.noNewline = true;
  }

  private chooseScalarStyle(): string {
    const ev = this.ev as ScalarEvent;
    if (this.analysis === null) this.analysis = this.analyzeScalar(ev.value);
    const a = this.analysis;
    if (ev.implicit[0] || !ev.implicit[2]) {
      if (
        !(this.simpleKeyContext && (a.empty || a.multiline)) &&
        ((this.flowLevel && a.allowFlowPlain) || (!this.flowLevel && a.allowBlockPlain))
      ) {
        return '';
      }
    }
    a.allowBlock = true;
    if (a.allowDoubleQuoted && (ev.value.includes("'") || ev.value.includes('\n'))) return '"';
    if (a.allowSingleQuoted && !(this.simpleKeyContext && a.multiline)) return "'";
    return '"';
  }

  private processScalar(): void {
    const ev = this.ev as ScalarEvent;
    if (this.analysis === null) this.analysis = this.analyzeScalar(ev.value);
    if (this.style === null) this.style = this.chooseScalarStyle();
    const split = !this.simpleKeyContext;
    if (this.sequenceContext && !this.flowLevel) this.writeIndent();
    if (this.style === '"') this.writeDoubleQuoted(this.analysis.scalar, split);
    else if (this.style === "'") this.writeSingleQuoted(this.analysis.scalar, split);
    else this.writePlain(this.analysis.scalar, split);
    this.analysis = null;
    this.style = null;
  }

  // Analyzer.

  private analyzeScalar(value: string): ScalarAnalysis {
    const scalar = codePoints(value);
    if (scalar.length === 0) {
      return {
        scalar,
        empty: true,
        multiline: false,
        allowFlowPlain: false,
        allowBlockPlain: true,
        allowSingleQuoted: true,
        allowDoubleQuoted: true,
        allowBlock: false,
      };
    }
    let blockIndicators = false;
    let flowIndicators = false;
    let lineBreaks = false;
    let specialCharacters = false;
    let leadingSpace = false;
    let leadingBreak = false;
    let trailingSpace = false;
    let trailingBreak = false;
    let breakSpace = false;
    let spaceBreak = false;

    if (value.startsWith('---') || value.startsWith('...')) {
      blockIndicators = true;
      flowIndicators = true;
    }
    let preceededByWhitespace = true;
    let followedByWhitespace = scalar.length === 1 || WS_OR_BREAK.includes(scalar[1]);
    let previousSpace = false;
    let previousBreak = false;

    for (let index = 0; index < scalar.length; ) {
      const ch = scalar[index];
      if (index === 0) {
        if ('#,[]{}&*!|>\'"%@`'.includes(ch)) {
          flowIndicators = true;
          blockIndicators = true;
        }
        if (ch === '?' || ch === ':') {
          if (scalar.length === 1) flowIndicators = true;
          if (followedByWhitespace) blockIndicators = true;
        }
        if (ch === '-' && followedByWhitespace) {
          flowIndicators = true;
          blockIndicators = true;
        }
      } else {
        if (',[]{}'.includes(ch)) flowIndicators = true;
        if (ch === ':' && followedByWhitespace) {
          flowIndicators = true;
          blockIndicators = true;
        }
        if (ch === '#' && preceededByWhitespace) {
          flowIndicators = true;
          blockIndicators = true;
        }
      }
      if (BREAKS.includes(ch)) lineBreaks = true;
      if (!(ch === '\n' || (ch >= '\x20' && ch <= '\x7E'))) {
        const cp = ch.codePointAt(0)!;
        const printable =
          (ch === '\x85' ||
            (cp >= 0xa0 && cp <= 0xd7ff) ||
            (cp >= 0xe000 && cp <= 0xfffd) ||
            (cp >= 0x10000 && cp <= 0x10ffff)) &&
          cp !== 0xfeff;
        if (!printable || !this.allowUnicode) specialCharacters = true;
      }
      if (ch === ' ') {
        if (index === 0) leadingSpace = true;
        if (index === scalar.length - 1) trailingSpace = true;
        if (previousBreak) breakSpace = true;
        previousSpace = true;
        previousBreak = false;
      } else if (BREAKS.includes(ch)) {
        if (index === 0) leadingBreak = true;
        if (index === scalar.length - 1) trailingBreak = true;
        if (previousSpace) spaceBreak = true;
        previousSpace = false;
        previousBreak = true;
      } else {
        previousSpace = false;
        previousBreak = false;
      }
      index += 1;
      preceededByWhitespace = WS_OR_BREAK.includes(ch);
      followedByWhitespace = index + 1 >= scalar.length || WS_OR_BREAK.includes(scalar[index + 1]);
    }

    let allowFlowPlain = true;
    let allowBlockPlain = true;
    let allowSingleQuoted = true;
    const allowDoubleQuoted = true;
    let allowBlock = true;
    if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowFlowPlain = allowBlockPlain = false;
    if (trailingSpace) allowBlock = false;
    if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
    if (specialCharacters) {
      allowFlowPlain = allowBlockPlain = allowSingleQuoted = allowBlock = false;
    } else if (spaceBreak) {
      allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
      allowBlock = false; // allow_space_break is None
    }
    if (lineBreaks) allowFlowPlain = allowBlockPlain = false;
    if (flowIndicators) allowFlowPlain = false;
    if (blockIndicators) allowBlockPlain = false;
    return {
      scalar,
      empty: false,
      multiline: lineBreaks,
      allowFlowPlain,
      allowBlockPlain,
      allowSingleQuoted,
      allowDoubleQuoted,
      allowBlock,
    };
  }

  // Writers.

  private write(data: string, columns: number): void {
    this.column += columns;
    this.out += data;
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ' ' + indicator;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.openEnded = false;
    this.write(data, data.length); // indicators are ASCII
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      if (this.noNewline) this.noNewline = false;
      else this.writeLineBreak();
    }
    if (this.column < indent) {
      this.whitespace = true;
      this.out += ' '.repeat(indent - this.column);
      this.column = indent;
    }
  }

  private writeLineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.column = 0;
    this.out += data;
  }

  private writeSingleQuoted(text: CodePoints, split = true): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    let end = 0;
    while (end <= text.length) {
      const ch = end < text.length ? text[end] : null;
      if (spaces) {
        if (ch === null || ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split && start !== 0 && end !== text.length) {
            this.writeIndent();
          } else {
            this.write(sub(text, start, end), end - start);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !BREAKS.includes(ch)) {
          if (text[start] === '\n') this.writeLineBreak();
          for (const br of sub(text, start, end)) this.writeLineBreak(br);
          this.writeIndent();
          start = end;
        }
      } else if (ch === null || ' \n\x85\u2028\u2029'.includes(ch) || ch === "'") {
        if (start < end) {
          this.write(sub(text, start, end), end - start);
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''", 2);
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = isBreak(ch);
      }
      end += 1;
    }
    this.writeIndicator("'", false);
  }

  private writeDoubleQuoted(text: CodePoints, split = true): void {
    this.writeIndicator('"', true);
    let start = 0;
    let end = 0;
    while (end <= text.length) {
      const ch = end < text.length ? text[end] : null;
      if (ch === null || '"\\\x85\u2028\u2029\uFEFF'.includes(ch) || !this.doubleQuotedRaw(ch)) {
        if (start < end) {
          this.write(sub(text, start, end), end - start);
          start = end;
        }
        if (ch !== null) {
          const cp = ch.codePointAt(0)!;
          let data: string;
          if (ch in ESCAPE_REPLACEMENTS) data = '\\' + ESCAPE_REPLACEMENTS[ch];
          else if (cp <= 0xff) data = '\\x' + cp.toString(16).toUpperCase().padStart(2, '0');
          else if (cp <= 0xffff) data = '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
          else data = '\\U' + cp.toString(16).toUpperCase().padStart(8, '0');
          this.write(data, data.length);
          start = end + 1;
        }
      }
      if (
        end > 0 &&
        end < text.length - 1 &&
        (ch === ' ' || start >= end) &&
        this.column + (end - start) > this.bestWidth &&
        split
      ) {
        const data = sub(text, start, end) + '\\';
        const cols = Math.max(0, end - start) + 1;
        if (start < end) start = end;
        this.write(data, cols);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (text[start] === ' ') this.write('\\', 1);
      }
      end += 1;
    }
    this.writeIndicator('"', false);
  }

  /** Characters write_double_quoted copies as they are (0.17.21: BMP only, even with allow_unicode). */
  private doubleQuotedRaw(ch: string): boolean {
    if (ch >= '\x20' && ch <= '\x7E') return true;
    if (!this.allowUnicode) return false;
    const cp = ch.codePointAt(0)!;
    return (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd);
  }

  private writePlain(text: CodePoints, split = true): void {
    if (this.rootContext) this.openEnded = true; // requested_indent is None
    if (text.length === 0) return;
    if (!this.whitespace) this.write(' ', 1);
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let breaks = false;
    let start = 0;
    let end = 0;
    while (end <= text.length) {
      const ch = end < text.length ? text[end] : null;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.write(sub(text, start, end), end - start);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !BREAKS.includes(ch)) {
          if (text[start] === '\n') this.writeLineBreak();
          for (const br of sub(text, start, end)) this.writeLineBreak(br);
          this.writeIndent();
          this.whitespace = false;
          this.indention = false;
          start = end;
        }
      } else if (ch === null || ' \n\x85\u2028\u2029'.includes(ch)) {
        this.write(sub(text, start, end), end - start);
        start = end;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = isBreak(ch);
      }
      end += 1;
    }
  }
}

/**
 * Serialise `value` exactly as DVC's YAML writer (ruamel.yaml 0.17, round-trip dumper,
 * `default_flow_style=False`) would serialise the equivalent Python value. See the module
 * comment for how JS values map to Python ones.
 */
export function dumpYaml(value: unknown): string {
  const rep = new Representer();
  rep.events.push({ kind: 'StreamStart' }, { kind: 'DocumentStart' });
  rep.represent(value);
  rep.events.push({ kind: 'DocumentEnd' }, { kind: 'StreamEnd' });
  return new Emitter(rep.events).run();
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

export interface ParseYamlOptions {
  /**
   * Return a `YamlFloat` for a float scalar whose value is integral (`1.0`, `1e3`, `-0.0`), so a
   * later `dumpYaml` writes it as a float again. Non-integral floats are plain numbers anyway.
   */
  keepFloats?: boolean;
  /** Return an int outside Number's safe range as a `bigint` instead of a rounded number. */
  bigInts?: boolean;
  /**
   * Resolve timestamps (`2020-01-01`, `2001-12-14 21:59:43.10 -5`) as ruamel's safe loader does
   * and return `YamlTimestamp`s (dumped back as DVC would). Off: they stay strings.
   */
  timestamps?: boolean;
  /**
   * A mapping with a key that is not a string (`1: a`, `null: b`), or with an integer-like string
   * key (`'10': x`, which a JS object would move to the front), becomes a `Map` holding the keys
   * as parsed and in file order. Off: every mapping is a plain object with `String(key)` keys.
   */
  exactKeys?: boolean;
}

/** JS objects list "array index" keys first, in numeric order, whatever the insertion order. */
export function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9][0-9]*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}

/** Every option on: values as DVC's Python sees them, to be written back byte-identically. */
export const PYTHON_NATIVE: Readonly<ParseYamlOptions> = Object.freeze({
  keepFloats: true,
  bigInts: true,
  timestamps: true,
  exactKeys: true,
});

function intValue(str: string, opts: ParseYamlOptions): number | bigint {
  // SafeConstructor.construct_yaml_int (YAML 1.2): underscores dropped, 0b/0x/0o prefixes,
  // everything else decimal (leading zeros included).
  let s = str.replace(/_/g, '');
  let sign = 1n;
  if (s[0] === '-') sign = -1n;
  if (s[0] === '-' || s[0] === '+') s = s.slice(1);
  let big: bigint;
  if (s.startsWith('0b')) big = BigInt('0b' + s.slice(2));
  else if (s.startsWith('0x')) big = BigInt('0x' + s.slice(2));
  else if (s.startsWith('0o')) big = BigInt('0o' + s.slice(2));
  else if (/^[0-9]+$/.test(s)) big = BigInt(s);
  else throw new Error(`invalid literal for int(): '${str}'`);
  big *= sign;
  const n = Number(big);
  if (opts.bigInts && !Number.isSafeInteger(n)) return big;
  return n;
}

function floatValue(str: string, opts: ParseYamlOptions): number | YamlFloat {
  // SafeConstructor.construct_yaml_float
  let s = str.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (s[0] === '-') sign = -1;
  if (s[0] === '-' || s[0] === '+') s = s.slice(1);
  let n: number;
  if (s === '.inf') n = sign * Infinity;
  else if (s === '.nan') n = NaN;
  else if (/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?$/.test(s)) n = sign * Number(s);
  else if (s === 'inf' || s === 'infinity') n = sign * Infinity; // Python float() spellings
  else if (s === 'nan') n = NaN;
  else throw new Error(`could not convert string to float: '${str}'`);
  if (opts.keepFloats && Number.isInteger(n)) return new YamlFloat(n);
  return n;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function timestampValue(str: string): YamlTimestamp {
  // ruamel.yaml.util.timestamp_regexp / create_timestamp, then isoformat(' ') as the dumper does.
  const m =
    /^([0-9]{4})-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?)?$/.exec(
      str,
    );
  if (!m) throw new Error(`failed to construct timestamp from "${str}"`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, day);
  if (year < 1 || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    throw new Error(`invalid date: "${str}"`);
  }
  if (m[4] === undefined) return new YamlTimestamp(`${pad(year, 4)}-${pad(month)}-${pad(day)}`);
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (hour > 23 || minute > 59 || second > 59) throw new Error(`invalid time: "${str}"`);
  const fraction = m[7];
  let frac = 0;
  let micro = 0;
  if (fraction) {
    frac = Number(fraction.slice(0, 6).padEnd(6, '0'));
    if (fraction.length > 6 && Number(fraction[6]) > 4) frac += 1;
    micro = frac > 999999 ? 0 : frac;
  }
  let deltaSeconds = 0; // subtracted from the local time
  if (m[9]) {
    const tzSeconds = Number(m[10]) * 3600 + (m[11] ? Number(m[11]) : 0) * 60 + (frac > 999999 ? 1 : 0);
    deltaSeconds = m[9] === '-' ? -tzSeconds : tzSeconds;
  } else if (frac > 999999) {
    deltaSeconds = -1;
  }
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day);
  t.setUTCHours(hour, minute, second - deltaSeconds, 0);
  let text =
    `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ` +
    `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
  if (micro) text += '.' + pad(micro, 6);
  return new YamlTimestamp(text);
}

/**
 * ruamel only tries a resolver when the scalar starts with one of its first characters (`_1`
 * is a string although the int pattern allows `_`); the yaml package only runs `test`, so the
 * gate goes into the pattern. Bool, null and timestamp patterns are gated by their own text.
 */
function gated(firstChars: string, re: RegExp): RegExp {
  return new RegExp(`^(?=[${firstChars}])${re.source.slice(1)}`);
}

/** SafeConstructor.bool_values: what an explicit `!!bool` accepts. */
const BOOL_WORDS: Record<string, boolean> = { yes: true, no: false, y: true, n: false, true: true, false: false, on: true, off: false };

function ruamelTags(opts: ParseYamlOptions): ScalarTag[] {
  const constructors: [string, RegExp, (s: string) => unknown][] = [
    [
      BOOL_TAG,
      RE_BOOL,
      (s) => {
        const b = BOOL_WORDS[s.toLowerCase()];
        if (b === undefined) throw new Error(`invalid boolean: '${s}'`);
        return b;
      },
    ],
    [FLOAT_TAG, gated('-+0-9.', RE_FLOAT), (s) => floatValue(s, opts)],
    [INT_TAG, gated('-+0-9', RE_INT), (s) => intValue(s, opts)],
    [NULL_TAG, RE_NULL, () => null],
  ];
  if (opts.timestamps) constructors.push([TIMESTAMP_TAG, RE_TIMESTAMP, timestampValue]);
  const tags: ScalarTag[] = [];
  for (const [tag, test, construct] of constructors) {
    const resolve = (s: string, onError: (message: string) => void): never => {
      try {
        return construct(s) as never;
      } catch (e) {
        onError((e as Error).message);
        return s as never;
      }
    };
    tags.push({ tag, default: true, test, resolve }); // plain scalars, by resolver
    tags.push({ tag, default: false, resolve }); // explicit `!!tag value`
  }
  return tags;
}

/** A parsed YAML file that still knows where each node came from. */
export interface YamlDocument {
  readonly file: string;
  /** The document as JS values (what `parseYaml` returns). */
  readonly value: unknown;
  /** 1-based line and column of the key (mapping) or item (sequence) at `path`, if present. */
  positionOf(path: readonly (string | number)[]): { line: number; column: number } | undefined;
  /** 1-based line of `positionOf(path)`. */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

/** Parse like `parseYaml`, keeping source positions for error messages. */
export function parseYamlDocument(text: string, file: string, opts: ParseYamlOptions = {}): YamlDocument {
  const lineCounter = new (Y().LineCounter)();
  const doc = Y().parseDocument(text, {
    schema: 'failsafe',
    customTags: ruamelTags(opts),
    merge: false, // `<<` is flattened below, the way ruamel orders the keys
    uniqueKeys: true,
    prettyErrors: false,
    lineCounter,
  });
  const position = (offset: number): { line: number; column: number } => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const fail = (offset: number | undefined, message: string, data: Record<string, unknown> = {}, cause?: unknown) => {
    if (offset === undefined) return new FileFormatError(file, `YAML error: ${message}`, { data, cause });
    const where = position(offset);
    return new FileFormatError(file, `YAML error at line ${where.line}, column ${where.column}: ${message}`, {
      data: { line: where.line, column: where.column, ...data },
      cause,
    });
  };
  // An unknown tag is only a warning for the yaml package; ruamel's safe loader refuses it.
  const problems = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')];
  if (problems.length > 0) {
    const err = problems[0];
    throw fail(err.pos[0], err.message.split('\n')[0], { yamlCode: err.code }, err);
  }
  const value = new Converter(doc, opts.exactKeys === true, (node, message) => fail(node.range?.[0], message)).convert(doc.contents);
  const positionOf = (path: readonly (string | number)[]) => {
    const offset = offsetOf(doc, path);
    return offset === undefined ? undefined : position(offset);
  };
  return {
    file,
    value,
    positionOf,
    lineOf: (path) => positionOf(path)?.line,
  };
}

/**
 * AST → JS values as ruamel's SafeConstructor builds them: an anchored collection is built once
 * and shared by its aliases; `<<` merge keys are flattened as `flatten_mapping` does (merged
 * entries first, a list of maps merged last-to-first, own keys override but keep the merged
 * key's position). Mapping keys become strings (`String(key)`), unless `exactKeys` asks for a
 * `Map` (see ParseYamlOptions).
 */
class Converter {
  private readonly built = new Map<YamlNode, unknown>();
  private readonly active = new Set<YamlNode>();

  constructor(
    private readonly doc: Document,
    private readonly exactKeys: boolean,
    private readonly fail: (node: YamlNode, message: string) => Error,
  ) {}

  private deref(node: unknown): YamlNode | null {
    if (node === null || node === undefined) return null;
    if (Y().isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) throw this.fail(node, `found undefined alias '${node.source}'`);
      return target;
    }
    return node as YamlNode;
  }

  convert(raw: unknown): unknown {
    const node = this.deref(raw);
    if (node === null) return null;
    if (Y().isScalar(node)) return node.value ?? null;
    const done = this.built.get(node);
    if (done !== undefined) return done;
    if (Y().isSeq(node)) {
      const out: unknown[] = [];
      this.built.set(node, out);
      for (const item of node.items) out.push(this.convert(item));
      return out;
    }
    if (Y().isMap(node)) {
      const entries = this.entries(node).map(([k, v]): [unknown, unknown] => {
        const key = this.convert(k);
        if (typeof key === 'object' && key !== null && !(key instanceof YamlFloat) && !(key instanceof YamlTimestamp)) {
          throw this.fail(this.deref(k) ?? node, 'found unhashable key');
        }
        return [key, v];
      });
      if (this.exactKeys && entries.some(([k]) => typeof k !== 'string' || isArrayIndex(k))) {
        const out = new Map<unknown, unknown>();
        this.built.set(node, out);
        for (const [k, v] of entries) out.set(k, this.convert(v));
        return out;
      }
      const out: Record<string, unknown> = {};
      this.built.set(node, out);
      for (const [k, v] of entries) {
        const name = k === null ? 'null' : String(k);
        const value = this.convert(v);
        if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
        else out[name] = value;
      }
      return out;
    }
    throw this.fail(node, 'unsupported YAML node');
  }

  /** Key/value nodes of a mapping after merge flattening (SafeConstructor.flatten_mapping). */
  private entries(node: YamlNode): [unknown, unknown][] {
    if (!Y().isMap(node)) throw this.fail(node, 'expected a mapping for merging');
    if (this.active.has(node)) throw this.fail(node, 'recursive merge');
    this.active.add(node);
    const merged: [unknown, unknown][] = [];
    const own: [unknown, unknown][] = [];
    for (const pair of node.items) {
      const k = pair.key;
      if (Y().isScalar(k) && k.type === 'PLAIN' && !k.tag && k.value === '<<') {
        const v = this.deref(pair.value);
        if (v !== null && Y().isSeq(v)) {
          const sub = v.items.map((item) => {
            const m = this.deref(item);
            if (m === null || !Y().isMap(m)) throw this.fail(v, 'expected a mapping for merging');
            return this.entries(m);
          });
          for (const e of sub.reverse()) merged.push(...e);
        } else if (v !== null && Y().isMap(v)) {
          merged.push(...this.entries(v));
        } else {
          throw this.fail((k as YamlNode), 'expected a mapping or list of mappings for merging');
        }
      } else {
        own.push([pair.key, pair.value]);
      }
    }
    this.active.delete(node);
    return [...merged, ...own];
  }
}

function offsetOf(doc: Document, path: readonly (string | number)[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = (doc.contents as YamlNode | null)?.range?.[0];
  for (const seg of path) {
    if (Y().isAlias(node)) node = node.resolve(doc);
    if (Y().isMap(node)) {
      const pair = node.items.find((p) => Y().isPair(p) && Y().isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return undefined;
      offset = (pair.key as YamlNode).range?.[0];
      node = pair.value;
    } else if (Y().isSeq(node)) {
      const item = typeof seg === 'number' ? node.items[seg] : undefined;
      if (item === undefined) return undefined;
      offset = (item as YamlNode).range?.[0];
      node = item;
    } else {
      return undefined;
    }
  }
  return offset;
}

/** 1-based line of the key or item at `path` in `doc` (`lineOf(doc, ['stages', 'train', 'cmd'])`). */
export function lineOf(doc: YamlDocument, path: readonly (string | number)[]): number | undefined {
  return doc.lineOf(path);
}

/**
 * Parse one YAML document as ruamel's safe loader (YAML 1.2) would. An empty document gives
 * `null`. Syntax errors, duplicate keys and several documents in one file throw a
 * `FileFormatError` naming `file`, the line and the column.
 */
export function parseYaml(text: string, file: string, opts: ParseYamlOptions = {}): unknown {
  return parseYamlDocument(text, file, opts).value;
}
