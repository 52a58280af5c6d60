// Plot files parsed as DVC parses them (dvc/repo/plots/__init__.py::parse, csv.DictReader) and
// the records DVC finds in them (converter/vega.py::get_datapoints).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { extname, findDatapoints, loadSv, parsePlotFile, readCsvRows } from '../../src/report/plotdata.js';
import { FileFormatError } from '../../src/errors/index.js';

const data = (path: string, text: string, header?: boolean) => {
  const f = parsePlotFile(path, Buffer.from(text, 'utf8'), { header });
  assert.equal(f.kind, 'data');
  return (f as { content: unknown }).content;
};

describe('json / yaml / toml', () => {
  test('a list of records, or a dict holding lists (as is)', () => {
    assert.deepEqual(data('a.json', '[{"x": 1, "y": 2.5}]'), [{ x: 1, y: 2.5 }]);
    const roc = data('roc.json', '{"roc": [{"fpr": 0.0, "tpr": 0.0, "threshold": 2.0}, {"fpr": 1.0, "tpr": 1.0, "threshold": 0.1}]}');
    assert.deepEqual(findDatapoints(roc), [
      { fpr: 0, tpr: 0, threshold: 2 },
      { fpr: 1, tpr: 1, threshold: 0.1 },
    ]);
  });
  test("Python's json also reads NaN and Infinity", () => {
    const v = data('n.json', '[{"loss": NaN, "s": "NaN"}, {"loss": -Infinity, "s": "x"}]') as { loss: number; s: string }[];
    assert.ok(Number.isNaN(v[0].loss));
    assert.equal(v[0].s, 'NaN');
    assert.equal(v[1].loss, -Infinity);
  });
  test('yaml and yml', () => {
    assert.deepEqual(data('p.yaml', 'train:\n- step: 0\n  acc: 0.5\n- step: 1\n  acc: 0.75\n'), {
      train: [
        { step: 0, acc: 0.5 },
        { step: 1, acc: 0.75 },
      ],
    });
    assert.deepEqual(data('p.yml', '- {a: 1}\n- {a: 2}\n'), [{ a: 1 }, { a: 2 }]);
  });
  test('toml: arrays of tables', () => {
    const v = data('p.toml', '[[train]]\nstep = 0\nacc = 0.5\n\n[[train]]\nstep = 1\nacc = 0.75\n');
    assert.deepEqual(findDatapoints(v), [
      { step: 0, acc: 0.5 },
      { step: 1, acc: 0.75 },
    ]);
  });
  test('malformed files name the file', () => {
    for (const [p, t] of [
      ['bad.json', '{"a": [1, }'],
      ['bad.yaml', 'a: [1, 2\nb: }'],
      ['bad.toml', '[[x]\na = '],
    ]) {
      assert.throws(
        () => parsePlotFile(p, Buffer.from(t)),
        (e: unknown) => e instanceof FileFormatError && e.data.file === p,
        p,
      );
    }
    assert.throws(() => parsePlotFile('b.json', Buffer.from([0x5b, 0xff, 0x5d])), /not valid UTF-8/);
  });
});

describe('csv / tsv (csv.DictReader)', () => {
  test('values stay strings; quotes, CRLF, blank lines', () => {
    const v = data('l.csv', 'step,loss,note\r\n0,0.5,"a, b"\r\n\r\n1,0.25,"say ""hi""\nbye"\r\n');
    assert.deepEqual(v, [
      { step: '0', loss: '0.5', note: 'a, b' },
      { step: '1', loss: '0.25', note: 'say "hi"\nbye' },
    ]);
  });
  test('dvclive tsv', () => {
    assert.deepEqual(data('evaluation/plots/metrics/avg_prec.tsv', 'step\tavg_prec\n0\t0.9126\n'), [{ step: '0', avg_prec: '0.9126' }]);
  });
  test('header: false names the columns 0, 1, … (csv and tsv)', () => {
    assert.deepEqual(data('r.csv', '1,0.5\n2,0.75\n', false), [
      { 0: '1', 1: '0.5' },
      { 0: '2', 1: '0.75' },
    ]);
    // DVC sizes the names by reading the first row with commas (a bug: a TSV then fails); keel
    // uses the file's delimiter.
    assert.deepEqual(data('r.tsv', '1\t0.5\n', false), [{ 0: '1', 1: '0.5' }]);
  });
  test('short rows get null, long rows an extra "null" list (restval/restkey None)', () => {
    const v = loadSv('a,b\n1\n1,2,3\n', ',') as Record<string, unknown>[];
    assert.deepEqual(v, [
      { a: '1', b: null },
      { a: '1', b: '2', null: ['3'] },
    ]);
    // …and a list whose records do not share keys holds no datapoints for DVC
    assert.deepEqual(findDatapoints(v), []);
  });
  test('python csv.reader edge cases', () => {
    assert.deepEqual(readCsvRows('a,\n,b\n"x"y,"q\n', ','), [['a', ''], ['', 'b'], ['xy', 'q\n']]);
    assert.deepEqual(readCsvRows('a"b,c', ','), [['a"b', 'c']]);
    assert.deepEqual(readCsvRows('', ','), []);
    assert.deepEqual(data('e.csv', ''), []);
    assert.deepEqual(data('h.csv', 'a,b\n'), []);
  });
});

describe('images and other files', () => {
  test('images are raw bytes with a MIME type', () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    for (const [p, mime] of [
      ['evaluation/plots/importance.png', 'image/png'],
      ['a.jpg', 'image/jpeg'],
      ['a.jpeg', 'image/jpeg'],
      ['a.gif', 'image/gif'],
      ['a.svg', 'image/svg+xml'],
    ]) {
      const f = parsePlotFile(p, bytes);
      assert.equal(f.kind, 'image');
      assert.equal((f as { mime: string }).mime, mime);
      assert.deepEqual(Buffer.from((f as { bytes: Uint8Array }).bytes), bytes);
    }
  });
  test('other extensions are errors (case-sensitive, as DVC)', () => {
    for (const p of ['a.txt', 'a.PNG', 'a.JSON', 'noext', 'a.py', '.json']) {
      assert.throws(() => parsePlotFile(p, Buffer.from('[]')), (e: unknown) => e instanceof FileFormatError && /file type error/.test(e.message), p);
    }
  });
  test('extname is os.path.splitext', () => {
    assert.equal(extname('dir.d/file'), '');
    assert.equal(extname('a/b.tar.gz'), '.gz');
    assert.equal(extname('.json'), '');
    assert.equal(extname('..json'), '');
    assert.equal(extname('a..json'), '.json');
    assert.equal(extname('...a.b'), '.b');
  });
});

describe('findDatapoints (get_datapoints)', () => {
  test('lists of uniform records anywhere under dicts, merged index-wise', () => {
    assert.deepEqual(findDatapoints({ meta: 'x', deep: { one: [{ a: 1 }, { a: 2 }], two: [{ b: 3 }, { b: 4 }] }, n: [1, 2] }), [
      { a: 1, b: 3 },
      { a: 2, b: 4 },
    ]);
    assert.deepEqual(findDatapoints([{ a: 1 }, { b: 2 }]), []);
    assert.deepEqual(findDatapoints({ x: [] }), []);
    assert.deepEqual(findDatapoints('text'), []);
  });
});
