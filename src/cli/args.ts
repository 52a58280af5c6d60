/**
 * A small declarative argv parser: DVC-style flags (`-r name`, `--remote name`, `--remote=name`,
 * bundled booleans `-fq`), positionals, `--` to end options. Errors are UsageErrors naming the flag.
 */
import { UsageError } from '../errors/index.js';

export interface OptSpec {
  name: string; // long name, e.g. 'remote'
  short?: string; // e.g. 'r'
  type: 'boolean' | 'string' | 'number' | 'list';
  desc: string;
  arg?: string; // placeholder in help, e.g. '<name>'
  /** list options only: take every following word up to the next flag (argparse `nargs="*"`) */
  nargs?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage?: string;
  args?: { name: string; variadic?: boolean; required?: boolean }[];
  options?: OptSpec[];
  /** sub-commands (remote add, remote list, …) */
  subcommands?: string[];
}

export type Parsed = { _: string[] } & Record<string, string | boolean | number | string[] | undefined>;

export const GLOBAL_OPTIONS: OptSpec[] = [
  { name: 'help', short: 'h', type: 'boolean', desc: 'show this help' },
  { name: 'verbose', short: 'v', type: 'boolean', desc: 'print debug output' },
  { name: 'quiet', short: 'q', type: 'boolean', desc: 'print only errors' },
  { name: 'cd', type: 'string', desc: 'run as if keel was started in <path>', arg: '<path>' },
];

export function parseArgs(argv: string[], spec: CommandSpec): Parsed {
  const opts = [...(spec.options ?? []), ...GLOBAL_OPTIONS.filter((g) => !(spec.options ?? []).some((o) => o.name === g.name || (g.short && o.short === g.short)))];
  const byLong = new Map(opts.map((o) => [o.name, o]));
  const byShort = new Map(opts.filter((o) => o.short).map((o) => [o.short!, o]));
  const out: Parsed = { _: [] };
  const set = (o: OptSpec, value: string | boolean, flag: string): void => {
    const key = camel(o.name);
    if (o.type === 'boolean') out[key] = value as boolean;
    else if (o.type === 'list') out[key] = [...((out[key] as string[] | undefined) ?? []), value as string];
    else if (o.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`option ${flag} expects a number, got '${String(value)}'`, { hint: `keel ${spec.name} --help` });
      out[key] = n;
    } else out[key] = value as string;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out._.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      let o = byLong.get(name);
      let negated = false;
      if (!o && name.startsWith('no-') && byLong.get(name.slice(3))?.type === 'boolean') {
        o = byLong.get(name.slice(3));
        negated = true;
      }
      if (!o) throw new UsageError(`unrecognized option '--${name}' for 'keel ${spec.name}'`, { hint: `see 'keel ${spec.name} --help'` });
      if (o.type === 'boolean') {
        if (eq > 0) throw new UsageError(`option --${name} takes no value`);
        set(o, !negated, a);
      } else if (o.nargs && eq < 0) {
        const isFlag = (x: string): boolean => x === '--' || (x.startsWith('-') && x.length > 1 && !/^-\d/.test(x));
        while (i + 1 < argv.length && !isFlag(argv[i + 1])) set(o, argv[++i], `--${name}`);
      } else {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`option --${name} needs a value ${o.arg ?? ''}`.trim(), { hint: `see 'keel ${spec.name} --help'` });
        set(o, v, `--${name}`);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      const letters = a.slice(1);
      for (let j = 0; j < letters.length; j++) {
        const o = byShort.get(letters[j]);
        if (!o) throw new UsageError(`unrecognized option '-${letters[j]}' for 'keel ${spec.name}'`, { hint: `see 'keel ${spec.name} --help'` });
        if (o.type === 'boolean') set(o, true, `-${letters[j]}`);
        else {
          const rest = letters.slice(j + 1);
          const v = rest !== '' ? rest : argv[++i];
          if (v === undefined) throw new UsageError(`option -${letters[j]} needs a value ${o.arg ?? ''}`.trim());
          set(o, v, `-${letters[j]}`);
          break;
        }
      }
      continue;
    }
    out._.push(a);
  }
  return out;
}

function camel(s: string): string {
  return s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

export function formatHelp(spec: CommandSpec): string {
  const args = (spec.args ?? []).map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`) + (a.variadic ? '...' : '')).join(' ');
  const lines = [`usage: keel ${spec.usage ?? `${spec.name} [options] ${args}`.trim()}`, '', spec.summary, ''];
  if (spec.subcommands?.length) lines.push('subcommands:', ...spec.subcommands.map((s) => `  ${s}`), '');
  const opts = [...(spec.options ?? []), ...GLOBAL_OPTIONS];
  lines.push('options:');
  for (const o of opts) {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.type === 'boolean' ? '' : ` ${o.arg ?? '<value>'}`}`;
    lines.push(`  ${flag.padEnd(30)} ${o.desc}`);
  }
  return lines.join('\n') + '\n';
}
