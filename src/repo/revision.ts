/**
 * Reading a revision's files without checking it out: the workspace, or a git revision whose
 * small text files are preloaded through one batched `git cat-file`. A file that git does not
 * hold but a DVC output of that revision does (a cached metrics or plots file) is read from the
 * cache by the hash recorded at that revision.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitError } from '../errors/index.js';
import { toPosix, isInside } from '../util/paths.js';
import { isDirOid } from '../data/oid.js';
import { parseTree } from '../data/tree.js';
import type { Output } from '../pipeline/dvcfile.js';
import type { Repo } from './index.js';

export interface RevReader {
  /** 'workspace', or the revision as the user named it */
  label: string;
  /** full sha for git revisions */
  sha?: string;
  /** read a file by absolute path (undefined when absent at that revision) */
  readFile(abs: string): Buffer | undefined;
  exists(abs: string): boolean;
  /** every file path (absolute) at the revision matching a predicate on the repo-relative path */
  list(pred: (rel: string) => boolean): string[];
}

export function workspaceReader(repo: Repo): RevReader {
  return {
    label: 'workspace',
    readFile(abs) {
      try {
        return fs.readFileSync(abs);
      } catch {
        return undefined;
      }
    },
    exists: (abs) => fs.existsSync(abs),
    list(pred) {
      const out: string[] = [];
      const walk = (dir: string, rel: string): void => {
        let ents: fs.Dirent[];
        try {
          ents = fs.readdirSync(dir, { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of ents) {
          if (e.name === '.git' || e.name === '.dvc' || e.name === 'node_modules') continue;
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) {
            if (!repo.ignore.isIgnored(r, true)) walk(path.join(dir, e.name), r);
          } else if (pred(r)) out.push(path.join(dir, e.name));
        }
      };
      walk(repo.root, '');
      return out;
    },
  };
}

const TEXT_EXT = /\.(ya?ml|json|toml|py|csv|tsv|lock|dvc|txt|md|png|jpe?g|gif|svg)$/i;
const PRELOAD_MAX = 4 << 20;

/** A git revision's files. Small text-like files are read up front in one batch. */
export async function gitReader(repo: Repo, rev: string, outputsAtRev?: (sha: string) => Promise<Output[]>): Promise<RevReader> {
  if (!repo.git) throw new GitError(`cannot read revision '${rev}': this repository has no git (core.no_scm)`);
  const sha = await repo.git.revParse(rev);
  const tree = await repo.git.listTree(sha);
  const files = new Map<string, string>(); // rel → blob sha
  for (const e of tree) if (e.type === 'blob') files.set(e.path, e.sha);
  const wanted = [...files.keys()].filter((p) => TEXT_EXT.test(p) || path.posix.basename(p) === 'dvc.lock');
  const blobs = await repo.git.readFilesAtRevs(wanted.map((p) => ({ rev: sha, path: p })));
  const cache = new Map<string, Buffer>();
  wanted.forEach((p, i) => {
    const b = blobs[i];
    if (b && b.length <= PRELOAD_MAX) cache.set(p, b);
  });
  let outs: Output[] | undefined;
  if (outputsAtRev) outs = await outputsAtRev(sha);
  const fromCache = (abs: string): Buffer | undefined => {
    for (const o of outs ?? []) {
      if (!o.oid) continue;
      if (o.abs === abs && !isDirOid(o.oid)) return readObject(repo, o.oid, o.hashName);
      if (isDirOid(o.oid) && isInside(o.abs, abs) && o.abs !== abs) {
        const manifest = readObject(repo, o.oid, o.hashName);
        if (!manifest) return undefined;
        const rel = toPosix(path.relative(o.abs, abs));
        const e = parseTree(manifest, `cache object ${o.oid}`).find((x) => x.relpath === rel);
        return e ? readObject(repo, e.md5, o.hashName) : undefined;
      }
    }
    return undefined;
  };
  return {
    label: rev,
    sha,
    readFile(abs) {
      const rel = toPosix(path.relative(repo.root, abs));
      const hit = cache.get(rel);
      if (hit) return hit;
      if (files.has(rel)) {
        // large or binary blob: read it now (sync, rare)
        return repo.git!.readBlobSync(files.get(rel)!);
      }
      return fromCache(abs);
    },
    exists(abs) {
      const rel = toPosix(path.relative(repo.root, abs));
      return files.has(rel) || fromCache(abs) !== undefined;
    },
    list(pred) {
      return [...files.keys()].filter(pred).map((p) => path.join(repo.root, p));
    },
  };
}

function readObject(repo: Repo, oid: string, name: 'md5' | 'md5-dos2unix'): Buffer | undefined {
  if (repo.cache.check(oid, name) !== 'ok') return undefined;
  return fs.readFileSync(repo.cache.path(oid, name));
}
