/** `keel init`: create `.dvc/` (config, .gitignore, tmp) and `.dvcignore`, as `dvc init` does. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KeelError } from '../errors/index.js';
import { writeFileAtomic } from '../util/fs.js';
import { findGitRootSync } from '../git/index.js';
import { DVCIGNORE_INIT_TEXT } from '../git/dvcignore.js';
import type { Io } from './io.js';

export interface InitOptions {
  noScm?: boolean;
  force?: boolean;
}

export interface InitResult {
  root: string;
  /** files to add to git (empty with --no-scm) */
  gitFiles: string[];
}

export async function init(cwd: string, o: InitOptions, _io: Io): Promise<InitResult> {
  const root = path.resolve(cwd);
  const dvcDir = path.join(root, '.dvc');
  if (fs.existsSync(dvcDir)) {
    if (!o.force)
      throw new KeelError('USAGE', `'${dvcDir}' exists. Use \`-f\` to force.`, { hint: 'keel init -f re-initialises (the cache is kept only if it lives elsewhere)' });
    fs.rmSync(dvcDir, { recursive: true, force: true });
  }
  const gitRoot = findGitRootSync(root);
  if (!o.noScm && gitRoot === undefined)
    throw new KeelError('GIT', `'${root}' is not tracked by any supported SCM tool (e.g. Git).`, {
      hint: "run 'git init' first, or use `--no-scm` if you don't want to use any SCM",
    });
  fs.mkdirSync(path.join(dvcDir, 'tmp'), { recursive: true });
  await writeFileAtomic(path.join(dvcDir, 'config'), o.noScm ? '[core]\n    no_scm = True\n' : '');
  await writeFileAtomic(path.join(dvcDir, '.gitignore'), '/config.local\n/tmp\n/cache\n');
  const ignoreFile = path.join(root, '.dvcignore');
  if (!fs.existsSync(ignoreFile)) await writeFileAtomic(ignoreFile, DVCIGNORE_INIT_TEXT);
  return {
    root,
    gitFiles: o.noScm ? [] : ['.dvc/.gitignore', '.dvc/config', '.dvcignore'],
  };
}
