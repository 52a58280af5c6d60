// Child process: an s3rver on 127.0.0.1 (free port) over a given directory, with one bucket.
// Usage: node bench/s3rver.mjs <directory> <bucket>. Prints {"port":N} on stdout once listening,
// then serves until SIGTERM/SIGINT or until its stdin closes (so it dies with the runner).
import { createRequire } from 'node:module';
import * as fs from 'node:fs';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
const [directory, bucket] = process.argv.slice(2);
fs.mkdirSync(directory, { recursive: true });
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
process.stdout.write(JSON.stringify({ port }) + '\n');
let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await server.close().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
