// The report's Markdown layout (src/report/markdown.ts): pure, so checked on hand-made input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeMarkdown, linkPath, renderReport } from '../../src/report/markdown.js';

const EMPTY_MD = '| Path   | Param   | main   | workspace   |\n|--------|---------|--------|-------------|\n';

test('empty diffs become sentences; tables are kept verbatim', () => {
  const metrics = '| Path   | Metric   | main   | workspace   | Change   |\n|--------|----------|--------|-------------|----------|\n| m.json | auc      | 0.5    | 0.6         | 0.1      |\n';
  const md = renderReport({ base: { label: 'main', sha: 'a'.repeat(40) }, head: { label: 'workspace', sha: 'b'.repeat(40), dirty: true }, params: EMPTY_MD, metrics, plots: [] });
  assert.equal(
    md,
    [
      '# keel report',
      '',
      'Comparing **workspace** (`bbbbbbb` + uncommitted changes) against **main** (`aaaaaaa`).',
      '',
      '## Params',
      '',
      '_No params changed between main and workspace._',
      '',
      '## Metrics',
      '',
      metrics.trimEnd(),
      '',
      '## Plots',
      '',
      '_No plots defined in dvc.yaml._',
      '',
    ].join('\n'),
  );
});

test('plots: overlays as one image, image plots side by side base first, notes quoted', () => {
  const md = renderReport({
    base: { label: 'origin/main' },
    head: { label: 'feature_x' },
    params: '',
    metrics: '',
    title: 'PR #7',
    warnings: ['could not read metrics in \'origin/main\''],
    plots: [
      { id: 'eval/prc.json', title: 'Precision "recall"', images: [{ path: 'report-plots/eval_prc.json.png' }] },
      { id: 'eval/imp ortance.png', images: [{ rev: 'feature_x', path: 'r p/b.png' }, { rev: 'origin/main', path: 'r p/a.png' }], notes: ['origin/main: No such file'] },
      { id: 'x.json', images: [] },
    ],
  });
  assert.ok(md.startsWith('# PR #7\n'));
  assert.match(md, /> ⚠️ could not read metrics in 'origin\/main'/);
  assert.ok(md.includes('### Precision "recall" (`eval/prc.json`)\n\n![Precision "recall"](./report-plots/eval_prc.json.png "Precision \\"recall\\"")'), md);
  assert.ok(md.includes('| origin/main | feature\\_x |\n|---|---|\n| ![eval/imp ortance.png (origin/main)](./r%20p/a.png) | ![eval/imp ortance.png (feature\\_x)](./r%20p/b.png) |'), md);
  assert.match(md, /> origin\/main: No such file/);
  assert.match(md, /### `x\.json`\n\n_No data to plot in either revision\._/);
  assert.ok(md.endsWith('\n') && !md.endsWith('\n\n'));
});

test('escaping and link paths', () => {
  assert.equal(escapeMarkdown('a_b*c[d]|e'), 'a\\_b\\*c\\[d\\]\\|e');
  assert.equal(linkPath('plots/a b#1.png'), './plots/a%20b%231.png');
  assert.equal(linkPath('../up/x.png'), '../up/x.png');
});
