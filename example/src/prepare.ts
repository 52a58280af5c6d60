/**
 * Stage `prepare`: data/data.xml → data/prepared/{train,test}.tsv
 *
 *   node dist/prepare.js data/data.xml
 *
 * The guide's prepare.py, line for line: read `prepare.split` and `prepare.seed` from params.yaml,
 * seed Python's random generator (the same Mersenne Twister, so the same seed gives the same
 * split), and for every line of the input draw `random()`: the line goes to the test set when the
 * draw is <= split, else to the training set. A line is one XML element (a posts dump: one
 * `<row Id="…" Tags="…" Title="…" Body="…"/>` per line); lines that are not (the XML declaration,
 * `<posts>`, `</posts>`) are skipped with a message on stderr, after their draw, as in the guide.
 *
 * Output rows are `id<TAB>label<TAB>text`: text is the title, a space and the body, each with
 * whitespace runs collapsed to one space (HTML kept). The label is 1 when Tags holds one of the
 * positive tags: `<r>` (the guide's StackOverflow data: posts about R) or `<spam>` (the bundled
 * SpamAssassin mails), else 0.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pythonRandom } from './lib/mt19937.js';
import { loadParams, num } from './lib/params.js';

/** Tags that make a row positive (label 1). */
export const POSITIVE_TAGS = ['<r>', '<spam>'];

/** Python's `\s` for str patterns (str.isspace()), as a character class body. */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_SPACES = new RegExp(`[${PY_SPACE}]+`, 'g');
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

/** `re.sub(r"\s+", " ", s).strip()` */
export function collapse(s: string): string {
  return s.replace(PY_SPACES, ' ').replace(PY_STRIP, '');
}

const NAME = '[A-Za-z_:\\u00C0-\\uFFFF][-A-Za-z0-9._:\\u00B7\\u00C0-\\uFFFF]*';
const ELEMENT = new RegExp(`^[ \\t\\r\\n]*<(${NAME})((?:[ \\t\\r\\n]+${NAME}[ \\t\\r\\n]*=[ \\t\\r\\n]*(?:"[^"]*"|'[^']*'))*)[ \\t\\r\\n]*/>[ \\t\\r\\n]*$`, 'u');
const ATTR = new RegExp(`(${NAME})[ \\t\\r\\n]*=[ \\t\\r\\n]*(?:"([^"]*)"|'([^']*)')`, 'gu');
// characters XML 1.0 does not allow (expat: "not well-formed (invalid token)")
const INVALID_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** An attribute value as an XML parser returns it: references replaced, literal whitespace normalised. */
function attrValue(raw: string): string {
  if (raw.includes('<')) throw new Error("not well-formed: '<' in an attribute value");
  return raw.replace(/[\t\n\r]/g, ' ').replace(/&([^;&]*);?/g, (m, ref: string) => {
    if (!m.endsWith(';')) throw new Error('not well-formed: bare & in an attribute value');
    if (ref in ENTITIES) return ENTITIES[ref];
    let cp = NaN;
    if (/^#[0-9]+$/.test(ref)) cp = Number.parseInt(ref.slice(1), 10);
    else if (/^#x[0-9a-fA-F]+$/.test(ref)) cp = Number.parseInt(ref.slice(2), 16);
    else throw new Error(`undefined entity &${ref};`);
    if (!isXmlChar(cp)) throw new Error(`reference to invalid character number &${ref};`);
    return String.fromCodePoint(cp);
  });
}

/**
 * The attributes of a line holding one empty XML element (`xml.etree.ElementTree.fromstring(line).attrib`
 * for such lines); throws on anything else, like the guide's parser.
 */
export function parseRowLine(line: string): Map<string, string> {
  if (INVALID_CHAR.test(line)) throw new Error('not well-formed (invalid token)');
  const m = ELEMENT.exec(line);
  if (!m) throw new Error(line.trim() === '' ? 'no element found' : 'not a single empty element');
  const attrs = new Map<string, string>();
  for (const a of m[2].matchAll(ATTR)) {
    if (attrs.has(a[1])) throw new Error(`duplicate attribute ${a[1]}`);
    attrs.set(a[1], attrValue(a[2] ?? a[3] ?? ''));
  }
  return attrs;
}

export function isPositive(tags: string): boolean {
  return POSITIVE_TAGS.some((t) => tags.includes(t));
}

/** Split the lines of an XML posts dump into train and test TSV text. */
export function processPosts(
  text: string,
  split: number,
  seed: number,
  warn: (msg: string) => void = (msg) => process.stderr.write(msg),
): { train: string; test: string; nTrain: number; nTest: number; skipped: number } {
  const random = pythonRandom(seed);
  // Python's text-mode file iteration: universal newlines, no empty last line
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const train: string[] = [];
  const test: string[] = [];
  let num = 1;
  let skipped = 0;
  for (const line of lines) {
    const out = random() > split ? train : test;
    let attrs: Map<string, string>;
    try {
      attrs = parseRowLine(line);
    } catch (err) {
      warn(`Skipping the broken line ${num}: ${(err as Error).message}\n`);
      skipped++;
      continue;
    }
    const pid = attrs.get('Id') ?? '';
    const label = isPositive(attrs.get('Tags') ?? '') ? 1 : 0;
    const title = collapse(attrs.get('Title') ?? '');
    const body = collapse(attrs.get('Body') ?? '');
    out.push(`${pid}\t${label}\t${title} ${body}\n`);
    num++;
  }
  return { train: train.join(''), test: test.join(''), nTrain: train.length, nTest: test.length, skipped };
}

function main(argv: string[]): void {
  if (argv.length !== 1) {
    process.stderr.write('Arguments error. Usage:\n\tnode dist/prepare.js data-file\n');
    process.exit(1);
  }
  const params = loadParams('prepare');
  const split = num(params, 'split', { min: 0, max: 1 });
  const seed = num(params, 'seed', { integer: true, min: 0 });

  const input = readFileSync(argv[0], 'utf8');
  const outDir = join('data', 'prepared');
  mkdirSync(outDir, { recursive: true });
  const r = processPosts(input, split, seed);
  writeFileSync(join(outDir, 'train.tsv'), r.train);
  writeFileSync(join(outDir, 'test.tsv'), r.test);
  process.stdout.write(`prepare: ${r.nTrain} train rows, ${r.nTest} test rows, ${r.skipped} lines skipped\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main(process.argv.slice(2));
