/**
 * `keel ci init` through the built CLI in temp git repositories: the GitHub workflow and the
 * .gitlab-ci.yml validate against the public schemas (test/fixtures/schemas/), run the keel
 * commands in the right jobs and order, and name secrets without ever holding their values;
 * the forge and credentials are detected from the origin URL and the default remote.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { keel, keelOk } from '../helpers/cli.js';
import { cleanup, git } from '../helpers/git.js';
import { keelRepo } from '../helpers/repo.js';
import { ciSchemaErrors } from '../helpers/ci-schemas.js';

type Doc = Record<string, any>;

const GH = '.github/workflows/keel.yml';
const GL = '.gitlab-ci.yml';
// Values that must never reach a generated file: they sit in the environment and config.local.
const FAKE_KEY_ID = 'AKIAFAKEKEYID0000001';
const FAKE_SECRET = 'fake/secret+value/never-in-ci-files';
const env = { AWS_ACCESS_KEY_ID: FAKE_KEY_ID, AWS_SECRET_ACCESS_KEY: FAKE_SECRET, GITHUB_TOKEN: 'ghp_fake', GITLAB_TOKEN: 'glpat-fake' };

function read(dir: string, rel: string): { text: string; doc: Doc } {
  const text = fs.readFileSync(path.join(dir, rel), 'utf8');
  return { text, doc: parse(text) as Doc };
}

function assertValid(schema: 'github-workflow' | 'gitlab-ci', doc: unknown): void {
  const errors = ciSchemaErrors(schema, doc);
  assert.equal(errors, '', `${schema} schema errors:\n${errors}`);
}

/** Every string in a parsed document. */
function strings(x: unknown): string[] {
  if (typeof x === 'string') return [x];
  if (Array.isArray(x)) return x.flatMap(strings);
  if (x && typeof x === 'object') return Object.values(x).flatMap(strings);
  return [];
}

function assertNoSecretValues(text: string): void {
  for (const v of Object.values(env)) assert.ok(!text.includes(v), `the file holds the value of a secret: ${v}`);
}

/** `run:` lines of a job's steps, in order. */
const runs = (job: Doc): string[] => job.steps.filter((s: Doc) => s.run).map((s: Doc) => s.run.trim());
const step = (job: Doc, uses: string): Doc => {
  const s = job.steps.find((x: Doc) => typeof x.uses === 'string' && x.uses.startsWith(uses + '@'));
  assert.ok(s, `a step uses ${uses}`);
  return s;
};

