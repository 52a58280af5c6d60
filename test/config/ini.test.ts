import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IniSyntaxError, parseIni, quoteIni, renderEntry, stringifyIni, formatValue } from '../../src/config/ini.js';

test('quoteIni follows ConfigObj._quote', () => {
  // Expected strings computed with configobj 5.0.9's ConfigObj()._quote().
  const cases: [string | string[], string][] = [
    ['store', 'store'],
    ['/path/to/remote', '/path/to/remote'],
    ['s3://bucket/path', 's3://bucket/path'],
    ['reflink,copy', '"reflink,copy"'],
    ['', '""'],
    [' lead', '" lead"'],
    ['trail ', '"trail "'],
    ['a#b', '"a#b"'],
    ['say "hi"', '\'say "hi"\''],
    ["it's", "it's"],
    ["'q'", '"\'q\'"'],
    ['it\'s "x"', '\'\'\'it\'s "x"\'\'\''],
    ['line1\nline2', "'''line1\nline2'''"],
    ['x=y', 'x=y'],
    [['reflink', 'copy'], 'reflink, copy'],
    [['one'], 'one,'],
    [[], ','],
  ];
  for (const [v, want] of cases) assert.equal(quoteIni(v), want, JSON.stringify(v));
  assert.equal(quoteIni('remote "store"', false), '\'remote "store"\'');
  assert.throws(() => quoteIni('a\nb', false));
});

test('parseIni reads values as ConfigObj does (quotes, lists, inline comments, empty)', () => {
  const doc = parseIni(
    [
      '[cache]',
      '    type = "reflink,copy"',
      '    t2 = reflink,copy',
      '    t3 = one,',
      '    t4 = ,',
      "    t5 = 'a #b'  # comment",
      '    t6 = x # y',
      '    t7 =',
      '  "quoted key" = 1',
      "    t8 = '''multi",
      "line'''",
      '',
    ].join('\n'),
  );
  const e = Object.fromEntries(doc.sections[0].entries.map((x) => [x.key, x.value]));
  assert.deepEqual(e, {
    type: 'reflink,copy',
    t2: ['reflink', 'copy'],
    t3: ['one'],
    t4: [],
    t5: 'a #b',
    t6: 'x',
    t7: '',
    'quoted key': '1',
    t8: 'multi\nline',
  });
  assert.equal(doc.sections[0].entries[4].comment, '# comment');
});

test('an unmodified file round-trips byte for byte', () => {
  const texts = [
    '',
    '\n',
    '[core]\n    remote = store\n[\'remote "store"\']\n    url = /path/to/remote\n',
    '# header\n\n[core]  # inline\n  remote=store   \n\n# about the remote\n[\'remote "s"\']\n\turl = "a,b"\n# trailing\n',
    '\uFEFF[core]\r\n    autostage = true\r\n',
    '[core]\n    no_scm = True', // no final newline
    "[a]\n    k = '''x\ny'''  # c\n",
  ];
  for (const t of texts) assert.equal(stringifyIni(parseIni(t)), t, JSON.stringify(t));
});

test('changed entries are rendered like ConfigObj, untouched lines keep their bytes', () => {
  const doc = parseIni('# keep me\n[core]\n  remote=a   # why\n  autostage = true\n[cache]\n    type = copy');
  const entry = doc.sections[0].entries[0];
  entry.value = 'b';
  entry.raw = undefined;
  doc.sections[1].entries.push({ key: 'dir', value: '../cache dir', before: [], comment: '' });
  assert.equal(
    stringifyIni(doc),
    '# keep me\n[core]\n    remote = b    # why\n  autostage = true\n[cache]\n    type = copy\n    dir = ../cache dir\n',
  );
  assert.equal(renderEntry({ key: 'type', value: 'reflink,copy', before: [], comment: '' }), '    type = "reflink,copy"\n');
});

test('parse errors carry the 1-based line number', () => {
  const bad: [string, number, RegExp][] = [
    ['[core]\n    remote = a\n[bad\n', 3, /Invalid line/],
    ['[core]\n    a = 1\n    a = 2\n', 3, /Duplicate keyword name/],
    ['[core]\n[core]\n', 2, /Duplicate section name/],
    ['[core]\n    k = "a" b\n', 2, /Parse error in value/],
    ['[core]\n    k = a, ,b\n', 2, /Parse error in value/],
    ['[core]\n[[sub]]\n', 2, /nested/],
    ['k = v\n', 1, /outside of any section/],
    ["[core]\n    k = '''never closed\n", 2, /multiline/],
  ];
  for (const [text, line, re] of bad) {
    assert.throws(
      () => parseIni(text),
      (e: unknown) => e instanceof IniSyntaxError && e.line === line && re.test(e.message),
      JSON.stringify(text),
    );
  }
});

test('formatValue prints lists like Python str()', () => {
  assert.equal(formatValue('x'), 'x');
  assert.equal(formatValue(['reflink', 'copy']), "['reflink', 'copy']");
});
