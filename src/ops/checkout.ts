/** `keel checkout`: make workspace outputs match their recorded hashes, from the cache. */
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';
import { relinkOutput, type RelinkResult } from './relink.js';
import { selectOutputs } from './targets.js';

export interface CheckoutOptions {
  targets?: string[];
  force?: boolean;
  relink?: boolean;
}

export async function checkout(repo: Repo, o: CheckoutOptions, io: Io): Promise<RelinkResult> {
  const res: RelinkResult = { added: [], modified: [], deleted: [], missing: [], failed: [] };
  const outs = selectOutputs(repo, o.targets).filter((x) => x.oid && x.cache);
  const bar = io.progress('Checking out', outs.length, 'files');
  for (const out of outs) {
    await relinkOutput(repo, { abs: out.abs, oid: out.oid!, hashName: out.hashName, isexec: out.isexec }, o, res);
    bar.tick();
  }
  bar.done();
  return res;
}
