/** `keel commit`: record the current content of tracked outputs in their .dvc files and the cache. */
import * as fs from 'node:fs';
import { buildOutput } from '../data/build.js';
import { parseDvcFile, serializeOut, writeDvcFile } from '../pipeline/dvcfile.js';
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';
import { selectOutputs } from './targets.js';
import { relinkOutput } from './relink.js';

export async function commit(repo: Repo, o: { targets?: string[]; force?: boolean }, io: Io): Promise<{ committed: string[] }> {
  const committed: string[] = [];
  const byFile = new Map<string, ReturnType<typeof selectOutputs>>();
  for (const out of selectOutputs(repo, o.targets)) {
    if (out.stage) continue; // pipeline outputs are committed by `keel commit` of stages (pipeline issue)
    const list = byFile.get(out.declaredIn) ?? [];
    list.push(out);
    byFile.set(out.declaredIn, list);
  }
  for (const [file] of byFile) {
    const df = parseDvcFile(fs.readFileSync(file, 'utf8'), file, repo.root);
    const entries: Record<string, unknown>[] = [];
    let changed = false;
    for (const out of df.outs) {
      const bar = io.progress(`Committing ${repo.display(out.abs)}`, undefined, 'files');
      const built = await buildOutput(out.abs, {
        repoRoot: repo.root,
        cache: repo.cache,
        state: repo.state,
        commit: out.cache,
        ignore: repo.ignore,
        onFile: () => bar.tick(),
      });
      bar.done();
      if (built.oid !== out.oid || out.hashName !== 'md5') changed = true;
      entries.push(serializeOut({ oid: built.oid, size: built.size, nfiles: built.nfiles, isexec: built.isexec, defPath: out.defPath, raw: out.raw }));
      if (out.cache && repo.linkTypes[0] !== 'copy' && repo.linkTypes[0] !== 'reflink')
        await relinkOutput(repo, { abs: out.abs, oid: built.oid, hashName: 'md5' }, { force: true, relink: true });
    }
    if (changed) {
      await writeDvcFile(file, entries, df.raw);
      committed.push(repo.rel(file));
    }
  }
  return { committed };
}
