/**
 * `keel report` end to end with the built CLI: the guide's evaluate stage (test/fixtures/plots-e2e)
 * with a baseline on main and a branch that changes a param; the report holds the params table,
 * the metrics table with Change, and one PNG per plot with both revisions drawn (image plots side
 * by side), referenced relatively.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { keel, keelOk } from '../helpers/cli.js';
import { cleanup, commitAll, git, writeFiles } from '../helpers/git.js';
import { keelRepo } from '../helpers/repo.js';
import { countColour, pngStats } from '../helpers/png.js';

const FIX = fileURLToPath(new URL('../fixtures/plots-e2e/', import.meta.url));
const EVALUATE = fs.readFileSync(path.join(FIX, 'evaluate.js'), 'utf8');

/** The guide's evaluate stage with its plot props (the file `plots.test.ts` builds with `plots modify`). */
const DVC_YAML = fs.readFileSync(path.join(FIX, 'dvc.yaml'), 'utf8');

/** The first two colours of DVC's palette: the first revision given (base), then the second. */
const BASE_COLOUR: [number, number, number] = [0x94, 0x5d, 0xd6];
const HEAD_COLOUR: [number, number, number] = [0x13, 0xad, 0xc7];

/** Images referenced by a Markdown text: [alt, relative path]. */
function images(md: string): [string, string][] {
  return [...md.matchAll(/!\[([^\]]*)\]\(([^ )]+)/g)].map((m) => [m[1], decodeURIComponent(m[2])]);
}

