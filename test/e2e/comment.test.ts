/**
 * `keel comment` end to end: the built CLI in real temp git repositories against a loopback
 * forge (test/helpers/forge-server.ts) speaking the GitHub, GitLab, Gitea and Bitbucket REST
 * subsets, plus a loopback forward proxy.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KEEL_BIN, keelOk } from '../helpers/cli.js';
import { commitAll, git, gitTestEnv, makeGitRepo, makeTempDir, writeFiles } from '../helpers/git.js';
import { ForgeServer, startProxy, TOKENS, type Kind } from '../helpers/forge-server.js';

// a valid 1×1 PNG
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
const PNG2 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** The environment of a keel run: none of the runner's CI, token or proxy variables leak in. */
function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const k of Object.keys(process.env)) {
    if (/^(GITHUB_|GITEA_|GITLAB_|CI_|BITBUCKET_|KEEL_FORGE|REPO_TOKEN$|repo_token$|https?_proxy$|HTTPS?_PROXY$|no_proxy$|NO_PROXY$|CI$)/.test(k)) out[k] = undefined;
  }
  return { ...out, KEEL_FORGE_BACKOFF_MS: '5', ...extra };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built keel asynchronously (the loopback forge lives in this process). */
function run(cwd: string, args: string[], env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [KEEL_BIN, 'comment', ...args], { cwd, env: { ...gitTestEnv, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function ok(cwd: string, args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const r = await run(cwd, args, env);
  assert.equal(r.code, 0, `keel comment ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** A temp git repo with a report that links a local PNG and an inline data: PNG. */
function repoWithReport(origin: string): { dir: string; sha: string } {
  const dir = makeGitRepo();
  writeFiles(dir, {
    'report/report.md': `# Metrics\n\n| acc | 0.91 |\n\n![roc](plots/roc.png)\n\n![inline](data:image/png;base64,${PNG2.toString('base64')})\n`,
    'report/plots/roc.png': PNG,
  });
  git(dir, 'remote', 'add', 'origin', origin);
  return { dir, sha: commitAll(dir, 'report') };
}

const KEEL_MARK = /<!-- keel report(: [^>]*)? -->/;

let srv: ForgeServer;
before(async () => {
  srv = await new ForgeServer().start();
});
after(async () => {
  await srv.stop();
});

/** Everything a test can see, to grep for the token. */
function assertNoLeak(r: Run, token: string): void {
  const secret = token.includes(':') ? token.split(':')[1] : token;
  assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), `token leaked:\n${r.stdout}\n${r.stderr}`);
}

/** The token appears only in the auth header of calls to the forge, never in a path or body. */
function assertTokenOnlyInAuth(kind: Kind): void {
  const secret = TOKENS[kind].includes(':') ? TOKENS[kind].split(':')[1] : TOKENS[kind];
  for (const c of srv.calls) {
    assert.ok(!c.path.includes(secret), `token in path ${c.path}`);
    assert.ok(!c.body.includes(secret), `token in the body of ${c.method} ${c.path}`);
    for (const [k, v] of Object.entries(c.headers)) {
      if (k === 'authorization' || k === 'private-token') continue;
      assert.ok(!String(v).includes(secret), `token in header ${k}`);
    }
  }
}

async function fetchBytes(url: string): Promise<Buffer> {
  const r = await fetch(url);
  assert.equal(r.status, 200, `GET ${url}`);
  return Buffer.from(await r.arrayBuffer());
}

