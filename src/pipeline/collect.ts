/**
 * Finding the outputs of a workspace or of a git revision: every `.dvc` file, and the outs that
 * `dvc.lock` records for `dvc.yaml` stages. The workspace walk skips `.git`, `.dvc`, ignored
 * paths, and directories that are themselves outputs (a stage file may not live inside an output,
 * so there is nothing to find there) — which keeps a no-op status fast on big tracked directories.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError } from '../errors/index.js';
import { toPosix } from '../util/paths.js';
import { parseYaml } from '../util/yaml.js';
import type { IgnoreFilter } from '../data/build.js';
import { parseDvcFile, parseOutEntry, type Output } from './dvcfile.js';

export interface StageFileSet {
  /** .dvc files (absolute paths) */
  dvcFiles: string[];
  /** directories holding a dvc.yaml and/or dvc.lock */
  pipelineDirs: string[];
}

const SKIP_DIRS = new Set(['.git', '.dvc', 'node_modules', '.hg']);

export function findStageFiles(root: string, ignore?: IgnoreFilter): StageFileSet {
  const dvcFiles: string[] = [];
  const pipelineDirs: string[] = [];
  const visit = (abs: string, rel: string): void => {
    let ents: fs.Dirent[];
    try {
      ents = fs.readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    if (ignore?.enterDirSync && !ignore.enterDirSync(rel, ents.map((e) => e.name))) return;
    const names = new Set(ents.map((e) => e.name));
    if (names.has('dvc.yaml') || names.has('dvc.lock')) pipelineDirs.push(abs);
    const skip = new Set<string>();
    for (const e of ents) {
      if (e.name.endsWith('.dvc') && e.isFile()) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (ignore?.isIgnored(r, false)) continue;
        dvcFiles.push(path.join(abs, e.name));
        skip.add(e.name.slice(0, -4)); // data.dvc tracks data/ (usually)
      }
    }
    for (const e of ents) {
      if (!e.isDirectory() || SKIP_DIRS.has(e.name) || skip.has(e.name)) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (ignore?.isIgnored(r, true)) continue;
      if (fs.existsSync(path.join(abs, e.name, '.dvc')) && rel !== '') continue; // a nested repo
      visit(path.join(abs, e.name), r);
    }
  };
  visit(root, '');
  return { dvcFiles: dvcFiles.sort(), pipelineDirs: pipelineDirs.sort() };
}

/** Stage outs recorded in `<dir>/dvc.lock`, resolved against each stage's wdir from dvc.yaml. */
export function parseLockOuts(dir: string, lockText: string | undefined, yamlText: string | undefined, root: string): Output[] {
  if (lockText === undefined) return [];
  const lockFile = toPosix(path.relative(root, path.join(dir, 'dvc.lock')));
  const yamlFile = toPosix(path.relative(root, path.join(dir, 'dvc.yaml')));
  const lock = parseYaml(lockText, lockFile) as Record<string, unknown> | null;
  if (lock === null || typeof lock !== 'object' || Array.isArray(lock)) throw new FileFormatError(lockFile, 'expected a mapping');
  if (lock.schema !== '2.0') throw new FileFormatError(lockFile, `unsupported lock schema ${JSON.stringify(lock.schema)} (keel reads schema '2.0')`);
  const stages = (lock.stages ?? {}) as Record<string, unknown>;
  const defs = (yamlText !== undefined ? ((parseYaml(yamlText, yamlFile) as Record<string, unknown> | null)?.stages ?? {}) : {}) as Record<
    string,
    Record<string, unknown>
  >;
  const outs: Output[] = [];
  for (const [name, st] of Object.entries(stages)) {
    if (typeof st !== 'object' || st === null) throw new FileFormatError(lockFile, `stage '${name}' must be a mapping`);
    const def = defs[name.split('@')[0]] ?? {};
    const wdir = typeof def.wdir === 'string' ? def.wdir : '.';
    const flags = outFlags(def);
    const list = (st as Record<string, unknown>).outs ?? [];
    if (!Array.isArray(list)) throw new FileFormatError(lockFile, `stages.${name}.outs must be a list`);
    list.forEach((o, i) => {
      const p = (o as Record<string, unknown>)?.path;
      const out = parseOutEntry(o, lockFile, `stages.${name}.outs[${i}]`, path.resolve(dir, wdir), root, typeof p === 'string' ? flags.get(p) : undefined);
      outs.push({ ...out, declaredIn: path.join(dir, 'dvc.yaml'), stage: name });
    });
  }
  return outs;
}

/** Per-path flags (cache, push, persist, remote) of a stage definition's outs / metrics / plots. */
function outFlags(def: Record<string, unknown>): Map<string, Record<string, unknown>> {
  const m = new Map<string, Record<string, unknown>>();
  for (const bucket of ['outs', 'metrics', 'plots']) {
    const items = def[bucket];
    if (!Array.isArray(items)) continue;
    for (const it of items) {
      if (typeof it === 'string') m.set(it, {});
      else if (it && typeof it === 'object')
        for (const [p, f] of Object.entries(it as Record<string, unknown>)) {
          const flags = (f ?? {}) as Record<string, unknown>;
          const pick: Record<string, unknown> = {};
          for (const k of ['cache', 'push', 'persist', 'remote']) if (k in flags) pick[k] = flags[k];
          m.set(p, pick);
        }
    }
  }
  return m;
}

/** Every output of the workspace. */
export function collectWorkspaceOutputs(root: string, ignore?: IgnoreFilter): Output[] {
  const { dvcFiles, pipelineDirs } = findStageFiles(root, ignore);
  const outs: Output[] = [];
  for (const f of dvcFiles) outs.push(...parseDvcFile(fs.readFileSync(f, 'utf8'), f, root).outs);
  for (const d of pipelineDirs) {
    const read = (n: string): string | undefined => (fs.existsSync(path.join(d, n)) ? fs.readFileSync(path.join(d, n), 'utf8') : undefined);
    outs.push(...parseLockOuts(d, read('dvc.lock'), read('dvc.yaml'), root));
  }
  return outs;
}
