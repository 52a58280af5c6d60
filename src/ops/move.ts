/** `keel move src dst`: rename a tracked output, its .dvc file and its gitignore entry. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotFoundError, OutputError, PathError } from '../errors/index.js';
import { isInside, toPosix } from '../util/paths.js';
import { ignore as gitIgnore, ignoreRemove } from '../git/ignore.js';
import { parseDvcFile, serializeOut, writeDvcFile } from '../pipeline/dvcfile.js';
import type { Repo } from '../repo/index.js';
import type { Io } from './io.js';

export async function move(repo: Repo, o: { src: string; dst: string }, _io: Io): Promise<{ dvcFile: string }> {
  const src = path.resolve(repo.cwd, o.src);
  let dst = path.resolve(repo.cwd, o.dst);
  const srcDvc = src + '.dvc';
  if (!fs.existsSync(srcDvc)) throw new NotFoundError(`'${o.src}' is not tracked by a .dvc file ('${repo.display(srcDvc)}' does not exist)`, { hint: 'keel move works on outputs added with keel add' });
  if (fs.statSync(dst, { throwIfNoEntry: false })?.isDirectory()) dst = path.join(dst, path.basename(src));
  if (!isInside(repo.root, dst)) throw new PathError(`'${o.dst}' is outside the repository`);
  if (fs.existsSync(dst)) throw new OutputError(`'${repo.display(dst)}' already exists`, { hint: 'choose another destination' });
  const df = parseDvcFile(fs.readFileSync(srcDvc, 'utf8'), srcDvc, repo.root);
  const out = df.outs[0];
  if (!out || out.abs !== src) throw new OutputError(`'${repo.display(srcDvc)}' does not track '${o.src}'`);
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  if (fs.existsSync(src)) fs.renameSync(src, dst);
  const dstDvc = dst + '.dvc';
  const entries = df.outs.map((x, i) =>
    serializeOut({ oid: x.oid, size: x.size, nfiles: x.nfiles, isexec: x.isexec, defPath: i === 0 ? toPosix(path.basename(dst)) : x.defPath, raw: x.raw }),
  );
  // keep hash-less legacy entries as they were
  if (out.hashName !== 'md5') delete entries[0].hash;
  await writeDvcFile(dstDvc, entries, df.raw);
  fs.rmSync(srcDvc);
  if (repo.git) {
    await ignoreRemove(repo.git.root, src);
    await gitIgnore(repo.git.root, dst);
  }
  return { dvcFile: repo.rel(dstDvc) };
}
