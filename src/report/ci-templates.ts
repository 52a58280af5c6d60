/**
 * The CI files `keel ci init` writes: a GitHub Actions workflow or a `.gitlab-ci.yml` that does
 * what the guide's DVC + CML pipeline did, with keel. Pure: options → file text (+ the secrets
 * the user must create). No I/O here.
 *
 * Both files:
 * - job `train` (pushes to the base branch, pull/merge requests, manual runs): `npm ci`,
 *   `npx keel pull`, `npx keel repro`, then keep `evaluation/` as an artifact;
 * - job `report` (pull/merge requests only, after `train`): full history at the PR head, the
 *   artifact back into `evaluation/`, `npx keel report --base origin/<base> -o report.md` and
 *   `npx keel comment report.md --target pr`.
 *
 * Remote credentials come from CI secrets, never from the file: S3 keys as AWS_* variables, or a
 * Google service-account key written to a file named by GOOGLE_APPLICATION_CREDENTIALS.
 *
 * The text is a template (comments matter here), so every interpolated value is checked first
 * (`checkCiOptions`): a branch name and a Node version can hold nothing YAML or a shell would read
 * specially.
 */
import { UsageError } from '../errors/index.js';

export const FORGES = ['github', 'gitlab'] as const;
export type Forge = (typeof FORGES)[number];

export const CI_CREDENTIALS = ['s3', 'gcs', 'none'] as const;
export type CiCredentials = (typeof CI_CREDENTIALS)[number];

export interface CiTemplateOptions {
  forge: Forge;
  credentials: CiCredentials;
  /** Node major (or x.y.z) for actions/setup-node and the `node:<v>` image */
  node: string;
  /** the branch pushes train on and reports compare against */
  base: string;
}

export interface CiSecret {
  name: string;
  required: boolean;
  /** what to put in it */
  description: string;
}

export interface CiTemplate {
  /** where the file goes, relative to the repository root (posix) */
  path: string;
  text: string;
  /** secrets / CI/CD variables the user must create (the GitHub token is built in) */
  secrets: CiSecret[];
}

/** The directory the pipeline writes its metrics and plots to, and the artifact name. */
export const RESULTS_DIR = 'evaluation';

export const CI_PATHS: Record<Forge, string> = {
  github: '.github/workflows/keel.yml',
  gitlab: '.gitlab-ci.yml',
};

/** Branch names keel writes into YAML and shell lines: git-valid, and nothing to quote. */
const BRANCH_RE = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*\/$)(?!.*\.lock$)(?!.*\.$)[A-Za-z0-9._/-]+$/;
const NODE_RE = /^[0-9]+(\.[0-9]+){0,2}$/;

export function checkCiOptions(o: CiTemplateOptions): void {
  if (!(FORGES as readonly string[]).includes(o.forge)) throw new UsageError(`unknown forge '${o.forge}': use github or gitlab`);
  if (!(CI_CREDENTIALS as readonly string[]).includes(o.credentials)) {
    throw new UsageError(`--credentials must be one of ${CI_CREDENTIALS.join(', ')}, got '${o.credentials}'`);
  }
  if (!NODE_RE.test(o.node)) throw new UsageError(`--node must be a Node.js version like 20 or 20.11.1, got '${o.node}'`);
  if (!BRANCH_RE.test(o.base)) {
    throw new UsageError(`--base must be a branch name (letters, digits, '.', '_', '-', '/'), got '${o.base}'`);
  }
}

/**
 * The forge a git remote URL points at, from its host: `https://github.com/o/r.git`,
 * `git@gitlab.example.com:o/r.git`, `ssh://git@github.com/o/r`. Undefined when the host names
 * neither.
 */
export function forgeFromRemoteUrl(url: string): Forge | undefined {
  let host: string | undefined;
  const scp = /^(?:[^@/:]+@)?([^/:]+):(?!\/\/)/.exec(url.trim());
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url.trim())) {
    try {
      host = new URL(url.trim()).hostname;
    } catch {
      host = undefined;
    }
  } else if (scp) host = scp[1];
  if (!host) return undefined;
  host = host.toLowerCase();
  if (host.includes('github')) return 'github';
  if (host.includes('gitlab')) return 'gitlab';
  return undefined;
}

