/**
 * `keel repro`: plan (which stages are stale and why), then run them in dependency order: remove
 * outs, run the command, commit outs, write the stage's dvc.lock entry and a run-cache entry. An
 * input state seen before is restored from the run-cache instead of running. A failure stops the
 * failed stage's dependents (others go on with -k) and keeps the lock entries already written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PipelineError, NotFoundError, isKeelError } from '../errors/index.js';
import { ignore as gitIgnore } from '../git/ignore.js';
import { buildGraph, downstreamOrder, pipelineOf, stageId, upstreamOrder, type Graph } from '../pipeline/graph.js';
import { writeLockEntries, type LockEntry, type LockItem } from '../pipeline/lockfile.js';
import { assertParamsReadable, decide, objectComplete, stageFacts, type Decision, type HashCtx } from '../pipeline/plan.js';
import { commandLines, commitOuts, lockEntry, removeOuts, runCommands } from '../pipeline/run.js';
import { canRunCache, lookupRunCache, saveRunCache } from '../pipeline/runcache.js';
import type { Stage } from '../pipeline/types.js';
import { forgetLocks, loadPipeline, lockFor, paramsReader, type LoadedPipeline } from '../repo/pipeline.js';
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';
import { relinkOutput } from './relink.js';
import { pull } from './pull.js';

export interface ReproOptions {
  targets?: string[];
  force?: boolean;
  single?: boolean;
  downstream?: boolean;
  dry?: boolean;
  keepGoing?: boolean;
  pull?: boolean;
  allowMissing?: boolean;
  noRunCache?: boolean;
  noCommit?: boolean;
  allPipelines?: boolean;
  pipeline?: boolean;
  /** stream command output to the terminal (CLI) or collect it through io.info */
  output?: 'inherit' | 'pipe';
}

export type StageOutcome = 'ran' | 'restored' | 'unchanged' | 'frozen' | 'failed' | 'skipped' | 'would run';

export interface ReproResult {
  stages: { id: string; outcome: StageOutcome; reasons?: Decision['items'] }[];
  lockWritten: string[];
}

/** Stage ids a target names: `stage`, `dvc.yaml:stage`, `sub/dvc.yaml`, `data.dvc`, a path to an output. */
export function resolveTargets(repo: Repo, g: Graph, targets: string[] | undefined): string[] {
  const ids = [...g.byId.keys()];
  if (!targets || targets.length === 0) {
    // DVC's default: the dvc.yaml of the current directory; keel falls back to every pipeline stage
    const here = path.join(repo.cwd, 'dvc.yaml');
    const local = ids.filter((id) => g.byId.get(id)!.file === here);
    return local.length ? local : ids.filter((id) => g.byId.get(id)!.kind === 'pipeline');
  }
  const out: string[] = [];
  for (const t of targets) {
    let [file, name] = t.includes(':') ? [t.slice(0, t.lastIndexOf(':')), t.slice(t.lastIndexOf(':') + 1)] : [t, undefined];
    let abs = path.resolve(repo.cwd, file);
    if (name === undefined && !fs.existsSync(abs)) {
      // a bare stage name of the dvc.yaml in cwd (or the root)
      name = file;
      abs = fs.existsSync(path.join(repo.cwd, 'dvc.yaml')) ? path.join(repo.cwd, 'dvc.yaml') : path.join(repo.root, 'dvc.yaml');
    }
    let hit = ids.filter((id) => {
      const s = g.byId.get(id)!;
      if (name !== undefined) return s.file === abs && (s.name === name || s.name.startsWith(`${name}@`));
      return s.file === abs || s.outs.some((o) => o.abs === abs);
    });
    if (name !== undefined && hit.length === 0 && !t.includes(':')) hit = ids.filter((id) => g.byId.get(id)!.name === name);
    if (hit.length === 0)
      throw new NotFoundError(`'${t}' does not exist: no stage or stage file of that name`, { hint: "run 'keel stage list' to see the stages" });
    out.push(...hit);
  }
  return [...new Set(out)];
}

