/**
 * `.dvcignore` matching with DVC's semantics (dvc/ignore.py, dvc/pathspec_math.py):
 *
 * - gitignore syntax; any directory may hold a `.dvcignore`, its patterns are relative to that
 *   directory and are merged after the parents' (later rules win, as in one gitignore);
 * - built-in rules first: `.hg/`, `.git/`, `.git`, `.dvc/`;
 * - a `.dvcignore` inside an ignored directory, or itself ignored, is not read;
 * - a directory (other than the root) containing `.dvc` is a sub-repository and is skipped;
 * - a path is ignored when it, or any parent directory, is ignored (no re-including a file
 *   whose parent directory is excluded).
 *
 * Built for walks: the root `.dvcignore` is read once by `load`; nested ones are discovered as
 * the walk calls `enterDir(relDir, names)`. While only the built-in rules apply (no
 * `.dvcignore`, or one holding only comments, as `dvc init` writes it) `isIgnored` is a few
 * string comparisons and never touches a pattern matcher.
 *
 * All paths are POSIX, relative to the repository root, without `./` or a trailing slash;
 * the root itself is `''`.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import ignoreFactory, { type Ignore } from 'ignore';
import { isErrno } from '../errors/index.js';

export const DVCIGNORE_FILE = '.dvcignore';

/** The `.dvcignore` that `dvc init` writes, byte for byte. */
export const DVCIGNORE_INIT_TEXT =
  '# Add patterns of files dvc should ignore, which could improve\n' +
  '# the performance. Learn more at\n' +
  '# https://dvc.org/doc/user-guide/dvcignore\n';

/** DVC's default rules (dvc/ignore.py `DvcIgnoreFilter.__init__`), in order. */
export const BUILTIN_PATTERNS: readonly string[] = ['.hg/', '.git/', '.git', '.dvc/'];

/** Python `str.strip()`. */
function pyStrip(s: string): string {
  return s.replace(/^[\s\u001c-\u001f\u0085]+|[\s\u001c-\u001f\u0085]+$/gu, '');
}

/** The pattern lines of a `.dvcignore` text: stripped, without blanks and `#` comments (DVC `from_file`). */
export function parseDvcignore(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = pyStrip(raw);
    if (line && !line.startsWith('#')) out.push(line);
  }
  return out;
}

/**
 * Re-base a pattern written in `<rel>/.dvcignore` onto the repository root (DVC
 * `pathspec_math.change_rule`, quirks included: a leading backslash is dropped, `rel` is not
 * escaped).
 */
export function rebasePattern(rule: string, rel: string): string {
  let r = pyStrip(rule);
  if (r.startsWith('#')) return r;
  const negate = r.startsWith('!');
  if (negate) r = r.slice(1);
  let matchAll: boolean;
  if (r.slice(0, -1).includes('/') && !r.startsWith('**/')) {
    matchAll = false;
    if (r.startsWith('/')) r = r.slice(1);
  } else {
    matchAll = true;
    if (r.startsWith('**/')) r = r.slice(3);
  }
  if (r.startsWith('\\')) r = r.slice(1);
  r = matchAll ? `/**/${r}` : `/${r}`;
  r = negate ? `!/${rel}${r}` : `/${rel}${r}`;
  // pathspec normalize_file: make relative
  if (r.startsWith('/')) r = r.slice(1);
  else if (r.startsWith('./')) r = r.slice(2);
  return r;
}

interface Level {
  /** Directory holding the `.dvcignore` these rules come from ('' = root). */
  dir: string;
  /** Merged, root-relative rules (built-ins first). */
  patterns: string[];
  /** Matcher; undefined while `patterns` are just the built-ins. */
  ig: Ignore | undefined;
}

function makeLevel(dir: string, patterns: string[]): Level {
  const onlyBuiltins = patterns.length === BUILTIN_PATTERNS.length;
  return {
    dir,
    patterns,
    ig: onlyBuiltins ? undefined : ignoreFactory({ ignorecase: false }).add(patterns),
  };
}

