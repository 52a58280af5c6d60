/** `keel freeze` / `keel unfreeze`: set or clear `frozen: true` on dvc.yaml stages. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotFoundError, PipelineError } from '../errors/index.js';
import { writeFileAtomic } from '../util/fs.js';
import { dumpYaml, parseYaml, PYTHON_NATIVE } from '../util/yaml.js';
import { buildGraph } from '../pipeline/graph.js';
import { loadPipeline } from '../repo/pipeline.js';
import type { Repo } from '../repo/index.js';
import { resolveTargets } from './repro.js';

export async function setFrozen(repo: Repo, targets: string[], frozen: boolean): Promise<string[]> {
  if (targets.length === 0) throw new NotFoundError('name the stage(s) to (un)freeze', { hint: 'keel freeze train' });
  const pl = await loadPipeline(repo);
  const g = buildGraph(pl.stages, repo.root);
  const ids = resolveTargets(repo, g, targets);
  const byFile = new Map<string, string[]>();
  for (const id of ids) {
    const s = g.byId.get(id)!;
    if (s.kind !== 'pipeline') throw new PipelineError(`'${id}' is not a dvc.yaml stage`, { hint: '.dvc files of `keel add` cannot be frozen' });
    const group = s.name.split('@')[0];
    byFile.set(s.file, [...(byFile.get(s.file) ?? []), group]);
  }
  for (const [file, names] of byFile) {
    const doc = parseYaml(fs.readFileSync(file, 'utf8'), path.basename(file), PYTHON_NATIVE) as Record<string, Record<string, Record<string, unknown>>>;
    for (const n of names) {
      const st = doc.stages[n];
      if (frozen) st.frozen = true;
      else delete st.frozen;
    }
    await writeFileAtomic(file, dumpYaml(doc));
  }
  return ids;
}

export const freeze = (repo: Repo, targets: string[]): Promise<string[]> => setFrozen(repo, targets, true);
