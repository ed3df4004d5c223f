#!/usr/bin/env bash
# test_derive_tdx.sh BIN_DIR - `verdict --derive tdx` on real TDVF images:
# Debian 12's OVMF.fd (scripts/install-deps.sh's ovmf; edk2's OvmfPkgX64
# carries TDX metadata) and Debian unstable's OVMF.inteltdx.ms and
# OVMF.amdsev builds (scripts/install-peers.sh fetches them). For each:
#   - the section table we read equals what PyPI's virt-firmware
#     (virt-fw-dump --meta, Red Hat's reader of OVMF metadata) reads;
#   - MRTD, one pass and two, equals a SHA-384 written here in Python from
#     the published algorithm (TDX module ABI's TDH.MEM.PAGE.ADD and
#     TDH.MR.EXTEND buffers, every section added, MR.EXTEND ones extended);
#     dstack-mr's values for the synthetic image are in test_measure_tdx;
#   - MRTD, one pass, equals what Google's gce-tcb-verifier (its tdx
#     package, from the Go module proxy; tests/peers/mrtd) computes for
#     the same image, last, as it needs Go.
# Then the refusals on real images (no TDX entry, a BFV outside the image,
# a flipped signature, version 2, an unaligned GPA), the quote path through
# the command, and --set-opa-reference into a verdictd's tdxData.
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
data=$(cd "$here/../data" && pwd)
tmp=$(mktemp -d)
vdpid=""
trap '[ -n "$vdpid" ] && kill -9 $vdpid 2>/dev/null; rm -rf "$tmp"' EXIT
. "$here/lib.sh"
need_pypi "the TDVF metadata peer test (virt-firmware)"
vfdump=$(dirname "$py")/virt-fw-dump
[[ -x $vfdump ]] || { fail "virt-fw-dump is not in the PyPI peers (scripts/install-peers.sh)"; finish; exit; }

# MRTD from the algorithm, and the section table as "gpa size offset raw extend"
cat >"$tmp/mrtd.py" <<'PY'
import hashlib, struct, sys, uuid
img = open(sys.argv[1], "rb").read()
two = len(sys.argv) > 2 and sys.argv[2] == "two"
# footer table: the footer entry ends 32 bytes before the image's end
end = len(img) - 32
assert uuid.UUID(bytes_le=img[end - 16:end]) == uuid.UUID("96b582de-1fb2-45f7-baea-a366c55a082d")
tlen = struct.unpack_from("<H", img, end - 18)[0]
table, off, desc = img[end - tlen:end - 18], tlen - 18, None
while off >= 18:
    g = uuid.UUID(bytes_le=table[off - 16:off]); n = struct.unpack_from("<H", table, off - 18)[0]
    if g == uuid.UUID("e47a6535-984a-4798-865e-4685a7bf8ec2"):
        desc = len(img) - struct.unpack_from("<I", table, off - 22)[0]
        break
    off -= n
sig, length, version, count = struct.unpack_from("<4sIII", img, desc)
assert sig == b"TDVF" and version == 1 and length == 16 + 32 * count
h = hashlib.sha384()
def buf(name, gpa):
    return name.ljust(16, b"\0") + struct.pack("<Q", gpa) + bytes(104)
for i in range(count):
    fo, fs, gpa, size, typ, attr = struct.unpack_from("<IIQQII", img, desc + 16 + 32 * i)
    print(f"{gpa:#x} {size:#x} {fo:#x} {fs:#x} {attr & 1}", file=sys.stderr)
    adds = [buf(b"MEM.PAGE.ADD", gpa + p) for p in range(0, size, 4096)]
    exts = [[buf(b"MR.EXTEND", gpa + p + c) + img[fo + p + c:fo + p + c + 256]
             for c in range(0, 4096, 256)] if attr & 1 else [] for p in range(0, size, 4096)]
    if two:
        for a in adds: h.update(a)
        for e in exts: h.update(b"".join(e))
    else:
        for a, e in zip(adds, exts): h.update(a + b"".join(e))
print(h.hexdigest())
PY

