/** `keel pull` = fetch + checkout. */
import { copiesOnly } from '../data/checkout.js';
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';
import { checkout } from './checkout.js';
import { fetch } from './fetch.js';
import type { SyncOptions, SyncResult } from './push.js';
import type { CheckoutResult } from './checkout.js';

export async function pull(repo: Repo, o: SyncOptions & { force?: boolean }, io: Io): Promise<{ fetch: SyncResult; checkout: CheckoutResult }> {
  // an empty cache filled from a local remote may still be being written by a worker thread:
  // the checkout copies the objects from memory meanwhile, then the fill is made visible
  // (copies only: links need the objects in place)
  const f = await fetch(repo, o, io, { deferFill: copiesOnly(repo.linkTypes, repo.cache.root) });
  let c: CheckoutResult;
  try {
    c = await checkout(repo, { targets: o.targets, force: o.force }, io);
  } finally {
    await repo.cache.endFreshFill();
  }
  return { fetch: f, checkout: c };
}
