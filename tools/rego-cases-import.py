#!/usr/bin/env python3
"""Convert OPA's YAML evaluation test cases to JSON for our test runner.

Usage:
    tools/rego-cases-import.py OPA_ROOT COMMIT OUT_DIR [--origins FILE] [--skip FILE] DIR...

OPA_ROOT is a tree extracted from an OPA commit with `git archive`. The cases
are read from OPA_ROOT/v1/test/cases/testdata/v1/DIR (OPA >= 1.0 layout) or,
if that does not exist, OPA_ROOT/test/cases/testdata/v1/DIR. Every *.yaml or
*.yml file becomes OUT_DIR/DIR/<basename>.json:

    {"origin": "open-policy-agent/opa@COMMIT:<path>", "license": "Apache-2.0",
     "cases": [...]}

The cases are copied verbatim: same field names, same key order, except that
a data, input or want_result holding an integer past 64 bits (which jansson,
reading the file in the runner, refuses) is written as a string of its JSON
text under data_json, input_json or want_result_json. --origins
names a JSON object {"DIR/FILE.yaml": "origin string"} whose entries replace
the computed origin (used when files come from different commits). --skip
names a JSON object {"DIR/FILE.yaml": ["note", ...]}: cases with those notes
are left out of that file (a file left with no cases is not written).

YAML is read the way OPA reads it (go.yaml.in/yaml/v3, YAML 1.2's core
schema, then JSON: on/off/yes/no stay strings) as closely as PyYAML
allows, with one deliberate difference: numbers keep
the exact text of the YAML literal, so big integers and decimals are not
rounded through a double. Timestamps stay strings (Go does the same for an
untyped target).
"""

import json
import os
import re
import sys

import yaml

JSON_NUMBER = re.compile(r'-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z')


class Num(str):
    """A number kept as the text of its literal; written to JSON unquoted."""


class Loader(yaml.SafeLoader):
    pass


# Drop the timestamp resolver: unquoted dates stay strings.
Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in rs if tag != 'tag:yaml.org,2002:timestamp']
    for ch, rs in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def construct_number(loader, node):
    text = loader.construct_scalar(node)
    if JSON_NUMBER.match(text):
        return Num(text)
    if text.startswith('+') and JSON_NUMBER.match(text[1:]):
        return Num(text[1:])
    # Other YAML spellings (0x1f, 1_000, .5, .inf): use PyYAML's value.
    tag = node.tag.rsplit(':', 1)[1]
    value = getattr(yaml.SafeLoader, 'construct_yaml_' + tag)(loader, node)
    if isinstance(value, float) and (value != value or abs(value) == float('inf')):
        raise ValueError('non-finite number %r has no JSON form' % text)
    return Num(repr(value) if isinstance(value, float) else str(value))


# YAML 1.2's booleans only: PyYAML's 1.1 resolver also takes on/off/yes/no.
for ch, rs in list(Loader.yaml_implicit_resolvers.items()):
    Loader.yaml_implicit_resolvers[ch] = [
        (tag, rx) for tag, rx in rs if tag != 'tag:yaml.org,2002:bool']
Loader.add_implicit_resolver(
    'tag:yaml.org,2002:bool',
    re.compile(r'(?:true|True|TRUE|false|False|FALSE)\Z'),
    list('tTfF'))

# Go's yaml also takes 1e3 (no dot, unsigned exponent) as a number.
Loader.add_implicit_resolver(
    'tag:yaml.org,2002:float',
    re.compile(r'[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z'),
    list('-+0123456789.'))
Loader.add_constructor('tag:yaml.org,2002:int', construct_number)
Loader.add_constructor('tag:yaml.org,2002:float', construct_number)


def key_text(k):
    # JSON object keys are strings; Go's YAML-to-JSON step does the same.
    if isinstance(k, str):
        return str(k)
    if isinstance(k, bool):
        return 'true' if k else 'false'
    if k is None:
        return 'null'
    raise ValueError('unsupported object key %r' % (k,))


def dump(v, ind=''):
    """Serialize v as indented JSON, writing Num literals unquoted."""
    nxt = ind + '  '
    if isinstance(v, Num):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if v is True or v is False or v is None:
        return json.dumps(v)
    if isinstance(v, list):
        if not v:
            return '[]'
        return '[\n' + ',\n'.join(nxt + dump(x, nxt) for x in v) + '\n' + ind + ']'
    if isinstance(v, dict):
        if not v:
            return '{}'
        items = (nxt + json.dumps(key_text(k), ensure_ascii=False) + ': ' + dump(x, nxt)
                 for k, x in v.items())
        return '{\n' + ',\n'.join(items) + '\n' + ind + '}'
    raise ValueError('unsupported YAML value %r' % (v,))


def has_big_int(v):
    """Whether v holds an integer literal outside int64 (jansson's limit)."""
    if isinstance(v, Num):
        return (JSON_NUMBER.match(v) and '.' not in v and 'e' not in v.lower()
                and not -2**63 <= int(v) < 2**63)
    if isinstance(v, list):
        return any(has_big_int(x) for x in v)
    if isinstance(v, dict):
        return any(has_big_int(x) for x in v.values())
    return False


def as_text(case):
    """The case with its big-integer fields kept as JSON text."""
    out = {}
    for k, v in case.items():
        if k in ('data', 'input', 'want_result') and has_big_int(v):
            # JSON strings hold no raw newline: only the indentation goes
            out[k + '_json'] = re.sub(r'\n *', '', dump(v))
        else:
            out[k] = v
    return out


def main(argv):
    args, origins, skip = [], {}, {}
    it = iter(argv[1:])
    for a in it:
        if a == '--origins':
            with open(next(it), encoding='utf-8') as f:
                origins = json.load(f)
        elif a == '--skip':
            with open(next(it), encoding='utf-8') as f:
                skip = json.load(f)
        else:
            args.append(a)
    if len(args) < 4:
        sys.exit(__doc__)
    root, commit, out, dirs = args[0], args[1], args[2], args[3:]
    rel_base = 'v1/test/cases/testdata/v1'
    if not os.path.isdir(os.path.join(root, rel_base)):
        rel_base = 'test/cases/testdata/v1'
    total = 0
    for d in dirs:
        src = os.path.join(root, rel_base, d)
        names = sorted(n for n in os.listdir(src) if n.endswith(('.yaml', '.yml')))
        os.makedirs(os.path.join(out, d), exist_ok=True)
        written = 0
        for n in names:
            with open(os.path.join(src, n), encoding='utf-8') as f:
                doc = yaml.load(f, Loader=Loader)
            origin = origins.get(d + '/' + n,
                                 'open-policy-agent/opa@%s:%s/%s/%s' % (commit, rel_base, d, n))
            drop = set(skip.get(d + '/' + n, ()))
            cases = [as_text(c) for c in doc['cases'] if c.get('note') not in drop]
            if not cases:
                continue
            obj = {'origin': origin, 'license': 'Apache-2.0', 'cases': cases}
            base = n.rsplit('.', 1)[0]
            with open(os.path.join(out, d, base + '.json'), 'w', encoding='utf-8') as f:
                f.write(dump(obj) + '\n')
            written += 1
            total += len(cases)
        print('%s: %d files' % (d, written))
    print('%d cases' % total)


if __name__ == '__main__':
    main(sys.argv)
