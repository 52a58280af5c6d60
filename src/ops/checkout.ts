/**
 * `keel checkout`: make workspace outputs match their recorded hashes, from the cache. Changes are
 * reported per output, as DVC does (`A  data/` for a directory that was added).
 */
import * as fs from 'node:fs';
import { isDirOid } from '../data/oid.js';
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';
import { relinkOutput, type RelinkResult } from './relink.js';
import { selectOutputs } from './targets.js';

export interface CheckoutOptions {
  targets?: string[];
  force?: boolean;
  relink?: boolean;
}

export interface CheckoutResult extends RelinkResult {
  /** files written or removed, across all outputs */
  files: { added: number; modified: number; deleted: number };
}

export async function checkout(repo: Repo, o: CheckoutOptions, io: Io): Promise<CheckoutResult> {
  const res: CheckoutResult = { added: [], modified: [], deleted: [], missing: [], failed: [], files: { added: 0, modified: 0, deleted: 0 } };
  const outs = selectOutputs(repo, o.targets).filter((x) => x.oid && x.cache);
  const bar = io.progress('Checking out', outs.length, 'files');
  for (const out of outs) {
    const existed = fs.existsSync(out.abs);
    const r = await relinkOutput(repo, { abs: out.abs, oid: out.oid!, hashName: out.hashName, isexec: out.isexec }, o);
    res.files.added += r.added.length;
    res.files.modified += r.modified.length;
    res.files.deleted += r.deleted.length;
    res.missing.push(...r.missing);
    res.failed.push(...r.failed);
    const name = repo.rel(out.abs) + (isDirOid(out.oid!) ? '/' : '');
    if (r.added.length + r.modified.length + r.deleted.length > 0) (existed ? res.modified : res.added).push(name);
    bar.tick();
  }
  bar.done();
  io.debug(`checkout: ${res.files.added} file(s) added, ${res.files.modified} modified, ${res.files.deleted} deleted`);
  return res;
}
