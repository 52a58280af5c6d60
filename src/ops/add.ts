/**
 * `keel add`: hash files or directories into the cache (one read per file), write `<target>.dvc`,
 * gitignore the target, and link the workspace per `cache.type`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotFoundError, OutputError, PathError, UsageError } from '../errors/index.js';
import { isInside, toPosix } from '../util/paths.js';
import { buildOutput } from '../data/build.js';
import { parseDvcFile, serializeOut, writeDvcFile } from '../pipeline/dvcfile.js';
import { expandGlob } from '../pipeline/glob.js';
import type { Repo } from '../repo/index.js';
import { assertNotGitTracked, ignore as gitIgnore } from '../git/ignore.js';
import { relinkOutput } from './relink.js';
import type { Io } from './io.js';

export interface AddOptions {
  targets: string[];
  noCommit?: boolean;
  /** destination path for a single target (copy external data into the workspace) */
  out?: string;
  glob?: boolean;
}

export interface AddedOutput {
  path: string;
  dvcFile: string;
  oid: string;
  size: number;
  nfiles?: number;
}

export interface AddResult {
  added: AddedOutput[];
  /** files the user should `git add` */
  gitFiles: string[];
}

export async function add(repo: Repo, o: AddOptions, io: Io): Promise<AddResult> {
  if (o.targets.length === 0) throw new UsageError('nothing to add: name at least one file or directory', { hint: 'keel add data/data.xml' });
  if (o.out && o.targets.length > 1) throw new UsageError('--out can be used with a single target only');
  let targets = o.targets.map((t) => path.resolve(repo.cwd, t));
  if (o.glob) targets = targets.flatMap((t) => expandGlob(repo.root, t));
  const stageOuts = repo.outputs().filter((x) => x.stage);
  const result: AddResult = { added: [], gitFiles: [] };
  for (const src of targets) {
    const dest = o.out ? path.resolve(repo.cwd, o.out) : src;
    checkTarget(repo, dest);
    if (!o.out) checkTarget(repo, src);
    if (!fs.existsSync(src)) throw new NotFoundError(`'${repo.display(src)}' does not exist`, { hint: 'check the path', data: { path: src } });
    for (const so of stageOuts)
      if (isInside(so.abs, dest) || isInside(dest, so.abs))
        throw new OutputError(`'${repo.display(dest)}' overlaps output '${so.defPath}' of stage '${so.stage}' in '${repo.rel(so.declaredIn)}'`, {
          hint: 'stage outputs are tracked by dvc.lock; use keel commit or keel repro instead',
        });
    if (repo.git) await assertNotGitTracked(repo.git, dest, repo.rel(dest));
    const bar = io.progress(`Adding ${repo.display(dest)}`, undefined, 'files');
    const stats = { hashed: 0, fromState: 0 };
    const built = await buildOutput(src, {
      stats,
      repoRoot: repo.root,
      cache: repo.cache,
      state: repo.state,
      commit: !o.noCommit,
      ignore: repo.ignore,
      onFile: () => bar.tick(),
    });
    bar.done();
    io.debug(`add ${repo.rel(dest)}: hashed ${stats.hashed} file(s), ${stats.fromState} answered by the hash state`);
    if (o.out) {
      // copy the external data into the workspace from the cache
      if (o.noCommit) throw new UsageError('--out needs the data in the cache: drop --no-commit');
      await relinkOutput(repo, { abs: dest, oid: built.oid, hashName: 'md5', isexec: built.isexec }, { force: true });
    } else if (!o.noCommit && repo.linkTypes[0] !== 'copy' && repo.linkTypes[0] !== 'reflink') {
      await relinkOutput(repo, { abs: dest, oid: built.oid, hashName: 'md5', isexec: built.isexec }, { force: true, relink: true });
    }
    const dvcFile = dest + '.dvc';
    let prevTop: Record<string, unknown> | undefined;
    let prevOut: Record<string, unknown> | undefined;
    if (fs.existsSync(dvcFile)) {
      const prev = parseDvcFile(fs.readFileSync(dvcFile, 'utf8'), dvcFile, repo.root);
      prevTop = prev.raw;
      prevOut = prev.outs[0]?.raw;
    }
    const entry = serializeOut({
      oid: built.oid,
      size: built.size,
      nfiles: built.nfiles,
      isexec: built.isexec,
      defPath: toPosix(path.basename(dest)),
      raw: prevOut,
    });
    await writeDvcFile(dvcFile, [entry], prevTop);
    result.gitFiles.push(repo.display(dvcFile));
    if (repo.git) {
      const gi = await gitIgnore(repo.git.root, dest, { git: repo.git });
      if (gi) result.gitFiles.push(repo.display(gi));
    }
    result.added.push({ path: repo.rel(dest), dvcFile: repo.rel(dvcFile), oid: built.oid, size: built.size, nfiles: built.nfiles });
  }
  result.gitFiles = [...new Set(result.gitFiles)].sort();
  return result;
}

function checkTarget(repo: Repo, abs: string): void {
  if (!isInside(repo.root, abs) || abs === repo.root)
    throw new PathError(`'${abs}' is outside of the repository '${repo.root}'`, { hint: 'use -o <path inside the repo> to copy external data in' });
  const rel = repo.rel(abs);
  if (/^(\.git|\.dvc)(\/|$)/.test(rel) || rel.split('/').includes('.git'))
    throw new PathError(`'${rel}' is inside .git or .dvc and cannot be tracked`, { hint: 'track data that lives in the workspace' });
  if (rel.endsWith('.dvc') || path.basename(rel) === 'dvc.yaml' || path.basename(rel) === 'dvc.lock')
    throw new PathError(`'${rel}' is a keel/DVC metafile and cannot be tracked`);
}