function s3Secrets(forge: Forge): CiSecret[] {
  return [
    { name: 'AWS_ACCESS_KEY_ID', required: true, description: 'access key id of an account that can read (and, to push from CI, write) the S3 remote' },
    { name: 'AWS_SECRET_ACCESS_KEY', required: true, description: 'the secret access key of that key id' },
    {
      name: 'AWS_ENDPOINT_URL',
      required: false,
      description:
        'only for an S3-compatible store (MinIO, R2, the GCS interoperability endpoint…) whose endpoint is not set with `endpointurl` in .dvc/config' +
        (forge === 'github' ? '; then uncomment its line in the workflow' : ''),
    },
  ];
}

function gcsSecret(forge: Forge): CiSecret {
  return {
    name: 'GCP_SERVICE_ACCOUNT_KEY',
    required: true,
    description:
      forge === 'github'
        ? 'the JSON key of a Google Cloud service account that can read the bucket (the whole file, as is)'
        : 'the JSON key of a Google Cloud service account that can read the bucket, base64-encoded on one line (`base64 -w0 key.json`) so that it can be masked',
  };
}

const GITLAB_TOKEN_SECRET: CiSecret = {
  name: 'KEEL_REPO_TOKEN',
  required: true,
  description:
    'a personal, project or group access token with the `api` scope (role Reporter or higher); `keel comment` posts and updates the merge-request comment and uploads the plots with it',
};

/** The secrets a template needs, in the order its header lists them. */
export function ciSecrets(forge: Forge, credentials: CiCredentials): CiSecret[] {
  const creds = credentials === 's3' ? s3Secrets(forge) : credentials === 'gcs' ? [gcsSecret(forge)] : [];
  return forge === 'gitlab' ? [...creds, GITLAB_TOKEN_SECRET] : [...creds];
}

/** `${{ expr }}` (kept out of JS template literals, where `${` means something else). */
const gh = (expr: string): string => '$' + `{{ ${expr} }}`;

/** A YAML scalar that stays a string: plain when that is unambiguous, else single-quoted. */
function str(s: string): string {
  return /^[A-Za-z_][A-Za-z0-9_./-]*$/.test(s) && !/^(true|false|yes|no|on|off|null|y|n)$/i.test(s) ? s : `'${s.replace(/'/g, "''")}'`;
}

/** `# …` lines wrapping a description at ~96 columns under a `  NAME  ` label. */
function secretLines(secrets: CiSecret[], indent: string): string[] {
  const w = Math.max(...secrets.map((s) => s.name.length)) + 2;
  const out: string[] = [];
  for (const s of secrets) {
    const words = `${s.required ? '' : '(optional) '}${s.description}`.split(' ');
    let line = `${indent}${s.name.padEnd(w)}`;
    const pad = `${indent}${' '.repeat(w)}`;
    let first = true;
    for (const word of words) {
      if (!first && line.length + 1 + word.length > 96) {
        out.push(line.trimEnd());
        line = pad + word;
      } else line += (first ? '' : ' ') + word;
      first = false;
    }
    out.push(line.trimEnd());
  }
  return out;
}

const comment = (lines: string[]): string[] => lines.map((l) => (l ? `# ${l}` : '#'));

const GCS_NOTE = [
  'keel has no gs:// remote: it reads Google Cloud Storage through the S3 interoperability',
  'endpoint (an s3:// remote with endpointurl https://storage.googleapis.com and HMAC keys;',
  'use --credentials s3 for that). The service-account key below is for the stage commands',
  '(Google client libraries read GOOGLE_APPLICATION_CREDENTIALS) and other tools in the jobs.',
];

export function ciTemplate(o: CiTemplateOptions): CiTemplate {
  checkCiOptions(o);
  const secrets = ciSecrets(o.forge, o.credentials);
  const text = o.forge === 'github' ? github(o, secrets) : gitlab(o, secrets);
  return { path: CI_PATHS[o.forge], text, secrets };
}

