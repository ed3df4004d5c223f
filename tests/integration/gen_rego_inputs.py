#!/usr/bin/env python3
"""gen_rego_inputs.py POLICY.rego [DATA.json] N SEED - N input documents
(JSON Lines) for differential testing of a policy: the input paths the
policy reads (input.a.b, input["x"]["y"]) get values of every JSON type
(strings: empty, ASCII, unicode, very long; numbers: small, negative,
huge integers beyond 64 bits, decimals, exponents; booleans, null, arrays,
objects), or are missing; values the reference data lists are used often,
so that the allowing paths are reached too. The same SEED gives the same
inputs."""
import json, random, re, sys

policy = open(sys.argv[1]).read()
data = json.load(open(sys.argv[2])) if len(sys.argv) == 5 else {}
n, rng = int(sys.argv[-2]), random.Random(int(sys.argv[-1]))

seg = r'(?:\.([A-Za-z_]\w*)|\["([^"]+)"\])'
paths = set()
for m in re.finditer(r'input((?:' + seg + r')+)', policy):
    paths.add(tuple(a or b for a, b in re.findall(seg, m.group(1))))
paths = sorted(paths) or [("x",)]


def leaves(d):
    if isinstance(d, dict):
        for v in d.values():
            yield from leaves(v)
    elif isinstance(d, list):
        for v in d:
            yield from leaves(v)
    else:
        yield d


known = [v for v in leaves(data) if v is not None]
STRINGS = ["", "a", "UpToDate", "OutOfDate", "x" * 5000, "é", "\u00e9\u0301", "日本語",
           "\U0001F600", "\u0000", "\"quoted\"", "a\\b", "1", "true", "null",
           "0000000000000000000000000000000000000000000000000000000000000000"]
NUMBERS = [0, 1, -1, 2, 3, 7, 255, 65535, 2**31, 2**53, 2**53 + 1, 2**63 - 1, 2**63,
           2**64 + 1, -2**63, 12345678901234567890123456789, 0.5, -1.5, 1e-7, 1e30,
           1.0, 3.14159, 100.0]


def scalar():
    k = rng.random()
    if known and k < 0.35:
        return rng.choice(known)
    if k < 0.6:
        return rng.choice(STRINGS)
    if k < 0.85:
        return rng.choice(NUMBERS)
    return rng.choice([True, False, None])


def value(depth=0):
    k = rng.random()
    if depth < 2 and k < 0.08:
        return [value(depth + 1) for _ in range(rng.randint(0, 3))]
    if depth < 2 and k < 0.12:
        return {rng.choice(["a", "b", "svn"]): value(depth + 1) for _ in range(rng.randint(0, 2))}
    return scalar()


def put(doc, path, v):
    for p in path[:-1]:
        if not isinstance(doc.get(p), dict):
            doc[p] = {}
        doc = doc[p]
    doc[path[-1]] = v


out = sys.stdout
for _ in range(n):
    doc = {}
    for p in paths:
        if rng.random() < 0.85:
            put(doc, p, value())
    if rng.random() < 0.02:
        doc = rng.choice([[], "text", 3, None, True])
    out.write(json.dumps(doc, ensure_ascii=rng.random() < 0.5) + "\n")
