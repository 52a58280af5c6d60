/** `keel push`: upload the used objects the remote lacks (files before their .dir, in parallel). */
import * as path from 'node:path';
import { RemoteError } from '../errors/index.js';
import { mapLimit } from '../util/limit.js';
import { listRunCacheKeys, runCacheOutRefs } from '../pipeline/runcache.js';
import { push as pushObjects, type TransferResult } from '../data/transfer.js';
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';
import { usedObjects, type Scope } from './used.js';

export interface SyncOptions extends Scope {
  remote?: string;
  jobs?: number;
  /** also transfer the run-cache (`.dvc/cache/runs`) and the objects its entries restore */
  runCache?: boolean;
}

export interface SyncResult {
  transferred: number;
  failed: TransferResult['failed'];
}

export async function push(repo: Repo, o: SyncOptions, io: Io): Promise<SyncResult> {
  const used = await usedObjects(repo, o, { forPush: true });
  const res: SyncResult = { transferred: 0, failed: [] };
  if (o.runCache) {
    const keys = listRunCacheKeys(repo.cache.root);
    const r = await repo.remote(o.remote);
    const have = new Set<string>();
    for await (const k of r.backend.list('runs/')) have.add(k);
    const todo = keys.filter((k) => !have.has(k));
    await mapLimit(todo, o.jobs ?? r.jobs, (k) => r.backend.writeFile(k, path.join(repo.cache.root, ...k.split('/'))));
    res.transferred += todo.length;
    const refs = runCacheOutRefs(repo.cache.root, keys).filter((x) => repo.cache.has(x.oid, x.name));
    const list = used.byRemote.get('') ?? [];
    used.byRemote.set('', [...list, ...refs]);
    io.debug(`push --run-cache: ${todo.length} of ${keys.length} run-cache entries uploaded`);
  }
  for (const [remoteName, refs] of used.byRemote) {
    const r = await repo.remote(o.remote ?? (remoteName || undefined));
    io.debug(`push: ${refs.length} used output object(s) for remote '${r.name}' (${r.backend.url}), ${o.jobs ?? r.jobs} jobs`);
    const bar = io.progress(`Pushing to '${r.name}'`, undefined, 'objects');
    const t = await pushObjects(repo.cache, r.backend, refs, { jobs: o.jobs ?? r.jobs, onProgress: (d, tot) => bar.update(d, tot) });
    bar.done();
    res.transferred += t.transferred;
    res.failed.push(...t.failed);
  }
  return res;
}

export function failedError(verb: string, failed: SyncResult['failed']): RemoteError {
  const list = failed.slice(0, 5).map((f) => `${f.oid} (${f.reason})`).join(', ');
  return new RemoteError(`failed to ${verb} ${failed.length} object(s): ${list}${failed.length > 5 ? ', …' : ''}`, {
    hint: verb === 'push' ? "run 'keel status' to see which outputs are not in the cache" : 'check that the remote holds them (push them from where they were produced)',
    data: { failed },
  });
}
