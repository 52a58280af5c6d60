/**
 * git port: the only code in keel that runs `git` (rule R5). It wraps the git CLI
 * (`execFile`/`spawn`), keeps outputs byte-exact, and turns failures into GitError.
 *
 * Paths given to and returned from a `Git` are POSIX paths relative to the work-tree root,
 * unless a parameter says "absolute". Absolute paths inside the work tree are accepted too.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitError, PathError } from '../errors/index.js';
import { isInside, toPosix } from '../util/paths.js';
import { catFileBatch, type CatFileObject } from './catfile.js';
import { commandError, runGit, type GitRunOptions, type RunOptions, type RunResult } from './exec.js';

export type { GitRunOptions } from './exec.js';
export type { CatFileObject } from './catfile.js';

export interface TreeEntry {
  /** POSIX path relative to the repository root. */
  path: string;
  /** Octal mode string: 100644, 100755, 120000 (symlink), 160000 (submodule). */
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
}

/** From this many items on, readFilesAtRevs resolves revisions to trees first. */
const BATCH_RESOLVE_THRESHOLD = 128;

export interface RevPath {
  rev: string;
  path: string;
}

/** First 7 hex digits, as git and DVC show commits. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/**
 * The work-tree root of the git repository containing `dir` (searching upwards), or undefined.
 * Pure file-system walk — no process is spawned: a directory counts when it holds a `.git`
 * directory with a `HEAD` file, or a `.git` file starting with `gitdir:` (worktrees, submodules).
 */
export function findGitRootSync(dir: string): string | undefined {
  let cur = path.resolve(dir);
  for (;;) {
    const dotgit = path.join(cur, '.git');
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dotgit);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) {
      if (fs.existsSync(path.join(dotgit, 'HEAD'))) return cur;
    } else if (st?.isFile()) {
      try {
        if (fs.readFileSync(dotgit, 'utf8').startsWith('gitdir:')) return cur;
      } catch {
        /* unreadable: not a repo root */
      }
    }
    const parent = path.dirname(cur);
    if (parent === cur) return undefined;
    cur = parent;
  }
}

export async function findGitRoot(dir: string): Promise<string | undefined> {
  return findGitRootSync(dir);
}

export async function isGitRepo(dir: string): Promise<boolean> {
  return findGitRootSync(dir) !== undefined;
}

/** Is `name` a DVC metafile path git may hold: `*.dvc`, `dvc.yaml`, `dvc.lock`, not under `.dvc/` or `.git/`. */
export function isDvcMetafile(p: string): boolean {
  const slash = p.lastIndexOf('/');
  const base = slash < 0 ? p : p.slice(slash + 1);
  if (!(base === 'dvc.yaml' || base === 'dvc.lock' || (base.endsWith('.dvc') && base.length > 4))) return false;
  const dir = slash < 0 ? '' : p.slice(0, slash);
  return !dir.split('/').some((seg) => seg === '.dvc' || seg === '.git');
}

export class Git {
  readonly root: string;
  private readonly gopts: GitRunOptions;

  /** `root` is the work-tree root (see findGitRoot). `opts.env` replaces the inherited environment. */
  constructor(root: string, opts: GitRunOptions = {}) {
    this.root = path.resolve(root);
    this.gopts = opts;
  }

  /** A Git for the repository containing `dir`, or undefined when there is none. */
  static async open(dir: string, opts: GitRunOptions = {}): Promise<Git | undefined> {
    const root = findGitRootSync(dir);
    return root === undefined ? undefined : new Git(root, opts);
  }

  /** `git init -b <branch>` in `dir` (created if missing). */
  static async init(dir: string, opts: GitRunOptions & { branch?: string } = {}): Promise<Git> {
    await fs.promises.mkdir(dir, { recursive: true });
    await runGit(dir, ['init', '-q', ...(opts.branch ? ['-b', opts.branch] : [])], opts);
    return new Git(dir, opts);
  }

  /** `git init` in this root. */
  async init(branch?: string): Promise<void> {
    await Git.init(this.root, { ...this.gopts, branch });
  }

