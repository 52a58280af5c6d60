/**
 * The "used objects" of a scope: the workspace and, with -a / -T / -A, every branch / tag /
 * commit, read straight from git trees (nothing is checked out). Grouped by the remote each
 * output goes to (`remote:` on the output, else the default).
 */
import * as path from 'node:path';
import { parseDvcFile, type Output } from '../pipeline/dvcfile.js';
import { parseLockOuts } from '../pipeline/collect.js';
import type { ObjRef } from '../data/transfer.js';
import type { Repo } from '../repo/index.js';
import { selectOutputs } from './targets.js';

export interface Scope {
  targets?: string[];
  allBranches?: boolean;
  allTags?: boolean;
  allCommits?: boolean;
  /** leave out the workspace (gc never does; push/pull always include it) */
  noWorkspace?: boolean;
}

export async function revisionsOf(repo: Repo, s: Scope): Promise<string[]> {
  if (!repo.git || !(s.allBranches || s.allTags || s.allCommits)) return [];
  const revs = new Set<string>();
  if (s.allCommits) for (const c of await repo.git.allCommits()) revs.add(c);
  if (s.allBranches) for (const sha of (await repo.git.branches()).values()) revs.add(sha);
  if (s.allTags) for (const sha of (await repo.git.tags()).values()) revs.add(sha);
  return [...revs];
}

/** Outputs recorded at a git revision (from its .dvc files and dvc.lock files). */
export async function outputsAtRev(repo: Repo, rev: string): Promise<Output[]> {
  const git = repo.git!;
  const files = await git.findFilesAtRev(rev, (p) => p.endsWith('.dvc') || p.endsWith('dvc.lock') || p.endsWith('dvc.yaml'));
  const meta = files.filter((p) => !p.split('/').includes('.dvc') && !p.startsWith('.dvc/'));
  const texts = await git.readFilesAtRevs(meta.map((p) => ({ rev, path: p })));
  const byPath = new Map(meta.map((p, i) => [p, texts[i]?.toString('utf8')]));
  const outs: Output[] = [];
  for (const p of meta) {
    const text = byPath.get(p);
    if (text === undefined) continue;
    const abs = path.join(repo.root, p);
    try {
      if (p.endsWith('.dvc')) outs.push(...parseDvcFile(text, abs, repo.root).outs);
      else if (p.endsWith('dvc.lock')) {
        const dir = path.dirname(abs);
        const y = byPath.get(path.posix.join(path.posix.dirname(p), 'dvc.yaml'));
        outs.push(...parseLockOuts(dir, text, y, repo.root));
      }
    } catch {
      // A malformed file in an old commit should not stop gc/push of everything else.
      continue;
    }
  }
  return outs;
}

export interface UsedSet {
  /** remote name ('' = default) → refs */
  byRemote: Map<string, ObjRef[]>;
  outputs: Output[];
}

export async function usedObjects(repo: Repo, s: Scope, o: { forPush?: boolean } = {}): Promise<UsedSet> {
  const outputs: Output[] = s.noWorkspace ? [] : selectOutputs(repo, s.targets);
  for (const rev of await revisionsOf(repo, s)) outputs.push(...(await outputsAtRev(repo, rev)));
  const byRemote = new Map<string, ObjRef[]>();
  const seen = new Set<string>();
  for (const out of outputs) {
    if (!out.oid || !out.cache) continue;
    if (o.forPush && !out.push) continue;
    const key = `${out.remote ?? ''}|${out.hashName}|${out.oid}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const list = byRemote.get(out.remote ?? '') ?? [];
    list.push({ oid: out.oid, name: out.hashName });
    byRemote.set(out.remote ?? '', list);
  }
  return { byRemote, outputs };
}
