/** Paths of the committed test fixtures (copied from shared/fixtures; see each folder's README). */
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
/** Files written by real DVC 3.30.3 (test/fixtures/dvc-golden/README.md). */
export const GOLDEN = fileURLToPath(new URL('../fixtures/dvc-golden/', import.meta.url));
