#!/usr/bin/env python3
"""Generate test/fixtures/yaml/*.json: reference YAML written and read by ruamel.yaml the way DVC does.

Needs ruamel.yaml 0.17.x, the version whose output matches the files DVC 3.30.3 wrote
(../shared/fixtures/dvc-golden); 0.18+/0.19 fold long plain scalars differently. On Debian
bookworm: `apt-get install python3-ruamel.yaml` (0.17.21), then

    /usr/bin/python3 scripts/gen-yaml-fixtures.py

DVC's writer (dvc/utils/serialize/_yaml.py): `yaml = YAML(); yaml.default_flow_style = False;
yaml.dump(data, stream)`. DVC's reader: `YAML(typ="safe").load(text)`.

Values in the JSON files are encoded so JS can rebuild the exact Python value:
  - str, bool, None and floats that are not integral: as JSON;
  - int: a JSON number when |n| < 2**53, else {"$int": "<digits>"};
  - float that is integral or not finite: {"$float": "<repr>"} (JSON cannot tell 1.0 from 1);
  - datetime.date / datetime.datetime: {"$ts": "<isoformat as the dumper writes it>"};
  - dict whose keys are not all strings, or whose keys JS would reorder (integer-like strings):
    {"$map": [[key, value], ...]}; other dicts: JSON objects in key order;
  - list: JSON array.
"""
import datetime
import io
import json
import math
import os
import random
import sys

import ruamel.yaml
from ruamel.yaml import YAML

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'yaml')


def dvc_dump(data):
    yaml = YAML()
    yaml.default_flow_style = False
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


def dvc_load(text):
    return YAML(typ='safe').load(text)


def int_like(key):
    # JS puts "array index" keys (canonical non-negative integers < 2**32 - 1) first.
    return isinstance(key, str) and key.isdigit() and key.isascii() and str(int(key)) == key and int(key) < 2**32 - 1


