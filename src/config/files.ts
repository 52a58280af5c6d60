/**
 * Config files and levels: where each level lives, reading a file into a `Conf`, resolving
 * relative paths, merging levels, and the edit cycle DVC uses (`Config.edit`): load one level,
 * change it, validate it merged over the levels below, write it back atomically.
 *
 * Writing keeps the file's own bytes for everything that did not change (comments included),
 * and renders changed or new lines exactly as DVC's ConfigObj writer does. Sections are kept in
 * DVC's order: plain sections first, then `remote "…"`, `machine "…"`, `db "…"`; an emptied
 * plain section is dropped. A file whose data did not change is not rewritten.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ConfigError, isErrno } from '../errors/index.js';
import { writeFileAtomic } from '../util/fs.js';
import { toPosix } from '../util/paths.js';
import { env as processEnv, expandUser, globalConfigPaths, type EnvSnapshot } from './env.js';
import { IniSyntaxError, parseIni, sameValue, stringifyIni, type IniDoc, type IniSection, type IniValue } from './ini.js';
import { isPathKey, namedLabel, parseLabel, validateConf, type Conf, type WhereFn } from './schema.js';

export type Level = 'system' | 'global' | 'repo' | 'local';
/** In the order they shadow each other: later wins. */
export const LEVELS: readonly Level[] = ['system', 'global', 'repo', 'local'];
const REPO_LEVELS: readonly Level[] = ['repo', 'local'];

/** Where config lives: the `.dvc` directory (null outside a repository), env and cwd. */
export interface ConfigScope {
  dvcDir: string | null;
  /** Environment snapshot; defaults to the process environment. */
  env?: EnvSnapshot;
  /** Directory that relative paths given by the user (and a relative dvcDir) are relative to; default process.cwd(). */
  cwd?: string;
}

/** A scope plus the level to act on (`--system/--global/--project/--local`). */
export interface LevelOptions extends ConfigScope {
  level?: Level;
}

export function configFiles(scope: ConfigScope): Partial<Record<Level, string>> {
  const files: Partial<Record<Level, string>> = { ...globalConfigPaths(scope.env ?? processEnv()) };
  if (scope.dvcDir !== null) {
    const dir = path.resolve(scope.cwd ?? process.cwd(), scope.dvcDir);
    files.repo = path.join(dir, 'config');
    files.local = path.join(dir, 'config.local');
  }
  return files;
}

export function notInRepo(): ConfigError {
  return new ConfigError('config file error: Not inside a DVC repo', {
    hint: 'run this inside a repository, or use --global / --system',
  });
}

/** The file of `level`, or the "Not inside a DVC repo" error. */
export function levelFile(scope: ConfigScope, level: Level): string {
  const file = configFiles(scope)[level];
  if (!file) throw notInRepo();
  return file;
}

/** `[Remote "X"]` → `remote "x"`: DVC lower-cases every section name and key on load. */
export function canonicalLabel(sectionName: string): string {
  const lower = sectionName.toLowerCase();
  const { kind, name } = parseLabel(lower);
  return kind ? namedLabel(kind, name) : lower;
}

/** The data of a parsed file. A repeated section or key (after lower-casing) keeps the last value. */
export function docToConf(doc: IniDoc): Conf {
  const conf: Conf = new Map();
  for (const s of doc.sections) conf.set(canonicalLabel(s.name), new Map(s.entries.map((e) => [e.key.toLowerCase(), e.value])));
  return conf;
}

export function cloneConf(conf: Conf): Conf {
  return new Map([...conf].map(([label, opts]) => [label, new Map(opts)]));
}

export interface LevelFile {
  level: Level;
  file: string;
  exists: boolean;
  doc: IniDoc;
  conf: Conf;
}

/** Read and parse one level's file; a missing file is an empty config. */
export async function readLevelFile(level: Level, file: string): Promise<LevelFile> {
  let bytes: Buffer | undefined;
  try {
    bytes = await fsp.readFile(file);
  } catch (e) {
    if (!isErrno(e, 'ENOENT', 'ENOTDIR')) throw e;
  }
  if (bytes === undefined) return { level, file, exists: false, doc: parseIni(''), conf: new Map() };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new ConfigError(`config file error: '${file}' is not valid UTF-8`, { hint: 'save the file as UTF-8', data: { file }, cause: e });
  }
  try {
    const doc = parseIni(text);
    return { level, file, exists: true, doc, conf: docToConf(doc) };
  } catch (e) {
    if (!(e instanceof IniSyntaxError)) throw e;
    throw new ConfigError(`config file error: '${file}' line ${e.line}: ${e.message}`, {
      hint: `fix line ${e.line} of ${file} (DVC config is INI: [section], then 'key = value' lines)`,
      data: { file, line: e.line },
    });
  }
}

const URL_RE = /^[\p{L}\p{N}_]+:\/\//u;

