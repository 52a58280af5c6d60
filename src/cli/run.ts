/** Runs one command: parse flags, call it, map errors to messages + exit codes. */
import * as path from 'node:path';
import { isKeelError } from '../errors/index.js';
import { formatHelp, parseArgs } from './args.js';
import type { Command } from './command.js';
import { EXIT_BUG, EXIT_CODES } from './exit-codes.js';
import { red, terminalIo } from './io.js';

export async function runCommand(
  name: string,
  load: () => Promise<{ default: Command }>,
  argv: string[],
  version: () => string,
): Promise<number> {
  const cmd = (await load()).default;
  let verbose = argv.includes('-v') || argv.includes('--verbose');
  try {
    const args = parseArgs(argv, cmd.spec);
    verbose = !!args.verbose;
    if (args.help) {
      process.stdout.write(formatHelp(cmd.spec));
      return 0;
    }
    const io = terminalIo({ quiet: !!args.quiet, verbose, json: !!args.json });
    const cwd = typeof args.cd === 'string' ? path.resolve(args.cd) : process.cwd();
    return await cmd.run({ args, io, cwd, out: (t) => process.stdout.write(t), version });
  } catch (e) {
    return printError(e, verbose, name);
  }
}

export function printError(e: unknown, verbose: boolean, name: string): number {
  if (isKeelError(e)) {
    process.stderr.write(`${red('ERROR:')} ${e.message}\n`);
    if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
    if (verbose && e.cause) process.stderr.write(`  cause: ${e.cause instanceof Error ? (e.cause.stack ?? e.cause.message) : String(e.cause)}\n`);
    return EXIT_CODES[e.code] ?? 1;
  }
  const err = e as Error;
  process.stderr.write(`${red('ERROR:')} unexpected error in 'keel ${name}': ${err?.stack ?? String(e)}\n`);
  process.stderr.write('  This is a bug in keel; please report it with the output above.\n');
  return EXIT_BUG;
}
