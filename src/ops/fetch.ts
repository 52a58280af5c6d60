/** `keel fetch`: download the used objects the cache lacks, verified before they become visible. */
import { fetch as fetchObjects } from '../data/transfer.js';
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';
import type { SyncOptions, SyncResult } from './push.js';
import { usedObjects } from './used.js';

export async function fetch(repo: Repo, o: SyncOptions, io: Io): Promise<SyncResult> {
  const used = await usedObjects(repo, o);
  const res: SyncResult = { transferred: 0, failed: [] };
  for (const [remoteName, refs] of used.byRemote) {
    const r = await repo.remote(o.remote ?? (remoteName || undefined));
    io.debug(`fetch: ${refs.length} used output object(s) from remote '${r.name}' (${r.backend.url}), ${o.jobs ?? r.jobs} jobs`);
    const bar = io.progress(`Fetching from '${r.name}'`, undefined, 'objects');
    const t = await fetchObjects(repo.cache, r.backend, refs, { jobs: o.jobs ?? r.jobs, remoteName: r.name, onProgress: (d, tot) => bar.update(d, tot) });
    bar.done();
    res.transferred += t.transferred;
    res.failed.push(...t.failed);
  }
  return res;
}