  /** Run any git command in the root. Exposed for ops that need something not wrapped here. */
  run(args: readonly string[], ropts: RunOptions = {}): Promise<RunResult> {
    return runGit(this.root, args, this.gopts, ropts);
  }

  private async text(args: readonly string[]): Promise<string> {
    return (await this.run(args)).stdout.toString('utf8');
  }

  /** Root-relative POSIX path for an absolute or relative path; refuses paths outside the root. */
  rel(p: string): string {
    const abs = path.resolve(this.root, p);
    if (!isInside(this.root, abs)) {
      throw new PathError(`'${p}' is outside of git repository '${this.root}'`, { data: { path: p, root: this.root } });
    }
    return toPosix(path.relative(this.root, abs));
  }

  // ---------------------------------------------------------------- revisions

  /** Full sha of the commit `rev` names (branches, tags and `HEAD~2` peel to their commit). */
  async revParse(rev: string): Promise<string> {
    const sha = await this.tryRevParse(rev);
    if (sha === undefined) {
      throw new GitError(`unknown Git revision '${rev}'`, {
        hint: "check the name with 'git branch -a', 'git tag' or 'git log'; run 'git fetch' if it exists only on a remote",
        data: { rev, root: this.root },
      });
    }
    return sha;
  }

  /** Like revParse, but undefined for an unknown revision. */
  async tryRevParse(rev: string): Promise<string | undefined> {
    if (rev.length === 0 || rev.startsWith('-') || /[\0\n]/.test(rev)) return undefined;
    const args = ['rev-parse', '-q', '--verify', `${rev}^{commit}`];
    const r = await this.run(args, { okCodes: [1, 128] });
    if (r.code === 128 && /not a git repository|dubious ownership/i.test(r.stderr)) throw commandError(this.root, args, r.code, r.stderr);
    if (r.code !== 0) return undefined;
    return r.stdout.toString('utf8').trim();
  }

  /** Sha of HEAD; undefined in a repository without commits. */
  async headSha(): Promise<string | undefined> {
    return this.tryRevParse('HEAD');
  }

  /** A git config value (`git config --get key`), or undefined when unset. */
  async configGet(key: string): Promise<string | undefined> {
    const r = await this.run(['config', '--get', key], { okCodes: [1] });
    if (r.code !== 0) return undefined;
    return r.stdout.toString('utf8').replace(/\n$/, '');
  }

  /** The checked-out branch name (also for an unborn branch); undefined when HEAD is detached. */
  async currentBranch(): Promise<string | undefined> {
    const r = await this.run(['symbolic-ref', '-q', 'HEAD'], { okCodes: [1] });
    if (r.code !== 0) return undefined;
    const ref = r.stdout.toString('utf8').trim();
    return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
  }

  /** Uncommitted changes to tracked files (and, with `untracked`, untracked non-ignored files). */
  async isDirty(opts: { untracked?: boolean } = {}): Promise<boolean> {
    const r = await this.run([
      '--no-optional-locks',
      'status',
      '--porcelain',
      '-z',
      `--untracked-files=${opts.untracked ? 'normal' : 'no'}`,
    ]);
    return r.stdout.length > 0;
  }

  private async refs(prefix: string): Promise<Map<string, string>> {
    const out = await this.text([
      'for-each-ref',
      '--format=%(refname)%00%(objectname)%00%(objecttype)%00%(*objectname)%00%(*objecttype)',
      prefix,
    ]);
    const map = new Map<string, string>();
    for (const line of out.split('\n')) {
      if (!line) continue;
      const [ref, sha, type, peeled, peeledType] = line.split('\0');
      const commit = peeled ? (peeledType === 'commit' ? peeled : undefined) : type === 'commit' ? sha : undefined;
      if (commit) map.set(ref.slice(prefix.length), commit);
    }
    return map;
  }

  /** Local branches: name → commit sha, sorted by name (git's ref order). */
  branches(): Promise<Map<string, string>> {
    return this.refs('refs/heads/');
  }

  /** Tags: name → commit sha (annotated tags peeled). Tags of non-commits are left out. */
  tags(): Promise<Map<string, string>> {
    return this.refs('refs/tags/');
  }

