/**
 * `keel metrics show` / `keel metrics diff`, as DVC 3 computes them (`dvc/repo/metrics/show.py`,
 * `dvc/repo/metrics/diff.py`), plus the revision plumbing `params diff` shares (ops/params.ts).
 *
 * - A revision is the workspace or a git revision read without checkout (repo/revision.ts);
 *   DVC-tracked files missing from git (or from the workspace) are read from the cache by the
 *   hash recorded at that revision.
 * - Metrics files: every stage's `metrics:` outputs, then the top-level `metrics:` of every
 *   dvc.yaml (relative to its directory); with targets, exactly the targets. Directories are
 *   expanded to their files. Each file is parsed by suffix like a params file, then only int,
 *   float, str and bool leaves are kept (`_extract_metrics`), and a falsy result becomes `{}`.
 * - A file that cannot be read gives `{error}` for that file; a revision whose pipeline cannot be
 *   loaded gives `{error}` for the revision (with a warning through io, as DVC logs one).
 * - Paths in results are relative to the repository root (POSIX); the CLI makes them relative to
 *   the current directory, as DVC's commands do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitError } from '../errors/index.js';
import { diffFileResults, isDict, pyEquals, type DiffResult, type FileResult } from '../pipeline/compare.js';
import { parseLockOuts } from '../pipeline/collect.js';
import { parseDvcFile, type Output } from '../pipeline/dvcfile.js';
import { makeMapping, mappingEntries, readParamFile } from '../pipeline/paramfile.js';
import { isDirOid } from '../data/oid.js';
import { parseTree } from '../data/tree.js';
import { mapLimit } from '../util/limit.js';
import { isInside, toPosix } from '../util/paths.js';
import { YamlFloat } from '../util/yaml.js';
import { loadPipeline, type LoadedPipeline } from '../repo/pipeline.js';
import { gitReader, workspaceReader, type RevReader } from '../repo/revision.js';
import type { Repo } from '../repo/index.js';
import { silentIo, type Io } from './io.js';

export type { DiffResult, FileResult } from '../pipeline/compare.js';

/** One revision of a show: `{data: {path: FileResult}}`, or `{error}` when the revision failed. */
export interface RevResult {
  data?: Record<string, FileResult>;
  error?: unknown;
}

/** revision label → result, in display order (`""` alone when no revision flag was given). */
export type ShowResult = Record<string, RevResult>;

/** DVC's `metrics.diff()` / `params.diff()` result, with both keys always present. */
export interface CompareResult {
  /** `{path: {key: {old, new, diff?}}}` */
  diff: DiffResult;
  /** revision → its error, or `{path: error}` for the files it could not read (only non-empty) */
  errors: Record<string, unknown>;
}

export interface MetricsShowOptions {
  /** files or directories (relative to the repo's cwd) instead of the pipeline's metrics */
  targets?: string[];
  /** `-a`, `-T`, `-A` */
  allBranches?: boolean;
  allTags?: boolean;
  allCommits?: boolean;
  /** extra git revisions to show */
  revs?: string[];
}

export interface MetricsDiffOptions {
  /** old revision (default `HEAD`) */
  aRev?: string;
  /** new revision (default `workspace`) */
  bRev?: string;
  /** keep unchanged metrics too */
  all?: boolean;
  targets?: string[];
}

// ---------------------------------------------------------------------------------------------
// Errors stored in results (not thrown): named like DVC's, so `--json` shows the same `type`
// ---------------------------------------------------------------------------------------------

/** An error of one file in a result; `name` is DVC's exception class name. */
export class FileReadError extends Error {
  constructor(type: string, message: string) {
    super(message);
    this.name = type;
  }
}

const CORRUPTED: Record<string, [string, string]> = {
  '.json': ['JSONFileCorruptedError', 'JSON file structure is corrupted'],
  '.toml': ['TOMLFileCorruptedError', 'TOML file structure is corrupted'],
  '.py': ['PythonFileCorruptedError', 'Python file structure is corrupted'],
};

