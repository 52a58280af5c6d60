/**
 * `keel gc`: delete cache (and with `cloud`, remote) objects that no output of the chosen scope
 * uses. A used directory keeps its `.dir` and every file it lists. If a used `.dir` cannot be read,
 * gc refuses to run rather than guess what its files are.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MissingCacheError, UsageError } from '../errors/index.js';
import { isDirOid, keyToOid, oidKey } from '../data/oid.js';
import { parseTree } from '../data/tree.js';
import type { HashName } from '../data/hash.js';
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';
import { usedObjects, type Scope } from './used.js';

export interface GcOptions extends Scope {
  workspace?: boolean;
  cloud?: boolean;
  remote?: string;
  force?: boolean;
  dry?: boolean;
}

export interface GcResult {
  removed: { oid: string; where: 'cache' | 'remote' }[];
  kept: number;
  cancelled?: boolean;
}

export async function gc(repo: Repo, o: GcOptions, io: Io): Promise<GcResult> {
  if (!o.workspace && !o.allBranches && !o.allTags && !o.allCommits)
    throw new UsageError('choose what to keep: -w (workspace), -a (all branches), -T (all tags) or -A (all commits)', {
      hint: 'keel gc -w keeps only what the current workspace uses',
    });
  const used = await usedObjects(repo, { allBranches: o.allBranches, allTags: o.allTags, allCommits: o.allCommits });
  const keep = new Set<string>();
  const id = (oid: string, name: HashName): string => `${name === 'md5' ? '' : 'L'}${oid}`;
  for (const refs of used.byRemote.values())
    for (const r of refs) {
      keep.add(id(r.oid, r.name));
      if (!isDirOid(r.oid)) continue;
      let bytes: Buffer | undefined;
      if (repo.cache.check(r.oid, r.name) === 'ok') bytes = fs.readFileSync(repo.cache.path(r.oid, r.name));
      if (!bytes && o.cloud) {
        try {
          const { backend } = await repo.remote(o.remote);
          const chunks: Buffer[] = [];
          for await (const c of await backend.read(oidKey(r.oid, r.name))) chunks.push(c as Buffer);
          bytes = Buffer.concat(chunks);
        } catch {
          bytes = undefined;
        }
      }
      if (!bytes) {
        // Without the manifest we cannot tell which file objects it needs: keep everything.
        throw new MissingCacheError(`the used directory object ${r.oid} is not in the cache, so gc cannot tell which files it needs`, {
          hint: "run 'keel fetch' for that scope first",
        });
      }
      for (const e of parseTree(bytes, `object ${r.oid}`)) keep.add(id(e.md5, r.name));
    }
  const res: GcResult = { removed: [], kept: keep.size };
  const localGarbage = [...repo.cache.listObjects()].filter((x) => !keep.has(id(x.value, x.name)));
  let remoteGarbage: { key: string; oid: string }[] = [];
  let remoteHandle: Awaited<ReturnType<Repo['remote']>> | undefined;
  if (o.cloud) {
    remoteHandle = await repo.remote(o.remote);
    for await (const key of remoteHandle.backend.list('')) {
      const x = keyToOid(key);
      if (x && !keep.has(id(x.value, x.name))) remoteGarbage.push({ key, oid: x.value });
    }
  }
  if (o.dry) {
    res.removed = [...localGarbage.map((x) => ({ oid: x.value, where: 'cache' as const })), ...remoteGarbage.map((x) => ({ oid: x.oid, where: 'remote' as const }))];
    return res;
  }
  if (!o.force && (localGarbage.length || remoteGarbage.length)) {
    const what = o.cloud ? `the cache and remote '${remoteHandle!.name}'` : 'the cache';
    const ok = await io.confirm(`This will remove ${localGarbage.length + remoteGarbage.length} object(s) not used by the chosen scope from ${what}. Are you sure?`);
    if (!ok) return { removed: [], kept: keep.size, cancelled: true };
  }
  for (const x of localGarbage) {
    repo.cache.remove(x.value, x.name);
    res.removed.push({ oid: x.value, where: 'cache' });
  }
  cleanTempFiles(repo.cache.root);
  for (const x of remoteGarbage) {
    await remoteHandle!.backend.delete(x.key);
    res.removed.push({ oid: x.oid, where: 'remote' });
  }
  return res;
}

/** Temp files left by killed processes (older than an hour) are garbage too. */
function cleanTempFiles(root: string): void {
  const cutoff = Date.now() - 3600_000;
  const visit = (dir: string, depth: number): void => {
    let ents: fs.Dirent[];
    try {
      ents = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && depth < 4 && e.name !== 'runs') visit(p, depth + 1);
      else if (e.isFile() && e.name.endsWith('.tmp') && e.name.startsWith('.')) {
        const st = fs.statSync(p, { throwIfNoEntry: false });
        if (st && st.mtimeMs < cutoff) fs.rmSync(p, { force: true });
      }
    }
  };
  visit(root, 0);
}