describe('keel report on two branches', () => {
  let dir: string;
  before(() => {
    dir = keelRepo({ 'evaluate.js': EVALUATE, 'params.yaml': 'train:\n  quality: 0.7\n', 'dvc.yaml': DVC_YAML });
    keelOk(dir, ['repro']);
    commitAll(dir, 'baseline');
    git(dir, 'branch', '-M', 'main');
    git(dir, 'checkout', '-q', '-b', 'experiment');
    writeFiles(dir, { 'params.yaml': 'train:\n  quality: 0.9\n' });
    keelOk(dir, ['repro']);
  });
  after(() => cleanup(dir));

  test('the workspace against main: both tables, four plots, PNGs with both revisions', () => {
    const r = keelOk(dir, ['report']);
    assert.match(r.stdout, /Report workspace vs main written to report\.md \(5 images in report-plots\/\)/);
    const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    assert.match(md, new RegExp(`Comparing \\*\\*workspace\\*\\* \\(\`${head.slice(0, 7)}\` \\+ uncommitted changes\\) against \\*\\*main\\*\\* \\(\`${head.slice(0, 7)}\`\\)`));
    // the params table as `params diff main --md` prints it
    assert.ok(md.includes('## Params\n\n| Path        | Param         | main   | workspace   |\n'), md);
    assert.match(md, /\| params\.yaml \| train\.quality \| 0\.7 +\| 0\.9 +\|/);
    // the metrics table with a Change column
    assert.match(md, /\| Path +\| Metric +\| main +\| workspace +\| Change +\|/);
    assert.match(md, /\| evaluation\/metrics\.json \| roc_auc +\| 0\.\d+ +\| 0\.\d+ +\| 0\.\d+ +\|/);
    // one section per plot, in DVC's order
    const sections = [...md.matchAll(/^### `(.+)`$/gm)].map((m) => m[1]);
    assert.deepEqual(sections, ['evaluation/plots/importance.png', 'evaluation/plots/prc.json', 'evaluation/plots/sklearn/confusion_matrix.json', 'evaluation/plots/sklearn/roc.json']);
    // image plots side by side: a table with main then workspace
    assert.match(md, /\| main \| workspace \|\n\|---\|---\|\n\| !\[.*\(main\)\]\(\.\/report-plots\/main_evaluation_plots_importance\.png\) \| !\[.*\(workspace\)\]\(\.\/report-plots\/workspace_evaluation_plots_importance\.png\) \|/);
    // every referenced image exists, relative to the report, and shows a plot
    const refs = images(md);
    assert.equal(refs.length, 5);
    for (const [, rel] of refs) {
      assert.ok(rel.startsWith('./report-plots/'), rel);
      const s = pngStats(path.join(dir, rel));
      assert.ok(s.width >= 240 && s.height >= 160, `${rel}: ${s.width}x${s.height}`);
      assert.ok(s.colours >= 3 && s.dark > 200, `${rel}: ${s.colours} colours, ${s.dark} dark pixels`);
    }
    // the curves of both revisions are drawn, each in its own colour
    for (const f of ['evaluation_plots_prc.json.png', 'evaluation_plots_sklearn_roc.json.png']) {
      const file = path.join(dir, 'report-plots', f);
      assert.ok(countColour(file, BASE_COLOUR) > 300, `${f}: base curve`);
      assert.ok(countColour(file, HEAD_COLOUR) > 300, `${f}: head curve`);
    }
    // the head's importance.png is the workspace file; main's comes from the cache
    assert.deepEqual(fs.readFileSync(path.join(dir, 'report-plots/workspace_evaluation_plots_importance.png')), fs.readFileSync(path.join(dir, 'evaluation/plots/importance.png')));
  });

  test('two commits, -o into a folder, --title, --json', () => {
    writeFiles(dir, { '.gitignore': 'report.md\nreport-plots\nout\n' });
    commitAll(dir, 'quality 0.9');
    const r = keelOk(dir, ['report', '--base', 'main', '--head', 'experiment', '-o', 'out/pr.md', '--title', 'Model change', '--json']);
    const j = JSON.parse(r.stdout) as {
      report: string;
      base: { label: string; sha: string };
      head: { label: string; sha: string };
      params: Record<string, Record<string, { old: number; new: number }>>;
      metrics: Record<string, Record<string, { old: number; new: number; diff: number }>>;
      plots: { id: string; images: { rev?: string; path: string }[] }[];
    };
    assert.equal(j.report, 'out/pr.md');
    assert.equal(j.base.sha, git(dir, 'rev-parse', 'main').trim());
    assert.equal(j.head.sha, git(dir, 'rev-parse', 'experiment').trim());
    const q = j.params['params.yaml']['train.quality'];
    assert.deepEqual([q.old, q.new], [0.7, 0.9]);
    const auc = j.metrics['evaluation/metrics.json'].roc_auc;
    assert.ok(auc.new > auc.old && Math.abs(auc.diff - (auc.new - auc.old)) < 1e-9);
    assert.equal(j.plots.length, 4);
    const md = fs.readFileSync(path.join(dir, 'out/pr.md'), 'utf8');
    assert.ok(md.startsWith('# Model change\n'));
    assert.match(md, /\| params\.yaml \| train\.quality \| 0\.7 +\| 0\.9 +\|/);
    assert.match(md, /\| main +\| experiment +\|/);
    for (const [, rel] of images(md)) assert.ok(fs.existsSync(path.join(dir, 'out', rel)), rel);
    assert.ok(fs.existsSync(path.join(dir, 'out/pr-plots')));
  });

  test('nothing changed: sentences instead of empty tables', () => {
    const r = keelOk(dir, ['report', '--base', 'experiment', '-o', 'same.md']);
    assert.match(r.stdout, /same\.md/);
    const md = fs.readFileSync(path.join(dir, 'same.md'), 'utf8');
    assert.match(md, /_No params changed between experiment and workspace\._/);
    assert.match(md, /_No metrics changed between experiment and workspace\._/);
    fs.rmSync(path.join(dir, 'same.md'));
    fs.rmSync(path.join(dir, 'same-plots'), { recursive: true });
  });

  test('bad input: unknown base, base = head, a directory as -o', () => {
    const before = fs.readdirSync(dir).sort();
    const a = keel(dir, ['report', '--base', 'nope']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /unknown revision 'nope' for --base/);
    assert.match(a.stderr, /fetch-depth: 0/);
    const b = keel(dir, ['report', '--base', 'main', '--head', 'main']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /nothing to compare/);
    const c = keel(dir, ['report', '-o', 'evaluation']);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /is a directory/);
    assert.deepEqual(fs.readdirSync(dir).sort(), before, 'nothing written');
  });
});

test('keel report without a base branch names the flag; without commits it says so', () => {
  const dir = keelRepo({ 'params.yaml': 'a: 1\n' });
  try {
    const a = keel(dir, ['report']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /has none yet/);
    commitAll(dir, 'one');
    git(dir, 'branch', '-M', 'trunk');
    const b = keel(dir, ['report']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /no --base given and none of main, origin\/main, master, origin\/master exists/);
    assert.match(b.stderr, /keel report --base/);
    const c = keelOk(dir, ['report', '--base', 'trunk']);
    assert.match(c.stdout, /0 images/);
    const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    assert.match(md, /_No plots defined in dvc\.yaml\._/);
  } finally {
    cleanup(dir);
  }
});
