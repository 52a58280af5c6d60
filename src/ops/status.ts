/**
 * `keel status`: workspace vs recorded hashes (modified / deleted / not in cache) per stage file,
 * and with `cloud`, cache vs remote (new / deleted / missing) per object, as DVC reports them.
 */
import * as fs from 'node:fs';
import { buildOutput, type HashStats } from '../data/build.js';
import { isDirOid } from '../data/oid.js';
import { parseTree } from '../data/tree.js';
import { readManifest, remoteHas, type ObjRef } from '../data/transfer.js';
import type { Output } from '../pipeline/dvcfile.js';
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';
import { selectOutputs } from './targets.js';

export type OutStatus = 'modified' | 'deleted' | 'not in cache';

/** DVC's `status --json` shape: { "data.dvc": [{ "changed outs": { "data": "modified" } }] } */
export type StatusResult = Record<string, ({ 'changed outs': Record<string, OutStatus> } | string)[]>;

export async function outputStatus(repo: Repo, out: Output, stats?: HashStats): Promise<OutStatus | undefined> {
  if (!fs.existsSync(out.abs)) return 'deleted';
  if (!out.oid) return 'modified';
  const built = await buildOutput(out.abs, { repoRoot: repo.root, cache: repo.cache, state: repo.state, commit: false, name: out.hashName, ignore: repo.ignore, stats });
  if (built.oid !== out.oid) return 'modified';
  if (out.cache && !cacheComplete(repo, out.oid, out.hashName)) return 'not in cache';
  return undefined;
}

function cacheComplete(repo: Repo, oid: string, name: Output['hashName']): boolean {
  if (repo.cache.check(oid, name) !== 'ok') return false;
  if (!isDirOid(oid)) return true;
  const entries = parseTree(fs.readFileSync(repo.cache.path(oid, name)), `cache object ${oid}`);
  return entries.every((e) => repo.cache.check(e.md5, name) === 'ok');
}

export async function status(repo: Repo, o: { targets?: string[] }, io: Io): Promise<StatusResult> {
  const res: StatusResult = {};
  const stats: HashStats = { hashed: 0, fromState: 0 };
  for (const out of selectOutputs(repo, o.targets)) {
    const s = await outputStatus(repo, out, stats);
    if (!s) continue;
    const key = out.stage ? (repo.rel(out.declaredIn) === 'dvc.yaml' ? out.stage : `${repo.rel(out.declaredIn)}:${out.stage}`) : repo.rel(out.declaredIn);
    const list = (res[key] ??= []);
    let entry = list.find((x): x is { 'changed outs': Record<string, OutStatus> } => typeof x === 'object');
    if (!entry) {
      entry = { 'changed outs': {} };
      list.push(entry);
    }
    entry['changed outs'][out.defPath] = s;
  }
  io.debug(`status: hashed ${stats.hashed} file(s), ${stats.fromState} unchanged file(s) answered by the hash state`);
  return res;
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
