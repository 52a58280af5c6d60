import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, UsageError } from '../../src/errors/index.js';
import {
  getValue,
  listValues,
  loadConfig,
  remoteAdd,
  remoteDefault,
  remoteDefaultGet,
  remoteList,
  remoteModify,
  remoteRemove,
  remoteRename,
  setValue,
  unsetValue,
  type LevelOptions,
} from '../../src/config/index.js';

const GOLDEN = new URL('../fixtures/dvc-golden/repo/dot-dvc-config', import.meta.url);
const roots: string[] = [];
after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A temp repo with an empty .dvc/config (as `dvc init` leaves it) and private system/global dirs. */
function repo(repoText = '', localText?: string) {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'keel-config-edit-')));
  roots.push(root);
  const dvcDir = join(root, 'repo', '.dvc');
  mkdirSync(dvcDir, { recursive: true });
  const repoFile = join(dvcDir, 'config');
  const localFile = join(dvcDir, 'config.local');
  const globalFile = join(root, 'glob', 'config');
  writeFileSync(repoFile, repoText);
  if (localText !== undefined) writeFileSync(localFile, localText);
  const env = { HOME: join(root, 'home'), DVC_SYSTEM_CONFIG_DIR: join(root, 'sys'), DVC_GLOBAL_CONFIG_DIR: join(root, 'glob') };
  const o = (level?: LevelOptions['level'], cwd = join(root, 'repo')): LevelOptions => ({ dvcDir, env, cwd, level });
  const read = (f: string): string | undefined => (existsSync(f) ? readFileSync(f, 'utf8') : undefined);
  return { root, dvcDir, repoFile, localFile, globalFile, env, o, repoText: () => read(repoFile), localText: () => read(localFile) };
}

const isConfigError = (re: RegExp) => (e: unknown) => e instanceof ConfigError && re.test(e.message);

test('remote add -d on a fresh repo writes the golden .dvc/config byte for byte', async () => {
  const r = repo();
  const res = await remoteAdd(r.o(), 'store', '/path/to/remote', { default: true });
  assert.deepEqual(res.messages, ["Setting 'store' as a default remote."]);
  assert.equal(r.repoText(), readFileSync(GOLDEN, 'utf8'));
  assert.equal(r.localText(), undefined);
  assert.deepEqual(await remoteList(r.o()), ['store\t/path/to/remote\t(default)']);
  assert.equal(await remoteDefaultGet(r.o()), 'store');
});

test('config set / unset (tests/func/test_config.py::test_config_set)', async () => {
  const r = repo('[core]\n    no_scm = True\n');
  await setValue(r.o(), 'core.analytics', 'false');
  assert.equal(r.repoText(), '[core]\n    no_scm = True\n    analytics = false\n');
  await setValue(r.o(), 'core.analytics', 'true');
  assert.equal(r.repoText(), '[core]\n    no_scm = True\n    analytics = true\n');
  await unsetValue(r.o(), 'core.analytics');
  assert.equal(r.repoText(), '[core]\n    no_scm = True\n');
  assert.equal(r.localText(), undefined);
});

test('config set --local, and unsetting the last option leaves "\\n" as ConfigObj writes it', async () => {
  const r = repo('[core]\n    no_scm = True\n');
  await setValue(r.o('local'), 'core.analytics', 'false');
  assert.equal(r.repoText(), '[core]\n    no_scm = True\n');
  assert.equal(r.localText(), '[core]\n    analytics = false\n');
  await unsetValue(r.o('local'), 'core.analytics');
  assert.equal(r.localText(), '\n');
});

