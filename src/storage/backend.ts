/**
 * The storage port. A Backend is a flat key → bytes store rooted at a URL (a local directory, an
 * S3 bucket/prefix, …). Keys are posix relative paths such as `files/md5/ab/cdef…`; a backend
 * never interprets them. Content addressing, hashing and verification live above, in data/.
 *
 * Contract (every adapter runs storage/backend.suite.ts):
 * - `stat` returns undefined for a missing key; it never throws NOT_FOUND.
 * - `read` of a missing key rejects with a KeelError whose code is 'NOT_FOUND'.
 * - `write` / `writeFile` are atomic: a concurrent or later reader sees the whole new object or
 *   nothing (no partial object is ever visible, even if the process is killed mid-write).
 *   Writing an existing key replaces it. Parent "directories" are created as needed.
 * - `list(prefix)` yields every key that starts with `prefix` (a folder-like prefix ending in `/`
 *   or ''), in no particular order; temp files of in-flight writes are never yielded.
 * - `delete` is idempotent: deleting a missing key succeeds.
 * - Errors are KeelErrors: 'NOT_FOUND', 'AUTH' (credentials rejected: permanent),
 *   'REMOTE' (unreachable, missing bucket, …). `isTransient(err)` says whether a retry may help;
 *   the retry decorator (wrap/retry.ts) asks it and never retries a permanent error.
 * - Methods may be called concurrently; the concurrency limit is a decorator (wrap/limit.ts).
 */
import type { Readable } from 'node:stream';

export interface ObjectStat {
  size: number;
}

export interface Backend {
  /** The URL this backend was opened with, for messages (never includes credentials). */
  readonly url: string;
  /**
   * Set only by backends that are a plain local directory: its absolute path. data/ uses it for
   * synchronous small-object fast paths (Node's sync fs calls are several times faster than
   * promise ones for thousands of tiny files). Decorators forward it.
   */
  readonly localRoot?: string;
  stat(key: string): Promise<ObjectStat | undefined>;
  /** A stream of the object's bytes. */
  read(key: string): Promise<Readable>;
  /** Download the object to `localPath` atomically (temp + rename beside it). */
  readToFile(key: string, localPath: string): Promise<void>;
  /** Store `body` under `key` atomically. `size` helps adapters that need a content length. */
  write(key: string, body: Readable | Uint8Array, size?: number): Promise<void>;
  /** Store the local file at `localPath` under `key` atomically (may use copy_file_range / multipart). */
  writeFile(key: string, localPath: string): Promise<void>;
  list(prefix: string): AsyncIterable<string>;
  delete(key: string): Promise<void>;
  /** True when retrying the failed call may succeed (timeouts, 5xx, connection resets, throttling). */
  isTransient(err: unknown): boolean;
  close(): Promise<void>;
}

/** Options every adapter factory receives: the remote's config section, already merged. */
export interface BackendOptions {
  url: string;
  /** The remote's settings from .dvc/config (+ config.local): endpointurl, region, … */
  settings: Record<string, string>;
  /** Environment to read credentials from (config/ passes process.env). */
  env: Record<string, string | undefined>;
}

export type BackendFactory = (opts: BackendOptions) => Promise<Backend> | Backend;
