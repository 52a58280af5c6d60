/** `keel push`: upload the used objects the remote lacks (files before their .dir, in parallel). */
import { RemoteError } from '../errors/index.js';
import { push as pushObjects, type TransferResult } from '../data/transfer.js';
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';
import { usedObjects, type Scope } from './used.js';

export interface SyncOptions extends Scope {
  remote?: string;
  jobs?: number;
}

export interface SyncResult {
  transferred: number;
  failed: TransferResult['failed'];
}

export async function push(repo: Repo, o: SyncOptions, io: Io): Promise<SyncResult> {
  const used = await usedObjects(repo, o, { forPush: true });
  const res: SyncResult = { transferred: 0, failed: [] };
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