function corrupted(rel: string, cause: unknown): FileReadError {
  const [type, text] = CORRUPTED[path.extname(rel).toLowerCase()] ?? ['YAMLFileCorruptedError', 'YAML file structure is corrupted'];
  const e = new FileReadError(type, `unable to read: '${rel}', ${text}`);
  (e as { cause?: unknown }).cause = cause;
  return e;
}

function notFound(rel: string): FileReadError {
  return new FileReadError('FileNotFoundError', `[Errno 2] No such file or directory: '${rel}'`);
}

// ---------------------------------------------------------------------------------------------
// Revisions
// ---------------------------------------------------------------------------------------------

/** A revision opened for reading: its files, the outputs recorded there, its pipeline (lazily). */
export interface RevView {
  label: string;
  reader: RevReader;
  /** outputs recorded at the revision (for DVC-tracked files git does not hold) */
  outputs: () => Output[];
  /** the revision's pipeline; throws when it cannot be loaded */
  pipeline: () => Promise<LoadedPipeline>;
  /** read a repo-relative file (git, then the cache); undefined when absent */
  read(rel: string): Buffer | undefined;
  /** a repo-relative path → the files it names (itself, or a directory's files, sorted) */
  expand(rel: string): string[];
  isWorkspace: boolean;
}

/** Open `rev` ('workspace' = the working tree) for reading. */
export async function openRevision(repo: Repo, rev: string, label = rev): Promise<RevView> {
  if (rev === 'workspace') return workspaceView(repo, label);
  const reader = await gitReader(repo, rev);
  const files = new Set(reader.list(() => true).map((abs) => toPosix(path.relative(repo.root, abs))));
  let outs: Output[] | undefined;
  // outputs recorded at the revision, from its already-loaded .dvc and dvc.lock files (only
  // needed when a file is not in git, so no extra git calls in the common case)
  const outputs = (): Output[] => (outs ??= outputsIn(repo, reader, files));
  let pl: Promise<LoadedPipeline> | undefined;
  return {
    label,
    reader,
    isWorkspace: false,
    outputs,
    pipeline: () =>
      (pl ??= loadPipeline(
        repo,
        (abs) => reader.readFile(abs)?.toString('utf8'),
        () => reader.list((p) => p.endsWith('dvc.yaml') || p.endsWith('.dvc')),
      )),
    read: (rel) => {
      const abs = path.join(repo.root, rel);
      return files.has(rel) ? reader.readFile(abs) : fileFromCache(repo, outputs(), abs);
    },
    expand(rel) {
      if (files.has(rel)) return [rel];
      const prefix = rel === '.' || rel === '' ? '' : rel + '/';
      const inGit = [...files].filter((f) => f.startsWith(prefix));
      const inCache = dirFromCache(repo, outputs(), path.join(repo.root, rel));
      const all = [...new Set([...inGit, ...inCache])].sort();
      return all.length ? all : [rel];
    },
  };
}

/** Outputs that the .dvc and dvc.lock files of a git revision record (as ops/used.ts outputsAtRev). */
function outputsIn(repo: Repo, reader: RevReader, files: Set<string>): Output[] {
  const text = (rel: string): string | undefined => (files.has(rel) ? reader.readFile(path.join(repo.root, rel))?.toString('utf8') : undefined);
  const outs: Output[] = [];
  for (const rel of files) {
    if (rel === '.dvc' || rel.startsWith('.dvc/') || rel.split('/').includes('.dvc')) continue;
    try {
      if (rel.endsWith('.dvc')) outs.push(...parseDvcFile(text(rel) ?? '', path.join(repo.root, rel), repo.root).outs);
      else if (path.posix.basename(rel) === 'dvc.lock') {
        const dir = path.join(repo.root, path.posix.dirname(rel));
        outs.push(...parseLockOuts(dir, text(rel), text(path.posix.join(path.posix.dirname(rel), 'dvc.yaml')), repo.root));
      }
    } catch {
      // a malformed metafile in an old commit: its outputs are just not readable from the cache
      continue;
    }
  }
  return outs;
}

