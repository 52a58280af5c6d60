/** `keel commit`: record the current content of tracked outputs in their .dvc files and the cache. */
import * as fs from 'node:fs';
import { buildOutput } from '../data/build.js';
import { parseDvcFile, serializeOut, writeDvcFile } from '../pipeline/dvcfile.js';
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';
import { selectOutputs } from './targets.js';
import { relinkOutput } from './relink.js';
import * as path from 'node:path';
import { PipelineError } from '../errors/index.js';
import { buildGraph } from '../pipeline/graph.js';
import { writeLockEntries } from '../pipeline/lockfile.js';
import { assertParamsReadable, decide, stageFacts, type HashCtx } from '../pipeline/plan.js';
import { commitOuts, lockEntry } from '../pipeline/run.js';
import { forgetLocks, loadPipeline, lockFor, paramsReader } from '../repo/pipeline.js';
import { lockParams } from './repro.js';

export async function commit(repo: Repo, o: { targets?: string[]; force?: boolean }, io: Io): Promise<{ committed: string[] }> {
  const committed: string[] = [];
  committed.push(...(await commitStages(repo, o, io)));
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

/**
 * Pipeline stages: record the current deps, params and outs in dvc.lock and the cache without
 * running anything (DVC's `commit` for stages). Only stages whose status is not clean are written.
 */
async function commitStages(repo: Repo, o: { targets?: string[]; force?: boolean }, io: Io): Promise<string[]> {
  const pl = await loadPipeline(repo);
  const g = buildGraph(pl.stages, repo.root);
  const ids = o.targets?.length
    ? [...g.byId.keys()].filter((id) => {
        const s = g.byId.get(id)!;
        return o.targets!.some((t) => t === id || t === s.name || path.resolve(repo.cwd, t) === s.file || s.outs.some((x) => x.abs === path.resolve(repo.cwd, t)));
      })
    : [...g.byId.keys()];
  const h: HashCtx = { root: repo.root, cache: repo.cache, state: repo.state, ignore: repo.ignore };
  const readParams = paramsReader(repo);
  const written: string[] = [];
  for (const id of ids) {
    const stage = g.byId.get(id)!;
    if (stage.kind !== 'pipeline') continue;
    const facts = await stageFacts(stage, lockFor(repo, stage), h, readParams);
    assertParamsReadable(facts);
    if (!decide(facts).changed) continue;
    const missing = facts.deps.filter((d) => !d.now).map((d) => d.path);
    if (missing.length) throw new PipelineError(`cannot commit '${id}': missing dependencies ${missing.join(', ')}`, { hint: "run 'keel repro' instead" });
    io.debug(`commit: recording stage '${id}'`);
    const outs = await commitOuts(stage, id, h, { commit: true, allToCache: false });
    const entry = lockEntry(stage, facts.deps.map((d) => ({ ...d.now!, path: d.path })), lockParams(stage, facts.params), outs);
    const lockFile = path.join(path.dirname(stage.file), 'dvc.lock');
    await writeLockEntries(lockFile, new Map([[stage.name, entry]]));
    forgetLocks(repo);
    if (!written.includes(repo.rel(lockFile))) written.push(repo.rel(lockFile));
  }
  return written;
}