/**
 * A stored path as DVC loads it (`Config._resolve`): URLs and absolute paths are kept, `~` is
 * expanded, anything else is relative to the directory of the file that set it.
 */
export function resolveStoredPath(value: string, file: string, e: EnvSnapshot): string {
  if (URL_RE.test(value) || path.isAbsolute(value)) return value;
  const expanded = expandUser(value, e);
  if (path.isAbsolute(expanded)) return expanded;
  return path.resolve(path.dirname(file), value);
}

/**
 * A path given by the user, as DVC stores it (`Config._to_relpath`): URLs, absolute paths and
 * `~…` are kept; a relative path (relative to `cwd`) is rewritten relative to the config
 * file's directory, in posix form.
 */
export function toStoredPath(value: string, file: string, cwd: string): string {
  if (URL_RE.test(value) || value.startsWith('~') || path.isAbsolute(value)) return value;
  return toPosix(path.relative(path.dirname(file), path.resolve(cwd, value))) || '.';
}

/** A copy of `conf` with every path option made absolute (see PATH_KEYS). */
export function resolveConf(conf: Conf, file: string, e: EnvSnapshot): Conf {
  const out = cloneConf(conf);
  for (const [label, opts] of out) {
    for (const [key, v] of opts) if (typeof v === 'string' && isPathKey(label, key)) opts.set(key, resolveStoredPath(v, file, e));
  }
  return out;
}

/** Levels merged key by key (later wins), remembering which level set each key. */
export class Merged {
  readonly conf: Conf = new Map();
  private readonly origin = new Map<string, { section: Level; keys: Map<string, Level> }>();

  constructor(private readonly files: Partial<Record<Level, string>>) {}

  add(level: Level, conf: Conf): this {
    for (const [label, opts] of conf) {
      let into = this.conf.get(label);
      if (!into) this.conf.set(label, (into = new Map()));
      const o = this.origin.get(label) ?? { section: level, keys: new Map<string, Level>() };
      o.section = level;
      this.origin.set(label, o);
      for (const [k, v] of opts) {
        into.set(k, v);
        o.keys.set(k, level);
      }
    }
    return this;
  }

  level(label: string, key?: string): Level | undefined {
    const o = this.origin.get(label);
    return key === undefined ? o?.section : (o?.keys.get(key) ?? o?.section);
  }

  /** For messages: the file that set `label`/`key`. */
  readonly where: WhereFn = (label, key) => {
    const l = this.level(label, key);
    return l ? this.files[l] : undefined;
  };
}

/** Read the given levels (those that have a file), paths resolved, merged in order. */
export async function readMerged(scope: ConfigScope, levels: readonly Level[]): Promise<{ merged: Merged; raw: Partial<Record<Level, Conf>> }> {
  const files = configFiles(scope);
  const e = scope.env ?? processEnv();
  const merged = new Merged(files);
  const raw: Partial<Record<Level, Conf>> = {};
  for (const level of levels) {
    const file = files[level];
    if (!file) continue;
    const lf = await readLevelFile(level, file);
    raw[level] = lf.conf;
    merged.add(level, resolveConf(lf.conf, file, e));
  }
  return { merged, raw };
}

function sectionGroup(label: string): number {
  const kind = parseLabel(label).kind;
  return kind === undefined ? 0 : 1 + ['remote', 'machine', 'db'].indexOf(kind);
}

function syncEntries(s: IniSection, want: Map<string, IniValue>): boolean {
  let changed = false;
  const seen = new Set<string>();
  const kept = [];
  for (const e of s.entries) {
    const k = e.key.toLowerCase();
    const v = want.get(k);
    if (v === undefined || seen.has(k)) {
      changed = true;
      continue;
    }
    seen.add(k);
    if (!sameValue(e.value, v)) {
      e.value = v;
      e.raw = undefined;
      changed = true;
    }
    kept.push(e);
  }
  for (const [key, value] of want) {
    if (seen.has(key)) continue;
    kept.push({ key, value, before: [], comment: '' });
    changed = true;
  }
  s.entries = kept;
  return changed;
}

/**
 * Make `doc` hold exactly `conf`, touching as little as possible, sections in DVC's order.
 * Returns whether the data changed. Comment lines above a dropped section move to the next one.
 */