  /**
   * Every commit reachable from HEAD, local branches, remote-tracking branches and tags — the
   * set DVC's `--all-commits` walks (scmrepo `list_all_commits`; `refs/exps` and stash excluded).
   * Newest first.
   */
  async allCommits(): Promise<string[]> {
    const base = ['rev-list', '--branches', '--tags', '--remotes'];
    let r = await this.run([...base, 'HEAD', '--'], { okCodes: [128] });
    if (r.code === 128) {
      // HEAD unborn (or broken): walk the refs alone, or report the real error
      if ((await this.headSha()) !== undefined) throw commandError(this.root, [...base, 'HEAD', '--'], r.code, r.stderr);
      r = await this.run([...base, '--']);
    }
    return r.stdout
      .toString('utf8')
      .split('\n')
      .filter((l) => l.length > 0);
  }

  // ---------------------------------------------------------------- reading revisions

  /**
   * Files (blobs, symlinks, submodule commits) of the tree at `rev`, recursively, with paths
   * relative to the repository root. `paths` limits the listing to those files/directories.
   */
  async listTree(rev: string, opts: { paths?: readonly string[] } = {}): Promise<TreeEntry[]> {
    if (rev.startsWith('-')) throw new GitError(`unknown Git revision '${rev}'`, { data: { rev } });
    const args = ['--literal-pathspecs', 'ls-tree', '-r', '-z', '--full-tree', rev];
    if (opts.paths?.length) args.push('--', ...opts.paths.map((p) => this.rel(p)));
    let r: RunResult;
    try {
      r = await this.run(args);
    } catch (e) {
      if (e instanceof GitError && (await this.tryTree(rev)) === false) {
        throw new GitError(`unknown Git revision '${rev}'`, {
          hint: "check the name with 'git branch -a', 'git tag' or 'git log'",
          data: { rev },
          cause: e,
        });
      }
      throw e;
    }
    const entries: TreeEntry[] = [];
    const buf = r.stdout;
    let start = 0;
    while (start < buf.length) {
      let end = buf.indexOf(0, start);
      if (end < 0) end = buf.length;
      const rec = buf.toString('utf8', start, end);
      start = end + 1;
      // "<mode> SP <type> SP <sha> TAB <path>"
      const tab = rec.indexOf('\t');
      if (tab < 0) continue;
      const [mode, type, sha] = rec.slice(0, tab).split(' ');
      entries.push({ path: rec.slice(tab + 1), mode, type: type as TreeEntry['type'], sha });
    }
    return entries;
  }

  private async tryTree(rev: string): Promise<boolean> {
    const r = await this.run(['rev-parse', '-q', '--verify', `${rev}^{tree}`], { okCodes: [1, 128] });
    return r.code === 0;
  }

  /** Paths of files at `rev` for which `predicate(path)` holds. E.g. `findFilesAtRev(rev, isDvcMetafile)`. */
  async findFilesAtRev(rev: string, predicate: (path: string, entry: TreeEntry) => boolean): Promise<string[]> {
    const entries = await this.listTree(rev);
    return entries.filter((e) => e.type === 'blob' && predicate(e.path, e)).map((e) => e.path);
  }

  /** Contents of `path` at `rev`, or undefined when it is not a file there (or `rev` is unknown). */
  async readFileAtRev(rev: string, p: string): Promise<Buffer | undefined> {
    const [b] = await this.readFilesAtRevs([{ rev, path: p }]);
    return b;
  }