export async function repro(repo: Repo, o: ReproOptions, io: Io): Promise<ReproResult> {
  const pl = await loadPipeline(repo);
  const g = buildGraph(pl.stages, repo.root);
  const targets = resolveTargets(repo, g, o.allPipelines ? [...g.byId.keys()] : o.targets);
  let order: string[];
  if (o.single) order = targets;
  else if (o.downstream) order = downstreamOrder(g, targets);
  else if (o.pipeline) order = pipelineOf(g, targets);
  else order = upstreamOrder(g, targets);
  if (o.pull) {
    io.info('Pulling the data the pipeline needs…');
    await pull(repo, { allBranches: false }, io).catch((e: unknown) => {
      if (isKeelError(e) && (e.code === 'MISSING_CACHE' || e.code === 'REMOTE')) io.warn(`pull: ${e.message}`);
      else throw e;
    });
  }
  const h: HashCtx = { root: repo.root, cache: repo.cache, state: repo.state, ignore: repo.ignore };
  const readParams = paramsReader(repo);
  const res: ReproResult = { stages: [], lockWritten: [] };
  const ran = new Set<string>();
  const failed = new Set<string>();
  for (const id of order) {
    const stage = g.byId.get(id)!;
    if (stage.kind !== 'pipeline') continue;
    const upstream = [...g.upstream.get(id)!];
    if (upstream.some((u) => failed.has(u))) {
      failed.add(id);
      res.stages.push({ id, outcome: 'skipped' });
      io.warn(`Stage '${id}' skipped: an upstream stage failed`);
      continue;
    }
    const lock = lockFor(repo, stage);
    const facts = await stageFacts(stage, lock, h, readParams);
    assertParamsReadable(facts);
    const d = decide(facts, { allowMissing: o.allowMissing });
    if (stage.frozen && !o.force) {
      io.info(`Stage '${id}' is frozen, skipping`);
      res.stages.push({ id, outcome: 'frozen' });
      continue;
    }
    const upstreamRan = upstream.some((u) => ran.has(u));
    if (!o.force && !d.changed && !(o.dry && upstreamRan)) {
      io.info(`Stage '${id}' didn't change, skipping`);
      res.stages.push({ id, outcome: 'unchanged' });
      continue;
    }
    if (o.dry) {
      io.info(`Running stage '${id}':`);
      for (const why of describeReasons(d.items, upstreamRan && !d.changed ? upstream.filter((u) => ran.has(u)) : [])) io.info(`  (why: ${why})`);
      for (const l of commandLines(stage.cmd)) io.info(`> ${l}`);
      res.stages.push({ id, outcome: 'would run', reasons: d.items });
      ran.add(id);
      continue;
    }
    const missing = facts.deps.filter((x) => !x.now).map((x) => x.path);
    try {
      if (!o.force && d.restorable && lock) {
        await restoreOuts(repo, stage, lock);
        io.info(`Stage '${id}' is cached - skipping run, checking out outputs`);
        res.stages.push({ id, outcome: 'restored', reasons: d.items });
        ran.add(id);
        continue;
      }
      if (missing.length)
        throw new PipelineError(`missing dependencies of stage '${id}': ${missing.join(', ')}`, {
          hint: "create them, or 'keel pull' / 'keel repro' the stages producing them",
          data: { stage: id, missing },
        });
      const depItems = facts.deps.map((x) => ({ ...x.now!, path: x.path }));
      const params = lockParams(stage, facts.params);
      if (!o.force && !o.noRunCache && canRunCache(stage)) {
        const probe = lockEntry(stage, depItems, params, stage.outs.map((x) => ({ path: x.path })));
        const hit = lookupRunCache(repo.cache.root, probe);
        if (hit?.outs && hit.outs.every((x) => x.md5 && objectComplete(repo.cache, x.md5))) {
          removeOuts(stage);
          await restoreOuts(repo, stage, hit);
          await writeLock(repo, stage, { ...probe, outs: hit.outs }, res);
          io.info(`Stage '${id}' is cached - skipping run, checking out outputs`);
          res.stages.push({ id, outcome: 'restored', reasons: d.items });
          ran.add(id);
          continue;
        }
      }
      io.info(`Running stage '${id}':`);
      removeOuts(stage);
      for (const out of stage.outs) fs.mkdirSync(path.dirname(out.abs), { recursive: true });
      await runCommands(stage, id, repo.root, {
        env: repo.config.env,
        output: o.output ?? 'inherit',
        onOutput: (t) => (o.output === 'inherit' && !t.startsWith('> ') ? undefined : io.info(t.replace(/\n$/, ''))),
      });
      const outs = await commitOuts(stage, id, h, { commit: !o.noCommit, allToCache: !o.noCommit && canRunCache(stage) });
      const entry = lockEntry(stage, depItems, params, outs);
      await writeLock(repo, stage, entry, res);
      if (!o.noCommit && canRunCache(stage)) saveRunCache(repo.cache.root, entry);
      if (repo.git) for (const out of stage.outs) if (out.cache) await gitIgnore(repo.git.root, out.abs, { git: repo.git });
      res.stages.push({ id, outcome: 'ran', reasons: d.items });
      ran.add(id);
    } catch (e) {
      failed.add(id);
      res.stages.push({ id, outcome: 'failed' });
      if (!o.keepGoing) throw e;
      io.warn(isKeelError(e) ? e.message : String(e));
    }
  }
  if (failed.size) throw new PipelineError(`failed to reproduce: ${[...failed].filter((f) => res.stages.find((s) => s.id === f)?.outcome === 'failed').join(', ')}`, { hint: 'see the errors above' });
  return res;
}