function github(o: CiTemplateOptions, secrets: CiSecret[]): string {
  const base = str(o.base);
  const L: string[] = [];
  L.push(
    ...comment([
      'keel: reproduce the pipeline on every push to ' + o.base + ', pull request and manual run, and',
      'post a report (params, metrics and plots against ' + o.base + ') on each pull request.',
      'Written by `keel ci init`; edit freely.',
      '',
      ...(secrets.length
        ? [
            'Repository secrets to create (Settings > Secrets and variables > Actions > New repository',
            'secret). The file only names them; never write their values here.',
            ...secretLines(secrets, '  '),
            '',
          ]
        : ['The default remote needs no credentials, so there are no secrets to create.', '']),
      'The report job posts with the built-in GITHUB_TOKEN (nothing to create); it pushes the plot',
      'images to the orphan branch keel-assets, hence `contents: write`.',
      'Pull requests from forks get neither the secrets nor a writable token.',
      ...(o.credentials === 'gcs' ? ['', ...GCS_NOTE] : []),
    ]),
  );
  L.push(
    'name: keel',
    '',
    'on:',
    '  push:',
    '    branches:',
    `      - ${base}`,
    '  pull_request:',
    '  workflow_dispatch:',
    '',
    '# Jobs read the repository unless they say otherwise.',
    'permissions:',
    '  contents: read',
    '',
    'jobs:',
    '  train:',
    '    runs-on: ubuntu-latest',
  );
  if (o.credentials === 's3') {
    L.push(
      '    env:',
      '      # keel reads S3 keys from the environment; the values come from repository secrets.',
      `      AWS_ACCESS_KEY_ID: ${gh('secrets.AWS_ACCESS_KEY_ID')}`,
      `      AWS_SECRET_ACCESS_KEY: ${gh('secrets.AWS_SECRET_ACCESS_KEY')}`,
      '      # An S3-compatible store: set `endpointurl` on the remote in .dvc/config, or create the',
      '      # secret AWS_ENDPOINT_URL and uncomment this line.',
      `      # AWS_ENDPOINT_URL: ${gh('secrets.AWS_ENDPOINT_URL')}`,
    );
  }
  L.push('    steps:', '      - name: Checkout repository', '        uses: actions/checkout@v4');
  L.push(...setupNode(o));
  if (o.credentials === 'gcs') {
    L.push(
      '      - name: Write the Google Cloud service-account key',
      '        env:',
      `          GCP_SERVICE_ACCOUNT_KEY: ${gh('secrets.GCP_SERVICE_ACCOUNT_KEY')}`,
      '        run: |',
      '          umask 077',
      '          printf \'%s\' "$GCP_SERVICE_ACCOUNT_KEY" > "$RUNNER_TEMP/gcp-service-account-key.json"',
      '          echo "GOOGLE_APPLICATION_CREDENTIALS=$RUNNER_TEMP/gcp-service-account-key.json" >> "$GITHUB_ENV"',
    );
  }
  L.push(
    '      - name: Install dependencies',
    '        run: npm ci',
    '      - name: Pull data from the remote',
    '        run: npx keel pull',
    '      - name: Reproduce the pipeline',
    '        run: npx keel repro',
    '      - name: Upload evaluation results',
    '        uses: actions/upload-artifact@v4',
    '        with:',
    `          name: ${RESULTS_DIR}`,
    `          path: ${RESULTS_DIR}`,
    '          retention-days: 5',
    '',
    '  report:',
    '    needs: train',
    "    if: github.event_name == 'pull_request'",
    '    runs-on: ubuntu-latest',
    '    permissions:',
    '      contents: write # keel comment pushes the plot images to the keel-assets branch',
    '      pull-requests: write # and posts or updates the pull-request comment',
    '    steps:',
    '      - name: Checkout the pull request head with full history',
    '        uses: actions/checkout@v4',
    '        with:',
    `          ref: ${gh('github.event.pull_request.head.sha')}`,
    '          fetch-depth: 0',
    ...setupNode(o),
    '      - name: Install dependencies',
    '        run: npm ci',
    '      - name: Download evaluation results',
    '        uses: actions/download-artifact@v4',
    '        with:',
    `          name: ${RESULTS_DIR}`,
    `          path: ${RESULTS_DIR}`,
    '      - name: Write the report',
    `        run: npx keel report --base origin/${o.base} -o report.md`,
    '      - name: Post the report on the pull request',
    '        env:',
    `          REPO_TOKEN: ${gh('secrets.GITHUB_TOKEN')}`,
    '        run: npx keel comment report.md --target pr',
  );
  return L.join('\n') + '\n';
}

