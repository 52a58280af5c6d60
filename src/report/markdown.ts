/**
 * The pull-request report as Markdown: pure (data in, text out). `ops/report.ts` gathers the
 * params and metrics tables (DVC's `--md` text) and the plot images; this module lays them out
 * the way the guide's step-7 script did by hand (params, metrics, one section per plot), with a
 * header naming both revisions and their commits.
 *
 * Images are referenced by relative paths (`./report-plots/prc.png`), so the report renders
 * where it is written and `keel comment` can find and upload them.
 */

export interface ReportRevision {
  /** the revision as typed (`main`, `origin/main`, `workspace`) */
  label: string;
  /** the commit it resolves to (for `workspace`: HEAD) */
  sha?: string;
  /** `workspace` only: tracked files differ from HEAD */
  dirty?: boolean;
}

export interface ReportImage {
  /** the revision of an image plot; absent for a rendered plot that overlays every revision */
  rev?: string;
  /** POSIX path relative to the report file */
  path: string;
}

export interface ReportPlot {
  id: string;
  /** the plot's `title` property, when it has one */
  title?: string;
  images: ReportImage[];
  /** why some revision has no data for this plot ("main: file not found") */
  notes?: string[];
}

export interface ReportInput {
  title?: string;
  base: ReportRevision;
  head: ReportRevision;
  /** `params diff --md` text ('' when nothing changed) */
  params: string;
  /** `metrics diff --md` text ('' when nothing changed) */
  metrics: string;
  /** the metrics diff includes unchanged metrics (`--all`) */
  allMetrics?: boolean;
  plots: ReportPlot[];
  /** revision-level problems worth showing the reviewer */
  warnings?: string[];
}

/** Escape text for inline Markdown (headings, alt text, table cells). */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]<>()#+!|~]/g, (c) => `\\${c}`);
}

/** A relative path as a Markdown link destination: each segment URI-encoded, `./` in front. */
export function linkPath(rel: string): string {
  const enc = rel
    .split('/')
    .map((seg) => (seg === '.' || seg === '..' ? seg : encodeURIComponent(seg)))
    .join('/');
  return enc.startsWith('.') ? enc : `./${enc}`;
}

function revText(r: ReportRevision): string {
  const sha = r.sha ? ` (\`${r.sha.slice(0, 7)}\`${r.dirty ? ' + uncommitted changes' : ''})` : '';
  return `**${escapeMarkdown(r.label)}**${sha}`;
}

function section(title: string, body: string, empty: string): string {
  // DVC's --md output with no rows is a header alone; show a sentence instead
  const rows = body.trim().split('\n').filter((l) => l.startsWith('|'));
  const text = rows.length > 2 ? body.trimEnd() : `_${empty}_`;
  return `## ${title}\n\n${text}\n`;
}

function plotSection(p: ReportPlot, base: ReportRevision, head: ReportRevision): string {
  const heading = p.title && p.title !== p.id ? `${escapeMarkdown(p.title)} (\`${p.id}\`)` : `\`${p.id}\``;
  const lines = [`### ${heading}`, ''];
  const alt = escapeMarkdown(p.title ?? p.id);
  const overlay = p.images.filter((i) => i.rev === undefined);
  const perRev = p.images.filter((i) => i.rev !== undefined);
  const title = (p.title ?? p.id).replace(/["\\]/g, (c) => `\\${c}`);
  for (const img of overlay) lines.push(`![${alt}](${linkPath(img.path)} "${title}")`, '');
  if (perRev.length > 0) {
    // image plots: one column per revision, base first, side by side
    const order = [base.label, head.label];
    const revs = [...new Set(perRev.map((i) => i.rev!))].sort((a, b) => rank(order, a) - rank(order, b));
    lines.push(`| ${revs.map(escapeMarkdown).join(' | ')} |`, `|${revs.map(() => '---').join('|')}|`);
    const cells = revs.map((r) =>
      perRev
        .filter((i) => i.rev === r)
        .map((i) => `![${alt} (${escapeMarkdown(r)})](${linkPath(i.path)})`)
        .join(' '),
    );
    lines.push(`| ${cells.join(' | ')} |`, '');
  }
  if (p.images.length === 0) lines.push('_No data to plot in either revision._', '');
  for (const n of p.notes ?? []) lines.push(`> ${escapeMarkdown(n)}`, '');
  return lines.join('\n');
}

function rank(order: string[], rev: string): number {
  const i = order.indexOf(rev);
  return i < 0 ? order.length : i;
}

/** The whole report. Ends with a newline. */
export function renderReport(r: ReportInput): string {
  const out: string[] = [];
  out.push(`# ${r.title ?? 'keel report'}`, '');
  out.push(`Comparing ${revText(r.head)} against ${revText(r.base)}.`, '');
  for (const w of r.warnings ?? []) out.push(`> ⚠️ ${escapeMarkdown(w)}`, '');
  out.push(section('Params', r.params, `No params changed between ${r.base.label} and ${r.head.label}.`));
  out.push(
    section(
      'Metrics',
      r.metrics,
      r.allMetrics ? `No metrics in ${r.base.label} or ${r.head.label}.` : `No metrics changed between ${r.base.label} and ${r.head.label}.`,
    ),
  );
  out.push('## Plots', '');
  if (r.plots.length === 0) out.push('_No plots defined in dvc.yaml._', '');
  for (const p of r.plots) out.push(plotSection(p, r.base, r.head));
  return out.join('\n').replace(/\n{3,}/g, '\n\n').replace(/\n*$/, '\n');
}