export function syncDoc(doc: IniDoc, conf: Conf): boolean {
  let changed = false;
  const seen = new Set<string>();
  const kept: IniSection[] = [];
  let carry: string[] = [];
  const keep = (s: IniSection): void => {
    if (carry.length) s.before = [...carry, ...s.before];
    carry = [];
    kept.push(s);
  };
  for (const s of doc.sections) {
    const label = canonicalLabel(s.name);
    const want = conf.get(label);
    const isEmptyPlain = want !== undefined && want.size === 0 && sectionGroup(label) === 0;
    if (want === undefined || seen.has(label) || isEmptyPlain) {
      carry.push(...s.before);
      // Dropping an already-empty plain section alone is not a data change.
      if (s.entries.length > 0 || sectionGroup(label) > 0 || seen.has(label)) changed = true;
      continue;
    }
    seen.add(label);
    if (syncEntries(s, want)) changed = true;
    keep(s);
  }
  if (carry.length) doc.trailing = [...carry, ...doc.trailing];
  carry = [];
  for (const [label, want] of conf) {
    if (seen.has(label) || (want.size === 0 && sectionGroup(label) === 0)) continue;
    const s: IniSection = { name: label, entries: [], before: [], comment: '' };
    syncEntries(s, want);
    kept.push(s);
    changed = true;
  }
  // DVC's order; applied when the file is written anyway (a reorder alone is not a change).
  const sorted = kept.map((s, i) => ({ s, i, g: sectionGroup(canonicalLabel(s.name)) })).sort((a, b) => a.g - b.g || a.i - b.i);
  doc.sections = sorted.map((x) => x.s);
  return changed;
}

/** Write `conf` into the level's file if its data changed. Returns whether it wrote. */
export async function writeLevelFile(lf: LevelFile, conf: Conf): Promise<boolean> {
  if (!syncDoc(lf.doc, conf)) return false;
  if (!lf.exists && lf.doc.sections.length === 0) return false;
  let text: string;
  try {
    // ConfigObj writes an empty config as a single newline.
    text = stringifyIni(lf.doc) || '\n';
  } catch (e) {
    throw new ConfigError(`config file error: ${(e as Error).message}`, { hint: "a value can't hold both ''' and \"\"\"", data: { file: lf.file } });
  }
  let mode: number | undefined;
  try {
    mode = (await fsp.stat(lf.file)).mode & 0o7777;
  } catch (e) {
    if (!isErrno(e, 'ENOENT', 'ENOTDIR')) throw e;
  }
  try {
    await fsp.mkdir(path.dirname(lf.file), { recursive: true });
    await writeFileAtomic(lf.file, text, mode);
  } catch (e) {
    if (!isErrno(e, 'EACCES', 'EPERM', 'EROFS')) throw e;
    throw new ConfigError(`config file error: cannot write '${lf.file}': ${(e as NodeJS.ErrnoException).code}`, {
      hint: lf.level === 'system' ? 'the system config usually needs administrator rights' : 'check the permissions of that file and its directory',
      data: { file: lf.file },
      cause: e,
    });
  }
  return true;
}

/** What an edit callback gets. */
export interface EditContext {
  /** This level's data, as stored in its file (paths not resolved); change it in place. */
  conf: Conf;
  /** The levels below this one, merged, paths resolved (DVC's `load_config_to_level`). */
  below: Conf;
  /** The file being edited. */
  file: string;
  /** `value` as it should be stored for `label`/`key` (user paths made relative to the file). */
  store(label: string, key: string, value: string): string;
}

/**
 * DVC's `Config.edit(level)`: load the level, let `fn` change it, validate the result merged
 * over the levels below, then write the file (only if its data changed).
 */
export async function editLevel(scope: ConfigScope, level: Level, fn: (ctx: EditContext) => void): Promise<boolean> {
  if (scope.dvcDir === null && REPO_LEVELS.includes(level)) throw notInRepo();
  const file = levelFile(scope, level);
  const e = scope.env ?? processEnv();
  const cwd = scope.cwd ?? process.cwd();
  const { merged } = await readMerged(scope, LEVELS.slice(0, LEVELS.indexOf(level)));
  const lf = await readLevelFile(level, file);
  const conf = cloneConf(lf.conf);
  const below = cloneConf(merged.conf);
  fn({ conf, below, file, store: (label, key, value) => (isPathKey(label, key) ? toStoredPath(value, file, cwd) : value) });
  merged.add(level, resolveConf(conf, file, e));
  validateConf(merged.conf, merged.where);
  return writeLevelFile(lf, conf);
}

/** DVC's `merge`: `update` into `into`, key by key. Returns `into`. */
export function mergeInto(into: Conf, update: Conf): Conf {
  for (const [label, opts] of update) {
    const target = into.get(label) ?? new Map<string, IniValue>();
    into.set(label, target);
    for (const [k, v] of opts) target.set(k, v);
  }
  return into;
}

/** The result of an edit: `messages` go to stdout, `warnings` to stderr. */
export interface EditResult {
  messages: string[];
  warnings: string[];
}

/** Levels `keel config` looks at: the one asked for, else all (system+global outside a repo). */
export function appropriateLevels(scope: LevelOptions): Level[] {
  if (scope.level) {
    if (scope.dvcDir === null && (scope.level === 'repo' || scope.level === 'local')) throw notInRepo();
    return [scope.level];
  }
  return scope.dvcDir === null ? ['system', 'global'] : [...LEVELS];
}
