/** `keel pull` = fetch + checkout. */
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';
import { checkout } from './checkout.js';
import { fetch } from './fetch.js';
import type { SyncOptions, SyncResult } from './push.js';
import type { CheckoutResult } from './checkout.js';

export async function pull(repo: Repo, o: SyncOptions & { force?: boolean }, io: Io): Promise<{ fetch: SyncResult; checkout: CheckoutResult }> {
  const f = await fetch(repo, o, io);
  const c = await checkout(repo, { targets: o.targets, force: o.force }, io);
  return { fetch: f, checkout: c };
}