function checkGithub(doc: Doc, text: string, credentials: 's3' | 'gcs' | 'none', o: { base?: string; node?: string } = {}): void {
  const base = o.base ?? 'main';
  const node = o.node ?? '20';
  assertValid('github-workflow', doc);
  // triggers: pushes to the base branch, pull requests, manual runs
  assert.deepEqual(doc.on.push, { branches: [base] });
  assert.ok('pull_request' in doc.on && 'workflow_dispatch' in doc.on);
  assert.deepEqual(Object.keys(doc.jobs), ['train', 'report']);
  const { train, report } = doc.jobs;
  // least privilege: read by default, writes only in the report job
  assert.deepEqual(doc.permissions, { contents: 'read' });
  assert.equal(train.permissions, undefined);
  assert.deepEqual(report.permissions, { contents: 'write', 'pull-requests': 'write' });
  // train
  assert.equal(train.if, undefined, 'train runs on every trigger');
  assert.equal(step(train, 'actions/checkout').with, undefined);
  for (const job of [train, report]) {
    assert.deepEqual(step(job, 'actions/setup-node').with, { 'node-version': node, cache: 'npm' });
    assert.equal(job['runs-on'], 'ubuntu-latest');
  }
  assert.deepEqual(
    runs(train).filter((r) => !r.includes('GCP_SERVICE_ACCOUNT_KEY')),
    ['npm ci', 'npx keel pull', 'npx keel repro'],
  );
  const upload = step(train, 'actions/upload-artifact').with;
  assert.equal(upload.path, 'evaluation');
  assert.equal(upload.name, 'evaluation');
  assert.ok(upload['retention-days'] >= 1 && upload['retention-days'] <= 7);
  const names = train.steps.map((s: Doc) => s.uses?.replace(/@.*/, '') ?? s.run.trim());
  assert.ok(names.indexOf('npx keel repro') < names.indexOf('actions/upload-artifact'), 'upload after repro');
  // report: after train, pull requests only, full history at the PR head
  assert.equal(report.needs, 'train');
  assert.equal(report.if, "github.event_name == 'pull_request'");
  assert.deepEqual(step(report, 'actions/checkout').with, { ref: '${{ github.event.pull_request.head.sha }}', 'fetch-depth': 0 });
  assert.deepEqual(step(report, 'actions/download-artifact').with, { name: 'evaluation', path: 'evaluation' });
  assert.deepEqual(runs(report), ['npm ci', `npx keel report --base origin/${base} -o report.md`, 'npx keel comment report.md --target pr']);
  const rnames = report.steps.map((s: Doc) => s.uses?.replace(/@.*/, '') ?? s.run.trim());
  assert.ok(rnames.indexOf('actions/download-artifact') < rnames.indexOf(`npx keel report --base origin/${base} -o report.md`));
  const comment = report.steps.find((s: Doc) => s.run?.startsWith('npx keel comment'));
  assert.deepEqual(comment.env, { REPO_TOKEN: '${{ secrets.GITHUB_TOKEN }}' });
  // secrets: referenced through ${{ secrets.X }} only
  const refs = new Set([...text.matchAll(/\$\{\{ secrets\.([A-Z_]+) \}\}/g)].filter((m) => !text.slice(0, m.index).split('\n').pop()!.includes('#')).map((m) => m[1]));
  const expected: Record<string, string[]> = { s3: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'], gcs: ['GCP_SERVICE_ACCOUNT_KEY'], none: [] };
  assert.deepEqual([...refs].sort(), [...expected[credentials], 'GITHUB_TOKEN'].sort());
  if (credentials === 's3') {
    assert.deepEqual(train.env, { AWS_ACCESS_KEY_ID: '${{ secrets.AWS_ACCESS_KEY_ID }}', AWS_SECRET_ACCESS_KEY: '${{ secrets.AWS_SECRET_ACCESS_KEY }}' });
    assert.match(text, /^ {6}# AWS_ENDPOINT_URL: \$\{\{ secrets\.AWS_ENDPOINT_URL \}\}$/m, 'the optional endpoint, commented out');
  } else assert.equal(train.env, undefined);
  if (credentials === 'gcs') {
    const key = train.steps.find((s: Doc) => s.env?.GCP_SERVICE_ACCOUNT_KEY);
    assert.equal(key.env.GCP_SERVICE_ACCOUNT_KEY, '${{ secrets.GCP_SERVICE_ACCOUNT_KEY }}');
    assert.match(key.run, /> "\$RUNNER_TEMP\/gcp-service-account-key\.json"/);
    assert.match(key.run, /GOOGLE_APPLICATION_CREDENTIALS=\$RUNNER_TEMP\/gcp-service-account-key\.json" >> "\$GITHUB_ENV"/);
    const names2 = train.steps.map((s: Doc) => s.run?.trim() ?? s.uses);
    assert.ok(names2.findIndex((n: string) => n.includes('GCP_SERVICE_ACCOUNT_KEY')) < names2.indexOf('npx keel pull'), 'key written before pull');
  }
  // the header tells which secrets to create
  for (const n of expected[credentials]) assert.match(text, new RegExp(`^#   ${n} `, 'm'));
  assertNoSecretValues(text);
  for (const s of strings(doc)) if (/secret|token|key/i.test(s) && s.startsWith('${{')) assert.match(s, /^\$\{\{ (secrets|github)\.[\w.]+ \}\}$/);
}

function checkGitlab(doc: Doc, text: string, credentials: 's3' | 'gcs' | 'none', o: { base?: string; node?: string } = {}): void {
  const base = o.base ?? 'main';
  assertValid('gitlab-ci', doc);
  assert.deepEqual(doc.stages, ['train', 'report']);
  assert.equal(doc.variables.GIT_DEPTH, '0');
  assert.equal(doc.default.image, `node:${o.node ?? '20'}`);
  assert.deepEqual(doc.workflow.rules, [
    { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' },
    { if: `$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == "${base}"` },
    { if: '$CI_PIPELINE_SOURCE == "web"' },
  ]);
  const { train, report } = doc;
  assert.equal(train.stage, 'train');
  assert.equal(train.rules, undefined, 'train runs in every pipeline');
  assert.deepEqual(train.script, ['npm ci', 'npx keel pull', 'npx keel repro']);
  assert.deepEqual(train.artifacts.paths, ['evaluation']);
  assert.ok(train.artifacts.expire_in);
  assert.equal(report.stage, 'report');
  assert.deepEqual(report.needs, [{ job: 'train', artifacts: true }]);
  assert.deepEqual(report.rules, [{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
  assert.deepEqual(report.variables, { REPO_TOKEN: '$KEEL_REPO_TOKEN' });
  assert.deepEqual(report.script, [
    'npm ci',
    `git fetch --quiet origin "+refs/heads/${base}:refs/remotes/origin/${base}"`,
    `npx keel report --base origin/${base} -o report.md`,
    'npx keel comment report.md --target pr',
  ]);
  const expected: Record<string, string[]> = { s3: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'], gcs: ['GCP_SERVICE_ACCOUNT_KEY'], none: [] };
  for (const n of [...expected[credentials], 'KEEL_REPO_TOKEN']) assert.match(text, new RegExp(`^#   ${n} `, 'm'), `the header names ${n}`);
  if (credentials === 'gcs') {
    assert.equal(train.variables.GOOGLE_APPLICATION_CREDENTIALS, '$CI_PROJECT_DIR/.gcp-service-account-key.json');
    assert.match(train.before_script.join('\n'), /echo "\$GCP_SERVICE_ACCOUNT_KEY" \| base64 -d > "\$GOOGLE_APPLICATION_CREDENTIALS"/);
    assert.match(train.after_script.join('\n'), /rm -f/);
  } else {
    assert.equal(train.variables, undefined);
    assert.equal(train.before_script, undefined);
  }
  assert.ok(!/GCP_SERVICE_ACCOUNT_KEY/.test(text) || credentials === 'gcs');
  assert.ok(!/AWS_/.test(text) || credentials === 's3');
  assertNoSecretValues(text);
}

describe('keel ci init (built CLI)', () => {
  let dir: string;

  before(() => {
    dir = keelRepo({ 'package.json': '{"devDependencies":{"keel":"*"}}\n', 'package-lock.json': '{}\n' });
    keelOk(dir, ['remote', 'add', '-d', 'storage', 's3://ml-bucket/keel']);
    // secrets in config.local and the environment must never leak into the files
    keelOk(dir, ['remote', 'modify', '--local', 'storage', 'secret_access_key', FAKE_SECRET]);
    git(dir, 'remote', 'add', 'origin', `https://x-access-token:ghp_fake@github.com/acme/spam.git`);
  });
  after(() => cleanup(dir));

  for (const credentials of ['s3', 'gcs', 'none'] as const) {
    test(`GitHub workflow, credentials ${credentials}: schema-valid, jobs, commands, secrets`, () => {
      const r = keelOk(dir, ['ci', 'init', '--github', '--credentials', credentials, '-f', '--json'], { env });
      const j = JSON.parse(r.stdout);
      assert.equal(j.path, GH);
      assert.equal(j.forge, 'github');
      assert.equal(j.credentials, credentials);
      assert.equal(j.written, true);
      const { text, doc } = read(dir, GH);
      checkGithub(doc, text, credentials);
      const names = j.secrets.map((s: Doc) => s.name);
      assert.deepEqual(names, { s3: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL'], gcs: ['GCP_SERVICE_ACCOUNT_KEY'], none: [] }[credentials]);
      assert.ok(j.secrets.every((s: Doc) => typeof s.required === 'boolean' && typeof s.description === 'string'));
    });

    test(`GitLab CI, credentials ${credentials}: schema-valid, stages, needs, rules, variables`, () => {
      const r = keelOk(dir, ['ci', 'init', '--gitlab', '--credentials', credentials, '-f', '--json'], { env });
      const j = JSON.parse(r.stdout);
      assert.equal(j.path, GL);
      assert.equal(j.forge, 'gitlab');
      assert.equal(j.secrets.at(-1).name, 'KEEL_REPO_TOKEN');
      assert.match(j.secrets.at(-1).description, /`api` scope/);
      const { text, doc } = read(dir, GL);
      checkGitlab(doc, text, credentials);
    });
  }

  test('--base and --node reach every place they belong', () => {
    const gh = keelOk(dir, ['ci', 'init', '--github', '--base', 'develop', '--node', '22', '--stdout'], { env });
    checkGithub(parse(gh.stdout), gh.stdout, 's3', { base: 'develop', node: '22' });
    const gl = keelOk(dir, ['ci', 'init', '--gitlab', '--base', 'release/v1', '--node', '22.3.0', '--stdout'], { env });
    checkGitlab(parse(gl.stdout), gl.stdout, 's3', { base: 'release/v1', node: '22.3.0' });
    for (const bad of [['--base', 'main; rm -rf /'], ['--base', '-x'], ['--node', '20 && echo'], ['--credentials', 'azure']]) {
      const r = keel(dir, ['ci', 'init', '--stdout', ...bad]);
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
    }
    assert.equal(keel(dir, ['ci', 'init', '--github', '--gitlab']).code, 2);
    assert.equal(keel(dir, ['ci', 'nope']).code, 2);
  });

  test('human output: what was written and the secrets to create', () => {
    const d = keelRepo();
    try {
      keelOk(d, ['remote', 'add', '-d', 's', 's3://b/p']);
      const r = keelOk(d, ['ci', 'init']);
      assert.match(r.stdout, /^Wrote \.github\/workflows\/keel\.yml: GitHub Actions \(default; no GitHub\/GitLab origin found\), credentials s3 \(from the default remote 's' s3:\/\/b\/p\)\.\n/);
      assert.match(r.stdout, /Create these repository secrets.*:\n {2}AWS_ACCESS_KEY_ID {6}.*\n {2}AWS_SECRET_ACCESS_KEY {2}.*\n {2}AWS_ENDPOINT_URL {7}\(optional\)/);
      assert.match(r.stdout, /git add \.github\/workflows\/keel\.yml/);
      // no package.json: said before CI finds out
      assert.match(r.stderr, /WARNING: there is no package\.json/);
    } finally {
      cleanup(d);
    }
  });

  test('forge from the origin URL; credentials from the default remote scheme', () => {
    const cases: [string | null, string][] = [
      ['git@github.com:acme/spam.git', GH],
      ['https://gitlab.com/acme/spam.git', GL],
      ['ssh://git@gitlab.example.org:2222/group/sub/spam.git', GL],
      ['https://oauth2:glpat-fake@gitlab.internal/acme/spam', GL],
      ['https://bitbucket.org/acme/spam.git', GH],
      [null, GH],
    ];
    for (const [origin, file] of cases) {
      const d = keelRepo();
      try {
        if (origin) git(d, 'remote', 'add', 'origin', origin);
        const j = JSON.parse(keelOk(d, ['ci', 'init', '--json']).stdout);
        assert.equal(j.path, file, `origin ${origin}`);
        assert.equal(j.forgeFrom, origin && /github|gitlab/.test(origin) ? 'origin' : 'default');
        assert.ok(fs.existsSync(path.join(d, file)));
        assert.equal(j.credentials, 'none');
        assert.equal(j.credentialsFrom, 'default');
        assert.ok(!fs.readFileSync(path.join(d, file), 'utf8').includes('glpat-fake'));
      } finally {
        cleanup(d);
      }
    }
    const remotes: [string, string, RegExp | null][] = [
      ['s3://bucket/path', 's3', null],
      ['gs://bucket/path', 'gcs', /gs:\/\/, which keel cannot open.*S3-interoperability/],
      ['/mnt/shared/store', 'none', /is a local path/],
    ];
    for (const [url, credentials, warning] of remotes) {
      const d = keelRepo();
      try {
        keelOk(d, ['remote', 'add', '-d', 'store', url]);
        const r = keelOk(d, ['ci', 'init', '--gitlab', '--json']);
        const j = JSON.parse(r.stdout);
        assert.equal(j.credentials, credentials, url);
        assert.equal(j.credentialsFrom, 'remote');
        assert.equal(j.remote.name, 'store');
        if (warning) assert.ok(j.warnings.some((w: string) => warning.test(w)), `${url}: ${j.warnings.join('; ')}`);
        checkGitlab(read(d, GL).doc, read(d, GL).text, credentials as 's3' | 'gcs' | 'none');
        // an explicit --credentials wins over the remote
        const j2 = JSON.parse(keelOk(d, ['ci', 'init', '--gitlab', '--credentials', 'none', '--json', '--stdout']).stdout);
        assert.equal(j2.credentials, 'none');
        assert.equal(j2.credentialsFrom, 'option');
      } finally {
        cleanup(d);
      }
    }
  });

  test('an existing file is refused without -f (exit 8, untouched), replaced with -f', () => {
    const d = keelRepo();
    try {
      fs.mkdirSync(path.join(d, '.github/workflows'), { recursive: true });
      fs.writeFileSync(path.join(d, GH), 'name: mine\n');
      const r = keel(d, ['ci', 'init', '--github']);
      assert.equal(r.code, 8);
      assert.match(r.stderr, /'\.github\/workflows\/keel\.yml' already exists/);
      assert.match(r.stderr, /-f\/--force/);
      assert.equal(fs.readFileSync(path.join(d, GH), 'utf8'), 'name: mine\n');
      assert.deepEqual(fs.readdirSync(path.join(d, '.github/workflows')), ['keel.yml'], 'no temp file left');
      fs.writeFileSync(path.join(d, GL), 'mine: {script: [x]}\n');
      assert.equal(keel(d, ['ci', 'init', '--gitlab']).code, 8);
      assert.equal(fs.readFileSync(path.join(d, GL), 'utf8'), 'mine: {script: [x]}\n');
      // --stdout writes nothing, so it needs no -f
      const s = keelOk(d, ['ci', 'init', '--github', '--stdout']);
      assert.equal(fs.readFileSync(path.join(d, GH), 'utf8'), 'name: mine\n');
      const f = keelOk(d, ['ci', 'init', '--github', '-f']);
      assert.match(f.stdout, /^Replaced \.github\/workflows\/keel\.yml/);
      assert.equal(fs.readFileSync(path.join(d, GH), 'utf8'), s.stdout);
    } finally {
      cleanup(d);
    }
  });

  test('--stdout prints the file (and nothing else) and writes nothing; works from a subdirectory', () => {
    const d = keelRepo();
    try {
      fs.mkdirSync(path.join(d, 'src/deep'), { recursive: true });
      const r = keelOk(path.join(d, 'src/deep'), ['ci', 'init', '--gitlab', '--credentials', 's3', '--stdout']);
      checkGitlab(parse(r.stdout), r.stdout, 's3');
      assert.match(r.stderr, /^Printed \.gitlab-ci\.yml/m);
      assert.match(r.stderr, /AWS_ACCESS_KEY_ID/);
      assert.ok(!fs.existsSync(path.join(d, GL)));
      assert.ok(!fs.existsSync(path.join(d, 'src/deep', GL)));
      // from the subdirectory, the file goes to the repository root
      keelOk(path.join(d, 'src/deep'), ['ci', 'init', '--gitlab', '--credentials', 's3', '-q']);
      assert.equal(fs.readFileSync(path.join(d, GL), 'utf8'), r.stdout);
    } finally {
      cleanup(d);
    }
  });

  test('the schema check is real: broken files fail it', () => {
    const gh = parse(keelOk(dir, ['ci', 'init', '--github', '--credentials', 's3', '--stdout']).stdout) as Doc;
    assert.equal(ciSchemaErrors('github-workflow', gh), '');
    const noRunsOn = structuredClone(gh);
    delete noRunsOn.jobs.report['runs-on'];
    assert.match(ciSchemaErrors('github-workflow', noRunsOn), /runs-on/);
    const badPermission = structuredClone(gh);
    badPermission.jobs.report.permissions['pull-requests'] = 'admin';
    assert.notEqual(ciSchemaErrors('github-workflow', badPermission), '');
    const badStep = structuredClone(gh);
    badStep.jobs.train.steps[0] = { name: 'neither uses nor run' };
    assert.notEqual(ciSchemaErrors('github-workflow', badStep), '');
    const noOn = structuredClone(gh);
    delete noOn.on;
    assert.match(ciSchemaErrors('github-workflow', noOn), /on/);

    const gl = parse(keelOk(dir, ['ci', 'init', '--gitlab', '--credentials', 's3', '--stdout']).stdout) as Doc;
    assert.equal(ciSchemaErrors('gitlab-ci', gl), '');
    const typo = structuredClone(gl);
    typo.train.scirpt = typo.train.script;
    delete typo.train.script;
    assert.match(ciSchemaErrors('gitlab-ci', typo), /additional properties.*scirpt/);
    const badNeeds = structuredClone(gl);
    badNeeds.report.needs = [{ job: 'train', artifacts: 'yes' }];
    assert.notEqual(ciSchemaErrors('gitlab-ci', badNeeds), '');
    const badArtifacts = structuredClone(gl);
    badArtifacts.train.artifacts = { paths: 'evaluation' };
    assert.notEqual(ciSchemaErrors('gitlab-ci', badArtifacts), '');
    const badWhen = structuredClone(gl);
    badWhen.report.rules[0].when = 'sometimes';
    assert.notEqual(ciSchemaErrors('gitlab-ci', badWhen), '');
  });
});
