/**
 * `keel ci init`: write the CI file that trains on every push and pull request and posts keel's
 * report on pull requests (report/ci-templates.ts makes the text).
 *
 * Defaults come from the repository: the forge from the host of `git remote get-url origin`
 * (github / gitlab, else GitHub), the credentials from the scheme of the default remote in
 * .dvc/config (s3:// → s3, gs:// → gcs, anything else → none).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotARepoError, OutputError, isKeelError } from '../errors/index.js';
import { getRemote, loadConfig, type EnvSnapshot } from '../config/index.js';
import { Git, findGitRootSync } from '../git/index.js';
import { remoteKind } from '../storage/registry.js';
import { findRoot } from '../repo/index.js';
import { ciTemplate, checkCiOptions, forgeFromRemoteUrl, RESULTS_DIR, type CiCredentials, type CiSecret, type Forge } from '../report/ci-templates.js';
import { toPosix } from '../util/paths.js';
import { writeFileAtomic } from '../util/fs.js';
import { silentIo, type Io } from './io.js';

export interface CiInitOptions {
  /** default: from the origin URL's host, else github */
  forge?: Forge;
  /** default: from the default remote's URL scheme, else none */
  credentials?: CiCredentials;
  /** Node version for the CI jobs (default 20) */
  node?: string;
  /** the branch to train on pushes to and to compare against (default main) */
  base?: string;
  /** overwrite an existing CI file */
  force?: boolean;
  /** make the text but write nothing */
  dryRun?: boolean;
  env?: EnvSnapshot;
}

export interface CiInitResult {
  /** the directory the CI file belongs to (the git work tree, else the keel repository) */
  root: string;
  /** the CI file, relative to `root` (posix) */
  path: string;
  forge: Forge;
  forgeFrom: 'option' | 'origin' | 'default';
  /** the origin URL the forge was read from */
  origin?: string;
  credentials: CiCredentials;
  credentialsFrom: 'option' | 'remote' | 'default';
  /** the default remote the credentials were read from */
  remote?: { name: string; url: string };
  secrets: CiSecret[];
  text: string;
  written: boolean;
  /** an existing file was replaced (--force) */
  replaced: boolean;
  warnings: string[];
}

interface DefaultRemote {
  name: string;
  url: string;
}

/** The default remote in .dvc/config (+ local, global, system), or undefined. */
async function defaultRemote(dvcDir: string, env: EnvSnapshot | undefined, warnings: string[]): Promise<DefaultRemote | undefined> {
  const config = await loadConfig(dvcDir, { env });
  if (!config.core.remote) {
    if (Object.keys(config.remotes).length) {
      warnings.push("no default remote is set: 'keel pull' in CI fails when it has data to download (run 'keel remote default <name>')");
    }
    return undefined;
  }
  try {
    const r = getRemote(config, undefined, 'pull');
    return { name: r.name, url: r.url };
  } catch (e) {
    if (isKeelError(e) && e.code === 'CONFIG') {
      warnings.push(`the default remote cannot be read (${e.message.split('\n')[0]}): credentials default to none`);
      return undefined;
    }
    throw e;
  }
}

function credentialsFor(url: string): CiCredentials {
  const kind = remoteKind(url);
  return kind === 's3' ? 's3' : kind === 'gs' ? 'gcs' : 'none';
}

async function originUrl(gitRoot: string): Promise<string | undefined> {
  const r = await new Git(gitRoot).run(['remote', 'get-url', 'origin'], { okCodes: [1, 2, 128] });
  if (r.code !== 0) return undefined;
  return r.stdout.toString('utf8').trim() || undefined;
}

/** A remote URL without the user:token part an https URL may carry. */
function withoutUserinfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** What the generated jobs assume of the project, said before CI finds out. */
function projectWarnings(root: string, warnings: string[]): void {
  const pkg = readJson(path.join(root, 'package.json'));
  if (!pkg) {
    warnings.push("there is no package.json at the repository root: the jobs run 'npm ci' and 'npx keel' (add one with keel as a devDependency)");
    return;
  }
  const deps = { ...(pkg.dependencies as object | undefined), ...(pkg.devDependencies as object | undefined) };
  if (!Object.hasOwn(deps, 'keel')) {
    warnings.push("package.json does not list keel: add it (npm install --save-dev keel) so that 'npx keel' in CI runs the version you use");
  }
  if (!fs.existsSync(path.join(root, 'package-lock.json'))) {
    warnings.push("there is no package-lock.json: 'npm ci' and the npm cache in CI need one (run 'npm install' and commit it)");
  }
}

