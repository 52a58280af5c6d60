/** The one exit-code table. 0 = success, 1 = "something changed / not up to date" (status -q). */
import type { ErrorCode } from '../errors/index.js';

export const EXIT_CODES: Record<ErrorCode, number> = {
  USAGE: 2,
  NOT_A_REPO: 3,
  CONFIG: 4,
  FILE_FORMAT: 5,
  PATH: 6,
  NOT_FOUND: 7,
  OUTPUT: 8,
  MISSING_CACHE: 9,
  CORRUPT: 10,
  REMOTE: 11,
  AUTH: 12,
  LOCKED: 13,
  CHECKOUT: 14,
  PIPELINE: 15,
  GIT: 16,
  CANCELLED: 130,
};

/** An unexpected error (a bug): EX_SOFTWARE. */
export const EXIT_BUG = 70;
