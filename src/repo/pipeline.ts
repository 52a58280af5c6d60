/** The workspace's pipeline: dvc.yaml files + .dvc files as stages, their dvc.lock entries, params. */
import * as path from 'node:path';
import { isKeelError } from '../errors/index.js';
import { loadProject, resolveParams, workspaceReader, type Project } from '../pipeline/load.js';
import { readLock, type LockEntry, type LockFile } from '../pipeline/lockfile.js';
import type { Stage } from '../pipeline/types.js';
import { toPosix } from '../util/paths.js';
import type { Repo } from './index.js';

export type LoadedPipeline = Project;

const lockCache = new WeakMap<Repo, Map<string, LockFile>>();

export async function loadPipeline(repo: Repo, readFile = workspaceReader(), listFiles?: () => string[]): Promise<LoadedPipeline> {
  const bool = repo.config.get('parsing', 'bool');
  const list = repo.config.get('parsing', 'list');
  return loadProject(repo.root, {
    readFile,
    listFiles,
    parsing: { bool: bool as 'store_true' | 'boolean_optional' | undefined, list: list as 'nargs' | 'append' | undefined },
  });
}

/** The dvc.lock entry of a pipeline stage (read once per command). */
export function lockFor(repo: Repo, stage: Stage): LockEntry | undefined {
  if (stage.kind !== 'pipeline') return undefined;
  const file = path.join(path.dirname(stage.file), 'dvc.lock');
  let m = lockCache.get(repo);
  if (!m) lockCache.set(repo, (m = new Map()));
  let lf = m.get(file);
  if (!lf) {
    lf = readLock(file, toPosix(path.relative(repo.root, file)));
    m.set(file, lf);
  }
  return lf.stages.get(stage.name);
}

/** Forget cached lock files (after writing one). */
export function forgetLocks(repo: Repo): void {
  lockCache.delete(repo);
}

/** Current params values of a stage, with per-file errors instead of throwing (status shows them). */
export function paramsReader(repo: Repo, readFile = workspaceReader()) {
  return (stage: Stage): { values: Record<string, Record<string, unknown>>; errors: Record<string, string> } => {
    try {
      return { values: resolveParams(stage, readFile, { repoRoot: repo.root }), errors: {} };
    } catch (e) {
      if (!isKeelError(e)) throw e;
      const file = String((e.data as { file?: string }).file ?? 'params.yaml');
      // per-file fallback so the other files still count
      const values: Record<string, Record<string, unknown>> = {};
      const errors: Record<string, string> = { [file]: e.message };
      for (const p of stage.params) {
        try {
          Object.assign(values, resolveParams({ name: stage.name, params: [p] }, readFile, { repoRoot: repo.root }));
        } catch (err) {
          if (!isKeelError(err)) throw err;
        }
      }
      return { values, errors };
    }
  };
}
