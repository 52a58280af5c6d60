/** `keel fetch`: download the used objects the cache lacks, verified before they become visible. */
import * as path from 'node:path';
import { fetch as fetchObjects } from '../data/transfer.js';
import { mapLimit } from '../util/limit.js';
import { listRunCacheKeys, runCacheOutRefs } from '../pipeline/runcache.js';
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';
import type { SyncOptions, SyncResult } from './push.js';
import { usedObjects } from './used.js';

/** `deferFill`: see data/transfer.ts (pull runs its checkout while a fresh cache is still being written). */
export async function fetch(repo: Repo, o: SyncOptions, io: Io, x: { deferFill?: boolean } = {}): Promise<SyncResult> {
  const used = await usedObjects(repo, o);
  const res: SyncResult = { transferred: 0, failed: [] };
  if (o.runCache) {
    const r = await repo.remote(o.remote);
    const local = new Set(listRunCacheKeys(repo.cache.root));
    const remoteKeys: string[] = [];
    for await (const k of r.backend.list('runs/')) if (/^runs\/[0-9a-f]{2}\/[0-9a-f]{64}\/[0-9a-f]{64}$/.test(k)) remoteKeys.push(k);
    const todo = remoteKeys.filter((k) => !local.has(k));
    await mapLimit(todo, o.jobs ?? r.jobs, (k) => r.backend.readToFile(k, path.join(repo.cache.root, ...k.split('/'))));
    res.transferred += todo.length;
    // the outputs those entries restore: best effort (an entry whose outputs were never pushed
    // is simply not restorable, as in DVC)
    const refs = runCacheOutRefs(repo.cache.root, remoteKeys);
    const t = await fetchObjects(repo.cache, r.backend, refs, { jobs: o.jobs ?? r.jobs, remoteName: r.name });
    res.transferred += t.transferred;
    io.debug(`fetch --run-cache: ${todo.length} run-cache entries, ${t.transferred} objects downloaded, ${t.failed.length} not on the remote`);
  }
  for (const [remoteName, refs] of used.byRemote) {
    const r = await repo.remote(o.remote ?? (remoteName || undefined));
    io.debug(`fetch: ${refs.length} used output object(s) from remote '${r.name}' (${r.backend.url}), ${o.jobs ?? r.jobs} jobs`);
    const bar = io.progress(`Fetching from '${r.name}'`, undefined, 'objects');
    const t = await fetchObjects(repo.cache, r.backend, refs, { jobs: o.jobs ?? r.jobs, remoteName: r.name, onProgress: (d, tot) => bar.update(d, tot), deferFill: x.deferFill && used.byRemote.size === 1 });
    bar.done();
    res.transferred += t.transferred;
    res.failed.push(...t.failed);
  }
  return res;
}
