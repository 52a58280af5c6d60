/** Pure parts of `keel comment`: CI detection, repository URLs, watermarks, Markdown asset rewriting, HTTP helpers. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { findLinks, localUrl, rewriteLinks } from '../../src/report/assets.js';
import { fillTitle, findWatermarked, hasWatermark, watermark, withWatermark } from '../../src/report/forge.js';
import { defaultApiBase, detectCi, forgeForHost, parseRepo, webBaseFor } from '../../src/report/forges/ci-env.js';
import { linkNext, rateLimited, waitMs } from '../../src/report/forges/http.js';
import { authHeaders, tokenFromEnv } from '../../src/report/forges/index.js';
import { parseTargetSpec } from '../../src/ops/comment.js';

const HEAD = 'a'.repeat(40);
const MERGE = 'b'.repeat(40);

describe('CI detection', () => {
  test('GitHub Actions pull_request: PR number and head sha from the event payload, not the merge GITHUB_SHA', () => {
    const files: Record<string, string> = { '/ev.json': JSON.stringify({ number: 12, pull_request: { number: 12, head: { sha: HEAD } } }) };
    const ci = detectCi(
      {
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: 'acme/widgets',
        GITHUB_SHA: MERGE,
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: '/ev.json',
        GITHUB_API_URL: 'https://ghe.example.com/api/v3',
        GITHUB_SERVER_URL: 'https://ghe.example.com',
        GITHUB_WORKFLOW: 'CI',
        GITHUB_RUN_ID: '99',
      },
      (p) => files[p],
    );
    assert.deepEqual(ci, { ci: 'github-actions', forge: 'github', serverUrl: 'https://ghe.example.com', apiUrl: 'https://ghe.example.com/api/v3', repo: 'acme/widgets', sha: HEAD, pr: 12, workflow: 'CI', run: '99' });
  });
  test('GitHub push event: GITHUB_SHA, no PR; pull_request_target reads the payload too', () => {
    const push = detectCi({ GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'a/b', GITHUB_SHA: MERGE, GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: '/x' }, () => '{"pull_request":{"number":3}}');
    assert.equal(push?.pr, undefined);
    assert.equal(push?.sha, MERGE);
    const prt = detectCi({ GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_EVENT_PATH: '/x' }, () => `{"pull_request":{"number":3,"head":{"sha":"${HEAD}"}}}`);
    assert.equal(prt?.pr, 3);
    assert.equal(prt?.sha, HEAD);
    const broken = detectCi({ GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: '/x', GITHUB_REF: 'refs/pull/8/merge' }, () => '{not json');
    assert.equal(broken?.pr, 8);
  });
  test('Gitea Actions sets GITEA_ACTIONS with GITHUB_* variables', () => {
    const ci = detectCi({ GITHUB_ACTIONS: 'true', GITEA_ACTIONS: 'true', GITHUB_REPOSITORY: 'o/r', GITHUB_API_URL: 'https://gitea.example.com/api/v1' });
    assert.equal(ci?.forge, 'gitea');
    assert.equal(ci?.ci, 'gitea-actions');
  });
  test('GitLab CI', () => {
    const ci = detectCi({ GITLAB_CI: 'true', CI_API_V4_URL: 'https://h/sub/api/v4', CI_SERVER_URL: 'https://h/sub', CI_PROJECT_ID: '17', CI_PROJECT_PATH: 'g/p', CI_MERGE_REQUEST_IID: '4', CI_COMMIT_SHA: HEAD, CI_JOB_NAME: 'report', CI_PIPELINE_ID: '555' });
    assert.deepEqual(ci, { ci: 'gitlab-ci', forge: 'gitlab', serverUrl: 'https://h/sub', apiUrl: 'https://h/sub/api/v4', repo: 'g/p', projectId: '17', sha: HEAD, pr: 4, workflow: 'report', run: '555' });
  });
  test('Bitbucket Pipelines', () => {
    const ci = detectCi({ BITBUCKET_BUILD_NUMBER: '7', BITBUCKET_REPO_FULL_NAME: 'ws/repo', BITBUCKET_COMMIT: HEAD, BITBUCKET_PR_ID: '2' });
    assert.equal(ci?.forge, 'bitbucket');
    assert.equal(ci?.repo, 'ws/repo');
    assert.equal(ci?.pr, 2);
    assert.equal(ci?.sha, HEAD);
  });
  test('outside CI: undefined', () => {
    assert.equal(detectCi({ HOME: '/root', CI: 'true' }), undefined);
  });
});

describe('repositories and API bases', () => {
  test('remote URLs lose credentials and .git', () => {
    assert.deepEqual(parseRepo('https://x-access-token:s3cret@github.com/acme/widgets.git'), { origin: 'https://github.com', host: 'github.com', path: 'acme/widgets' });
    assert.deepEqual(parseRepo('git@gitlab.com:grp/sub/proj.git'), { origin: 'https://gitlab.com', host: 'gitlab.com', path: 'grp/sub/proj' });
    assert.deepEqual(parseRepo('ssh://git@git.example.com:2222/o/r.git'), { origin: 'https://git.example.com', host: 'git.example.com', path: 'o/r' });
    assert.deepEqual(parseRepo('http://127.0.0.1:3000/o/r'), { origin: 'http://127.0.0.1:3000', host: '127.0.0.1', path: 'o/r' });
    assert.deepEqual(parseRepo('acme/widgets'), { path: 'acme/widgets' });
    assert.equal(parseRepo('not a repo'), undefined);
    assert.equal(parseRepo('https://github.com/onlyowner'), undefined);
  });
  test('hosts, API and web bases', () => {
    assert.equal(forgeForHost('github.com'), 'github');
    assert.equal(forgeForHost('gitlab.example.com'), 'gitlab');
    assert.equal(forgeForHost('bitbucket.org'), 'bitbucket');
    assert.equal(forgeForHost('codeberg.org'), 'gitea');
    assert.equal(forgeForHost('git.example.com'), undefined);
    assert.equal(defaultApiBase('github', 'https://github.com'), 'https://api.github.com');
    assert.equal(defaultApiBase('github', 'https://ghe.example.com'), 'https://ghe.example.com/api/v3');
    assert.equal(defaultApiBase('gitlab', 'https://h'), 'https://h/api/v4');
    assert.equal(defaultApiBase('gitea', 'https://codeberg.org'), 'https://codeberg.org/api/v1');
    assert.equal(defaultApiBase('bitbucket', 'https://bitbucket.org'), 'https://api.bitbucket.org/2.0');
    assert.equal(webBaseFor('github', 'https://api.github.com'), 'https://github.com');
    assert.equal(webBaseFor('github', 'https://ghe.example.com/api/v3'), 'https://ghe.example.com');
    assert.equal(webBaseFor('gitlab', 'https://h/sub/api/v4'), 'https://h/sub');
    assert.equal(webBaseFor('bitbucket', 'https://api.bitbucket.org/2.0'), 'https://bitbucket.org');
  });
  test('tokens: --token aside, REPO_TOKEN first, then the forge’s own variable; Bitbucket user:pass is Basic', () => {
    assert.deepEqual(tokenFromEnv({ GITHUB_TOKEN: 'g', REPO_TOKEN: 'r' }, 'github'), { token: 'r', from: 'REPO_TOKEN' });
    assert.deepEqual(tokenFromEnv({ GITHUB_TOKEN: 'g', GITLAB_TOKEN: 'l' }, 'gitlab'), { token: 'l', from: 'GITLAB_TOKEN' });
    assert.deepEqual(tokenFromEnv({ GITHUB_TOKEN: 'g' }, 'gitea'), { token: 'g', from: 'GITHUB_TOKEN' });
    assert.equal(tokenFromEnv({ GITHUB_TOKEN: '' }, 'github'), undefined);
    assert.equal(authHeaders('bitbucket', 'u:p').authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.equal(authHeaders('bitbucket', 'tok').authorization, 'Bearer tok');
    assert.deepEqual(authHeaders('gitlab', 't'), { 'private-token': 't' });
  });
  test('targets', () => {
    assert.deepEqual(parseTargetSpec(undefined), { kind: 'auto' });
    assert.deepEqual(parseTargetSpec('pr/12'), { kind: 'pr', number: 12 });
    assert.deepEqual(parseTargetSpec('issue/3'), { kind: 'issue', number: 3 });
    assert.deepEqual(parseTargetSpec(`commit/${HEAD.toUpperCase()}`), { kind: 'commit', sha: HEAD });
    assert.throws(() => parseTargetSpec('pr/0'), /--target must be/);
    assert.throws(() => parseTargetSpec('branch/main'), /--target must be/);
  });
});

describe('watermark', () => {
  test('marker, placeholders, matching the newest', () => {
    assert.equal(watermark(), '<!-- keel report -->');
    assert.equal(watermark(fillTitle('{workflow} / {run}', { workflow: 'CI', run: '7' })), '<!-- keel report: CI / 7 -->');
    assert.ok(!watermark('a --> b\nc').slice(4, -4).includes('--'), 'a title cannot end the HTML comment early');
    const mark = watermark('train');
    const body = withWatermark('# Report\n\n', mark);
    assert.equal(body, '# Report\n\n<!-- keel report: train -->\n');
    assert.ok(hasWatermark(body.replace(/\n/g, '\r\n'), mark));
    assert.ok(!hasWatermark(withWatermark('x', watermark('train2')), mark));
    assert.ok(!hasWatermark(withWatermark('x', watermark()), mark));
    assert.ok(!hasWatermark('quoting `<!-- keel report: train -->` inline', mark));
    const comments = [
      { id: '1', body: withWatermark('old', mark), url: 'u1' },
      { id: '2', body: 'unrelated', url: 'u2' },
      { id: '3', body: withWatermark('newer', mark), url: 'u3' },
      { id: '4', body: withWatermark('other', watermark()), url: 'u4' },
    ];
    assert.equal(findWatermarked(comments, mark)?.id, '3');
    assert.equal(findWatermarked(comments, watermark())?.id, '4');
    assert.equal(findWatermarked([], mark), undefined);
  });
});

describe('Markdown assets', () => {
  const md = [
    '# Report',
    '![plot](plots/roc.png "ROC") and [data](metrics.json) and [site](https://example.com/x.png)',
    '![inline](data:image/png;base64,iVBORw0KGgo=)',
    '![spaces](<my plot.png>) ![esc](a%20b.png?x=1#f)',
    '[ref]: ./ref.png',
    '<img src="html.png" width="200"> [anchor](#top)',
    '`![code](nope.png)` and',
    '```',
    '![fenced](nope2.png)',
    '```',
    '<!-- ![commented](nope3.png) -->',
    '![nested [brackets]](paren(1).png)',
  ].join('\n');
  test('finds destinations outside code and comments', () => {
    const refs = findLinks(md);
    assert.deepEqual(
      refs.map((r) => [r.kind, r.url]),
      [
        ['image', 'plots/roc.png'],
        ['link', 'metrics.json'],
        ['link', 'https://example.com/x.png'],
        ['image', 'data:image/png;base64,iVBORw0KGgo='],
        ['image', 'my plot.png'],
        ['image', 'a%20b.png?x=1#f'],
        ['definition', './ref.png'],
        ['html', 'html.png'],
        ['link', '#top'],
        ['image', 'paren(1).png'],
      ],
    );
  });
  test('classifies local files and data: images; keeps URLs and anchors', () => {
    assert.deepEqual(localUrl('plots/roc.png'), { kind: 'file', path: 'plots/roc.png' });
    assert.deepEqual(localUrl('a%20b.png?x=1#f'), { kind: 'file', path: 'a b.png' });
    assert.equal(localUrl('https://example.com/x.png'), undefined);
    assert.equal(localUrl('#top'), undefined);
    assert.equal(localUrl('//cdn/x.png'), undefined);
    assert.equal(localUrl('mailto:a@b'), undefined);
    const d = localUrl('data:image/png;base64,iVBORw0KGgo=');
    assert.equal(d?.kind, 'data');
    assert.deepEqual(d?.kind === 'data' && [d.mime, d.bytes], ['image/png', Buffer.from('iVBORw0KGgo=', 'base64')]);
    assert.equal(localUrl('data:text/plain;base64,aGk='), undefined);
  });
  test('rewrites only the chosen destinations, keeping titles and attributes', () => {
    const refs = findLinks(md);
    const urls = refs.map((r) => (localUrl(r.url) ? `https://forge/${r.kind}` : undefined));
    const out = rewriteLinks(md, refs, urls);
    assert.match(out, /!\[plot\]\(https:\/\/forge\/image "ROC"\)/);
    assert.match(out, /\[data\]\(https:\/\/forge\/link\)/);
    assert.match(out, /\[site\]\(https:\/\/example\.com\/x\.png\)/);
    assert.match(out, /!\[inline\]\(https:\/\/forge\/image\)/);
    assert.match(out, /!\[spaces\]\(https:\/\/forge\/image\)/);
    assert.match(out, /\[ref\]: https:\/\/forge\/definition/);
    assert.match(out, /<img src="https:\/\/forge\/html" width="200">/);
    assert.match(out, /`!\[code\]\(nope\.png\)`/);
    assert.match(out, /!\[fenced\]\(nope2\.png\)/);
    assert.match(out, /!\[commented\]\(nope3\.png\)/);
    assert.match(out, /\[anchor\]\(#top\)/);
  });
});

describe('HTTP helpers', () => {
  const h = (o: Record<string, string>) => ({ get: (n: string) => o[n] ?? null });
  test('rate limits: 429, GitHub 403 with remaining 0 / retry-after / secondary-limit text; not a plain 403', () => {
    assert.ok(rateLimited(429, h({}), ''));
    assert.ok(rateLimited(403, h({ 'x-ratelimit-remaining': '0' }), ''));
    assert.ok(rateLimited(403, h({ 'retry-after': '5' }), ''));
    assert.ok(rateLimited(403, h({}), '{"message":"You have exceeded a secondary rate limit"}'));
    assert.ok(!rateLimited(403, h({ 'x-ratelimit-remaining': '4999' }), '{"message":"Resource not accessible by integration"}'));
    assert.ok(!rateLimited(401, h({}), ''));
  });
  test('wait times from retry-after (seconds or date) and x-ratelimit-reset', () => {
    const now = 1_700_000_000_000;
    assert.equal(waitMs(h({ 'retry-after': '3' }), 9, now), 3000);
    assert.equal(waitMs(h({ 'retry-after': new Date(now + 5000).toUTCString() }), 9, now), 5000);
    assert.equal(waitMs(h({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 10) }), 9, now), 11000);
    assert.equal(waitMs(h({ 'x-ratelimit-remaining': '5', 'x-ratelimit-reset': String(now / 1000 + 10) }), 9, now), 9);
  });
  test('Link rel="next"', () => {
    assert.equal(linkNext('<https://a/x?page=2>; rel="next", <https://a/x?page=5>; rel="last"'), 'https://a/x?page=2');
    assert.equal(linkNext('<https://a/x?page=1>; rel="first",<https://a/x?page=3>; rel="prev"'), undefined);
    assert.equal(linkNext(null), undefined);
  });
});
