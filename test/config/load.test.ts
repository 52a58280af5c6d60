import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors/index.js';
import { getRemote, globalConfigPaths, loadConfig, redact, isSecretKey, type ConfigScope } from '../../src/config/index.js';

const roots: string[] = [];
after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A temp world: repo/.dvc, system and global config dirs, HOME; nothing from the real machine. */
function world(files: { system?: string; global?: string; repo?: string; local?: string } = {}) {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'keel-config-')));
  roots.push(root);
  const dvcDir = join(root, 'repo', '.dvc');
  const dirs = { system: join(root, 'sys'), global: join(root, 'glob') };
  for (const d of [dvcDir, dirs.system, dirs.global]) mkdirSync(d, { recursive: true });
  const paths = { system: join(dirs.system, 'config'), global: join(dirs.global, 'config'), repo: join(dvcDir, 'config'), local: join(dvcDir, 'config.local') };
  for (const [k, v] of Object.entries(files)) writeFileSync(paths[k as keyof typeof paths], v);
  const env = { HOME: join(root, 'home'), DVC_SYSTEM_CONFIG_DIR: dirs.system, DVC_GLOBAL_CONFIG_DIR: dirs.global };
  const scope: ConfigScope = { dvcDir, env, cwd: join(root, 'repo') };
  return { root, dvcDir, paths, env, scope };
}

test('globalConfigPaths: DVC_* variables, then XDG, then defaults', () => {
  assert.deepEqual(globalConfigPaths({ DVC_SYSTEM_CONFIG_DIR: '/s', DVC_GLOBAL_CONFIG_DIR: '/g' }, 'linux'), { system: '/s/config', global: '/g/config' });
  assert.deepEqual(globalConfigPaths({ HOME: '/home/u' }, 'linux'), { system: '/etc/xdg/dvc/config', global: '/home/u/.config/dvc/config' });
  assert.deepEqual(globalConfigPaths({ HOME: '/home/u', XDG_CONFIG_HOME: '/x', XDG_CONFIG_DIRS: '/a:/b' }, 'linux'), {
    system: '/a/dvc/config',
    global: '/x/dvc/config',
  });
});

test('levels merge key by key, later wins: system < global < repo < local', async () => {
  const w = world({
    system: '[core]\n    checksum_jobs = 2\n    autostage = true\n',
    global: '[core]\n    checksum_jobs = 3\n    analytics = false\n',
    repo: '[core]\n    remote = store\n    checksum_jobs = 4\n[\'remote "store"\']\n    url = s3://bucket/path\n    region = us-east-1\n',
    local: '[core]\n    checksum_jobs = 5\n[\'remote "store"\']\n    profile = me\n',
  });
  const c = await loadConfig(w.dvcDir, { env: w.env });
  assert.equal(c.core.checksum_jobs, 5);
  assert.equal(c.core.autostage, true);
  assert.equal(c.core.analytics, false);
  assert.equal(c.core.no_scm, false); // DVC default
  assert.equal(c.core.remote, 'store');
  assert.deepEqual(c.remotes.store, {
    url: 's3://bucket/path',
    region: 'us-east-1',
    profile: 'me',
    listobjects: false,
    use_ssl: true,
    allow_anonymous_login: false,
    verify: false,
  });
  assert.equal(c.origin('core', 'checksum_jobs'), 'local');
  assert.equal(c.origin('remote "store"', 'region'), 'repo');
  assert.equal(c.levels.repo?.get('core')?.get('checksum_jobs'), '4');
});

test('booleans accept true/false in any case; section names and keys are lower-cased', async () => {
  const w = world({ repo: "[CORE]\n    Autostage = True\n    no_scm = FALSE\n['Remote \"Store\"']\n    URL = /data\n" });
  const c = await loadConfig(w.dvcDir, { env: w.env });
  assert.equal(c.core.autostage, true);
  assert.equal(c.core.no_scm, false);
  assert.equal(c.remotes.store.url, '/data');
});

test('relative paths resolve against the directory of the file that set them', async () => {
  const w = world({
    global: "['remote \"g\"']\n    url = ../shared\n",
    repo: "[cache]\n    dir = ../cache\n    type = \"reflink,copy\"\n['remote \"r\"']\n    url = ../storage\n['remote \"h\"']\n    url = ~/store\n['remote \"ssh\"']\n    url = ssh://host/p\n    keyfile = key.pem\n",
  });
  const c = await loadConfig(w.dvcDir, { env: w.env });
  assert.equal(c.cache.dir, join(w.root, 'repo', 'cache'));
  assert.deepEqual(c.cache.type, ['reflink', 'copy']);
  assert.equal(c.remotes.r.url, join(w.root, 'repo', 'storage'));
  assert.equal(c.remotes.g.url, join(w.root, 'shared'));
  assert.equal(c.remotes.h.url, join(w.root, 'home', 'store'));
  assert.equal(c.remotes.ssh.url, 'ssh://host/p');
  assert.equal(c.remotes.ssh.keyfile, join(w.dvcDir, 'key.pem'));
});

test('a malformed file is a ConfigError naming the file and line', async () => {
  const w = world({ repo: '[core]\n    remote = a\n  this is not ini\n' });
  await assert.rejects(loadConfig(w.dvcDir, { env: w.env }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /config file error: '.*\.dvc\/config' line 3: Invalid line/);
    assert.deepEqual(e.data, { file: w.paths.repo, line: 3 });
    assert.ok(e.hint);
    return true;
  });
});

