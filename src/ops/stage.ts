/** `keel stage add` (write a stage into dvc.yaml as DVC does) and `keel stage list`. */
import * as path from 'node:path';
import { UsageError } from '../errors/index.js';
import { addStage, formatStageList, listStages, type AddStageResult, type StageAddDef } from '../pipeline/stageadd.js';
import { loadPipeline } from '../repo/pipeline.js';
import type { Repo } from '../repo/index.js';

export async function stageAdd(repo: Repo, def: StageAddDef): Promise<AddStageResult> {
  if (!def.name) throw new UsageError('a stage needs a name: -n <name>');
  if (!def.cmd || (Array.isArray(def.cmd) && def.cmd.length === 0)) throw new UsageError('a stage needs a command', { hint: "keel stage add -n train -d data -o model 'node train.js'" });
  return addStage(path.join(repo.cwd, 'dvc.yaml'), def, { repoRoot: repo.root });
}

export async function stageList(repo: Repo, o: { nameOnly?: boolean; targets?: string[] }): Promise<string> {
  const pl = await loadPipeline(repo);
  let stages = pl.stages;
  if (o.targets?.length) {
    const files = o.targets.map((t) => path.resolve(repo.cwd, t));
    stages = stages.filter((s) => files.includes(s.file) || o.targets!.includes(s.name));
  }
  return formatStageList(listStages(stages, { cwd: repo.cwd, nameOnly: o.nameOnly }));
}
