#!/usr/bin/env bash
# test_peer_toml.sh BIN_DIR DATA_DIR - our TOML reader (src/core/toml.c,
# through tests/toml_json.c) beside Python's own, tomllib (CPython 3.11's
# standard library), on DATA_DIR (tests/data/toml, README.md there):
#   valid/    both read each document, to the same values: the same keys in
#             the same order, integers as integers, floats as the same
#             double (inf and nan as our null), each date-time, date or
#             time of tomllib's as our string of it (its text as written;
#             tomllib keeps microseconds, so more digits are cut to compare)
#   invalid/  both refuse each document
#   differ/   where we part from tomllib on purpose: each document's first
#             line says "# ours: accept" or "# ours: refuse", and tomllib
#             must do the other
# then 3,000 copies of the valid documents with a few bytes changed, cut or
# repeated (seeded): both must refuse each, or read it to the same values,
# except for the documented differences.
set -u
BIN=$(cd "$1" && pwd)
DATA=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
if ! python3 -c 'import tomllib' 2>/dev/null; then
	if [[ ${CI:-} == true ]]; then
		fail "the TOML peer test needs Python >= 3.11 (tomllib); CI never skips it"
	else
		echo "skipped: needs Python >= 3.11 for tomllib"
	fi
	finish
	exit
fi
while IFS= read -r line; do
	case $line in
	ok\ *) ok ;;
	FAIL\ *) fail "${line#FAIL }" ;;
	*) echo "$line" ;;
	esac
done < <(python3 - "$BIN/toml_json" "$DATA" <<'PY' || echo "FAIL the comparison stopped"
import datetime, glob, json, math, os, random, re, subprocess, sys, tempfile, tomllib

tool, data = sys.argv[1:3]

def ours(path):
    r = subprocess.run([tool, path], capture_output=True)
    if r.returncode == 0:
        return json.loads(r.stdout), None
    if r.returncode == 1:
        return None, r.stderr.decode(errors="replace").strip()
    raise RuntimeError(f"toml_json {path}: status {r.returncode}: {r.stderr!r}")

def theirs(raw):
    try:
        return tomllib.loads(raw.decode("utf-8")), None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        return None, str(e)

DT = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?"
                r"(?:([Zz])|([+-])(\d\d):(\d\d))?)?")
TM = re.compile(r"(\d\d):(\d\d):(\d\d)(?:\.(\d+))?")

def micros(f):
    return int((f or "0")[:6].ljust(6, "0"))

def as_python(s):
    """Our string of a date-time, date or time as tomllib's object."""
    m = DT.fullmatch(s)
    if m:
        y, mo, d, h, mi, sec, frac, z, sign, oh, om = m.groups()
        if h is None:
            return datetime.date(int(y), int(mo), int(d))
        tz = None
        if z:
            tz = datetime.timezone.utc
        elif sign:
            off = datetime.timedelta(hours=int(oh), minutes=int(om))
            tz = datetime.timezone(off if sign == "+" else -off)
        return datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(sec),
                                 micros(frac), tzinfo=tz)
    m = TM.fullmatch(s)
    if m:
        h, mi, sec, frac = m.groups()
        return datetime.time(int(h), int(mi), int(sec), micros(frac))
    return None

