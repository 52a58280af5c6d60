/**
 * A real s3rver (S3-compatible server, in a child process) on 127.0.0.1, a free port and a temp directory,
 * for integration tests. s3rver accepts any signature but checks the access key id: only
 * S3RVER/S3RVER (what `env` holds) is known, any other id answers 403 InvalidAccessKeyId.
 * Known s3rver 3.7.1 limits on Node >= 17: ListObjectsV2 pagination answers 500 (its continuation
 * token uses DES, which OpenSSL 3 refuses), so paginate with the `listobjects` (V1) setting.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

export interface S3rverHandle {
  /** e.g. `http://127.0.0.1:41234` */
  endpoint: string;
  bucket: string;
  /** AWS_* variables with credentials s3rver accepts. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Start s3rver with one empty bucket (default 'keel-test') in a child process — tests that run
 * the CLI with spawnSync block their own event loop, so the server must not live in it. Always
 * `close()` it (in `after`); it also stops if the test process dies (its stdin closes).
 */
export async function startS3rver(bucket = 'keel-test'): Promise<S3rverHandle> {
  const directory = await fsp.mkdtemp(path.join(os.tmpdir(), 'keel-s3rver-'));
  const child = spawn(process.execPath, [fileURLToPath(new URL('./s3rver-main.cjs', import.meta.url)), directory, bucket], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /^(\d+)\n/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited early (code ${code})`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' },
    async close() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await fsp.rm(directory, { recursive: true, force: true });
    },
  };
}
