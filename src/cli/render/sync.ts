/** Text for push / fetch / pull / checkout results, in DVC's words. */
import type { RelinkResult } from '../../ops/relink.js';
import type { CommandContext } from '../command.js';

const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;

export function renderRelink(ctx: CommandContext, r: RelinkResult): void {
  if (ctx.args.quiet) return;
  for (const p of r.added) ctx.out(`A\t${p}\n`);
  for (const p of r.modified) ctx.out(`M\t${p}\n`);
  for (const p of r.deleted) ctx.out(`D\t${p}\n`);
  for (const f of r.failed) ctx.out(`!\t${f.path}: ${f.reason}\n`);
}

export function summary(parts: [number, string][]): string {
  const s = parts.filter(([n]) => n > 0).map(([n, w]) => `${plural(n, 'file')} ${w}`);
  return s.length ? s.join(' and ') : 'Everything is up to date.';
}
