/**
 * `.gitignore` editing, byte-compatible with DVC (scmrepo `Git.ignore` / `ignore_remove`,
 * dvc `Output.ignore`):
 *
 * - the entry is `/<basename>` in the `.gitignore` of the output's own directory;
 * - pathspec metacharacters `[ ] ! * # ?` are backslash-escaped (pathspec
 *   `GitWildMatchPattern.escape`). keel also escapes `\` and trailing spaces, which DVC writes
 *   unescaped (such entries never match in git);
 * - append `entry + "\n"`, first adding `"\n"` when the file does not end with one;
 * - skipped when git already ignores the path;
 * - removal drops every line equal (after strip) to the entry and deletes an emptied file.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { GitError, OutputError, isErrno } from '../errors/index.js';
import { writeFileAtomic } from '../util/fs.js';
import { isInside } from '../util/paths.js';
import { Git, type GitRunOptions } from './index.js';

export const GITIGNORE = '.gitignore';

/** The `.dvc/.gitignore` that `dvc init` writes, byte for byte. */
export const DVC_DIR_GITIGNORE_TEXT = '/config.local\n/tmp\n/cache\n';

/** scmrepo/pathspec escape: `[ ] ! * # ?` get a backslash. */
export function escapeDvcStyle(entry: string): string {
  return entry.replace(/[[\]!*#?]/g, (c) => `\\${c}`);
}

/** The escape keel writes: DVC's, plus `\` and trailing spaces so that git really matches the name. */
export function escapeGitignoreEntry(entry: string): string {
  let out = entry.replace(/[\\[\]!*#?]/g, (c) => `\\${c}`);
  const m = / +$/.exec(out);
  if (m) out = out.slice(0, m.index) + '\\ '.repeat(m[0].length);
  return out;
}

export interface GitignoreTarget {
  /** The unescaped entry, `/<basename>`. */
  entry: string;
  /** Absolute path of the `.gitignore` to edit. */
  gitignore: string;
}

/** Where DVC puts the entry for `absPath`: `/<basename>` in `<dirname>/.gitignore`. */
export function gitignoreTarget(gitRoot: string, absPath: string): GitignoreTarget {
  if (!path.isAbsolute(absPath)) throw new TypeError(`gitignoreTarget: '${absPath}' is not absolute`);
  const abs = path.resolve(absPath);
  const dir = path.dirname(abs);
  const root = realOrSelf(path.resolve(gitRoot));
  if (abs === path.resolve(gitRoot) || !isInside(root, realOrSelf(dir))) {
    throw new GitError(`'${absPath}' is outside of git repository '${gitRoot}'`, { data: { path: absPath, root: gitRoot } });
  }
  if (abs.includes('\n') || abs.includes('\r')) {
    throw new GitError(`cannot add '${absPath}' to ${GITIGNORE}: the name contains a line break`, { data: { path: absPath } });
  }
  return { entry: `/${path.basename(abs)}`, gitignore: path.join(dir, GITIGNORE) };
}

function realOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

async function readOrUndefined(file: string): Promise<Buffer | undefined> {
  try {
    return await fsp.readFile(file);
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'ENOTDIR')) return undefined;
    throw e;
  }
}

/** Python's universal-newline `readlines()`: `\r\n` and lone `\r` become `\n`; keeps line ends. */
function readlines(text: string): string[] {
  const norm = text.replace(/\r\n?/g, '\n');
  const lines = norm.split(/(?<=\n)/);
  return lines.filter((l) => l.length > 0);
}

/** Python `str.strip()` restricted to ASCII whitespace (` \t\n\r\v\f`, `\x1c`–`\x1f`). */
function asciiStrip(s: string): string {
  return s.replace(/^[ \t\n\r\v\f\x1c-\x1f]+|[ \t\n\r\v\f\x1c-\x1f]+$/g, '');
}

export interface IgnoreOptions {
  /** The Git used to ask whether the path is already ignored. Default: `new Git(gitRoot)`. */
  git?: Git;
  gitOptions?: GitRunOptions;
}

/**
 * Gitignore `absPath` as `dvc add` does. Returns the `.gitignore` touched, or undefined when git
 * already ignores the path (nothing written). `gitRoot` is the git work-tree root.
 *
 * When `gitRoot` is not a git repository, the "already ignored" check falls back to: the file
 * already holds the exact entry line.
 */
export async function ignore(gitRoot: string, absPath: string, opts: IgnoreOptions = {}): Promise<string | undefined> {
  const { entry, gitignore } = gitignoreTarget(gitRoot, absPath);
  const git = opts.git ?? (await Git.open(gitRoot, opts.gitOptions));
  const escaped = escapeGitignoreEntry(entry);
  const before = await readOrUndefined(gitignore);

  if (git) {
    if (await git.isIgnored(absPath)) return undefined;
  } else if (before !== undefined) {
    const lines = readlines(before.toString('utf8')).map((l) => l.replace(/\n$/, ''));
    if (lines.includes(escaped)) return undefined;
  }

  let prefix = '';
  if (before !== undefined && before.length > 0 && before[before.length - 1] !== 0x0a) prefix = '\n';
  const add = Buffer.from(`${prefix}${escaped}\n`, 'utf8');
  await writeFileAtomic(gitignore, before === undefined ? add : Buffer.concat([before, add]));
  return gitignore;
}

export interface IgnoreRemoveResult {
  /** The `.gitignore` rewritten or deleted. */
  gitignore: string;
  /** True when the file became empty and was deleted. */
  deleted: boolean;
}

/**
 * Remove `absPath`'s entry as `dvc remove` does: drop every line whose stripped text equals the
 * entry (escaped or, as DVC compares, unescaped), and delete the `.gitignore` when nothing is
 * left. Returns undefined when there is no `.gitignore` there. Like DVC, a rewritten file has
 * `\n` line ends (CRLF is normalised).
 */
export async function ignoreRemove(gitRoot: string, absPath: string): Promise<IgnoreRemoveResult | undefined> {
  const { entry, gitignore } = gitignoreTarget(gitRoot, absPath);
  const before = await readOrUndefined(gitignore);
  if (before === undefined) return undefined;
  // Work on a one-char-per-byte string so that any bytes survive untouched.
  const bin = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
  const forms = new Set([entry, escapeDvcStyle(entry), escapeGitignoreEntry(entry)].map((f) => asciiStrip(bin(f))));
  const lines = readlines(before.toString('latin1'));
  const kept = lines.filter((l) => !forms.has(asciiStrip(l)));
  if (kept.length === 0) {
    await fsp.rm(gitignore, { force: true });
    return { gitignore, deleted: true };
  }
  const after = Buffer.from(kept.join(''), 'latin1');
  if (!after.equals(before)) await writeFileAtomic(gitignore, after);
  return { gitignore, deleted: false };
}

/**
 * DVC's OutputAlreadyTrackedError: an output must not be tracked by git. `displayPath` is the
 * path as the user named the output.
 */
export async function assertNotGitTracked(git: Git, absPath: string, displayPath: string): Promise<void> {
  if (await git.isTracked(absPath)) throw alreadyTrackedError(displayPath);
}

export function alreadyTrackedError(displayPath: string): OutputError {
  return new OutputError(
    `output '${displayPath}' is already tracked by SCM (e.g. Git).\n` +
      `    You can remove it from Git, then add to DVC.\n` +
      `        To stop tracking from Git:\n` +
      `            git rm -r --cached '${displayPath}'\n` +
      `            git commit -m "stop tracking ${displayPath}"`,
    { data: { path: displayPath } },
  );
}