  /**
   * Many `(rev, path)` reads through ONE `git cat-file --batch` process. Aligned with `items`;
   * a path missing at its revision (or a directory, or an unknown revision) gives undefined.
   */
  async readFilesAtRevs(items: readonly RevPath[]): Promise<(Buffer | undefined)[]> {
    const bad = (rev: string): boolean => rev.length === 0 || rev.startsWith('-');
    // Big batches: resolve each revision to its tree once (one --batch-check process), so git
    // does not look the ref up again on every line (~2x faster for symbolic revs).
    let trees: Map<string, string | undefined> | undefined;
    if (items.length >= BATCH_RESOLVE_THRESHOLD) {
      const revs = [...new Set(items.map((i) => i.rev).filter((r) => !bad(r)))];
      const objs = await catFileBatch(this.root, revs.map((r) => `${r}^{tree}`), this.gopts, 'check');
      trees = new Map(revs.map((r, i) => [r, objs[i]?.sha]));
    }
    const names = items.map(({ rev, path: p }) => {
      if (bad(rev)) return '';
      const base = trees ? trees.get(rev) : rev;
      return base === undefined ? '' : `${base}:${this.rel(p)}`;
    });
    const objs = await catFileBatch(this.root, names, this.gopts);
    return objs.map((o) => (o && o.type === 'blob' ? o.data : undefined));
  }

  /**
   * Blob contents by sha (e.g. from listTree), each distinct sha read once — the fastest way to
   * read many files of many commits (`-A`): a sha read costs ~5 µs, a `<rev>:<path>` ~50 µs.
   */
  async readBlobs(shas: readonly string[]): Promise<Map<string, Buffer>> {
    const distinct = [...new Set(shas)];
    const objs = await catFileBatch(this.root, distinct, this.gopts);
    const out = new Map<string, Buffer>();
    distinct.forEach((sha, i) => {
      const o = objs[i];
      if (o && o.type === 'blob') out.set(sha, o.data);
    });
    return out;
  }

  /** One blob by sha, synchronously (for the rare large file a revision reader did not preload). */
  readBlobSync(sha: string): Buffer | undefined {
    try {
      return execFileSync('git', ['cat-file', 'blob', sha], { cwd: this.root, env: this.gopts.env as NodeJS.ProcessEnv | undefined, maxBuffer: 1 << 30 });
    } catch {
      return undefined;
    }
  }

  /** Raw batched object reads by object name (`<rev>:<path>`, `<sha>`, …). */
  readObjects(names: readonly string[]): Promise<(CatFileObject | undefined)[]> {
    return catFileBatch(this.root, names, this.gopts);
  }

  // ---------------------------------------------------------------- work tree

  /** Is `p` (or, for a directory, anything under it) in git's index? */
  async isTracked(p: string): Promise<boolean> {
    const rel = this.rel(p);
    if (rel === '') return (await this.run(['ls-files', '-z'])).stdout.length > 0;
    const r = await this.run(['--literal-pathspecs', 'ls-files', '-z', '--error-unmatch', '--', rel], { okCodes: [1] });
    return r.code === 0 && r.stdout.length > 0;
  }

  /** Do git's ignore rules (.gitignore, info/exclude, core.excludesFile) exclude `p`? Index-independent. */
  async isIgnored(p: string): Promise<boolean> {
    const rel = this.rel(p);
    if (rel === '') return false;
    const r = await this.run(['check-ignore', '-q', '--no-index', '--', rel], { okCodes: [1] });
    return r.code === 0;
  }

  /** The subset of `paths` git ignores, with one process. Returned as given (root-relative POSIX). */
  async ignoredAmong(paths: readonly string[]): Promise<Set<string>> {
    const rels = paths.map((p) => this.rel(p)).filter((p) => p !== '');
    if (rels.length === 0) return new Set();
    const r = await this.run(['check-ignore', '--no-index', '-z', '--stdin'], {
      okCodes: [1],
      input: rels.join('\0') + '\0',
    });
    return new Set(
      r.stdout
        .toString('utf8')
        .split('\0')
        .filter((s) => s.length > 0),
    );
  }

  /** `git add` (literal paths; `-f` not used, so ignored paths fail as in git). */
  async add(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    await this.run(['--literal-pathspecs', 'add', '--', ...paths.map((p) => this.rel(p) || '.')]);
  }

  /** `git commit -m msg`; returns the new HEAD sha. */
  async commit(message: string, opts: { allowEmpty?: boolean } = {}): Promise<string> {
    await this.run(['commit', '-q', '--no-verify', ...(opts.allowEmpty ? ['--allow-empty'] : []), '-m', message]);
    return (await this.headSha())!;
  }
}