export async function ciInit(cwd: string, o: CiInitOptions = {}, io: Io = silentIo): Promise<CiInitResult> {
  const warnings: string[] = [];
  const gitRoot = findGitRootSync(cwd);
  let keelRoot: string | undefined;
  try {
    keelRoot = findRoot(cwd);
  } catch (e) {
    if (!isKeelError(e) || e.code !== 'NOT_A_REPO') throw e;
  }
  const root = gitRoot ?? keelRoot;
  if (!root) throw new NotARepoError(cwd);
  if (!keelRoot) warnings.push("this is not a keel/DVC repository yet: run 'keel init' (the jobs run 'keel pull' and 'keel repro')");
  else if (gitRoot && path.resolve(keelRoot) !== path.resolve(gitRoot)) {
    warnings.push(
      `the keel repository is '${toPosix(path.relative(gitRoot, keelRoot))}', not the git root: the jobs run keel at the git root; ` +
        "add 'working-directory' (GitHub) or a 'cd' (GitLab) and prefix the artifact path",
    );
  }

  // forge
  let forge = o.forge;
  let forgeFrom: CiInitResult['forgeFrom'] = 'option';
  let origin: string | undefined;
  if (gitRoot) {
    const url = await originUrl(gitRoot);
    origin = url === undefined ? undefined : withoutUserinfo(url);
  }
  if (!forge) {
    const detected = origin ? forgeFromRemoteUrl(origin) : undefined;
    forge = detected ?? 'github';
    forgeFrom = detected ? 'origin' : 'default';
    io.debug(`forge: ${forge} (${detected ? `from origin ${origin}` : 'default'})`);
  }

  // credentials
  const remote = keelRoot ? await defaultRemote(path.join(keelRoot, '.dvc'), o.env, warnings) : undefined;
  let credentials = o.credentials;
  let credentialsFrom: CiInitResult['credentialsFrom'] = 'option';
  if (!credentials) {
    credentials = remote ? credentialsFor(remote.url) : 'none';
    credentialsFrom = remote ? 'remote' : 'default';
  }
  if (remote) {
    const kind = remoteKind(remote.url);
    if (kind === 'local') {
      warnings.push(`the default remote '${remote.name}' is a local path (${remote.url}): a CI runner cannot reach it, so 'keel pull' fails there unless that path exists on the runner`);
    } else if (kind === 'gs') {
      warnings.push(
        `the default remote '${remote.name}' is gs://, which keel cannot open: use the GCS S3-interoperability endpoint instead ` +
          "(an s3:// remote with endpointurl https://storage.googleapis.com and HMAC keys, and --credentials s3)",
      );
    } else if (kind !== 's3') {
      warnings.push(`the default remote '${remote.name}' is ${kind}://, which keel cannot open: 'keel pull' fails in CI`);
    }
    if (credentials === 'none' && kind === 's3') {
      warnings.push(`the default remote '${remote.name}' is on S3 but --credentials none passes no keys: 'keel pull' works only for a public bucket`);
    }
  }

  const opts = { forge, credentials, node: o.node ?? '20', base: o.base ?? 'main' };
  checkCiOptions(opts);
  const tpl = ciTemplate(opts);
  projectWarnings(root, warnings);
  if (keelRoot && !fs.existsSync(path.join(keelRoot, RESULTS_DIR))) {
    io.debug(`'${RESULTS_DIR}/' does not exist yet: the jobs expect the pipeline to write it`);
  }

  const file = path.join(root, ...tpl.path.split('/'));
  const exists = fs.existsSync(file);
  let written = false;
  if (!o.dryRun) {
    if (exists && !o.force) {
      throw new OutputError(`'${tpl.path}' already exists`, {
        hint: "use -f/--force to overwrite it, or --stdout to print the new file instead",
        data: { path: tpl.path },
      });
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, tpl.text);
    written = true;
  }
  return {
    root,
    path: tpl.path,
    forge,
    forgeFrom,
    origin,
    credentials,
    credentialsFrom,
    remote,
    secrets: tpl.secrets,
    text: tpl.text,
    written,
    replaced: written && exists,
    warnings,
  };
}