def enc(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if abs(v) < 2**53 else {'$int': str(v)}
    if isinstance(v, float):
        if math.isfinite(v) and v != int(v):
            return v
        return {'$float': repr(v)}
    if isinstance(v, datetime.datetime):
        return {'$ts': v.isoformat(' ')}
    if isinstance(v, datetime.date):
        return {'$ts': v.isoformat()}
    if isinstance(v, (list, tuple)):
        return [enc(x) for x in v]
    if isinstance(v, dict):
        if all(isinstance(k, str) and not int_like(k) for k in v) and not any(k.startswith('$') for k in v):
            return {k: enc(x) for k, x in v.items()}
        return {'$map': [[enc(k), enc(x)] for k, x in v.items()]}
    raise TypeError(type(v))


def unshare(v):
    """Rebuild containers so no object is shared (keel writes no anchors)."""
    if isinstance(v, dict):
        return {k: unshare(x) for k, x in v.items()}
    if isinstance(v, list):
        return [unshare(x) for x in v]
    return v


LONG_CMD = (
    "python3 -c \"import json,yaml; lr=yaml.safe_load(open('params.yaml'))['train']['lr']; "
    "v=int(open('prepared.txt').read()); json.dump({'score':v*lr},open('metrics.json','w')); "
    "import os; os.makedirs('model',exist_ok=True); open('model/w.txt','w').write('w\\n')\""
)
WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore'

SCALARS = [
    # empty / whitespace
    '', ' ', '  ', 'a', 'a b', 'a  b', ' lead', 'trail ', '\ta', 'a\tb', 'a\t',
    # strings that read as other types
    '2.0', '1', '-1', '+1', '0', '00', '012', '0o17', '0x1F', '0b101', '1_000', '1e3', '1E3', '1e+3',
    '.5', '1.', '-.5', '.inf', '-.inf', '+.inf', '.nan', '.NaN', 'nan', 'inf', '1.0.0', '1e', 'e3',
    'true', 'True', 'TRUE', 'tRue', 'false', 'yes', 'no', 'on', 'off', 'y', 'n', 'Yes',
    'null', 'Null', 'NULL', '~', 'nULL', 'none', 'None', '<<', '=', '==', '!', '&', '*',
    '2020-01-01', '2020-1-1', '2001-12-14 21:59:43.10 -5', '2001-12-14t21:59:43.10-05:00', '12:30', '1:20',
    '0.1.2', 'v1.0', '1_0.5', '_1', '-_',
    # indicators
    '-', '- x', '-x', '--', '---', '--- x', '---x', '...', '...x', '?', '? x', '?x', ':', ': x', ':x',
    'a:b', 'a: b', 'a:', 'a :b', 'a #b', 'a#b', '#a', ',a', 'a,b', '[a]', 'a[0]', ']', '{a}', 'a}',
    '&a', '*a', '!a', '|a', '>a', "'a", '"a', '%a', '@a', '`a', 'a`', 'a@b', 'a%b', 'a!b', 'a|b', 'a>b',
    "it's", "'quoted'", '"dq"', 'a "b" c', 'a\\b', 'C:\\path\\to', 'http://x.org/a?b=c#d', 'a=b',
    's3://bucket/path', 'md5: x', 'data/with space.txt', 'unicodé/日本語 ñ.txt',
    # line breaks
    '\n', 'a\n', '\na', 'a\nb', 'a\n\nb', 'a \nb', 'a\n b', "it's\nx", 'a\r\nb', 'a\rb', 'a\n\n',
    'line1\nline2\n', ' a\nb',
    # unicode and control characters
    'é', '日本語 ñ', 'e\u0301', '\U0001F600', 'a\U0001F600 b', "\U0001F600'", '\u00a0', 'a\u00a0b',
    '\u2028', 'a\u2028b', '\x85', 'a\x85b', '\ufeff', 'a\ufeffb', '\x07', '\x00', 'a\x1bb', '\x7f',
    '\x9f', '\ud7ff', '\ue000', '\ufffe', '\ufffd', 'tab\there', '\x08',
]

NUMBERS = [
    0, 1, -1, 42, 20170428, 2**53, 2**53 + 1, 10**30, -(10**25),
    0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 0.2, 0.25, 1e-7, 1.5e-07, 0.0001, 1e16, 1e15, 1e22, 1e100,
    123456789.123, 1700000000.0, 5e-324, float('inf'), float('-inf'), float('nan'), True, False, None,
]


def fold_cases():
    cases = []
    # Plain scalars whose spaces fall around column 80 in several contexts.
    for n in range(66, 84, 1):
        s = 'x' * n + ' ' + 'y' * 8 + ' z'
        cases.append((f'fold-plain-value-{n}', {'cmd': s}))
    for n in range(70, 84, 3):
        s = 'x' * n + ' ' + 'y' * 8 + ' z'
        cases.append((f'fold-plain-seq-{n}', {'stages': {'s': {'deps': [s, {'path': s}]}}}))
        cases.append((f'fold-plain-top-{n}', s))
        cases.append((f'fold-plain-topseq-{n}', [s]))
    long_words = ' '.join(WORDS.split() * 4)
    cases += [
        ('fold-golden-cmd-lock', {'schema': '2.0', 'stages': {'train': {'cmd': LONG_CMD}}}),
        ('fold-golden-cmd-runcache', {'cmd': LONG_CMD}),
        ('fold-cmd-list', {'stages': {'a': {'cmd': [LONG_CMD, 'echo short']}}}),
        ('fold-deep', {'a': {'b': {'c': {'d': {'e': [{'f': [long_words]}]}}}}}),
        ('fold-words', {'text': long_words}),
        ('fold-double-space', {'text': 'x' * 78 + '  ' + 'y' * 5 + ' z ' + 'w' * 90 + ' end'}),
        ('fold-very-long-word', {'text': 'w' * 200}),
        ('fold-very-long-word-then-words', {'text': 'w' * 100 + ' a b c ' + 'v' * 100 + ' d'}),
        ('fold-unicode', {'text': 'é' * 78 + ' ' + '日本語' * 5 + ' ñ ' + 'é' * 85 + ' x'}),
        ('fold-emoji', {'text': '\U0001F600' * 79 + ' a ' + '\U0001F600' * 3}),
        ('fold-single-quoted', {'text': '@' + long_words}),
        ('fold-single-quoted-hash', {'text': long_words + ' #' + long_words}),
        ('fold-single-quoted-colon', {'text': 'key: ' + long_words}),
        ('fold-single-quoted-apos', {'text': '@' + 'x' * 76 + " 'it''s' " + long_words}),
        ('fold-single-quoted-lead-space', {'text': ' ' + long_words}),
        ('fold-single-quoted-double-space', {'text': '@' + 'x' * 79 + '  ' + long_words}),
        ('fold-single-quoted-seq', [{'x': ['@' + long_words]}]),
        ('fold-single-quoted-top', '@' + long_words),
        ('fold-double-quoted-apos', {'text': "it's " + long_words}),
        ('fold-double-quoted-newline', {'text': long_words + '\n' + long_words}),
        ('fold-double-quoted-escapes', {'text': '\x07' * 30 + ' ' + long_words + '\x00' * 50 + ' x'}),
        ('fold-double-quoted-spaces', {'text': "'" + 'x' * 76 + '   ' + 'y' * 3 + '  ' + long_words}),
        ('fold-double-quoted-seq', {'a': [{'b': "don't " + long_words}]}),
        ('fold-double-quoted-top', "don't " + long_words),
        ('fold-double-quoted-unicode', {'text': "'" + 'é' * 100 + ' ' + '\U0001F600' * 40 + ' z'}),
        ('fold-multiline-plainish', {'text': 'first line\n' + long_words + '\nlast'}),
        ('key-long-no-fold', {'k ' * 60 + 'end': 1}),
        ('key-127', {'k' * 127: 1}),
        ('key-128', {'k' * 128: 1}),
        ('key-128-nested', {'a': [{'k' * 130: [1, 2]}]}),
        ('key-multiline', {'a\nb': 'v'}),
        ('key-multiline-nested', {'x': {'a\nb': {'c': 1}}}),
    ]
    return cases


def structure_cases():
    return [
        ('empty-map', {}),
        ('empty-list', []),
        ('top-none', None),
        ('top-str', 'x'),
        ('top-str-quoted', '2.0'),
        ('top-empty-str', ''),
        ('top-int', 5),
        ('top-float', 1.0),
        ('top-multiline', 'a\nb'),
        ('top-list', [1, 'a', None, [], {}]),
        ('none-values', {'a': None, 'b': {'c': None}, 'd': [None, None]}),
        ('empty-colls', {'a': [], 'b': {}, 'c': [[], {}], 'd': {'e': [], 'f': {}}}),
        ('nested-seqs', {'a': [[1, 2], [[3]], [[[]]], [{}], [[{}]]]}),
        ('seq-of-maps', [{'a': 1, 'b': 2}, {'c': [{'d': 1}]}, {'e': {'f': {'g': 1}}}]),
        ('map-in-seq-in-seq', [[{'a': 1, 'b': [1]}]]),
        ('seq-in-map-in-seq', [{'a': [1, 2], 'b': {'c': [3]}}]),
        ('map-keys', {'': 1, 'null': 2, '1': 3, 'true': 4, 'a: b': 5, '- x': 6, 'é': 7, '\U0001F600': 8, ' ': 9}),
        ('map-nonstr-keys', {1: 'a', 2.5: 'b', 1.0: 'c', True: 'd', None: 'e', 'z': 'f', -3: 'g'}),
        ('map-intlike-keys', {'b': 1, '10': 2, '2': 3, 'a': 4}),
        ('dvc-add', {'outs': [{'md5': 'acbd18db4cc2f85cedef654fccc4a4d8', 'size': 3, 'hash': 'md5', 'path': 'foo'}]}),
        ('dvc-add-dir', {'outs': [{'md5': '8761c4e9acad696bee718615e23e22db.dir', 'size': 10, 'nfiles': 3,
                                   'hash': 'md5', 'path': 'dir'}]}),
        ('dvc-import', {'md5': 'fd0fc3b6f0c3b1c7a4d7a5f6a2b6c9e1', 'frozen': True,
                        'deps': [{'path': 'data/data.xml', 'repo': {'url': 'https://github.com/iterative/dataset-registry',
                                                                    'rev_lock': 'f31f5c4cdae787b4bdeb97a717687d44667d9e62'}}],
                        'outs': [{'md5': '22a1a2931c8370d3aeedd7183606fd7f', 'size': 14445097, 'hash': 'md5',
                                  'path': 'data.xml', 'cache': False, 'desc': 'A file: with # things', 'remote': 'my-remote'}]}),
        ('dvc-cloud', {'outs': [{'md5': 'x' * 32 + '.dir', 'size': 1, 'nfiles': 1, 'hash': 'md5', 'path': 'd',
                                 'files': [{'relpath': 'a b.txt', 'md5': 'y' * 32, 'size': 1, 'isexec': True,
                                            'cloud': {'remote': {'etag': '"abc"', 'version_id': 'null'}}}]}]}),
        ('lock-params', {'schema': '2.0', 'stages': {'train@0': {
            'cmd': ['python a.py', 'python b.py --x 1'],
            'deps': [{'path': 'data', 'hash': 'md5', 'md5': 'a' * 32 + '.dir', 'size': 306, 'nfiles': 7}],
            'params': {'params.yaml': {'train.lr': 1.0, 'train.epochs': 10, 'train.name': 'yes', 'train.opt': None,
                                       'train.layers': [64, 32], 'train.sub': {'b': 2, 'a': [1.5, 'x']},
                                       'train.empty': '', 'train.date': datetime.date(2020, 1, 1)},
                       'custom.toml': {'a': {'b': 1}}},
            'outs': [{'path': 'model.pkl', 'hash': 'md5', 'md5': 'b' * 32, 'size': 4}]}}}),
        ('deep-seq-nesting', [[[[1, [2, [3]]]]]]),
        ('mixed-list-items', {'x': ['a', 1, 1.5, True, None, '', [], {}, 'b: c', ['d'], {'e': 'f'}]}),
    ]


def scalar_cases():
    cases = []
    for i, s in enumerate(SCALARS):
        cases.append((f'scalar-{i:03d}', {'v': s, 'seq': [s], 'nested': {'k': [{'k': s}]}}))
        cases.append((f'scalar-key-{i:03d}', {s: 1}))
    for i, n in enumerate(NUMBERS):
        cases.append((f'number-{i:03d}', {'v': n, 'seq': [n]}))
    return cases


def random_cases(seed=20240531, count=120):
    """Seeded random structures: tricky characters, and word-and-space text that folds."""
    rnd = random.Random(seed)
    tricky = list('abcxyz019 ') * 6 + list(' \t\n:#-?\'"[]{},&*!|>%@`\\.~=<_+/') + [
        '\u00e9', '\u65e5', '\U0001F600', '\x85', '\u2028', '\xa0', '\x07', '\ufeff', '\r', '\x00']
    wordy = list('abcdefgh') * 8 + [' '] * 12 + list("':#-,\t\n") + ['\u00e9', '\u65e5', '\U0001F600']

    def rstr(alphabet):
        k = rnd.choice([0, 1, 2, 3, 5, 8, 15, 40, 90, 130, 200])
        return ''.join(rnd.choice(alphabet) for _ in range(k))

    def rscalar(alphabet):
        r = rnd.random()
        if r < 0.75:
            return rstr(alphabet)
        if r < 0.82:
            return rnd.choice([None, True, False])
        if r < 0.9:
            return rnd.randint(-10**6, 10**6)
        return rnd.choice([0.5, 1.0, -0.0, 1e-7, 1e22, float('inf')])

    def rval(alphabet, depth=0):
        r = rnd.random()
        if depth > 3 or r < 0.45:
            return rscalar(alphabet)
        if r < 0.7:
            return [rval(alphabet, depth + 1) for _ in range(rnd.randint(0, 3))]
        return {(rstr(alphabet) if rnd.random() < 0.9 else rnd.randint(0, 5)): rval(alphabet, depth + 1)
                for _ in range(rnd.randint(0, 3))}

    cases = []
    for i in range(count):
        alphabet = tricky if i % 2 == 0 else wordy
        cases.append((f'random-{i:03d}', rval(alphabet)))
    return cases


PARSE_TEXTS = [
    ('params', 'lr: 1.0\nepochs: 10\nname: x\nsplit: 0.2\nseed: 20170428\n'),
    ('ints', 'a: 1_000\nb: 0o17\nc: 0x1F\nd: 012\ne: 0b101\nf: +12\ng: -0\nh: 00\ni: 0x_1F\n'),
    ('bigint', 'a: 12345678901234567890\nb: -98765432109876543210\nc: 9007199254740993\n'),
    ('floats', 'a: 1e3\nb: .5\nc: 1.\nd: -0.0\ne: +.inf\nf: .NaN\ng: -.Inf\nh: 1_0.5\ni: 1.5e-7\nj: 1E3\nk: 3.0e+2\nl: 1e400\n'),
    ('bools', 'a: True\nb: TRUE\nc: true\nd: yes\ne: No\nf: on\ng: tRUE\n'),
    ('nulls', 'a: ~\nb: Null\nc: NULL\nd:\ne: null\nf: nUll\n'),
    ('timestamps', 'a: 2020-01-01\nb: 2001-12-14 21:59:43.10 -5\nc: 2001-12-14t21:59:43.10-05:00\n'
                   'd: 2001-12-14T21:59:43Z\ne: 2001-12-14 21:59:43\nf: 2020-1-1 1:02:03.1234567\n'),
    ('strings', "a: '1.0'\nb: \"x\\ty\"\nc: 'it''s'\nd: 1:20\ne: 1.0.0\nf: v1\ng: \"\\u00e9\\U0001F600\"\nh: '2020-01-01'\n"),
    ('explicit-tags', 'a: !!str 1\nb: !!float 1\nc: !!int "3"\nd: !!str true\n'),
    ('block-scalars', 'a: |\n  line1\n  line2\nb: >-\n  folded\n  text\nc: |+\n  keep\n\nd: x\n'),
    ('flow', 'a: [1, 2, {b: c}]\nd: {}\ne: []\nf: {g: [h, i], j: k}\n'),
    ('folded-plain', 'cmd: python3 -c "import yaml;\n  x=1; print(x)"\nnext: 1\n'),
    ('merge-first', 'base: &b {x: 1, y: 1}\nderived:\n  <<: *b\n  y: 2\n  z: 3\n'),
    ('merge-last', 'base: &b {x: 1}\nderived:\n  y: 2\n  <<: *b\n'),
    ('alias', 'a: &x [1, 2]\nb: *x\n'),
    ('doc-markers', '---\nfoo: bar\n...\n'),
    ('comments', '# head\nfoo: bar # tail\n# end\n'),
    ('unicode', 'ключ: значение\n日本: 語\nemoji: "\U0001F600"\n'),
    ('empty', ''),
    ('only-comment', '# nothing\n'),
    ('top-list', '- a\n- b: 1\n  c: 2\n- - x\n'),
    ('top-scalar', 'just text\n'),
    ('int-keys', '1: a\n2.5: b\nnull: d\n10: e\nx: f\n'),
    ('intlike-str-keys', "b: 1\n'10': 2\n'2': 3\na: 4\n"),
    ('err-unknown-tag', 'a: !foo bar\n'),
    ('golden-dvc-yaml', 'stages:\n  prep:\n    cmd: python3 -c "import yaml; f=yaml.safe_load(open(\'params.yaml\'))[\'prep\'][\'factor\']; open(\'prepared.txt\',\'w\').write(str(f*7)+\'\\n\')"\n    deps:\n    - data\n    params:\n    - prep.factor\n    outs:\n    - prepared.txt\n  train:\n    cmd: python3 -c "import json,yaml; lr=yaml.safe_load(open(\'params.yaml\'))[\'train\'][\'lr\']; v=int(open(\'prepared.txt\').read()); json.dump({\'score\':v*lr},open(\'metrics.json\',\'w\')); import os; os.makedirs(\'model\',exist_ok=True); open(\'model/w.txt\',\'w\').write(\'w\\n\')"\n    deps:\n    - prepared.txt\n    params:\n    - train\n    outs:\n    - model\n    metrics:\n    - metrics.json:\n        cache: false\n'),
    # errors
    ('err-duplicate', 'a: 1\na: 2\n'),
    ('err-duplicate-nested', 'a:\n  b: 1\n  c: 2\n  b: 3\n'),
    ('err-unclosed-flow', 'a: [1, 2\n'),
    ('err-multi-doc', 'a: 1\n---\nb: 2\n'),
    ('err-mixed', '- a\nb: c\n'),
    ('err-bad-indent', 'a:\n  b: 1\n c: 2\n'),
    ('err-tab-indent', 'a:\n\tb: 1\n'),
    ('err-unclosed-quote', 'a: "abc\n'),
    ('err-undefined-alias', 'a: *nope\n'),
]


def main():
    version = ruamel.yaml.__version__
    if not version.startswith('0.17.') and '--force' not in sys.argv:
        sys.exit(f'ruamel.yaml {version}: DVC 3.30.3 output matches 0.17.x; use --force to generate anyway')
    os.makedirs(OUT_DIR, exist_ok=True)

    dump_cases = []
    for name, value in scalar_cases() + structure_cases() + fold_cases() + random_cases():
        dump_cases.append({'name': name, 'input': enc(value), 'yaml': dvc_dump(value)})
    names = [c['name'] for c in dump_cases]
    assert len(names) == len(set(names)), 'duplicate case names'

    parse_cases = []
    for name, text in PARSE_TEXTS:
        case = {'name': name, 'text': text}
        try:
            value = dvc_load(text)
        except Exception as e:  # noqa: BLE001 - any ruamel error is a load error for DVC
            case['error'] = type(e).__name__
        else:
            case['value'] = enc(value)
            case['dump'] = dvc_dump(unshare(value))
        parse_cases.append(case)

    meta = {'generator': 'scripts/gen-yaml-fixtures.py', 'ruamel.yaml': version,
            'python': sys.version.split()[0]}
    with open(os.path.join(OUT_DIR, 'dump-cases.json'), 'w', encoding='utf-8') as f:
        json.dump({'meta': meta, 'cases': dump_cases}, f, indent=1, ensure_ascii=True)
        f.write('\n')
    with open(os.path.join(OUT_DIR, 'parse-cases.json'), 'w', encoding='utf-8') as f:
        json.dump({'meta': meta, 'cases': parse_cases}, f, indent=1, ensure_ascii=True)
        f.write('\n')
    print(f'{len(dump_cases)} dump cases, {len(parse_cases)} parse cases (ruamel.yaml {version})')


if __name__ == '__main__':
    main()
