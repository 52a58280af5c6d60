/** `keel root`: the repository root relative to the cwd. */
import * as path from 'node:path';
import { toPosix } from '../util/paths.js';
import { findRoot } from '../repo/index.js';

export function root(cwd: string): string {
  return toPosix(path.relative(cwd, findRoot(cwd))) || '.';
}
