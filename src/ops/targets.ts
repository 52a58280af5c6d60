/** Resolving command targets (`data.dvc`, `data`, `dvc.yaml:stage`, a path inside an output) to outputs. */
import * as path from 'node:path';
import { NotFoundError } from '../errors/index.js';
import { isInside } from '../util/paths.js';
import type { Output } from '../pipeline/dvcfile.js';
import type { Repo } from '../repo/index.js';

export function selectOutputs(repo: Repo, targets?: string[]): Output[] {
  const all = repo.outputs();
  if (!targets || targets.length === 0) return all;
  const picked = new Set<Output>();
  for (const t of targets) {
    const [file, stage] = t.includes(':') ? t.split(':') : [t, undefined];
    const abs = path.resolve(repo.cwd, file);
    let hit = all.filter(
      (o) =>
        o.declaredIn === abs ||
        (stage !== undefined && o.stage === stage && o.declaredIn === abs) ||
        (o.stage !== undefined && o.stage === t) ||
        o.abs === abs ||
        isInside(o.abs, abs) ||
        isInside(abs, o.abs),
    );
    if (stage !== undefined) hit = all.filter((o) => o.declaredIn === abs && o.stage === stage);
    if (hit.length === 0) throw new NotFoundError(`'${t}' is not tracked by keel: no .dvc file or stage output matches it`, { hint: "run 'keel add' first, or check the path" });
    for (const h of hit) picked.add(h);
  }
  return [...picked];
}