/** The built-in rules alone, for `relPath`. */
function builtinIgnored(rel: string, isDir: boolean): boolean {
  if (!rel.includes('.git') && !rel.includes('.hg') && !rel.includes('.dvc')) return false;
  const segs = rel.split('/');
  const last = segs.length - 1;
  for (let i = 0; i < last; i++) {
    const s = segs[i];
    if (s === '.git' || s === '.hg' || s === '.dvc') return true;
  }
  const s = segs[last];
  return s === '.git' || (isDir && (s === '.hg' || s === '.dvc'));
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

function joinRel(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

export interface DvcIgnoreOptions {
  /** Skip sub-repositories (directories holding `.dvc`), as DVC does by default. Default true. */
  ignoreSubrepos?: boolean;
}

export class DvcIgnore {
  /** Absolute root when loaded from disk; undefined for `fromTexts`. */
  readonly root: string | undefined;
  private readonly ignoreSubrepos: boolean;
  private readonly levels = new Map<string, Level>();
  private nearestCache = new Map<string, Level>();
  /** Directories already examined for `.dvcignore` / `.dvc`. */
  private readonly visited = new Set<string>();
  private readonly subrepos = new Set<string>();
  /** True while only the built-in rules exist and no sub-repository was seen: the fast path. */
  private builtinsOnly = true;

  private constructor(root: string | undefined, opts: DvcIgnoreOptions) {
    this.root = root;
    this.ignoreSubrepos = opts.ignoreSubrepos ?? true;
    this.levels.set('', makeLevel('', [...BUILTIN_PATTERNS]));
  }

  /** Read `<root>/.dvcignore`. Nested files are read later, by `enterDir` or `check`. */
  static async load(root: string, opts: DvcIgnoreOptions = {}): Promise<DvcIgnore> {
    const di = new DvcIgnore(path.resolve(root), opts);
    const text = await readText(path.join(di.root!, DVCIGNORE_FILE));
    di.visited.add('');
    if (text !== undefined) di.addFile('', text);
    return di;
  }

  static loadSync(root: string, opts: DvcIgnoreOptions = {}): DvcIgnore {
    const di = new DvcIgnore(path.resolve(root), opts);
    const text = readTextSync(path.join(di.root!, DVCIGNORE_FILE));
    di.visited.add('');
    if (text !== undefined) di.addFile('', text);
    return di;
  }

  /**
   * From `.dvcignore` texts keyed by directory (e.g. read from a git revision). Parents are
   * applied before children; a file in an ignored directory is skipped, as DVC would never
   * reach it. `subrepoDirs` lists directories to treat as sub-repositories.
   */
  static fromTexts(texts: ReadonlyMap<string, string> | Record<string, string>, subrepoDirs: readonly string[] = []): DvcIgnore {
    const di = new DvcIgnore(undefined, { ignoreSubrepos: true });
    for (const d of subrepoDirs) if (d !== '') di.subrepos.add(d);
    if (di.subrepos.size > 0) di.builtinsOnly = false;
    const entries = texts instanceof Map ? [...texts.entries()] : Object.entries(texts);
    entries.sort(([a], [b]) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
    for (const [dir, text] of entries) {
      di.visited.add(dir);
      if (dir !== '' && di.isIgnored(dir, true)) continue;
      if (di.isIgnored(joinRel(dir, DVCIGNORE_FILE), false)) continue;
      di.addFile(dir, text);
    }
    return di;
  }

  /** True when some `.dvcignore` with at least one pattern has been read. */
  get hasPatterns(): boolean {
    for (const l of this.levels.values()) if (l.ig) return true;
    return false;
  }

  /** Every `.dvcignore` directory read so far, and its merged root-relative rules (for `check-ignore`). */
  get loadedFiles(): string[] {
    return [...this.levels.keys()].filter((d) => d !== '' || this.levels.get('')!.ig).sort();
  }

  private addFile(dir: string, text: string): void {
    const own = parseDvcignore(text);
    if (own.length === 0) return; // comments only: costs nothing
    const base = this.nearestLevel(dir);
    const rebased = dir === '' ? own : own.map((r) => rebasePattern(r, dir));
    this.levels.set(dir, makeLevel(dir, [...base.patterns, ...rebased]));
    this.nearestCache = new Map();
    this.builtinsOnly = false;
  }

  private nearestLevel(dir: string): Level {
    const hit = this.nearestCache.get(dir);
    if (hit) return hit;
    let d = dir;
    let level = this.levels.get(d);
    while (!level) {
      d = parentOf(d);
      level = this.levels.get(d);
      if (!level && d === '') level = this.levels.get('')!;
    }
    this.nearestCache.set(dir, level);
    return level;
  }

  /**
   * Is `rel` ignored, given the `.dvcignore` files read so far? (Walks call `enterDir` on each
   * directory first; for an arbitrary path use `check`, which reads the parents' files.)
   */
  isIgnored(rel: string, isDir: boolean): boolean {
    if (this.builtinsOnly) return rel !== '' && builtinIgnored(rel, isDir);
    if (rel === '') return false;
    if (this.subrepos.size > 0 && this.inSubrepo(rel, isDir)) return true;
    const level = this.nearestLevel(parentOf(rel)); // the rules of the path's directory, as DVC
    if (!level.ig) return builtinIgnored(rel, isDir);
    return level.ig.test(isDir ? `${rel}/` : rel).ignored;
  }

  private inSubrepo(rel: string, isDir: boolean): boolean {
    let d = isDir ? rel : parentOf(rel);
    while (d !== '') {
      if (this.subrepos.has(d)) return true;
      d = parentOf(d);
    }
    return false;
  }

  /**
   * Call when a walk enters directory `relDir`, with the names it holds (files and dirs).
   * Reads a `.dvcignore` there if present. Returns false when the directory is a
   * sub-repository (holds `.dvc`) and must be skipped. A walk may start below the root: the
   * first call reads the parents' `.dvcignore` files (and notes sub-repositories) itself.
   */
  async enterDir(relDir: string, names: readonly string[]): Promise<boolean> {
    if (relDir !== '' && !this.visited.has(parentOf(relDir))) await this.visitParents(relDir);
    const r = this.beginDir(relDir, names);
    if (r !== 'read') return r;
    const text = await readText(path.join(this.rootOrThrow(), relDir, DVCIGNORE_FILE));
    if (text !== undefined) this.addFile(relDir, text);
    return true;
  }

  enterDirSync(relDir: string, names: readonly string[]): boolean {
    if (relDir !== '' && !this.visited.has(parentOf(relDir))) this.visitParentsSync(relDir);
    const r = this.beginDir(relDir, names);
    if (r !== 'read') return r;
    const text = readTextSync(path.join(this.rootOrThrow(), relDir, DVCIGNORE_FILE));
    if (text !== undefined) this.addFile(relDir, text);
    return true;
  }

  /** The directories above `rel` (not the root), top down. */
  private static parents(rel: string): string[] {
    const parts = rel.split('/');
    const out: string[] = [];
    for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
    return out;
  }

  /** Visit the not-yet-visited parent directories of `rel`, probing for `.dvc` and `.dvcignore`. */
  private async visitParents(rel: string): Promise<void> {
    if (this.root === undefined) return;
    for (const dir of DvcIgnore.parents(rel)) {
      if (this.visited.has(dir)) continue;
      if (this.isIgnored(dir, true)) return;
      const names: string[] = [];
      if (await existsAsync(path.join(this.root, dir, '.dvc'))) names.push('.dvc');
      if (await existsAsync(path.join(this.root, dir, DVCIGNORE_FILE))) names.push(DVCIGNORE_FILE);
      await this.enterDir(dir, names);
    }
  }

  private visitParentsSync(rel: string): void {
    if (this.root === undefined) return;
    for (const dir of DvcIgnore.parents(rel)) {
      if (this.visited.has(dir)) continue;
      if (this.isIgnored(dir, true)) return;
      const names: string[] = [];
      if (fs.existsSync(path.join(this.root, dir, '.dvc'))) names.push('.dvc');
      if (fs.existsSync(path.join(this.root, dir, DVCIGNORE_FILE))) names.push(DVCIGNORE_FILE);
      this.enterDirSync(dir, names);
    }
  }

  private beginDir(relDir: string, names: readonly string[]): boolean | 'read' {
    if (this.visited.has(relDir)) return !this.subrepos.has(relDir);
    this.visited.add(relDir);
    if (relDir !== '' && this.ignoreSubrepos && names.includes('.dvc')) {
      this.subrepos.add(relDir);
      this.builtinsOnly = false;
      return false;
    }
    if (names.includes(DVCIGNORE_FILE) && !this.isIgnored(joinRel(relDir, DVCIGNORE_FILE), false)) return 'read';
    return true;
  }

  /**
   * Walk helper, like DVC's `DvcIgnoreFilter.__call__`: drop ignored names from one directory's
   * listing. Call after `enterDir(relDir, …)`.
   */
  filter(relDir: string, dirs: readonly string[], files: readonly string[]): { dirs: string[]; files: string[] } {
    return {
      dirs: dirs.filter((d) => !this.isIgnored(joinRel(relDir, d), true)),
      files: files.filter((f) => !this.isIgnored(joinRel(relDir, f), false)),
    };
  }

  /**
   * `isIgnored` for any path: first reads the `.dvcignore` files (and notes sub-repositories)
   * of every parent directory not seen yet. Needs a root on disk.
   */
  async check(rel: string, isDir: boolean): Promise<boolean> {
    if (rel === '') return false;
    this.rootOrThrow();
    await this.visitParents(isDir ? `${rel}/x` : rel);
    return this.isIgnored(rel, isDir);
  }

  /** Sync `check`. */
  checkSync(rel: string, isDir: boolean): boolean {
    if (rel === '') return false;
    this.rootOrThrow();
    this.visitParentsSync(isDir ? `${rel}/x` : rel);
    return this.isIgnored(rel, isDir);
  }

  private rootOrThrow(): string {
    if (this.root === undefined) throw new Error('DvcIgnore.fromTexts has no root on disk');
    return this.root;
  }
}

function depth(dir: string): number {
  if (dir === '') return 0;
  let n = 1;
  for (let i = 0; i < dir.length; i++) if (dir.charCodeAt(i) === 0x2f) n++;
  return n;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'ENOTDIR', 'EISDIR')) return undefined;
    throw e;
  }
}

function readTextSync(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'ENOTDIR', 'EISDIR')) return undefined;
    throw e;
  }
}

async function existsAsync(p: string): Promise<boolean> {
  try {
    await fsp.stat(p);
    return true;
  } catch {
    return false;
  }
}