mrtd_of() { # mrtd_of OUT_JSON: the one mr_td the fragment lists
	python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["measurements"]["mr_td"]; assert len(m)==1; print(m[0])' "$1"
}

need_firmware OVMF.inteltdx.ms.fd OVMF.amdsev.fd
images=(/usr/share/ovmf/OVMF.fd "$fw/OVMF.inteltdx.ms.fd" "$fw/OVMF.amdsev.fd")
[[ -f ${images[0]} ]] || { fail "${images[0]}: install Debian's ovmf (scripts/install-deps.sh)"; finish; exit; }
echo "images: ${images[*]}"

for img in "${images[@]}"; do
	name=$(basename "$img")
	# the section table: ours (verdict's info lines) and virt-firmware's
	"$BIN/verdict" --derive tdx --tdvf "$img" >"$tmp/one.json" 2>"$tmp/info" ||
		{ fail "$name: refused: $(cat "$tmp/info")"; continue; }
	ours=$(sed -nE 's/^  [A-Za-z_]+ +GPA (0x[0-9a-f]+) size (0x[0-9a-f]+) data (0x[0-9a-f]+)\+(0x[0-9a-f]+)( MR.EXTEND)?$/\1 \2 \3 \4 \5/p' "$tmp/info" |
		awk '{ print $1, $2, $3, $4, ($5 == "MR.EXTEND") }')
	theirs=$("$vfdump" --meta -i "$img" 2>&1 | awk '
		/guid:TdxMetadataOffset/ { on = 1; next }
		on && /^ *guid:/ { on = 0 }
		on && /mbase=/ {
			fb = "0x0"; fs = "0x0"; fl = 0
			for (i = 1; i <= NF; i++) {
				split($i, kv, "=")
				if (kv[1] == "mbase") mb = kv[2]
				if (kv[1] == "msize") ms = kv[2]
				if (kv[1] == "fbase") fb = kv[2]
				if (kv[1] == "fsize") fs = kv[2]
				if (kv[1] == "flags") fl = (kv[2] ~ /[13579bdf]$/)
			}
			print mb, ms, fb, fs, fl
		}')
	if [[ -n $ours && $ours == "$theirs" ]]; then ok; else
		fail "$name: sections: ours
$ours
virt-fw-dump's
$theirs"
	fi
	# MRTD, both orders, against the algorithm
	for order in one two; do
		if [[ $order == two ]]; then
			"$BIN/verdict" --derive tdx --tdvf "$img" --two-pass >"$tmp/$order.json" 2>/dev/null ||
				{ fail "$name --two-pass refused"; continue; }
		fi
		got=$(mrtd_of "$tmp/$order.json") want=$(python3 "$tmp/mrtd.py" "$img" $order 2>/dev/null)
		if [[ $got == "$want" && ${#got} == 96 ]]; then ok; else
			fail "$name ($order pass): verdict $got, the algorithm $want"
		fi
	done
	[[ $(mrtd_of "$tmp/one.json") != $(mrtd_of "$tmp/two.json") ]] && ok ||
		fail "$name: one and two passes give the same MRTD"
	echo "$name: MRTD $(mrtd_of "$tmp/one.json") (two passes: $(mrtd_of "$tmp/two.json"))"
done

# a byte of the extended BFV changes MRTD as the algorithm says; a byte of
# the CFV (not extended) does not
img=/usr/share/ovmf/OVMF.fd
"$BIN/verdict" --derive tdx --tdvf "$img" >"$tmp/base.json" 2>/dev/null
base=$(mrtd_of "$tmp/base.json")
python3 - "$img" "$tmp/bfv.fd" 0x30000 "$tmp/cfv.fd" 0x1000 <<'PY'
import sys
img = bytearray(open(sys.argv[1], "rb").read())
for out, at in ((sys.argv[2], int(sys.argv[3], 0)), (sys.argv[4], int(sys.argv[5], 0))):
    b = bytearray(img); b[at] ^= 1; open(out, "wb").write(b)
PY
"$BIN/verdict" --derive tdx --tdvf "$tmp/bfv.fd" >"$tmp/bfv.json" 2>/dev/null
got=$(mrtd_of "$tmp/bfv.json") want=$(python3 "$tmp/mrtd.py" "$tmp/bfv.fd" 2>/dev/null)
[[ $got == "$want" && $got != "$base" ]] && ok || fail "flipped BFV byte: $got, the algorithm $want, base $base"
"$BIN/verdict" --derive tdx --tdvf "$tmp/cfv.fd" >"$tmp/cfv.json" 2>/dev/null
[[ $(mrtd_of "$tmp/cfv.json") == "$base" ]] && ok || fail "a CFV byte changed MRTD"

refused() { # refused NAME PATTERN ARGS...: verdict fails, saying PATTERN
	local name=$1 pat=$2 out
	shift 2
	if out=$("$BIN/verdict" --derive tdx "$@" 2>&1 >/dev/null); then
		fail "$name: accepted"
	else
		expect "$name" "$pat" "$out"
	fi
}
refused "OVMF_CODE_4M (no TDX metadata)" \
	"has no TDX metadata offset \(GUID e47a6535-984a-4798-865e-4685a7bf8ec2" \
	--tdvf /usr/share/OVMF/OVMF_CODE_4M.fd
refused "OVMF_CODE (vars split off)" "TDVF section 0 \(BFV\): data 0x20000\+0x1e0000 is outside the image" \
	--tdvf /usr/share/OVMF/OVMF_CODE.fd
python3 - "$img" "$tmp" <<'PY'
import sys
img = open(sys.argv[1], "rb").read()
at = img.rindex(b"TDVF")
b = bytearray(img); b[at] ^= 0x20; open(sys.argv[2] + "/sig.fd", "wb").write(b)
b = bytearray(img); b[at + 8] = 2; open(sys.argv[2] + "/ver.fd", "wb").write(b)
b = bytearray(img); b[at + 16 + 32 + 8] += 0x10; open(sys.argv[2] + "/gpa.fd", "wb").write(b)
PY
refused "flipped signature" 'signature is not "TDVF"' --tdvf "$tmp/sig.fd"
refused "version 2" "version 2, only 1 is defined" --tdvf "$tmp/ver.fd"
refused "unaligned CFV" "TDVF section 1 \(CFV\): MemoryAddress 0xffe00010" --tdvf "$tmp/gpa.fd"
refused "no input" "give --tdvf FILE, --quote FILE, or both"

# the quote path: the verifier's claims, and a log that is not the quote's
"$BIN/verdict" --derive tdx --quote "$data/intel/tdx_quote_4.dat" >"$tmp/q.json" 2>"$tmp/q.info" ||
	fail "quote refused: $(cat "$tmp/q.info")"
python3 - "$tmp/q.json" "$data/intel/parse_tdx_claims_expected.json" <<'PY' && ok || fail "quote: values differ from parse_tdx_claims_expected.json"
import json, sys
got = json.load(open(sys.argv[1]))["measurements"]
want = json.load(open(sys.argv[2]))["quote"]["body"]   # trustee's names
for k, w in (("mr_td", "mr_td"), ("rtmr0", "rtmr_0"), ("rtmr1", "rtmr_1"),
             ("rtmr2", "rtmr_2"), ("rtmr3", "rtmr_3")):
    assert got[k] == [want[w]], k
assert want["mr_td"].startswith("705ee9381b8633a9")
PY
expect "quote not verified, said" "checks neither its signature nor its chain" "$(cat "$tmp/q.info")"
"$BIN/verdict" --derive tdx --quote "$data/intel/tdx_quote_4.dat" --collateral "$data/intel/pcs-50806f000000" \
	--at 2023-06-20T00:00:00Z >"$tmp/qv.json" 2>"$tmp/qv.info" || fail "verified quote refused: $(cat "$tmp/qv.info")"
expect "quote verified, said" "verified against .*pcs-50806f000000: TCB status UpToDate" "$(cat "$tmp/qv.info")"
cmp -s "$tmp/q.json" "$tmp/qv.json" && ok || fail "verified and unverified quote give different fragments"
refused "expired collateral" "pck-crl.der: not valid at the verification time" --quote "$data/intel/tdx_quote_4.dat" \
	--collateral "$data/intel/pcs-50806f000000" --at 2023-08-01T00:00:00Z
refused "log not the quote's" "RTMR0" --quote "$data/intel/tdx_quote_4.dat" --ccel-log "$data/kbs/CCEL_data"
refused "TDVF not the quote's" "is not the quote's 705ee938" --tdvf "$img" --quote "$data/intel/tdx_quote_4.dat"

# into verdictd's stored tdxData: added to the default document's lists,
# nothing dropped, nothing listed twice; --replace stores the fragment
mkdir -p "$tmp/work"
start_verdictd_api
v() { # v ARGS...: verdict against that verdictd, in $tmp/work
	(cd "$tmp/work" && "$BIN/verdict" --client-api "$api" --token-file "$root/client-api.token" "$@")
}
stored() { # stored: tdxData as verdictd holds it, one line
	v --export-opa-reference tdxData >/dev/null 2>&1 &&
		python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), sort_keys=True))' "$tmp/work/tdxData"
}
v --derive tdx --tdvf "$img" --set-opa-reference tdxData 2>"$tmp/err" || fail "set from the TDVF: $(cat "$tmp/err")"
v --derive tdx --tdvf "$img" --set-opa-reference tdxData 2>"$tmp/err" || fail "set it again: $(cat "$tmp/err")"
v --derive tdx --quote "$data/intel/tdx_quote_4.dat" --set-opa-reference tdxData 2>"$tmp/err" ||
	fail "set from the quote: $(cat "$tmp/err")"
python3 - "$(stored)" "$base" <<'PY' && ok || fail "merged tdxData: $(stored)"
import json, sys
d = json.loads(sys.argv[1]); m = d["measurements"]
assert m["mr_td"] == [sys.argv[2], "705ee9381b8633a9fbe532b52345e8433343d2868959f57889d84ca377c395b689cac1599ccea1b7d420483a9ce5f031"], m["mr_td"]
assert m["rtmr0"][0].startswith("e940da7c") and len(m["rtmr3"]) == 1
assert m["mr_seam"] == [] and m["mr_owner"] == [] and d["settings"] == {"tcbStatus": ["UpToDate"]}
PY
v --derive tdx --tdvf "$img" --set-opa-reference tdxData --replace 2>"$tmp/err" || fail "--replace: $(cat "$tmp/err")"
expect "--replace" "^\{\"measurements\": \{\"mr_td\": \[\"$base\"\]\}\}$" "$(stored)"
kill "$vdpid" 2>/dev/null && wait "$vdpid" 2>/dev/null
vdpid=""
# Google's MRTD (gce-tcb-verifier's tdx.MRTD, GCE's c3 launch options:
# the RAM banks shape only the TD HOB, which is added, never extended, so
# the value is the one-pass MRTD of any VMM that adds the sections in
# metadata order)
need_go 22 "gce-tcb-verifier's MRTD (tests/peers/mrtd)"
if (cd "$here/../peers/mrtd" && go build -o "$tmp/mrtd" .) 2>"$tmp/mrtd-build.err"; then
	ok
	# the real images only: gce-tcb-verifier also wants the metadata GUID
	# (e9eaf9f3-...) before the descriptor, which QEMU does not read and
	# the synthetic image leaves out
	for img in "${images[@]}"; do
		theirs=$("$tmp/mrtd" "$img" 2>&1)
		ours=$("$BIN/verdict" --derive tdx --tdvf "$img" 2>/dev/null |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["measurements"]["mr_td"][0])')
		[[ -n $ours && $ours == "$theirs" ]] && ok ||
			fail "MRTD of $img: ours $ours, gce-tcb-verifier's $theirs"
	done
else
	fail "build tests/peers/mrtd: $(cat "$tmp/mrtd-build.err")"
fi
finish
