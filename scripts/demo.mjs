#!/usr/bin/env node
// The README's main job (for now): the "share your data" workflow of the guide, end to end, in a
// temp git repository with a local remote — init, add, push, then a teammate's clone pulls the
// same bytes. Every step is the real `keel` CLI; the commands are printed as they run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const KEEL = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const base = mkdtempSync(join(tmpdir(), 'keel-demo-'));
const env = { ...process.env, GIT_AUTHOR_NAME: 'keel demo', GIT_AUTHOR_EMAIL: 'demo@keel.invalid', GIT_COMMITTER_NAME: 'keel demo', GIT_COMMITTER_EMAIL: 'demo@keel.invalid' };

function sh(cwd, cmd, args) {
  const shown = [cmd === process.execPath ? 'keel' : cmd, ...(cmd === process.execPath ? args.slice(1) : args)].join(' ');
  process.stdout.write(`\n$ ${shown}\n`);
  const out = execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(out);
  return out;
}
const keel = (cwd, ...args) => sh(cwd, process.execPath, [KEEL, ...args]);
const git = (cwd, ...args) => sh(cwd, 'git', args);

const alice = join(base, 'alice');
const remote = join(base, 'remote');
mkdirSync(alice);
console.log(`keel demo in ${base}`);
git(alice, 'init', '-q', '-b', 'main');
keel(alice, 'init');
// a small dataset: 200 labelled rows, plus a directory of 50 files
const rows = Array.from({ length: 200 }, (_, i) => `<row Id="${i}" Tags="${i % 3 === 0 ? '<spam>' : ''}" Title="message ${i}" Body="text of message ${i}"/>`);
mkdirSync(join(alice, 'data/images'), { recursive: true });
writeFileSync(join(alice, 'data/data.xml'), `<?xml version="1.0" encoding="utf-8"?>\n<posts>\n${rows.join('\n')}\n</posts>\n`);
for (let i = 0; i < 50; i++) writeFileSync(join(alice, `data/images/img${i}.txt`), `pixel data ${i}\n`.repeat(20));
keel(alice, 'add', 'data/data.xml', 'data/images');
keel(alice, 'remote', 'add', '-d', 'storage', remote);
keel(alice, 'push');
git(alice, 'add', '-A');
git(alice, 'commit', '-q', '-m', 'Track data with keel');
console.log('\n--- a teammate clones the repository and pulls the data ---');
git(base, 'clone', '-q', alice, 'bob');
const bob = join(base, 'bob');
keel(bob, 'pull');
keel(bob, 'status');
const same = readFileSync(join(bob, 'data/data.xml')).equals(readFileSync(join(alice, 'data/data.xml')));
console.log(`\nbob's data/data.xml is byte-identical to alice's: ${same}`);
console.log(`\nLook around: ${base} (alice/, bob/, remote/files/md5/…)`);
if (!same) process.exit(1);
