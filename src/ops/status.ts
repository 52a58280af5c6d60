/**
 * `keel status`: workspace vs recorded hashes (modified / deleted / not in cache) per stage file,
 * and with `cloud`, cache vs remote (new / deleted / missing) per object, as DVC reports them.
 */
import * as fs from 'node:fs';
import { buildOutput, type HashStats } from '../data/build.js';
import { isDirOid } from '../data/oid.js';
import { parseTree } from '../data/tree.js';
import { readManifest, remoteHas, type ObjRef } from '../data/transfer.js';
import * as path from 'node:path';
import { NotFoundError } from '../errors/index.js';
import { isInside } from '../util/paths.js';
import { parseDvcFile, type Output } from '../pipeline/dvcfile.js';
import { buildGraph } from '../pipeline/graph.js';
import { decide, largeDirComplete, stageFacts, type HashCtx, type StatusItem } from '../pipeline/plan.js';
import { loadPipeline, lockFor, paramsReader } from '../repo/pipeline.js';
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';
import { selectOutputs } from './targets.js';

export type OutStatus = 'modified' | 'deleted' | 'not in cache';

/** DVC's `status --json` shape: { "data.dvc": [{ "changed outs": { "data": "modified" } }] } */
export type StatusResult = Record<string, (StatusItem | { 'changed outs': Record<string, OutStatus> })[]>;

export async function outputStatus(repo: Repo, out: Output, stats?: HashStats): Promise<OutStatus | undefined> {
  if (!fs.existsSync(out.abs)) return 'deleted';
  if (!out.oid) return 'modified';
  const built = await buildOutput(out.abs, { repoRoot: repo.root, cache: repo.cache, state: repo.state, commit: false, name: out.hashName, ignore: repo.ignore, stats });
  if (built.oid !== out.oid) return 'modified';
  if (out.cache && !cacheComplete(repo, out.oid, out.hashName)) return 'not in cache';
  return undefined;
}

/**
 * The recorded object is in the cache: a file object or `.dir` manifest is verified (through the
 * hash state); the files a manifest lists are checked for presence from one listing of the cache
 * (their content is verified when they are checked out or pushed).
 */
function cacheComplete(repo: Repo, oid: string, name: Output['hashName']): boolean {
  if (repo.cache.check(oid, name) !== 'ok') return false;
  if (!isDirOid(oid)) return true;
  if (repo.cache.state.getRaw(`C${name === 'md5' ? '' : 'L'}${oid.slice(0, 32)}`) === repo.cache.objectSetToken()) return true;
  const entries = parseTree(fs.readFileSync(repo.cache.path(oid, name)), `cache object ${oid}`);
  if (entries.length < 256) return entries.every((e) => repo.cache.check(e.md5, name) === 'ok');
  return largeDirComplete(repo.cache, oid, name, entries);
}

export async function status(repo: Repo, o: { targets?: string[] }, io: Io): Promise<StatusResult> {
  const res: StatusResult = {};
  const stats: HashStats = { hashed: 0, fromState: 0 };
  const pl = await loadPipeline(repo);
  const g = buildGraph(pl.stages, repo.root);
  const ids = o.targets && o.targets.length ? statusTargets(repo, g, o.targets) : [...g.byId.keys()];
  const h: HashCtx = { root: repo.root, cache: repo.cache, state: repo.state, ignore: repo.ignore, stats };
  const readParams = paramsReader(repo);
  for (const id of ids) {
    const stage = g.byId.get(id)!;
    if (stage.kind === 'dvcfile') {
      const outs = stage.dvcOutputs ?? parseDvcFile(fs.readFileSync(stage.file, 'utf8'), stage.file, repo.root).outs;
      const changed: Record<string, OutStatus> = {};
      for (const out of outs) {
        const s = await outputStatus(repo, out, stats);
        if (s) changed[out.defPath] = s;
      }
      if (Object.keys(changed).length) res[id] = [{ 'changed outs': changed }];
      continue;
    }
    const facts = await stageFacts(stage, lockFor(repo, stage), h, readParams);
    const d = decide(facts);
    const items = d.items.filter((x) => !(stage.frozen && typeof x === 'object' && 'changed deps' in x));
    if (items.length) res[id] = items as StatusResult[string];
  }
  io.debug(`status: hashed ${stats.hashed} file(s), ${stats.fromState} unchanged file(s) answered by the hash state`);
  return res;
}

/** Status targets: stage names / stage files / output paths → stage ids (and their upstream, as DVC). */
function statusTargets(repo: Repo, g: ReturnType<typeof buildGraph>, targets: string[]): string[] {
  const out = new Set<string>();
  for (const t of targets) {
    const abs = path.resolve(repo.cwd, t.split(':')[0]);
    let hit = [...g.byId.entries()].filter(([id, s]) => id === t || s.file === abs || s.outs.some((x) => x.abs === abs || isInside(x.abs, abs)));
    if (t.includes(':')) hit = hit.filter(([, s]) => s.name === t.slice(t.lastIndexOf(':') + 1));
    if (hit.length === 0) throw new NotFoundError(`'${t}' is not tracked by keel: no stage, stage file or output matches it`, { hint: "run 'keel stage list'" });
    for (const [id] of hit) out.add(id);
  }
  return [...out];
}

export type CloudStatus = 'new' | 'deleted' | 'missing';

/** `status -c`: per object name, what differs between the cache and the remote. */
export async function cloudStatus(repo: Repo, o: { targets?: string[]; remote?: string }, _io: Io): Promise<{ remote: string; objects: Record<string, CloudStatus> }> {
  const { name, backend, jobs } = await repo.remote(o.remote);
  const items: { label: string; ref: ObjRef }[] = [];
  for (const out of selectOutputs(repo, o.targets)) {
    if (!out.oid || !out.cache || !out.push) continue;
    const ref = { oid: out.oid, name: out.hashName };
    items.push({ label: repo.rel(out.abs), ref });
    if (isDirOid(out.oid)) {
      // The manifest from the cache, else (verified) from the remote, to list the directory's files.
      let bytes: Buffer | undefined;
      if (repo.cache.check(out.oid, out.hashName) === 'ok') bytes = fs.readFileSync(repo.cache.path(out.oid, out.hashName));
      else bytes = await readManifest(backend, ref, `remote '${name}'`).catch(() => undefined);
      if (bytes)
        for (const e of parseTree(bytes, `object ${out.oid}`))
          items.push({ label: `${repo.rel(out.abs)}/${e.relpath}`, ref: { oid: e.md5, name: out.hashName } });
    }
  }
  const remote = await remoteHas(backend, items.map((i) => i.ref), jobs);
  const objects: Record<string, CloudStatus> = {};
  for (const it of items) {
    const local = repo.cache.check(it.ref.oid, it.ref.name) === 'ok';
    const there = remote.has(`${it.ref.name === 'md5' ? '' : 'L'}${it.ref.oid}`);
    if (local && !there) objects[it.label] = 'new';
    else if (!local && there) objects[it.label] = 'deleted';
    else if (!local && !there) objects[it.label] = 'missing';
  }
  return { remote: name, objects };
}
