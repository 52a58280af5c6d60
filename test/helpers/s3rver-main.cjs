// s3rver 3.7.1's FilesystemStore.putObject resolves when its md5 Transform finishes, before the
// write stream has flushed: a PUT can be acknowledged before its bytes are on disk, and a GET right
// after it may read the old or a truncated object. Acknowledge only once written (temp + rename).
const fs = require('node:fs');
const crypto = require('node:crypto');
const path = require('node:path');
const { Readable, Transform } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const Store = require('s3rver/lib/stores/filesystem');
Store.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
  const hash = crypto.createHash('md5');
  let size = 0;
  const count = new Transform({ transform(chunk, _enc, cb) { hash.update(chunk); size += chunk.length; cb(null, chunk); } });
  const tmp = `${objectPath}.${crypto.randomBytes(6).toString('hex')}.tmp`; // not listed: lacks the object suffix
  const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
  await pipeline(source, count, fs.createWriteStream(tmp));
  await fs.promises.rename(tmp, objectPath);
  const md5 = hash.digest('hex');
  await this.putMetadata(object.bucket, object.key, object.metadata, md5);
  return { size, md5 };
};
// Runs s3rver in its own process (so tests may block on spawnSync while it serves):
// argv: <directory> <bucket>. Prints the port on stdout once listening; exits on SIGTERM / stdin close.
const S3rver = require('s3rver');
const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
server.run().then(({ port }) => process.stdout.write(`${port}\n`));
const stop = () => server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
