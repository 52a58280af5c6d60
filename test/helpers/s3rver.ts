/**
 * A real s3rver (in-process S3-compatible server) on 127.0.0.1, a free port and a temp directory,
 * for integration tests. s3rver accepts any signature but checks the access key id: only
 * S3RVER/S3RVER (what `env` holds) is known, any other id answers 403 InvalidAccessKeyId.
 */
import { createRequire } from 'node:module';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';

const require = createRequire(import.meta.url);

export interface S3rverHandle {
  /** e.g. `http://127.0.0.1:41234` */
  endpoint: string;
  bucket: string;
  /** AWS_* variables with credentials s3rver accepts. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Start s3rver with one empty bucket (default 'keel-test'). Always `close()` it. */
export async function startS3rver(bucket = 'keel-test'): Promise<S3rverHandle> {
  // s3rver is CommonJS without types.
  const S3rver = require('s3rver') as new (opts: Record<string, unknown>) => {
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  };
  const directory = await fsp.mkdtemp(path.join(os.tmpdir(), 'keel-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' },
    async close() {
      await server.close();
      await fsp.rm(directory, { recursive: true, force: true });
    },
  };
}
