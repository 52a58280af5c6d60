/** The pure part of `keel ci init`: forge detection from a git remote URL and option checks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { checkCiOptions, ciTemplate, forgeFromRemoteUrl } from '../../src/report/ci-templates.js';

test('forgeFromRemoteUrl reads the host of https, ssh and scp-like URLs', () => {
  assert.equal(forgeFromRemoteUrl('https://github.com/acme/spam.git'), 'github');
  assert.equal(forgeFromRemoteUrl('git@github.com:acme/spam.git'), 'github');
  assert.equal(forgeFromRemoteUrl('ssh://git@github.example.com:22/acme/spam'), 'github');
  assert.equal(forgeFromRemoteUrl('https://user:tok@gitlab.com/g/sub/p.git'), 'gitlab');
  assert.equal(forgeFromRemoteUrl('gitlab.internal:group/p.git'), 'gitlab');
  assert.equal(forgeFromRemoteUrl('https://bitbucket.org/acme/spam.git'), undefined);
  assert.equal(forgeFromRemoteUrl('/srv/git/github-mirror.git'), undefined, 'a local path is not a host');
  assert.equal(forgeFromRemoteUrl('../gitlab/repo'), undefined);
});

test('checkCiOptions refuses values that YAML or a shell would read specially', () => {
  const ok = { forge: 'github', credentials: 's3', node: '20', base: 'main' } as const;
  checkCiOptions(ok);
  checkCiOptions({ ...ok, base: 'release/2.x', node: '22.3.1' });
  for (const base of ['', '-main', 'a..b', 'a b', 'main;x', 'x/', 'x.lock', '$(id)', "it's", 'a"b'])
    assert.throws(() => checkCiOptions({ ...ok, base }), /--base/, base);
  for (const node of ['', 'lts', '20 ', '20.1.2.3', "20'"]) assert.throws(() => checkCiOptions({ ...ok, node }), /--node/, node);
  assert.throws(() => checkCiOptions({ ...ok, credentials: 'azure' as never }), /--credentials/);
});

test('a base branch that YAML would read as a number stays a string', () => {
  const t = ciTemplate({ forge: 'github', credentials: 'none', node: '20', base: '1.10' });
  assert.deepEqual((parse(t.text) as { on: { push: { branches: unknown[] } } }).on.push.branches, ['1.10']);
  const y = ciTemplate({ forge: 'github', credentials: 'none', node: '20', base: 'yes' });
  assert.deepEqual((parse(y.text) as { on: { push: { branches: unknown[] } } }).on.push.branches, ['yes']);
});
