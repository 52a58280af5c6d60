/**
 * `keel params diff`, as DVC 3 computes it (`dvc/repo/params/show.py`, `dvc/repo/params/diff.py`).
 *
 * Which params a revision has (`_collect_params`, `_merge_params`, `_collect_vars`):
 * - with targets: each target file, whole;
 * - otherwise every stage's `params:` deps (the listed keys, or the whole file), then — unless
 *   `deps` — every dvc.yaml's top-level `params:` files and the root `params.yaml`, whole;
 *   a file tracked whole anywhere is read whole; directories are expanded to their files;
 * - then (without targets) the params stages interpolated with `${…}` ("tracked vars"), for files
 *   not already read — also with `deps`, as DVC does.
 * Keys are looked up as `dpath.search(config, key, separator=".")`: a missing key is left out, not
 * an error; a key naming a subtree brings the whole subtree.
 */
import * as path from 'node:path';
import type { FileResult } from '../pipeline/compare.js';
import { isMapping, makeMapping, mappingEntries } from '../pipeline/paramfile.js';
import { pyStr } from '../pipeline/compare.js';
import { toPosix } from '../util/paths.js';
import type { Repo } from '../repo/index.js';
import { silentIo, type Io } from './io.js';
import {
  compareRevisions,
  distinct,
  loadFileAt,
  showRevisions,
  targetPath,
  type CompareResult,
  type MetricsShowOptions,
  type RevView,
  type ShowResult,
} from './metrics.js';

export type { CompareResult, ShowResult } from './metrics.js';

export interface ParamsDiffOptions {
  /** old revision (default `HEAD`) */
  aRev?: string;
  /** new revision (default `workspace`) */
  bRev?: string;
  /** keep unchanged params too */
  all?: boolean;
  /** only params some stage depends on (`--deps`) */
  deps?: boolean;
  /** params files (relative to the repo's cwd) to compare instead, whole */
  targets?: string[];
}

export interface ParamsShowOptions extends MetricsShowOptions {
  deps?: boolean;
}

// ---------------------------------------------------------------------------------------------
// dpath.search(config, key, separator=".")
// ---------------------------------------------------------------------------------------------

function globRe(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[' && seg.indexOf(']', i + 2) > 0) {
      const j = seg.indexOf(']', i + 2);
      let body = seg.slice(i + 1, j);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = j;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 's');
}

type Tree = Map<unknown, unknown>;

function toTree(v: unknown): unknown {
  if (isMapping(v)) return new Map(mappingEntries(v).map(([k, x]) => [k, toTree(x)]));
  return v;
}

function mergeInto(tree: Tree, keys: unknown[], value: unknown): void {
  let node = tree;
  for (const k of keys.slice(0, -1)) {
    let child = node.get(k);
    if (!(child instanceof Map)) node.set(k, (child = new Map()));
    node = child as Tree;
  }
  const last = keys[keys.length - 1];
  const have = node.get(last);
  const val = toTree(value);
  if (have instanceof Map && val instanceof Map) for (const [k, x] of val) mergeInto(have, [k], x);
  else node.set(last, val);
}

function fromTree(v: unknown): unknown {
  if (v instanceof Map) return makeMapping([...v].map(([k, x]) => [k, fromTree(x)]));
  return v;
}

/** The parts of `data` the dotted keys name, nested as in the file (DVC's `read_param_file` with keys). */
export function selectParams(data: unknown, keys: string[]): unknown {
  const tree: Tree = new Map();
  for (const key of distinct(keys)) {
    const segs = key.split('.');
    const walk = (node: unknown, i: number, at: unknown[]): void => {
      if (i === segs.length) {
        mergeInto(tree, at, node);
        return;
      }
      const seg = segs[i];
      const re = /[*?[]/.test(seg) ? globRe(seg) : undefined;
      const match = (k: string): boolean => (re ? re.test(k) : k === seg);
      if (Array.isArray(node)) node.forEach((v, idx) => match(String(idx)) && walk(v, i + 1, [...at, idx]));
      else if (isMapping(node)) for (const [k, v] of mappingEntries(node)) if (match(pyStr(k))) walk(v, i + 1, [...at, k]);
    };
    walk(data, 0, []);
  }
  return fromTree(tree);
}

// ---------------------------------------------------------------------------------------------
// Gathering one revision
// ---------------------------------------------------------------------------------------------

/** `_gather_params` for one revision: `{path: {data} | {error}}`. */
export async function gatherParams(repo: Repo, view: RevView, o: { targets?: string[]; deps?: boolean } = {}): Promise<Record<string, FileResult>> {
  const rel = (abs: string): string => toPosix(path.relative(repo.root, abs));
  const wanted: [string, string[]][] = [];
  const targets = o.targets?.length ? o.targets : undefined;
  if (targets) for (const t of targets) wanted.push([targetPath(repo, t), []]);
  else {
    const pl = await view.pipeline();
    for (const stage of pl.stages) for (const dep of stage.params) wanted.push([rel(dep.abs), dep.keys ?? []]);
    if (!o.deps) {
      for (const pf of pl.files) for (const p of pf.params) wanted.push([rel(path.resolve(pf.dir, p)), []]);
      if (view.read('params.yaml') !== undefined) wanted.push(['params.yaml', []]);
    }
  }
  // _merge_params: a file tracked whole anywhere is read whole
  const whole = new Set(wanted.filter(([, keys]) => keys.length === 0).map(([f]) => f));
  const merged = new Map<string, string[]>();
  for (const [f, keys] of wanted) merged.set(f, whole.has(f) ? [] : [...(merged.get(f) ?? []), ...keys]);

  const data: Record<string, FileResult> = {};
  for (const [f, keys] of merged) {
    for (const file of view.expand(f)) {
      if (file in data) continue;
      const r = loadFileAt(view, file);
      data[file] = 'error' in r ? { error: r.error } : { data: keys.length ? selectParams(r.data, keys) : r.data };
    }
  }
  if (!targets) {
    const vars = new Map<string, Record<string, unknown>>();
    for (const stage of (await view.pipeline()).stages) {
      if (stage.kind !== 'pipeline') continue;
      for (const [file, values] of Object.entries(stage.trackedVars)) {
        if (file in data) continue; // files read already are shown in full
        vars.set(file, { ...(vars.get(file) ?? {}), ...values });
      }
    }
    for (const [file, values] of vars) data[file] = { data: values };
  }
  return data;
}

/** The params of the workspace, or of every branch / tag / commit asked for (DVC's `params.show`). */
export async function paramsShow(repo: Repo, o: ParamsShowOptions = {}, io: Io = silentIo): Promise<ShowResult> {
  return showRevisions(repo, o, 'params', (view) => gatherParams(repo, view, o), io);
}

/** `dvc params diff [a_rev] [b_rev]` (defaults `HEAD` and `workspace`). */
export async function paramsDiff(repo: Repo, o: ParamsDiffOptions = {}, io: Io = silentIo): Promise<CompareResult> {
  return compareRevisions(repo, o.aRev || 'HEAD', o.bRev || 'workspace', !!o.all, 'params', (view) => gatherParams(repo, view, o), io);
}