function workspaceView(repo: Repo, label: string): RevView {
  const reader = workspaceReader(repo);
  let outs: Output[] | undefined;
  const outputs = (): Output[] => (outs ??= repo.outputs());
  let pl: Promise<LoadedPipeline> | undefined;
  return {
    label,
    reader,
    isWorkspace: true,
    outputs,
    pipeline: () => (pl ??= loadPipeline(repo)),
    read(rel) {
      const abs = path.join(repo.root, rel);
      return reader.readFile(abs) ?? (fs.existsSync(abs) ? undefined : fileFromCache(repo, outputs(), abs));
    },
    expand(rel) {
      const abs = path.join(repo.root, rel);
      const st = fs.statSync(abs, { throwIfNoEntry: false });
      if (st && !st.isDirectory()) return [rel];
      const found: string[] = [];
      if (st?.isDirectory()) {
        const walk = (dir: string): void => {
          for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            const r = toPosix(path.relative(repo.root, p));
            if (e.isDirectory()) {
              if (!repo.ignore.isIgnored(r, true)) walk(p);
            } else if (!repo.ignore.isIgnored(r, false)) found.push(r);
          }
        };
        walk(abs);
      } else found.push(...dirFromCache(repo, outputs(), abs));
      return found.length ? found.sort() : [rel];
    },
  };
}

function readObject(repo: Repo, oid: string, name: Output['hashName']): Buffer | undefined {
  if (repo.cache.check(oid, name) !== 'ok') return undefined;
  try {
    return fs.readFileSync(repo.cache.path(oid, name));
  } catch {
    return undefined;
  }
}

/** A file of a DVC output (or inside a directory output) from the cache. */
function fileFromCache(repo: Repo, outs: Output[], abs: string): Buffer | undefined {
  for (const o of outs) {
    if (!o.oid) continue;
    if (o.abs === abs && !isDirOid(o.oid)) return readObject(repo, o.oid, o.hashName);
    if (isDirOid(o.oid) && o.abs !== abs && isInside(o.abs, abs)) {
      const manifest = readObject(repo, o.oid, o.hashName);
      if (!manifest) continue;
      const rel = toPosix(path.relative(o.abs, abs));
      const e = parseTree(manifest, `cache object ${o.oid}`).find((x) => x.relpath === rel);
      if (e) return readObject(repo, e.md5, o.hashName);
    }
  }
  return undefined;
}

/** Files (repo-relative) under `abs` that directory outputs record, read from their cached manifests. */
function dirFromCache(repo: Repo, outs: Output[], abs: string): string[] {
  const found: string[] = [];
  for (const o of outs) {
    if (!o.oid || !isDirOid(o.oid)) continue;
    if (!isInside(abs, o.abs) && !isInside(o.abs, abs)) continue;
    const manifest = readObject(repo, o.oid, o.hashName);
    if (!manifest) continue;
    for (const e of parseTree(manifest, `cache object ${o.oid}`)) {
      const fileAbs = path.join(o.abs, e.relpath);
      if (isInside(abs, fileAbs) && fileAbs !== abs) found.push(toPosix(path.relative(repo.root, fileAbs)));
    }
  }
  return found;
}

/** Repo-relative POSIX path of a path given on the command line (relative to the cwd). */
export function targetPath(repo: Repo, target: string): string {
  return toPosix(path.relative(repo.root, path.resolve(repo.cwd, target))) || '.';
}