test('config get searches local→system, --level errors name the missing option (test_config_get)', async () => {
  const r = repo(
    '[core]\n    no_scm = true\n    analytics = False\n    remote = myremote\n[\'remote "myremote"\']\n    url = s3://bucket/path\n    region = us-east-2\n',
    '[\'remote "myremote"\']\n    profile = iterative\n[\'remote "other"\']\n    url = gs://bucket/path\n',
  );
  assert.equal((await getValue(r.o(), 'core.analytics'))?.value, 'False');
  assert.equal((await getValue(r.o(), 'core.remote'))?.value, 'myremote');
  assert.equal((await getValue(r.o(), 'remote.myremote.profile'))?.level, 'local');
  assert.equal((await getValue(r.o('local'), 'remote.other.url'))?.value, 'gs://bucket/path');
  assert.equal(await getValue(r.o(), 'core.autostage'), undefined);
  await assert.rejects(getValue(r.o('repo'), 'remote.myremote.profile'), isConfigError(/option 'profile' doesn't exist in remote 'myremote'/));
  await assert.rejects(getValue(r.o('repo'), 'remote.other.url'), isConfigError(/remote 'other' doesn't exist/));
  await assert.rejects(getValue(r.o(), 'nodots'), (e: unknown) => e instanceof UsageError);
});

test('config --list prints every level, named sections first, secrets included (test_config_list)', async () => {
  const r = repo(
    '[core]\n    no_scm = true\n    remote = myremote\n[\'remote "myremote"\']\n    url = s3://bucket/path\n',
    '[\'remote "myremote"\']\n    secret_access_key = 123456\n[cache]\n    dir = ../cache\n',
  );
  const lines = (await listValues(r.o())).map((v) => `${v.level}:${v.name}=${v.value}`);
  assert.deepEqual(lines, [
    'repo:remote.myremote.url=s3://bucket/path',
    'repo:core.no_scm=true',
    'repo:core.remote=myremote',
    'local:remote.myremote.secret_access_key=123456',
    `local:cache.dir=${join(r.root, 'repo', 'cache')}`,
  ]);
});

test('outside a repository, repo and local levels are refused', async () => {
  const r = repo();
  const out = { dvcDir: null, env: r.env, cwd: r.root };
  await assert.rejects(setValue({ ...out }, 'core.analytics', 'false'), isConfigError(/Not inside a DVC repo/));
  await assert.rejects(getValue({ ...out, level: 'local' }, 'core.remote'), isConfigError(/Not inside a DVC repo/));
  await setValue({ ...out, level: 'global' }, 'core.analytics', 'false');
  assert.equal(readFileSync(r.globalFile, 'utf8'), '[core]\n    analytics = false\n');
});

test('invalid edits are refused and leave the file untouched', async () => {
  const r = repo('[core]\n    no_scm = True\n');
  await assert.rejects(setValue(r.o(), 'core.invalid_key', 'value'), isConfigError(/unknown option 'invalid_key' in section 'core'/));
  await assert.rejects(setValue(r.o(), 'core.autostage', 'perhaps'), isConfigError(/expected true or false/));
  await remoteAdd(r.o(), 'drive', 'gdrive://test/test', { default: true });
  const before = r.repoText();
  await assert.rejects(remoteModify(r.o(), 'drive', 'unsupported_config', 'something'), isConfigError(/unknown option 'unsupported_config'/));
  assert.equal(r.repoText(), before);
});

test('remote options: s3 ssl_verify, modify --unset (test_s3_ssl_verify, test_remote_modify_unset)', async () => {
  const r = repo('[core]\n    no_scm = True\n');
  await remoteAdd(r.o(), 'remote-name', 's3://bucket/dvc');
  await remoteModify(r.o(), 'remote-name', 'ssl_verify', 'False');
  assert.equal(r.repoText(), '[core]\n    no_scm = True\n[\'remote "remote-name"\']\n    url = s3://bucket/dvc\n    ssl_verify = False\n');
  await remoteModify(r.o(), 'remote-name', 'ssl_verify', '/path/to/custom/cabundle.pem');
  assert.equal(r.repoText(), '[core]\n    no_scm = True\n[\'remote "remote-name"\']\n    url = s3://bucket/dvc\n    ssl_verify = /path/to/custom/cabundle.pem\n');
  await remoteModify(r.o(), 'remote-name', 'ssl_verify', undefined, { unset: true });
  assert.equal(r.repoText(), '[core]\n    no_scm = True\n[\'remote "remote-name"\']\n    url = s3://bucket/dvc\n');
});

test('a relative remote path given from cwd is stored relative to .dvc/, posix (test_remote_add_relative_path)', async () => {
  const r = repo();
  await remoteAdd(r.o(), 'mylocal', '../path/to/dir');
  assert.equal(r.repoText(), '[\'remote "mylocal"\']\n    url = ../../path/to/dir\n');
  await remoteAdd(r.o(undefined, join(r.root, 'repo', 'sub')), 'deeper', 'store');
  await remoteAdd(r.o(), 'abs', '/abs/path');
  await remoteAdd(r.o(), 'home', '~/store');
  await remoteAdd(r.o(), 'ref', 'remote://mylocal/sub');
  await remoteAdd(r.o('global'), 'glob', 'gstore');
  assert.match(r.repoText()!, /url = \.\.\/sub\/store\n/);
  assert.match(r.repoText()!, /url = \/abs\/path\n/);
  assert.match(r.repoText()!, /url = ~\/store\n/);
  assert.match(r.repoText()!, /url = remote:\/\/mylocal\/sub\n/);
  assert.equal(readFileSync(r.globalFile, 'utf8'), '[\'remote "glob"\']\n    url = ../repo/gstore\n');
  const c = await loadConfig(r.dvcDir, { env: r.env });
  assert.equal(c.remotes.mylocal.url, join(r.root, 'path', 'to', 'dir'));
  assert.equal(c.remotes.glob.url, join(r.root, 'repo', 'gstore'));
  await setValue(r.o(), 'cache.dir', 'cachedir');
  assert.match(r.repoText()!, /^\[cache\]\n    dir = \.\.\/cachedir\n\['remote/);
});

test('remote add refuses an existing name unless forced (test_remote_overwrite)', async () => {
  const r = repo();
  await remoteAdd(r.o(), 'a', 's3://bucket/name');
  await remoteModify(r.o(), 'a', 'region', 'eu-west-1');
  await assert.rejects(remoteAdd(r.o(), 'A', 's3://bucket/other'), isConfigError(/remote 'a' already exists. Use `-f\|--force` to overwrite it./));
  await remoteAdd(r.o(), 'a', 's3://bucket/other', { force: true });
  assert.equal(r.repoText(), '[\'remote "a"\']\n    url = s3://bucket/other\n');
});

test('remote remove clears core.remote in this level and the local level (test_remove_default)', async () => {
  const r = repo();
  await remoteAdd(r.o(), 'mys3', 's3://bucket/name', { default: true });
  await remoteModify(r.o(), 'mys3', 'profile', 'default');
  await setValue(r.o('local'), 'core.remote', 'mys3');
  assert.match(r.localText()!, /remote = mys3/);
  await remoteRemove(r.o(), 'mys3');
  assert.equal(r.repoText(), '\n');
  assert.equal(r.localText(), '\n');
  await assert.rejects(remoteRemove(r.o(), 'mys3'), isConfigError(/remote 'mys3' doesn't exist\./));
});

test('remote default: must exist at or below the level; --unset; --local (test_remote_modify_default)', async () => {
  const r = repo();
  await remoteAdd(r.o(), 'repo_level', 's3://bucket/repo');
  await remoteAdd(r.o(), 'local_level', 's3://bucket/local');
  await assert.rejects(remoteDefault(r.o(), 'anything'), isConfigError(/default remote must be present in remote list\./));
  await remoteDefault(r.o(), 'repo_level');
  await remoteDefault(r.o('local'), 'local_level');
  assert.match(r.repoText()!, /^\[core\]\n    remote = repo_level\n/);
  assert.equal(r.localText(), '[core]\n    remote = local_level\n');
  assert.equal(await remoteDefaultGet(r.o()), 'local_level');
  assert.equal(await remoteDefaultGet(r.o('repo')), 'repo_level');
  await remoteDefault(r.o(), undefined, { unset: true });
  assert.doesNotMatch(r.repoText()!, /core/);
  await remoteDefault(r.o('local'), undefined, { unset: true });
  assert.equal(await remoteDefaultGet(r.o()), undefined);
});

test('remote modify: missing remote fails; --local adds to a remote defined in repo (test_remote_modify_local_on_repo_config)', async () => {
  const r = repo();
  await assert.rejects(remoteModify(r.o(), 'myremote', 'user', 'xxx'), isConfigError(/remote 'myremote' doesn't exist\./));
  await remoteAdd(r.o(), 'myremote', 'http://example.com/path');
  await remoteModify(r.o('local'), 'myremote', 'user', 'xxx');
  assert.equal(r.localText(), '[\'remote "myremote"\']\n    user = xxx\n');
  assert.equal(r.repoText(), '[\'remote "myremote"\']\n    url = http://example.com/path\n');
  const c = await loadConfig(r.dvcDir, { env: r.env });
  assert.deepEqual(c.remotes.myremote, { url: 'http://example.com/path', user: 'xxx', verify: false });
});

test('remote rename moves the section and the default in repo and local (test_remote_rename, test_remote_default)', async () => {
  const r = repo();
  await remoteAdd(r.o(), 'drive', 'gdrive://test/test', { default: true });
  await remoteAdd(r.o(), 'other', 's3://b/p');
  await remoteDefault(r.o('local'), 'drive');
  await assert.rejects(remoteRename(r.o(), 'nope', 'new'), isConfigError(/remote 'nope' doesn't exist\./));
  await remoteRename(r.o(), 'drive', 'new');
  assert.equal(r.repoText(), '[core]\n    remote = new\n[\'remote "other"\']\n    url = s3://b/p\n[\'remote "new"\']\n    url = gdrive://test/test\n');
  assert.equal(r.localText(), '[core]\n    remote = new\n');
  await remoteAdd(r.o('local'), 'overlap', 'gdrive://test/test1');
  await assert.rejects(remoteRename(r.o(), 'new', 'overlap'), isConfigError(/Rename failed. Remote name 'overlap' already exists./));
});

test('remote list shows every level\'s remotes, default marked (test_list_shows_default)', async () => {
  const r = repo();
  await remoteAdd(r.o(), 'foo', 's3://bucket/name');
  await remoteAdd(r.o(), 'bar', 's3://bucket/name');
  await remoteAdd(r.o('local'), 'mine', '../mine');
  await remoteDefault(r.o(), 'foo');
  assert.deepEqual(await remoteList(r.o()), ['foo\ts3://bucket/name\t(default)', 'bar\ts3://bucket/name', `mine\t${join(r.root, 'mine')}`]);
  assert.deepEqual(await remoteList(r.o('local')), [`mine\t${join(r.root, 'mine')}`]);
});

test('credentials written to .dvc/config are written, with a warning; --local gives none', async () => {
  const r = repo();
  await remoteAdd(r.o(), 's', 's3://b/p');
  const w = await remoteModify(r.o(), 's', 'secret_access_key', 'abc');
  assert.equal(w.warnings.length, 1);
  assert.match(w.warnings[0], /'remote\.s\.secret_access_key' is stored in \.dvc\/config which is committed to git; use --local/);
  assert.match(r.repoText()!, /secret_access_key = abc/);
  assert.deepEqual((await remoteModify(r.o('local'), 's', 'access_key_id', 'id')).warnings, []);
  assert.equal((await setValue(r.o(), 'remote.s.session_token', 't')).warnings.length, 1);
  assert.equal((await remoteAdd(r.o(), 'h', 'https://user:pw@host/p')).warnings.length, 1);
  assert.deepEqual((await remoteModify(r.o(), 's', 'region', 'eu-west-1')).warnings, []);
});

test('edits keep comments, untouched lines and file mode; sections stay in DVC order', async () => {
  const text = '# project config\n[\'remote "a"\']\n  url=s3://b/a   # primary\n\n# core stuff\n[core]\n  remote = a\n';
  const r = repo(text);
  chmodSync(r.repoFile, 0o640);
  await remoteModify(r.o(), 'a', 'region', 'us-east-1');
  assert.equal(
    r.repoText(),
    '\n# core stuff\n[core]\n  remote = a\n# project config\n[\'remote "a"\']\n  url=s3://b/a   # primary\n    region = us-east-1\n',
  );
  assert.equal(statSync(r.repoFile).mode & 0o777, 0o640);
  // Files whose data did not change are not rewritten (nor created).
  const r3 = repo(text);
  await remoteDefault(r3.o('local'), undefined, { unset: true });
  await remoteDefault(r3.o(), 'a');
  assert.equal(r3.repoText(), text);
  assert.equal(r3.localText(), undefined);
  await remoteRemove(r3.o(), 'a');
  assert.equal(r3.repoText(), '# project config\n\n# core stuff\n');
  assert.equal(r3.localText(), undefined);
});

test('values that need quoting are quoted as ConfigObj does and read back', async () => {
  const r = repo();
  await setValue(r.o(), 'cache.type', 'reflink,copy');
  await setValue(r.o(), 'remote.s.url', 's3://b/p');
  await remoteModify(r.o(), 's', 'sse_customer_key', ' spaced#key ');
  assert.equal(r.repoText(), '[cache]\n    type = "reflink,copy"\n[\'remote "s"\']\n    url = s3://b/p\n    sse_customer_key = " spaced#key "\n');
  const c = await loadConfig(r.dvcDir, { env: r.env });
  assert.deepEqual(c.cache.type, ['reflink', 'copy']);
  assert.equal(c.remotes.s.sse_customer_key, ' spaced#key ');
});