describe('keel comment: GitHub', () => {
  test('finds the PR of HEAD, uploads images to keel-assets, updates in place on a long thread', async () => {
    srv.addRepo('github', 'acme/widgets');
    const { dir, sha } = repoWithReport('https://x-access-token:leaky@github.com/acme/widgets.git');
    srv.addPr('github', 'acme/widgets', 5, sha);
    srv.seed('github', 'acme/widgets', 'pr', 5, 120);
    const env = cleanEnv({ GITHUB_TOKEN: TOKENS.github, KEEL_FORGE_API_URL: srv.apiBase('github') });

    const first = await ok(dir, ['report/report.md', '--json'], env);
    const j1 = JSON.parse(first.stdout);
    assert.equal(j1.action, 'created');
    assert.equal(j1.forge, 'github');
    assert.equal(j1.target, 'pr/5');
    assert.equal(j1.assets.length, 2);
    const thread = srv.thread('github', 'acme/widgets', 'pr', 5);
    assert.equal(thread.length, 121);
    const body = thread[120].body;
    assert.match(body, KEEL_MARK);
    for (const a of j1.assets) {
      assert.match(a.url, new RegExp(`^${srv.url}/gh/acme/widgets/raw/keel-assets/${a.sha256}\\.png$`));
      assert.ok(body.includes(`](${a.url})`), 'the body links the forge-hosted copy');
    }
    assert.deepEqual(await fetchBytes(j1.assets.find((a: { source: string }) => a.source === 'plots/roc.png').url), PNG);
    assert.deepEqual(await fetchBytes(j1.assets.find((a: { source: string }) => a.source.startsWith('data:')).url), PNG2);
    assert.ok(!body.includes('leaky'), 'remote credentials never reach the comment');

    // second run: the keel comment is on page 2 of 100 — found and updated, nothing re-uploaded
    const blobsBefore = srv.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/git/blobs')).length;
    fs.appendFileSync(path.join(dir, 'report/report.md'), '\nsecond run\n');
    srv.calls.length = 0;
    const second = await ok(dir, ['report/report.md', '--json'], env);
    const j2 = JSON.parse(second.stdout);
    assert.equal(j2.action, 'updated');
    assert.equal(j2.id, j1.id);
    assert.equal(thread.length, 121);
    assert.equal(thread.filter((c) => KEEL_MARK.test(c.body)).length, 1, 'exactly one keel comment');
    assert.match(thread[120].body, /second run/);
    assert.ok(srv.calls.some((c) => c.method === 'GET' && /\/issues\/5\/comments\?per_page=100&page=2$/.test(c.path)), 'page 2 was read');
    assert.equal(srv.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/git/blobs')).length, 0);
    assert.ok(blobsBefore >= 2);
    assertTokenOnlyInAuth('github');
    assertNoLeak(second, TOKENS.github);
  });

  test('a new --watermark-title makes a second comment; --target commit and issue/N', async () => {
    srv.addRepo('github', 'acme/gadgets');
    const { dir, sha } = repoWithReport('git@github.com:acme/gadgets.git');
    const env = cleanEnv({ REPO_TOKEN: TOKENS.github, KEEL_FORGE_API_URL: srv.apiBase('github') });
    // no PR: auto falls back to the commit
    const auto = await ok(dir, ['report/report.md', '--no-publish'], env);
    assert.match(auto.stdout.trim(), /\/commit\/[0-9a-f]{40}#issuecomment-\d+$/);
    const commitThread = srv.thread('github', 'acme/gadgets', 'commit', sha);
    assert.equal(commitThread.length, 1);
    assert.match(commitThread[0].body, /\]\(plots\/roc\.png\)/, '--no-publish keeps links as written');
    await ok(dir, ['report/report.md', '--no-publish', '--target', 'commit'], env);
    assert.equal(commitThread.length, 1, 'updated, not duplicated');
    await ok(dir, ['report/report.md', '--no-publish', '--target', `commit/${sha}`, '--watermark-title', 'eval'], env);
    assert.equal(commitThread.length, 2);
    assert.match(commitThread[1].body, /<!-- keel report: eval -->/);
    // an issue
    await ok(dir, ['report/report.md', '--target', 'issue/3', '-q'], env);
    await ok(dir, ['report/report.md', '--target', 'issue/3', '-q'], env);
    assert.equal(srv.thread('github', 'acme/gadgets', 'issue', 3).length, 1);
    // --target pr without a PR is an error
    const noPr = await run(dir, ['report/report.md', '--target', 'pr'], env);
    assert.equal(noPr.code, 7, noPr.stderr);
    assert.match(noPr.stderr, /no open pull request/);
  });

  test('keel-assets moved by another run: the 422 is answered by starting over from the new tip; two concurrent runs both land', async () => {
    srv.addRepo('github', 'acme/racy');
    const env = cleanEnv({ GITHUB_TOKEN: TOKENS.github, KEEL_FORGE_API_URL: srv.apiBase('github') });
    // 1. a lost race, staged: the first ref creation is refused as if another run had just made it
    const a = repoWithReport('https://github.com/acme/racy');
    srv.fault({ status: 422, body: { message: 'Reference already exists' }, match: /^POST .*\/git\/refs$/ });
    const r1 = JSON.parse((await ok(a.dir, ['report/report.md', '--target', 'issue/1', '--json'], env)).stdout) as { assets: { url: string }[] };
    for (const x of r1.assets) assert.equal((await fetchBytes(x.url)).length > 0, true);
    // 2. a real race: two runs with different images at once, both on top of the existing branch
    const reports = [0, 1].map((i) => {
      const dir = makeGitRepo();
      const png = Buffer.from(PNG);
      png[png.length - 20] ^= i + 1; // different bytes, different content address (not a valid image, still uploaded)
      writeFiles(dir, { 'r.md': `run ${i}\n\n![plot](p${i}.png)\n`, [`p${i}.png`]: png });
      git(dir, 'remote', 'add', 'origin', 'https://github.com/acme/racy');
      commitAll(dir, 'r');
      return { dir, png };
    });
    const runs = await Promise.all(reports.map((r, i) => ok(r.dir, ['r.md', '--target', `issue/${10 + i}`, '--json'], env)));
    for (const [i, run] of runs.entries()) {
      const url = (JSON.parse(run.stdout) as { assets: { url: string }[] }).assets[0].url;
      assert.deepEqual(await fetchBytes(url), reports[i].png, `run ${i}'s image is on keel-assets`);
    }
  });

  test('rate limits (429, 403 with x-ratelimit-remaining: 0) and a 500 are retried', async () => {
    srv.addRepo('github', 'acme/limits');
    const { dir } = repoWithReport('https://github.com/acme/limits');
    const env = cleanEnv({ GITHUB_TOKEN: TOKENS.github, KEEL_FORGE_API_URL: srv.apiBase('github') });
    srv.fault({ status: 429, headers: { 'retry-after': '0' }, match: /^GET .*\/commits\/.*\/pulls$/ });
    srv.fault({ status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) - 5) }, body: { message: 'API rate limit exceeded' }, match: /^GET .*\/comments$/ });
    srv.fault({ status: 500, match: /^POST .*\/comments$/ });
    srv.calls.length = 0;
    const r = await ok(dir, ['report/report.md', '--no-publish'], env);
    assert.match(r.stderr, /rate limit hit \(429\)/);
    assert.match(r.stderr, /rate limit hit \(403\)/);
    assert.equal(srv.calls.filter((c) => c.method === 'POST' && /\/commits\/[0-9a-f]+\/comments$/.test(c.path)).length, 2, 'the 500 was retried');
    const [sha] = [git(dir, 'rev-parse', 'HEAD')];
    assert.equal(srv.thread('github', 'acme/limits', 'commit', sha).length, 1);
  });

  test('a rejected token: exit 12, a hint naming the variable, the token nowhere in the output', async () => {
    srv.addRepo('github', 'acme/auth');
    const { dir } = repoWithReport('https://github.com/acme/auth');
    const bad = 'ghp_BADbadBADbad0123456789';
    for (const args of [['report/report.md', '-v', '--json'], ['report/report.md', '--token', bad, '-v']]) {
      const r = await run(dir, args, cleanEnv({ GITHUB_TOKEN: bad, KEEL_FORGE_API_URL: srv.apiBase('github') }));
      assert.equal(r.code, 12, r.stderr);
      assert.match(r.stderr, /401 Unauthorized/);
      assert.match(r.stderr, /hint: .*GITHUB_TOKEN/);
      assertNoLeak(r, bad);
    }
    const none = await run(dir, ['report/report.md'], cleanEnv({ KEEL_FORGE_API_URL: srv.apiBase('github') }));
    assert.equal(none.code, 12);
    assert.match(none.stderr, /no github token/);
  });

  test('a missing image is an error naming the file, before any call', async () => {
    const dir = makeGitRepo();
    writeFiles(dir, { 'r.md': '![gone](plots/missing.png)\n' });
    git(dir, 'remote', 'add', 'origin', 'https://github.com/acme/widgets');
    commitAll(dir, 'r');
    srv.calls.length = 0;
    const r = await run(dir, ['r.md'], cleanEnv({ GITHUB_TOKEN: TOKENS.github, KEEL_FORGE_API_URL: srv.apiBase('github') }));
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stderr, /'plots\/missing\.png', referenced by r\.md, does not exist/);
    assert.equal(srv.calls.length, 0);
  });

  test('GitHub Actions pull_request event: PR and head sha from GITHUB_EVENT_PATH, {workflow}/{run} filled', async () => {
    srv.addRepo('github', 'acme/actions');
    const dir = makeTempDir('keel-gha-');
    writeFiles(dir, { 'report.md': '# From Actions\n', 'event.json': JSON.stringify({ action: 'synchronize', number: 9, pull_request: { number: 9, head: { sha: 'c'.repeat(40) } } }) });
    srv.calls.length = 0;
    const r = await ok(dir, ['report.md', '--watermark-title', '{workflow}-{run}'], cleanEnv({
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'acme/actions',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: path.join(dir, 'event.json'),
      GITHUB_SHA: 'd'.repeat(40),
      GITHUB_REF: 'refs/pull/9/merge',
      GITHUB_SERVER_URL: `${srv.url}/gh`,
      GITHUB_API_URL: srv.apiBase('github'),
      GITHUB_WORKFLOW: 'CI',
      GITHUB_RUN_ID: '4242',
      GITHUB_TOKEN: TOKENS.github,
    }));
    assert.match(r.stdout, new RegExp(`^${srv.url}/gh/acme/actions/pull/9#issuecomment-\\d+\\n$`));
    const t = srv.thread('github', 'acme/actions', 'pr', 9);
    assert.equal(t.length, 1);
    assert.match(t[0].body, /<!-- keel report: CI-4242 -->/);
    assert.ok(!srv.calls.some((c) => c.path.includes('/pulls')), 'the PR came from the event, no lookup');
  });

  test('HTTP_PROXY is honoured, NO_PROXY bypasses it', async () => {
    srv.addRepo('github', 'acme/proxied');
    const { dir } = repoWithReport('https://github.com/acme/proxied');
    const proxy = await startProxy();
    try {
      const env = cleanEnv({ GITHUB_TOKEN: TOKENS.github, KEEL_FORGE_API_URL: srv.apiBase('github'), HTTP_PROXY: proxy.url });
      await ok(dir, ['report/report.md', '--no-publish'], env);
      assert.ok(proxy.seen.length > 0, 'the proxy carried the calls');
      assert.ok(proxy.seen.every((s) => s.includes(srv.url.replace('http://', ''))), proxy.seen.join('\n'));
      const n = proxy.seen.length;
      await ok(dir, ['report/report.md', '--no-publish'], { ...env, NO_PROXY: '127.0.0.1' });
      assert.equal(proxy.seen.length, n);
    } finally {
      await proxy.stop();
    }
  });
});