function setupNode(o: CiTemplateOptions): string[] {
  return ['      - name: Setup Node', '        uses: actions/setup-node@v4', '        with:', `          node-version: '${o.node}'`, '          cache: npm'];
}

function gitlab(o: CiTemplateOptions, secrets: CiSecret[]): string {
  const keyFile = '$CI_PROJECT_DIR/.gcp-service-account-key.json';
  const L: string[] = [];
  L.push(
    ...comment([
      'keel: reproduce the pipeline on every push to ' + o.base + ', merge request and manual run, and',
      'post a report (params, metrics and plots against ' + o.base + ') on each merge request.',
      'Written by `keel ci init`; edit freely.',
      '',
      'CI/CD variables to create (Settings > CI/CD > Variables). Mark them "Masked"; do not mark',
      'them "Protected", or merge-request pipelines of unprotected branches will not see them.',
      'The file only names them; never write their values here.',
      ...secretLines(secrets, '  '),
      ...(o.credentials === 'gcs' ? ['', ...GCS_NOTE] : []),
    ]),
  );
  L.push(
    '',
    '# Pipelines for merge requests, pushes to ' + o.base + ' and "Run pipeline" in the UI.',
    'workflow:',
    '  rules:',
    `    - if: '$CI_PIPELINE_SOURCE == "merge_request_event"'`,
    `    - if: '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == "${o.base}"'`,
    `    - if: '$CI_PIPELINE_SOURCE == "web"'`,
    '',
    'stages:',
    '  - train',
    '  - report',
    '',
    'variables:',
    '  # Full history, so that the report can read ' + o.base + "'s params, metrics and plots.",
    '  GIT_DEPTH: "0"',
    '  npm_config_cache: "$CI_PROJECT_DIR/.npm"',
    '',
    'default:',
    `  image: node:${o.node}`,
    '  cache:',
    '    key:',
    '      files:',
    '        - package-lock.json',
    '    paths:',
    '      - .npm/',
    '',
    'train:',
    '  stage: train',
  );
  if (o.credentials === 's3') {
    L.push('  # keel reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL) from the', '  # CI/CD variables of the same names.');
  }
  if (o.credentials === 'gcs') {
    L.push(
      '  variables:',
      `    GOOGLE_APPLICATION_CREDENTIALS: "${keyFile}"`,
      '  before_script:',
      '    - (umask 077; echo "$GCP_SERVICE_ACCOUNT_KEY" | base64 -d > "$GOOGLE_APPLICATION_CREDENTIALS")',
      '  after_script:',
      `    - rm -f "${keyFile}"`,
    );
  }
  L.push(
    '  script:',
    '    - npm ci',
    '    - npx keel pull',
    '    - npx keel repro',
    '  artifacts:',
    '    paths:',
    `      - ${RESULTS_DIR}`,
    '    expire_in: 5 days',
    '',
    'report:',
    '  stage: report',
    '  needs:',
    '    - job: train',
    '      artifacts: true',
    '  rules:',
    `    - if: '$CI_PIPELINE_SOURCE == "merge_request_event"'`,
    '  variables:',
    '    REPO_TOKEN: $KEEL_REPO_TOKEN',
    '  script:',
    '    - npm ci',
    `    - git fetch --quiet origin "+refs/heads/${o.base}:refs/remotes/origin/${o.base}"`,
    `    - npx keel report --base origin/${o.base} -o report.md`,
    '    - npx keel comment report.md --target pr',
  );
  return L.join('\n') + '\n';
}