/** The params values dvc.lock records: listed keys (dotted), or every top-level key of a whole file. */
export function lockParams(stage: Stage, values: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const p of stage.params) {
    const v = values[p.file] ?? {};
    const picked: Record<string, unknown> = {};
    for (const k of p.keys ?? Object.keys(v)) if (k in v) picked[k] = v[k];
    out[p.file] = { ...(out[p.file] ?? {}), ...picked };
  }
  return out;
}

async function restoreOuts(repo: Repo, stage: Stage, entry: LockEntry): Promise<void> {
  const byPath = new Map((entry.outs ?? []).map((x: LockItem) => [x.path, x]));
  for (const out of stage.outs) {
    const it = byPath.get(out.path);
    if (!it?.md5) continue;
    await relinkOutput(repo, { abs: out.abs, oid: it.md5, hashName: it.hash === 'md5' ? 'md5' : 'md5-dos2unix', isexec: it.isexec }, { force: true });
  }
}

async function writeLock(repo: Repo, stage: Stage, entry: LockEntry, res: ReproResult): Promise<void> {
  const lockFile = stage.file.replace(/dvc\.yaml$/, 'dvc.lock');
  await writeLockEntries(lockFile, new Map([[stage.name, entry]]));
  forgetLocks(repo);
  const rel = repo.rel(lockFile);
  if (!res.lockWritten.includes(rel)) res.lockWritten.push(rel);
}

export type { LoadedPipeline };
export { stageId };

/** One line per reason a stage is stale, for `repro --dry`. */
export function describeReasons(items: Decision['items'], upstream: string[]): string[] {
  const out: string[] = [];
  for (const it of items) {
    if (typeof it === 'string') out.push(it);
    else if ('changed deps' in it)
      for (const [p, v] of Object.entries(it['changed deps'])) {
        if (typeof v === 'string') out.push(`dep ${p} ${v}`);
        else for (const [k, w] of Object.entries(v)) out.push(`param ${k} in ${p} ${w}`);
      }
    else if ('changed outs' in it) for (const [p, v] of Object.entries(it['changed outs'])) out.push(`out ${p} ${v}`);
  }
  for (const u of upstream) out.push(`upstream stage '${u}' will run`);
  return out;
}
