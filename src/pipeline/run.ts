/**
 * Running a stage: the only code that runs user commands (rule R5). Each command line runs in
 * `$SHELL -c` (bash without profiles; /bin/sh as fallback) in the stage's wdir with DVC_ROOT and
 * DVC_STAGE set, output streamed. Then the outs are hashed and committed to the cache and the
 * lock entry is returned for the caller to write.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PipelineError } from '../errors/index.js';
import { buildOutput } from '../data/build.js';
import type { LockEntry, LockItem } from './lockfile.js';
import type { HashCtx } from './plan.js';
import type { Stage } from './types.js';

export interface RunEnv {
  /** environment for the commands (config/ provides it) */
  env: Record<string, string | undefined>;
  /** 'inherit' streams to the terminal; 'pipe' collects (tests, API) */
  output: 'inherit' | 'pipe';
  onOutput?: (chunk: string) => void;
}

/** Split `cmd` into the command lines DVC runs one by one. */
export function commandLines(cmd: string | string[] | undefined): string[] {
  if (cmd === undefined) return [];
  if (Array.isArray(cmd)) return cmd.map(String);
  return cmd.split(/\r?\n/).filter((l) => l.trim() !== '');
}

function shellFor(env: Record<string, string | undefined>): { bin: string; pre: string[] } {
  const sh = env.SHELL && fs.existsSync(env.SHELL) ? env.SHELL : '/bin/sh';
  const base = path.basename(sh);
  if (base === 'bash') return { bin: sh, pre: ['--noprofile', '--norc'] };
  if (base === 'zsh') return { bin: sh, pre: ['--no-rcs'] };
  return { bin: sh, pre: [] };
}

export async function runCommands(stage: Stage, stageAddr: string, root: string, re: RunEnv): Promise<void> {
  const { bin, pre } = shellFor(re.env);
  for (const line of commandLines(stage.cmd)) {
    re.onOutput?.(`> ${line}\n`);
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(bin, [...pre, '-c', line], {
        cwd: stage.wdir,
        env: { ...re.env, DVC_ROOT: root, DVC_STAGE: stageAddr } as NodeJS.ProcessEnv,
        stdio: re.output === 'inherit' ? ['inherit', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (d: Buffer) => re.onOutput?.(d.toString()));
      child.stderr?.on('data', (d: Buffer) => re.onOutput?.(d.toString()));
      child.on('error', reject);
      child.on('close', (c, sig) => resolve(c ?? (sig ? 128 : 1)));
    });
    if (code !== 0)
      throw new PipelineError(`failed to reproduce '${stageAddr}': command '${line}' exited with ${code}`, {
        hint: 'fix the command or its inputs, then run keel repro again',
        data: { stage: stageAddr, code },
      });
  }
}

/** Remove the stage's outputs before running (persist outputs are kept). */
export function removeOuts(stage: Stage): void {
  for (const o of stage.outs) if (!o.persist) fs.rmSync(o.abs, { recursive: true, force: true });
}

/**
 * Hash the outs (committing cached ones, and with `allToCache` also `cache: false` ones so the
 * run-cache can restore them, as DVC does) and build the lock entry.
 */
export async function commitOuts(stage: Stage, stageAddr: string, h: HashCtx, o: { commit: boolean; allToCache: boolean }): Promise<LockItem[]> {
  const items: LockItem[] = [];
  for (const out of stage.outs) {
    if (!fs.existsSync(out.abs))
      throw new PipelineError(`output '${out.path}' of stage '${stageAddr}' does not exist after running its command`, {
        hint: 'the command must create every output listed in dvc.yaml',
        data: { stage: stageAddr, path: out.path },
      });
    const b = await buildOutput(out.abs, {
      repoRoot: h.root,
      cache: h.cache,
      state: h.state,
      commit: o.commit && (out.cache || o.allToCache),
      ignore: h.ignore,
    });
    const it: LockItem = { path: out.path, hash: 'md5', md5: b.oid, size: b.size };
    if (b.nfiles !== undefined) it.nfiles = b.nfiles;
    if (b.isexec) it.isexec = true;
    items.push(it);
  }
  return items;
}

export function lockEntry(stage: Stage, deps: LockItem[], params: Record<string, Record<string, unknown>>, outs: LockItem[]): LockEntry {
  const e: LockEntry = { cmd: stage.cmd ?? '' };
  if (deps.length) e.deps = deps;
  if (Object.keys(params).length) e.params = params;
  if (outs.length) e.outs = outs;
  return e;
}
