/** A keel repository in a temp git repo, plus inspection helpers for the cache and remotes. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keelOk } from './cli.js';
import { makeGitRepo, makeTempDir, writeFiles } from './git.js';

export function md5(data: string | Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/** `git init` + `keel init` + optional files. */
export function keelRepo(files: Record<string, string | Uint8Array> = {}): string {
  const dir = makeGitRepo();
  keelOk(dir, ['init', '-q']);
  writeFiles(dir, files);
  return dir;
}

/** keelRepo with a local remote `store` set as default; returns [repo, remoteDir]. */
export function keelRepoWithRemote(files: Record<string, string | Uint8Array> = {}): [string, string] {
  const dir = keelRepo(files);
  const remote = makeTempDir('keel-remote-');
  keelOk(dir, ['remote', 'add', '-d', 'store', remote]);
  return [dir, remote];
}

/** Every regular file under `root` as relative posix path → bytes. */
export function listFiles(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string, rel: string): void => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else if (e.isFile()) out.set(r, fs.readFileSync(path.join(d, e.name)));
    }
  };
  walk(root, '');
  return out;
}

/**
 * Check that every object under an object-store root (cache or remote) hashes to its name, and
 * that no temp file is left beside them. Returns the object keys.
 */
export function assertObjectsSound(root: string, opts: { allowTemp?: boolean } = {}): string[] {
  const keys: string[] = [];
  for (const [rel, bytes] of listFiles(root)) {
    if (rel.startsWith('runs/')) continue;
    const m = /^(?:files\/md5\/)?([0-9a-f]{2})\/([0-9a-f]{30})(\.dir)?$/.exec(rel);
    if (!m) {
      // a temp file, or anything inside a staging directory (an empty cache filled in one go)
      if (opts.allowTemp && /\/\.[^/]+\.tmp(\/|$)/.test('/' + rel)) continue;
      throw new Error(`unexpected file in object store ${root}: ${rel}`);
    }
    const got = md5(bytes);
    if (got !== m[1] + m[2]) throw new Error(`object ${rel} in ${root} is corrupt: content hashes to ${got}`);
    keys.push(rel);
  }
  return keys;
}
