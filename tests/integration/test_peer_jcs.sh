#!/usr/bin/env bash
# test_peer_jcs.sh BIN_DIR - our RFC 8785 canonical JSON (src/core/jcs.c)
# beside PyPI's rfc8785 (Trail of Bits), the canonicalization the KBS
# protocol's runtime-data binding depends on: 3,000 random JSON values
# (nested objects and arrays; names and strings with controls, quotes,
# non-ASCII, astral characters, U+0000 in strings; doubles from random bits and integers up
# to 2^53), each canonicalised by both, must give the same bytes.
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/lib.sh"
need_pypi "the JCS peer test (rfc8785)"
"$py" - "$tmp" <<'PY' || { fail "generate the values"; finish; exit; }
import json, math, random, struct, sys
tmp = sys.argv[1]
rnd = random.Random(8785)
chars = ['a', 'b', 'Z', '1', '"', '\\', '/', '\n', '\t', '\x00', '\x1f', '\x7f',
         '\u0080', '\u00f6', '\u2028', '\u20ac', '\ufb33', '\uffff', '\U0001f600', '\U00010000']
def text(key=False):
    # jansson (our JSON library) cannot hold U+0000 in a member name
    pool = [c for c in chars if c != '\x00'] if key else chars
    return ''.join(rnd.choice(pool) for _ in range(rnd.randrange(0, 8)))
def number():
    while True:
        k = rnd.randrange(4)
        if k == 0:
            return rnd.randrange(-2**53 + 1, 2**53)
        if k == 1:
            return rnd.choice([0, -0.0, 1e21, 1e-7, 1e-6, 5e-324, 0.1, 1e300])
        d = struct.unpack('<d', rnd.getrandbits(64).to_bytes(8, 'little'))[0]
        if k == 3:
            d = rnd.uniform(-1e6, 1e6)
        if not (math.isnan(d) or math.isinf(d)):
            return d
def value(depth=0):
    k = rnd.randrange(7 if depth < 4 else 4)
    if k == 0: return rnd.choice([None, True, False])
    if k == 1: return number()
    if k in (2, 3): return text()
    if k == 4: return [value(depth + 1) for _ in range(rnd.randrange(4))]
    return {text(True): value(depth + 1) for _ in range(rnd.randrange(5))}
with open(tmp + '/in.jsonl', 'w') as f:
    for _ in range(3000):
        f.write(json.dumps(value(), ensure_ascii=True) + '\n')
PY
"$BIN/test_jcs" --canon "$tmp/in.jsonl" >"$tmp/ours" || fail "test_jcs --canon"
"$py" - "$tmp" <<'PY' && ok || fail "canonical forms differ"
import json, sys, rfc8785
tmp = sys.argv[1]
ours = open(tmp + '/ours', 'rb').read().split(b'\n')
bad = 0
for i, line in enumerate(open(tmp + '/in.jsonl')):
    want = rfc8785.dumps(json.loads(line))
    if ours[i] != want:
        bad += 1
        if bad <= 5:
            print(f"value {i}: {line.strip()}\n  rfc8785: {want!r}\n  ours:    {ours[i]!r}", file=sys.stderr)
print(f"{i + 1} values, {bad} differ", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
finish
