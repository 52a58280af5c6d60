import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, type CommandSpec } from '../../src/cli/args.js';

const spec: CommandSpec = {
  name: 'metrics',
  summary: 'x',
  options: [
    { name: 'targets', type: 'list', nargs: true, desc: 't' },
    { name: 'remote', short: 'r', type: 'string', desc: 'r' },
    { name: 'force', short: 'f', type: 'boolean', desc: 'f' },
    { name: 'jobs', short: 'j', type: 'number', desc: 'j' },
  ],
};

test('a nargs list option takes every word up to the next flag, as argparse nargs="*"', () => {
  const a = parseArgs(['diff', '--targets', 'a.json', 'b.json', '-f', 'HEAD'], spec);
  assert.deepEqual(a.targets, ['a.json', 'b.json']);
  assert.deepEqual(a._, ['diff', 'HEAD']);
  assert.deepEqual(parseArgs(['--targets=x', '--targets', 'y'], spec).targets, ['x', 'y']);
  assert.deepEqual(parseArgs(['--targets', '--', 'z'], spec), { _: ['z'] });
});

test('flags: bundled booleans, attached values, --no-, numbers, unknown flags', () => {
  const a = parseArgs(['-fj4', '-rstore', 'x'], spec);
  assert.equal(a.force, true);
  assert.equal(a.jobs, 4);
  assert.equal(a.remote, 'store');
  assert.deepEqual(a._, ['x']);
  assert.equal(parseArgs(['--no-force'], spec).force, false);
  assert.throws(() => parseArgs(['--jobs', 'many'], spec), /expects a number/);
  assert.throws(() => parseArgs(['--nope'], spec), /unrecognized option '--nope'/);
  assert.throws(() => parseArgs(['--remote'], spec), /needs a value/);
});
