/** `keel unfreeze`: clear `frozen` (see freeze.ts). */
import type { Repo } from '../repo/index.js';
import { setFrozen } from './freeze.js';

export const unfreeze = (repo: Repo, targets: string[]): Promise<string[]> => setFrozen(repo, targets, false);