test('unknown sections, options and bad values are ConfigErrors naming file, section, key', async () => {
  const cases: [string, RegExp, Record<string, unknown>][] = [
    ['[foo]\n    a = 1\n', /unknown section '\[foo\]'/, { section: 'foo' }],
    ['[core]\n    invalid_key = value\n', /unknown option 'invalid_key' in section 'core'/, { section: 'core', key: 'invalid_key' }],
    ['[core]\n    autostage = maybe\n', /invalid value 'maybe' for 'core.autostage'.*expected true or false/, { section: 'core', key: 'autostage' }],
    ['[core]\n    checksum_jobs = 0\n', /at least 1/, { key: 'checksum_jobs' }],
    ['[cache]\n    type = reflink,bogus\n', /Unsupported cache type\(s\): bogus/, { key: 'type' }],
    ["['remote \"s\"']\n    url = s3://b/p\n    keyfile = x\n", /unknown option 'keyfile' for s3 remote 's'/, { section: 'remote "s"', key: 'keyfile' }],
    ["['remote \"s\"']\n    region = x\n", /remote 's' has no 'url'/, { section: 'remote "s"' }],
    ["['remote \"s\"']\n    url = foo://b/p\n", /unsupported URL type foo:\/\//, { key: 'url' }],
  ];
  for (const [text, re, data] of cases) {
    const w = world({ repo: text });
    await assert.rejects(loadConfig(w.dvcDir, { env: w.env }), (e: unknown) => {
      assert.ok(e instanceof ConfigError, text);
      assert.match(e.message, re);
      assert.ok(e.message.includes(w.paths.repo), e.message);
      assert.equal(e.data.file, w.paths.repo);
      for (const [k, v] of Object.entries(data)) assert.equal(e.data[k], v, `${text}: ${k}`);
      assert.ok(e.hint);
      return true;
    });
  }
});

test('an option set in one level is judged with the url from another; errors name the right file', async () => {
  const w = world({ repo: "['remote \"s\"']\n    url = s3://b/p\n", local: "['remote \"s\"']\n    profile = me\n    port = 22\n" });
  await assert.rejects(loadConfig(w.dvcDir, { env: w.env }), (e: unknown) => e instanceof ConfigError && e.data.file === w.paths.local);
});

test('unknown feature.* options are dropped with DVC\'s warning', async () => {
  const w = world({ repo: '[feature]\n    random_key_1 = x\n    random_key_2 = 42\n' });
  const c = await loadConfig(w.dvcDir, { env: w.env });
  assert.deepEqual(c.warnings, ["'feature.random_key_1', 'feature.random_key_2' config options are unsupported"]);
  assert.deepEqual(Object.fromEntries(c.values.get('feature')!), { machine: false });
});

test('outside a repository only system and global are read', async () => {
  const w = world({ global: '[core]\n    analytics = false\n', repo: '[core]\n    analytics = true\n' });
  const c = await loadConfig(null, { env: w.env });
  assert.equal(c.core.analytics, false);
  assert.equal(c.files.repo, undefined);
});

test('getRemote: default remote, named remote, remote:// references, checksum_jobs fallback', async () => {
  const w = world({
    repo:
      '[core]\n    remote = store\n    checksum_jobs = 3\n' +
      "['remote \"store\"']\n    url = ../storage\n['remote \"base\"']\n    url = ssh://host/root\n    user = u\n" +
      "['remote \"sub\"']\n    url = remote://base/dvc-storage\n    user = alice\n",
  });
  const c = await loadConfig(w.dvcDir, { env: w.env });
  const d = getRemote(c);
  assert.equal(d.name, 'store');
  assert.equal(d.url, join(w.root, 'repo', 'storage'));
  assert.equal(d.settings.checksum_jobs, 3);
  const s = getRemote(c, 'SUB');
  assert.equal(s.url, 'ssh://host/root/dvc-storage');
  assert.equal(s.settings.user, 'alice');
  assert.throws(() => getRemote(c, 'nope'), /remote 'nope' doesn't exist/);
});

test('getRemote errors: no remote at all, no default, core.remote naming a missing remote', async () => {
  const none = await loadConfig(world().dvcDir, { env: world().env });
  assert.throws(() => getRemote(none, undefined, 'push'), (e: unknown) => e instanceof ConfigError && /no remote specified.*\n.*keel remote add -d/s.test(e.message));
  const w1 = world({ repo: "['remote \"a\"']\n    url = /a\n" });
  const noDefault = await loadConfig(w1.dvcDir, { env: w1.env });
  assert.throws(() => getRemote(noDefault, undefined, 'push'), /keel remote default <remote name>\nor use:\n    keel push -r <remote name>/);
  const w2 = world({ repo: "[core]\n    remote = gone\n['remote \"a\"']\n    url = /a\n" });
  const dangling = await loadConfig(w2.dvcDir, { env: w2.env });
  assert.throws(
    () => getRemote(dangling),
    (e: unknown) => e instanceof ConfigError && /remote 'gone' doesn't exist/.test(e.message) && (e.hint ?? '').includes(w2.paths.repo),
  );
});

test('redact hides secrets and URL passwords', () => {
  assert.equal(redact('remote.s.secret_access_key', 'abc'), '***');
  assert.equal(redact('password', 'abc'), '***');
  assert.equal(redact('remote.s.url', 'https://user:pw@host/p'), 'https://user:***@host/p');
  assert.equal(redact('remote.s.region', 'us-east-1'), 'us-east-1');
  for (const k of ['access_key_id', 'secret_access_key', 'session_token', 'password', 'token', 'sas_token', 'client_secret', 'account_key'])
    assert.ok(isSecretKey(k), k);
  assert.ok(!isSecretKey('credentialpath'));
});