/** Keep the first occurrence of each string. */
export function distinct(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Read and parse one file of a revision as DVC's `load_path` does (by suffix). */
export function loadFileAt(view: RevView, rel: string): { data: unknown } | { error: FileReadError } {
  const buf = view.read(rel);
  if (buf === undefined) return { error: notFound(rel) };
  try {
    return { data: readParamFile(buf.toString('utf8'), rel) };
  } catch (e) {
    return { error: corrupted(rel, e) };
  }
}

/** The revisions `-a/-T/-A` (and explicit revs) name, grouped by commit: label → sha. */
export async function revisionGroups(repo: Repo, o: MetricsShowOptions): Promise<{ label: string; sha: string }[]> {
  const git = repo.git;
  if (!git) throw new GitError('revisions need git, and this repository has none (core.no_scm)');
  const named: [string, string][] = [];
  for (const r of o.revs ?? []) if (r !== 'workspace') named.push([r, await git.revParse(r)]);
  if (o.allCommits) for (const sha of await git.allCommits()) named.push([sha, sha]);
  else {
    if (o.allBranches) for (const [name, sha] of await git.branches()) named.push([name, sha]);
    if (o.allTags) for (const [name, sha] of await git.tags()) named.push([name, sha]);
  }
  const groups = new Map<string, string[]>();
  for (const [name, sha] of named) {
    const g = groups.get(sha) ?? [];
    g.push(name);
    groups.set(sha, g);
  }
  return [...groups].map(([sha, names]) => ({ label: names.join(','), sha }));
}

/** DVC's `_hide_workspace`: drop the workspace row when it equals the active branch's. */
async function hideWorkspace(repo: Repo, res: ShowResult): Promise<void> {
  if (!repo.git) return;
  const branch = await repo.git.currentBranch();
  if (branch === undefined) return; // detached HEAD
  if (sameResult(res.workspace, res[branch])) delete res.workspace;
}

function sameResult(a: RevResult | undefined, b: RevResult | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.error !== undefined || b.error !== undefined) return false; // exceptions compare by identity
  const da = a.data ?? {};
  const db = b.data ?? {};
  const ka = Object.keys(da);
  if (ka.length !== Object.keys(db).length) return false;
  return ka.every((k) => {
    const fa = da[k];
    const fb = db[k];
    if (!fb || fa.error !== undefined || fb.error !== undefined) return false;
    return pyEquals(fa.data, fb.data);
  });
}

/**
 * Run `gather` on each revision of a show (DVC's brancher): the workspace alone as `""` without
 * revision flags, else `workspace` then each commit once (names joined with `,`); a revision
 * whose pipeline fails to load becomes `{error}` and a warning.
 */
export async function showRevisions(
  repo: Repo,
  o: MetricsShowOptions,
  what: 'metrics' | 'params',
  gather: (view: RevView) => Promise<Record<string, FileResult>>,
  io: Io,
): Promise<ShowResult> {
  const run = async (view: RevView): Promise<RevResult> => {
    try {
      return { data: await gather(view) };
    } catch (e) {
      io.warn(`failed to load ${what} in revision '${view.label}', ${e instanceof Error ? e.message : String(e)}`);
      return { error: e };
    }
  };
  const res: ShowResult = {};
  if (!(o.allBranches || o.allTags || o.allCommits || o.revs?.length)) {
    res[''] = await run(workspaceView(repo, ''));
    return res;
  }
  const groups = await revisionGroups(repo, o);
  const [ws, revs] = await Promise.all([
    run(workspaceView(repo, 'workspace')),
    mapLimit(groups, 8, async (g) => run(await openRevision(repo, g.sha, g.label))),
  ]);
  res.workspace = ws;
  groups.forEach((g, i) => (res[g.label] = revs[i]));
  await hideWorkspace(repo, res);
  return res;
}

/**
 * `metrics.diff` / `params.diff`: both revisions gathered (in parallel), then compared.
 * `{}` (no diff, no errors) in a repository without commits.
 */