def differ(o, t, path="$"):
    """Where our value o and tomllib's t differ, or None."""
    if isinstance(t, dict):
        if not isinstance(o, dict):
            return f"{path}: ours {o!r}, tomllib a table"
        if list(o) != list(t):
            return f"{path}: keys {list(o)!r} / tomllib {list(t)!r}"
        for k in t:
            d = differ(o[k], t[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(t, list):
        if not isinstance(o, list) or len(o) != len(t):
            return f"{path}: ours {o!r}, tomllib {t!r}"
        for i, (a, b) in enumerate(zip(o, t)):
            d = differ(a, b, f"{path}[{i}]")
            if d:
                return d
        return None
    if isinstance(t, (datetime.datetime, datetime.date, datetime.time)):
        p = as_python(o) if isinstance(o, str) else None
        if p is None or type(p) is not type(t) or p != t or (
                isinstance(t, datetime.datetime) and p.utcoffset() != t.utcoffset()):
            return f"{path}: ours {o!r}, tomllib {t!r}"
        return None
    if isinstance(t, float) and (math.isnan(t) or math.isinf(t)):
        return None if o is None else f"{path}: ours {o!r}, tomllib {t!r} (we give null)"
    if type(o) is not type(t) or o != t or (
            isinstance(t, float) and math.copysign(1, o) != math.copysign(1, t)):
        return f"{path}: ours {o!r} ({type(o).__name__}), tomllib {t!r} ({type(t).__name__})"
    return None

def rel(p):
    return os.path.relpath(p, data)

# the documented differences (toml.h, README.md), as they show in a message
def known(raw, our_err, their_err):
    if our_err and not their_err:
        return any(w in our_err for w in ("64-bit integer range", "U+0000", "nested deeper"))
    if their_err and not our_err:
        return "Invalid date or datetime" in their_err and re.search(rb"\b0000-\d\d-\d\d", raw)
    return False

valid = sorted(glob.glob(data + "/valid/*.toml"))
for p in valid:
    raw = open(p, "rb").read()
    o, oe = ours(p)
    t, te = theirs(raw)
    if oe or te:
        print(f"FAIL {rel(p)}: ours: {oe or 'read'}; tomllib: {te or 'read'}")
        continue
    d = differ(o, t)
    print(f"FAIL {rel(p)}: {d}" if d else f"ok {rel(p)}")
for p in sorted(glob.glob(data + "/invalid/*.toml")):
    raw = open(p, "rb").read()
    o, oe = ours(p)
    t, te = theirs(raw)
    if oe and te:
        print(f"ok {rel(p)}")
    else:
        print(f"FAIL {rel(p)}: ours: {oe or 'read it'}; tomllib: {te or 'read it'}")
for p in sorted(glob.glob(data + "/differ/*.toml")):
    raw = open(p, "rb").read()
    want_ours = raw.split(b"\n", 1)[0].decode().split(".")[0]
    o, oe = ours(p)
    t, te = theirs(raw)
    if want_ours == "# ours: accept" and not oe and te:
        print(f"ok {rel(p)}")
    elif want_ours == "# ours: refuse" and oe and not te:
        print(f"ok {rel(p)}")
    else:
        print(f"FAIL {rel(p)}: {want_ours}; ours: {oe or 'read it'}; tomllib: {te or 'read it'}")

# mutants of the valid documents
rnd = random.Random(int(os.environ.get("TOML_SEED", "1000")))
docs = [open(p, "rb").read() for p in valid]
pieces = [b'"', b"'", b'"""', b"'''", b"\\", b"\n", b"\r\n", b"\r", b"=", b".", b"[", b"]",
          b"[[", b"{", b"}", b",", b"#", b" ", b"\t", b"0", b"1_", b"e", b"-", b"+", b":",
          b"T", b"Z", b"\\u", b"\\U0001F600", b"\x00", b"\x7f", b"\xc3\xa9", b"\xff", b"a.b",
          b"inf", b"nan", b"true", b"0x", b"1979-05-27", b"07:32:00", b"x = 1\n", b"[t]\n"]
tmp = tempfile.mkdtemp()
bad = agree_read = agree_refuse = known_n = 0
for i in range(int(os.environ.get("TOML_MUTANTS", "3000"))):
    d = bytearray(rnd.choice(docs))
    if len(d) > 4000:  # the long ones cost time, not coverage: a window
        s = rnd.randrange(len(d) - 4000)
        d = d[s:s + 4000]
    for _ in range(rnd.randrange(1, 4)):
        k = rnd.randrange(4)
        at = rnd.randrange(len(d) + 1)
        if k == 0 and d:
            del d[at:at + rnd.randrange(1, 8)]
        elif k == 1:
            d[at:at] = rnd.choice(pieces)
        elif k == 2 and at < len(d):
            d[at] = rnd.randrange(256)
        else:
            d[at:at] = d[at:at + rnd.randrange(1, 16)]
    p = f"{tmp}/m{i}.toml"
    open(p, "wb").write(d)
    o, oe = ours(p)
    t, te = theirs(bytes(d))
    if oe and te:
        agree_refuse += 1
    elif not oe and not te and not differ(o, t):
        agree_read += 1
    elif known(bytes(d), oe, te):
        known_n += 1
    else:
        bad += 1
        keep = f"{tmp}/../toml-mutant-{i}.toml"
        open(keep, "wb").write(d)
        if bad <= 5:
            print(f"FAIL mutant {i} (kept as {os.path.normpath(keep)}): ours: "
                  f"{oe or differ(o, t) or 'read'}; tomllib: {te or 'read'}")
    os.unlink(p)
os.rmdir(tmp)
print(f"mutants: {agree_read} read alike, {agree_refuse} refused by both, {known_n} "
      f"documented differences, {bad} otherwise")
print("ok mutants" if bad == 0 else f"FAIL mutants: {bad} disagree")
PY
)
finish
