/** `keel remove x.dvc [--outs]`: stop tracking; drop the gitignore entry; with --outs delete the data. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotFoundError, UsageError } from '../errors/index.js';
import { ignoreRemove } from '../git/ignore.js';
import { parseDvcFile } from '../pipeline/dvcfile.js';
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';

export async function remove(repo: Repo, o: { targets: string[]; outs?: boolean }, _io: Io): Promise<{ removed: string[] }> {
  if (o.targets.length === 0) throw new UsageError('name the .dvc file(s) to remove', { hint: 'keel remove data.dvc' });
  const removed: string[] = [];
  for (const t of o.targets) {
    let file = path.resolve(repo.cwd, t);
    if (!file.endsWith('.dvc') && fs.existsSync(file + '.dvc')) file += '.dvc';
    if (!file.endsWith('.dvc') || !fs.existsSync(file))
      throw new NotFoundError(`'${t}' is not a .dvc file`, { hint: 'name the .dvc file, e.g. keel remove data.dvc (stages: edit dvc.yaml)' });
    const df = parseDvcFile(fs.readFileSync(file, 'utf8'), file, repo.root);
    for (const out of df.outs) {
      if (repo.git) await ignoreRemove(repo.git.root, out.abs);
      if (o.outs) fs.rmSync(out.abs, { recursive: true, force: true });
    }
    fs.rmSync(file);
    removed.push(repo.rel(file));
  }
  return { removed };
}