export async function compareRevisions(
  repo: Repo,
  aRev: string,
  bRev: string,
  all: boolean,
  what: 'metrics' | 'params',
  gather: (view: RevView) => Promise<Record<string, FileResult>>,
  io: Io,
): Promise<CompareResult> {
  if (!repo.git) return { diff: {}, errors: {} };
  const head = repo.git.headSha();
  const views = new Map<string, Promise<RevResult>>();
  const get = (rev: string): Promise<RevResult> => {
    let p = views.get(rev);
    if (!p) {
      p = (async () => {
        const view = await openRevision(repo, rev);
        try {
          return { data: await gather(view) };
        } catch (e) {
          io.warn(`failed to load ${what} in revision '${rev}', ${e instanceof Error ? e.message : String(e)}`);
          return { error: e };
        }
      })();
      views.set(rev, p);
    }
    return p;
  };
  const both = Promise.all([get(aRev), get(bRev)]);
  both.catch(() => undefined); // handled below (or moot without commits); not an unhandled rejection
  if ((await head) === undefined) return { diff: {}, errors: {} }; // no commits: `{}`, whatever the revisions
  const [a, b] = await both;
  const errors: Record<string, unknown> = {};
  for (const [rev, r] of [
    [aRev, a],
    [bRev, b],
  ] as const) {
    if (r.error !== undefined) errors[rev] = r.error;
    else {
      const files = Object.entries(r.data ?? {}).filter(([, fr]) => fr.error !== undefined);
      if (files.length) errors[rev] = Object.fromEntries(files.map(([f, fr]) => [f, fr.error]));
    }
  }
  return { diff: diffFileResults(a.data ?? {}, b.data ?? {}, { all }), errors };
}

// ---------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------

/** `_extract_metrics`: int/float/str/bool leaves through nested mappings; anything else → undefined. */
function extractMetrics(v: unknown): unknown {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || typeof v === 'boolean' || v instanceof YamlFloat) return v;
  if (!isDict(v)) return undefined;
  const kept: [unknown, unknown][] = [];
  for (const [k, x] of mappingEntries(v)) {
    const m = extractMetrics(x);
    if (m === undefined || m === null || (isDict(m) && mappingEntries(m).length === 0)) continue;
    kept.push([k, m]);
  }
  return makeMapping(kept);
}

/** Python truthiness of an extracted metric (`val or {}`). */
function orEmpty(v: unknown): unknown {
  const falsy =
    v === undefined ||
    v === null ||
    v === false ||
    v === 0 ||
    v === 0n ||
    v === '' ||
    (v instanceof YamlFloat && v.value === 0) ||
    (isDict(v) && mappingEntries(v).length === 0);
  return falsy ? {} : v;
}

/** The metrics files of a revision (repo-relative), before directory expansion. */
async function metricsFiles(repo: Repo, view: RevView, targets: string[] | undefined): Promise<string[]> {
  if (targets?.length) return distinct(targets.map((t) => targetPath(repo, t)));
  const pl = await view.pipeline();
  const rel = (abs: string): string => toPosix(path.relative(repo.root, abs));
  const out: string[] = [];
  for (const stage of pl.stages) for (const o of stage.outs) if (o.kind === 'metrics') out.push(rel(o.abs));
  for (const pf of pl.files) for (const m of pf.metrics) out.push(rel(path.resolve(pf.dir, m)));
  return distinct(out);
}

/** `_gather_metrics` for one revision: `{path: {data} | {error}}`. */
export async function gatherMetrics(repo: Repo, view: RevView, targets?: string[]): Promise<Record<string, FileResult>> {
  const files = distinct((await metricsFiles(repo, view, targets)).flatMap((f) => view.expand(f)));
  const data: Record<string, FileResult> = {};
  for (const f of files) {
    const r = loadFileAt(view, f);
    data[f] = 'error' in r ? { error: r.error } : { data: orEmpty(extractMetrics(r.data)) };
  }
  return data;
}

/** `dvc metrics show`: the metrics of the workspace, or of every branch / tag / commit asked for. */
export async function metricsShow(repo: Repo, o: MetricsShowOptions = {}, io: Io = silentIo): Promise<ShowResult> {
  return showRevisions(repo, o, 'metrics', (view) => gatherMetrics(repo, view, o.targets), io);
}

/** `dvc metrics diff [a_rev] [b_rev]` (defaults `HEAD` and `workspace`). */
export async function metricsDiff(repo: Repo, o: MetricsDiffOptions = {}, io: Io = silentIo): Promise<CompareResult> {
  return compareRevisions(repo, o.aRev || 'HEAD', o.bRev || 'workspace', !!o.all, 'metrics', (view) => gatherMetrics(repo, view, o.targets), io);
}