describe('keel comment: GitLab', () => {
  test('MR of HEAD (opened only), uploads, update on page 2 of notes; a subpath install', async () => {
    srv.addRepo('gitlab', 'grp/sub/proj', 77);
    const { dir, sha } = repoWithReport(`${srv.url}/gl/grp/sub/proj.git`);
    srv.addPr('gitlab', 'grp/sub/proj', 2, sha, 'merged');
    srv.addPr('gitlab', 'grp/sub/proj', 7, sha);
    srv.seed('gitlab', 'grp/sub/proj', 'pr', 7, 130);
    // the remote is <origin>/gl/grp/sub/proj and the API <origin>/gl/api/v4: the /gl prefix is a subpath
    const env = cleanEnv({ GITLAB_TOKEN: TOKENS.gitlab });
    const args = ['report/report.md', '--forge', 'gitlab', '--base-url', srv.apiBase('gitlab'), '--json'];
    const j1 = JSON.parse((await ok(dir, args, env)).stdout);
    assert.equal(j1.target, 'pr/7');
    assert.equal(j1.action, 'created');
    assert.match(j1.url, new RegExp(`^${srv.url}/gl/grp/sub/proj/-/merge_requests/7#note_\\d+$`));
    const t = srv.thread('gitlab', 'grp/sub/proj', 'pr', 7);
    for (const a of j1.assets) {
      assert.ok(t[130].body.includes(`](${a.url})`));
      assert.deepEqual(await fetchBytes(a.url), a.source.startsWith('data:') ? PNG2 : PNG);
    }
    const j2 = JSON.parse((await ok(dir, args, env)).stdout);
    assert.equal(j2.action, 'updated');
    assert.equal(t.length, 131);
    assert.equal(t.filter((c) => KEEL_MARK.test(c.body)).length, 1);
    assert.ok(srv.calls.some((c) => /\/projects\/grp%2Fsub%2Fproj\/merge_requests\/7\/notes\?.*page=2/.test(c.path)));
    assertTokenOnlyInAuth('gitlab');
  });

  test('GitLab CI env: MR iid and project id from CI_*; commit comments are updatable discussions; 1,000,000-char limit', async () => {
    srv.addRepo('gitlab', 'team/app', 42);
    const dir = makeTempDir('keel-glci-');
    writeFiles(dir, { 'report.md': '# From GitLab CI\n' });
    const ciEnv = cleanEnv({
      GITLAB_CI: 'true',
      CI_API_V4_URL: srv.apiBase('gitlab'),
      CI_SERVER_URL: `${srv.url}/gl`,
      CI_PROJECT_ID: '42',
      CI_PROJECT_PATH: 'team/app',
      CI_MERGE_REQUEST_IID: '3',
      CI_COMMIT_SHA: 'e'.repeat(40),
      CI_JOB_NAME: 'report',
      CI_PIPELINE_ID: '900',
      REPO_TOKEN: TOKENS.gitlab,
    });
    srv.calls.length = 0;
    const r = await ok(dir, ['report.md'], ciEnv);
    assert.match(r.stdout, /\/gl\/team\/app\/-\/merge_requests\/3#note_\d+/);
    assert.ok(srv.calls.some((c) => c.method === 'POST' && c.path === '/gl/api/v4/projects/42/merge_requests/3/notes'));
    assert.equal(srv.thread('gitlab', 'team/app', 'pr', 3).length, 1);
    // commit target: a discussion, updated in place on the next run
    await ok(dir, ['report.md', '--target', 'commit'], ciEnv);
    await ok(dir, ['report.md', '--target', 'commit'], ciEnv);
    const ct = srv.thread('gitlab', 'team/app', 'commit', 'e'.repeat(40));
    assert.equal(ct.length, 1);
    assert.ok(srv.calls.some((c) => c.method === 'PUT' && /\/repository\/commits\/e+\/discussions\/[0-9a-f]+\/notes\/\d+$/.test(c.path)));
    // too long for GitLab: refused before posting
    writeFiles(dir, { 'big.md': 'x'.repeat(1_000_001) });
    srv.calls.length = 0;
    const big = await run(dir, ['big.md'], ciEnv);
    assert.equal(big.code, 2, big.stderr);
    assert.match(big.stderr, /at most 1000000/);
    assert.ok(!srv.calls.some((c) => c.method === 'POST'));
  });
});

describe('keel comment: Gitea', () => {
  test('PR via /commits/{sha}/pull, issue attachments, update on page 2', async () => {
    srv.addRepo('gitea', 'ops/site');
    const { dir, sha } = repoWithReport(`${srv.url}/gt/ops/site.git`);
    srv.addPr('gitea', 'ops/site', 11, sha);
    srv.seed('gitea', 'ops/site', 'pr', 11, 60);
    const env = cleanEnv({ GITEA_TOKEN: TOKENS.gitea, KEEL_FORGE_API_URL: srv.apiBase('gitea') });
    const args = ['report/report.md', '--forge', 'gitea', '--json'];
    const j1 = JSON.parse((await ok(dir, args, env)).stdout);
    assert.equal(j1.target, 'pr/11');
    const t = srv.thread('gitea', 'ops/site', 'pr', 11);
    for (const a of j1.assets) {
      assert.ok(t[60].body.includes(`](${a.url})`));
      assert.deepEqual(await fetchBytes(a.url), a.source.startsWith('data:') ? PNG2 : PNG);
    }
    srv.calls.length = 0;
    const j2 = JSON.parse((await ok(dir, args, env)).stdout);
    assert.equal(j2.action, 'updated');
    assert.deepEqual(j2.assets.map((a: { url: string }) => a.url), j1.assets.map((a: { url: string }) => a.url), 'attachments reused');
    assert.ok(!srv.calls.some((c) => c.method === 'POST' && c.path.includes('/assets')));
    assert.equal(t.filter((c) => KEEL_MARK.test(c.body)).length, 1);
    assert.equal(t.length, 61);
    // no commit comments on Gitea
    const r = await run(dir, ['report/report.md', '--forge', 'gitea', '--target', 'commit'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Gitea has no commit comments/);
    assertTokenOnlyInAuth('gitea');
  });
});

describe('keel comment: Bitbucket Cloud', () => {
  test('PR via commit/{sha}/pullrequests?state=OPEN, downloads, Basic auth, update across pages', async () => {
    srv.addRepo('bitbucket', 'ws/repo');
    const { dir, sha } = repoWithReport('git@bitbucket.org:ws/repo.git');
    srv.addPr('bitbucket', 'ws/repo', 4, sha);
    srv.seed('bitbucket', 'ws/repo', 'pr', 4, 130);
    const env = cleanEnv({ BITBUCKET_TOKEN: TOKENS.bitbucket, KEEL_FORGE_API_URL: srv.apiBase('bitbucket') });
    const j1 = JSON.parse((await ok(dir, ['report/report.md', '--json'], env)).stdout);
    assert.equal(j1.forge, 'bitbucket');
    assert.equal(j1.target, 'pr/4');
    const t = srv.thread('bitbucket', 'ws/repo', 'pr', 4);
    for (const a of j1.assets) {
      assert.equal(a.url, `${srv.url}/bb/ws/repo/downloads/keel-${a.sha256}.png`);
      assert.ok(t[130].body.includes(`](${a.url})`));
      assert.deepEqual(await fetchBytes(a.url), a.source.startsWith('data:') ? PNG2 : PNG);
    }
    const j2 = JSON.parse((await ok(dir, ['report/report.md', '--json'], env)).stdout);
    assert.equal(j2.action, 'updated');
    assert.equal(t.length, 131);
    assert.equal(t.filter((c) => KEEL_MARK.test(c.body)).length, 1);
    assert.ok(srv.calls.some((c) => /\/pullrequests\/4\/comments\?pagelen=100&page=2$/.test(c.path)));
    assertTokenOnlyInAuth('bitbucket');
    const bad = await run(dir, ['report/report.md'], { ...env, BITBUCKET_TOKEN: 'keeluser:wrongpass' });
    assert.equal(bad.code, 12);
    assert.match(bad.stderr, /app_password/);
    assertNoLeak(bad, 'keeluser:wrongpass');
  });
});

describe('the pull-request flow: keel report, then keel comment from GitHub Actions', () => {
  test('the report of two branches is posted once, its PNGs hosted on keel-assets, and updated in place on the next push', async () => {
    const FIX = fileURLToPath(new URL('../fixtures/plots-e2e/evaluate.js', import.meta.url));
    const dvcYaml = [
      'stages:',
      '  evaluate:',
      '    cmd: node evaluate.js',
      '    deps:',
      '    - evaluate.js',
      '    params:',
      '    - train.quality',
      '    metrics:',
      '    - evaluation/metrics.json:',
      '        cache: false',
      '    plots:',
      '    - evaluation/plots/prc.json:',
      '        cache: false',
      '        x: recall',
      '        y: precision',
      '    - evaluation/plots/sklearn/roc.json:',
      '        cache: false',
      '        x: fpr',
      '        y: tpr',
      '',
    ].join('\n');
    const dir = makeGitRepo();
    writeFiles(dir, { 'evaluate.js': fs.readFileSync(FIX, 'utf8'), 'params.yaml': 'train:\n  quality: 0.7\n', 'dvc.yaml': dvcYaml, '.gitignore': 'report.md\nreport-plots/\nevent.json\n' });
    keelOk(dir, ['init', '-q']);
    keelOk(dir, ['repro', '-q']);
    commitAll(dir, 'baseline');
    git(dir, 'branch', '-M', 'main');
    git(dir, 'checkout', '-q', '-b', 'better-model');
    writeFiles(dir, { 'params.yaml': 'train:\n  quality: 0.9\n' });
    keelOk(dir, ['repro', '-q']);
    const head = commitAll(dir, 'quality 0.9');
    keelOk(dir, ['report', '--base', 'main']);

    srv.addRepo('github', 'acme/model');
    writeFiles(dir, { 'event.json': JSON.stringify({ number: 14, pull_request: { number: 14, head: { sha: head } } }) });
    const env = cleanEnv({
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'acme/model',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: path.join(dir, 'event.json'),
      GITHUB_SHA: 'e'.repeat(40),
      GITHUB_SERVER_URL: `${srv.url}/gh`,
      GITHUB_API_URL: srv.apiBase('github'),
      REPO_TOKEN: TOKENS.github,
    });
    const first = JSON.parse((await ok(dir, ['report.md', '--target', 'pr', '--json'], env)).stdout) as { action: string; target: string; assets: { source: string; url: string }[] };
    assert.equal(first.action, 'created');
    assert.equal(first.target, 'pr/14');
    assert.deepEqual(first.assets.map((a) => a.source).sort(), ['./report-plots/evaluation_plots_prc.json.png', './report-plots/evaluation_plots_sklearn_roc.json.png']);
    const thread = srv.thread('github', 'acme/model', 'pr', 14);
    assert.equal(thread.length, 1);
    const body = thread[0].body;
    assert.match(body, /\| params\.yaml \| train\.quality \| 0\.7 +\| 0\.9 +\|/);
    assert.match(body, /\| evaluation\/metrics\.json \| roc_auc +\| 0\.\d+ +\| 0\.\d+ +\| 0\.\d+ +\|/);
    for (const a of first.assets) {
      assert.ok(body.includes(`](${a.url} `), `the body links ${a.url}`);
      assert.deepEqual(await fetchBytes(a.url), fs.readFileSync(path.join(dir, a.source)), `${a.source} hosted byte for byte`);
    }
    // the next push: a new report replaces the comment's text, still one comment
    writeFiles(dir, { 'params.yaml': 'train:\n  quality: 0.95\n' });
    keelOk(dir, ['repro', '-q']);
    keelOk(dir, ['report', '--base', 'main']);
    const second = JSON.parse((await ok(dir, ['report.md', '--target', 'pr', '--json'], env)).stdout) as { action: string };
    assert.equal(second.action, 'updated');
    assert.equal(thread.length, 1);
    assert.match(thread[0].body, /\| params\.yaml \| train\.quality \| 0\.7 +\| 0\.95 +\|/);
  });
});
