#!/usr/bin/env bash
# test_derive_amd.sh BIN_DIR - `verdict --derive sev-es` and `--derive snp`
# against IBM's sev-snp-measure from PyPI (--mode seves, snp and
# snp:ovmf-hash), byte for byte, on every OVMF image at hand that has what
# the mode needs: Debian 12's ovmf (SEV metadata and reset block, no
# hashes-table area; OVMF_CODE_4M without SEV metadata) and unstable's
# ovmf-amdsev (a hashes-table area and a KERNEL_HASHES section) and
# ovmf-inteltdx. vCPU counts 1, 2, 4, 64; EPYC types; kernel, initrd and
# command line; guest features; the EC2 and GCE reset states. Each
# refusal is named, on real images and on copies the test damages. The
# snp value merges into verdictd's stored snpData.
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
vdpid=""
trap '[ -n "$vdpid" ] && kill -9 $vdpid 2>/dev/null; rm -rf "$tmp"' EXIT
. "$here/lib.sh"
need_pypi "sev-snp-measure"
need_firmware OVMF.amdsev.fd OVMF.inteltdx.ms.fd
ssm=$(dirname "$py")/sev-snp-measure
AMDSEV=$fw/OVMF.amdsev.fd
INTELTDX=$fw/OVMF.inteltdx.ms.fd
PLAIN=/usr/share/ovmf/OVMF.fd           # Debian 12: no hashes-table area
NOMETA=/usr/share/OVMF/OVMF_CODE_4M.fd  # Debian 12: no SEV metadata
# images with SEV metadata and the reset block (snp and sev-es)
META_IMAGES=("$AMDSEV" "$INTELTDX" "$PLAIN" /usr/share/OVMF/OVMF_CODE.fd
	/usr/share/OVMF/OVMF_CODE.secboot.fd)
# images with the reset block only (sev-es)
RESET_IMAGES=("$NOMETA" /usr/share/OVMF/OVMF_CODE_4M.secboot.fd)
cd "$tmp" || exit 1

head -c 1000000 /dev/urandom >kernel
head -c 300000 /dev/urandom >initrd
head -c 70000 /dev/urandom >kernel2

derive() { # derive EXPECTED_RC ARGS...: leaves $tmp/out (stdout), $err
	local want=$1; shift
	"$BIN/verdict" --derive "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	err=$(cat "$tmp/err")
	if [[ $rc == "$want" ]]; then ok; else fail "verdict --derive $* exited $rc, want $want: $err"; fi
}
ours() { # the value of the fragment in $tmp/out: sev-es's base64, snp's hex
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["launch_digest"][0] if "launch_digest" in d else d["measurements"]["measurement"][0])' "$tmp/out" 2>/dev/null
}
same() { # same NAME OURS THEIRS
	if [[ -n $2 && $2 == "$3" ]]; then ok; else fail "$1: ours '$2', theirs '$3'"; fi
}
# check MODE ARGS...: verdict --derive and sev-snp-measure --mode on the
# same arguments (sev-snp-measure's option names), one comparison
check() {
	local mode=$1 tee fmt
	shift
	case $mode in
	seves) tee=sev-es fmt=base64 ;;
	*) tee=snp fmt=hex ;;
	esac
	derive 0 "$tee" "$@"
	same "$tee $*" "$(ours)" "$("$ssm" --mode "$mode" "$@" --output-format $fmt 2>&1)"
}

# --- every image, every vCPU count and type, no kernel
for img in "${META_IMAGES[@]}"; do
	for n in 1 2 4 64; do
		for t in EPYC EPYC-v4 EPYC-Milan EPYC-Genoa; do
			check seves --ovmf "$img" --vcpus $n --vcpu-type $t
			check snp --ovmf "$img" --vcpus $n --vcpu-type $t
		done
	done
done
for img in "${RESET_IMAGES[@]}"; do
	for n in 1 2 64; do
		check seves --ovmf "$img" --vcpus $n --vcpu-type EPYC-Rome
	done
done
# the other names of the table, and the other two ways to name a vCPU
for t in EPYC-v1 EPYC-v2 EPYC-IBPB EPYC-v3 EPYC-Rome EPYC-Rome-v1 EPYC-Rome-v2 EPYC-Rome-v3 \
	EPYC-Milan-v1 EPYC-Milan-v2 EPYC-Genoa-v1 EPYC-Turin; do
	check snp --ovmf "$AMDSEV" --vcpus 2 --vcpu-type $t
done
check snp --ovmf "$AMDSEV" --vcpus 3 --vcpu-sig 0xa10f11
check seves --ovmf "$AMDSEV" --vcpus 3 --vcpu-sig 0x800f12
check snp --ovmf "$AMDSEV" --vcpus 3 --vcpu-family 25 --vcpu-model 17 --vcpu-stepping 1
check seves --ovmf "$PLAIN" --vcpus 3 --vcpu-family 23 --vcpu-model 49 --vcpu-stepping 0

# --- kernel, initrd, command line (only AmdSev has a hashes-table area)
for k in kernel kernel2; do
	for i in "" initrd; do
		for a in "" "console=ttyS0 quiet" "a b=c d"; do
			args=(--ovmf "$AMDSEV" --vcpus 4 --vcpu-type EPYC-Milan --kernel "$k"
				${i:+--initrd "$i"} ${a:+--append "$a"})
			check seves "${args[@]}"
			check snp "${args[@]}"
		done
	done
done

# --- guest features (snp), the EC2 and GCE reset states
for gf in 0x0 0x1 0x21 0x4001 0x3ff; do
	check snp --ovmf "$AMDSEV" --vcpus 2 --vcpu-type EPYC-Genoa --guest-features $gf
	check snp --ovmf "$AMDSEV" --vcpus 2 --vcpu-type EPYC-Genoa --guest-features $gf --kernel kernel
done
for vmm in ec2 gce; do
	for img in "$AMDSEV" "$PLAIN"; do
		check seves --ovmf "$img" --vcpus 4 --vmm-type $vmm
		check snp --ovmf "$img" --vcpus 4 --vmm-type $vmm
	done
	check snp --ovmf "$AMDSEV" --vcpus 2 --vmm-type $vmm --kernel kernel --initrd initrd --append x
done
check snp --ovmf "$AMDSEV" --vcpus 2 --vmm-type QEMU --vcpu-type EPYC

# --- the OVMF pages' digest (snp:ovmf-hash), printed and taken back
for img in "$AMDSEV" "$PLAIN"; do
	derive 0 snp --ovmf "$img" --vcpus 1 --vcpu-type EPYC
	h=$("$ssm" --mode snp:ovmf-hash --ovmf "$img")
	expect "snp:ovmf-hash of $(basename "$img")" "OVMF pages' digest \(for --snp-ovmf-hash\): $h" "$err"
	check snp --ovmf "$img" --vcpus 2 --vcpu-type EPYC-v4 --snp-ovmf-hash "$h"
done
# a different pages' digest is taken as given, by both
check snp --ovmf "$AMDSEV" --vcpus 2 --vcpu-type EPYC-v4 --snp-ovmf-hash "$(printf '%096d' 7)"

# --- sev (the integrator's row) on the images test_derive_sev.sh leaves out
for img in "$INTELTDX" /usr/share/OVMF/OVMF_CODE.fd /usr/share/OVMF/OVMF_CODE.secboot.fd \
	"${RESET_IMAGES[@]}"; do
	derive 0 sev --ovmf "$img"
	same "sev $(basename "$img")" "$(ours)" "$("$ssm" --mode sev --ovmf "$img" --output-format base64)"
done

# --- the comparison can fail: inputs that differ give digests that differ
derive 0 snp --ovmf "$AMDSEV" --vcpus 2 --vcpu-type EPYC
[[ $(ours) != "$("$ssm" --mode snp --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC)" ]] && ok ||
	fail "snp: 2 vCPUs and 1 gave one digest"
derive 0 sev-es --ovmf "$AMDSEV" --vcpus 2 --vcpu-type EPYC-Milan
[[ $(ours) != "$("$ssm" --mode seves --ovmf "$AMDSEV" --vcpus 2 --vcpu-type EPYC --output-format base64)" ]] &&
	ok || fail "sev-es: EPYC-Milan and EPYC gave one digest"
derive 0 snp --ovmf "$AMDSEV" --vcpus 2 --vcpu-type EPYC --kernel kernel --append "a"
[[ $(ours) != "$("$ssm" --mode snp --ovmf "$AMDSEV" --vcpus 2 --vcpu-type EPYC --kernel kernel --append "b")" ]] &&
	ok || fail "snp: two command lines gave one digest"
expect "sev-es prints the digest in hex" "launch digest: [0-9a-f]{64}" \
	"$("$BIN/verdict" --derive sev-es --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC 2>&1 >/dev/null)"

# --- damaged copies: damage IMG OUT WHAT...: flip the first byte of the
# named GUID's entry in the footer table (guid:TEXT), or write bytes at an
# offset from the end (at:OFFSET:HEX), or keep the last N bytes (tail:N)
damage() {
	python3 - "$@" <<'PY'
import sys, uuid
src, dst, *what = sys.argv[1:]
b = bytearray(open(src, "rb").read())
for w in what:
    kind, _, arg = w.partition(":")
    if kind == "guid":
        g = uuid.UUID(arg).bytes_le
        i = b.rfind(g, len(b) - 4096)
        assert i > 0, w
        b[i] ^= 0xff
    elif kind == "at":
        off, hexs = arg.split(":")
        v = bytes.fromhex(hexs)
        i = len(b) - int(off, 0)
        b[i:i + len(v)] = v
    elif kind == "tail":
        b = b[-int(arg):]
open(dst, "wb").write(bytes(b))
PY
}
meta_at() { # the SEV metadata's offset from IMG's end, as sev-snp-measure reads it
	"$py" -c 'import sys
from sevsnpmeasure.ovmf import OVMF
print(int.from_bytes(OVMF(sys.argv[1]).table_item(OVMF.OVMF_SEV_META_DATA_GUID)[:4], "little"))' "$1"
}
m=$(meta_at "$AMDSEV")
[[ $m =~ ^[0-9]+$ ]] && ok || fail "could not read the AmdSev metadata offset: $m"

head -c 8192 /dev/zero >zero.fd
derive 1 snp --ovmf zero.fd --vcpus 1 --vcpu-type EPYC
expect "no footer table" "no GUIDed footer table \(GUID 96b582de-1fb2-45f7-baea-a366c55a082d\)" "$err"
derive 1 sev-es --ovmf zero.fd --vcpus 1 --vcpu-type EPYC
expect "sev-es: no footer table" "no GUIDed footer table" "$err"
derive 1 snp --ovmf "$NOMETA" --vcpus 1 --vcpu-type EPYC
expect "no SEV metadata, a real image" "OVMF_CODE_4M.fd: the image has no SEV metadata \(GUID dc886566-984a-4798-a75e-5585a7bf67cc" "$err"
damage "$AMDSEV" nometa.fd guid:dc886566-984a-4798-a75e-5585a7bf67cc
derive 1 snp --ovmf nometa.fd --vcpus 1 --vcpu-type EPYC
expect "no SEV metadata, GUID dropped" "no SEV metadata \(GUID dc886566-984a-4798-a75e-5585a7bf67cc" "$err"
damage "$AMDSEV" noreset.fd guid:00f771de-1a7e-4fcb-890e-68c77e2fb44e
derive 1 snp --ovmf noreset.fd --vcpus 1 --vcpu-type EPYC
expect "snp: no reset block" "no SEV-ES reset block \(GUID 00f771de-1a7e-4fcb-890e-68c77e2fb44e" "$err"
derive 1 sev-es --ovmf noreset.fd --vcpus 1 --vcpu-type EPYC
expect "sev-es: no reset block" "no SEV-ES reset block \(GUID 00f771de-1a7e-4fcb-890e-68c77e2fb44e" "$err"
"$ssm" --mode seves --ovmf noreset.fd --vcpus 1 --vcpu-type EPYC >/dev/null 2>&1 &&
	fail "sev-snp-measure measured SEV-ES without a reset block" || ok
damage "$AMDSEV" nohash.fd guid:7255371f-3a3b-4b04-927b-1da6efa8d454
derive 1 sev-es --ovmf nohash.fd --vcpus 1 --vcpu-type EPYC --kernel kernel
expect "sev-es: kernel, no hash table GUID" "--kernel given: the image has no SEV hash table \(GUID 7255371f-3a3b-4b04-927b-1da6efa8d454" "$err"
derive 1 snp --ovmf nohash.fd --vcpus 1 --vcpu-type EPYC --kernel kernel
expect "snp: kernel, no hash table GUID" "--kernel given: the image has no SEV hash table \(GUID 7255371f" "$err"
derive 0 snp --ovmf nohash.fd --vcpus 1 --vcpu-type EPYC   # no kernel: no table needed
derive 1 sev-es --ovmf "$PLAIN" --vcpus 1 --vcpu-type EPYC --kernel kernel
expect "sev-es: kernel, hash table at GPA 0 (Debian 12)" "SEV hash table entry \(GUID 7255371f-3a3b-4b04-927b-1da6efa8d454\) has GPA 0" "$err"
derive 1 snp --ovmf "$PLAIN" --vcpus 1 --vcpu-type EPYC --kernel kernel
expect "snp: kernel, no KERNEL_HASHES section (Debian 12)" "has no KERNEL_HASHES section \(type 0x10\)" "$err"
"$ssm" --mode snp --ovmf "$PLAIN" --vcpus 1 --vcpu-type EPYC --kernel kernel >/dev/null 2>&1 &&
	fail "sev-snp-measure measured a kernel without a KERNEL_HASHES section" || ok
# the table cut short: only the last 1000 bytes, so the metadata (further
# from the end) is outside the image
damage "$AMDSEV" tail.fd tail:1000
derive 1 snp --ovmf tail.fd --vcpus 1 --vcpu-type EPYC
expect "metadata outside the image" "SEV metadata: offset $m from the image's end is outside the 1000-byte image" "$err"
# an entry whose size runs past the table's start (the reset block's, the
# footer's last entry: its u16 size is 18 + 4 bytes before the footer)
damage "$AMDSEV" badsize.fd at:$((32 + 18 + 18)):ffff
derive 1 snp --ovmf badsize.fd --vcpus 1 --vcpu-type EPYC
expect "an entry's size does not fit" "an entry's size does not fit" "$err"
damage "$AMDSEV" badsig.fd at:$m:58534556
derive 1 snp --ovmf badsig.fd --vcpus 1 --vcpu-type EPYC
expect "metadata signature" "SEV metadata: signature 58534556, want \"ASEV\"" "$err"
damage "$AMDSEV" badver.fd at:$((m - 8)):02000000
derive 1 snp --ovmf badver.fd --vcpus 1 --vcpu-type EPYC
expect "metadata version" "SEV metadata: version 2, want 1" "$err"
damage "$AMDSEV" badcount.fd at:$((m - 12)):ff000000
derive 1 snp --ovmf badcount.fd --vcpus 1 --vcpu-type EPYC
expect "too many sections" "SEV metadata: 255 sections, at most 64" "$err"
damage "$AMDSEV" badsize2.fd at:$((m - 4)):10000000
derive 1 snp --ovmf badsize2.fd --vcpus 1 --vcpu-type EPYC
expect "metadata size smaller than its sections" "SEV metadata: size 16 does not hold its 7 sections" "$err"
# the first section (gpa, size, type at 16 bytes into the metadata)
damage "$AMDSEV" badtype.fd at:$((m - 24)):07000000
derive 1 snp --ovmf badtype.fd --vcpus 1 --vcpu-type EPYC
expect "unknown section type" "section 0 has unknown type 0x7" "$err"
"$ssm" --mode snp --ovmf badtype.fd --vcpus 1 --vcpu-type EPYC >/dev/null 2>&1 &&
	fail "sev-snp-measure measured an unknown section type" || ok
damage "$AMDSEV" badgpa.fd at:$((m - 16)):00018000
derive 1 snp --ovmf badgpa.fd --vcpus 1 --vcpu-type EPYC
expect "section not page-aligned" "section 0 \(type 0x1\) at GPA 0x800100, size 0x9000 is not whole pages" "$err"
# the reset block's EIP (the 4 bytes before its size and GUID)
damage "$AMDSEV" eip0.fd at:$((32 + 18 + 18 + 4)):00000000
derive 1 sev-es --ovmf eip0.fd --vcpus 2 --vcpu-type EPYC
expect "AP reset EIP 0" "gives AP reset EIP 0" "$err"
tail -c $((65536 + 100)) "$AMDSEV" >notpages.fd
derive 1 snp --ovmf notpages.fd --vcpus 1 --vcpu-type EPYC
expect "snp: image not whole pages" "OVMF image of 65636 bytes is not whole 4 KiB pages" "$err"

# --- refused inputs
derive 1 snp --ovmf "$AMDSEV" --vcpus 0 --vcpu-type EPYC
expect "--vcpus 0" "--vcpus 0: a guest has at least one vCPU" "$err"
derive 1 sev-es --ovmf "$AMDSEV" --vcpus 0 --vcpu-type EPYC
expect "sev-es --vcpus 0" "--vcpus 0" "$err"
derive 1 snp --ovmf "$AMDSEV" --vcpus 5000 --vcpu-type EPYC
expect "--vcpus too many" "--vcpus 5000: want a number from 0 to 4096" "$err"
derive 1 snp --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC-Milano
expect "unknown vCPU type, the known ones named" "unknown vCPU type \"EPYC-Milano\" \(known: EPYC, .*EPYC-Milan, .*EPYC-Genoa" "$err"
derive 1 sev-es --ovmf "$AMDSEV" --vcpus 1 --vcpu-type epyc
expect "sev-es: vCPU type names are exact" "unknown vCPU type \"epyc\"" "$err"
derive 1 snp --ovmf "$AMDSEV" --vcpus 1
expect "QEMU needs a vCPU signature" "give --vcpu-type" "$err"
derive 1 snp --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC --vcpu-sig 0x800f12
expect "two ways to name a vCPU" "give one" "$err"
derive 1 snp --ovmf "$AMDSEV" --vcpus 1 --vcpu-family 25
expect "family without model and stepping" "go together" "$err"
derive 1 snp --ovmf "$AMDSEV" --vcpus 1 --vmm-type xen
expect "unknown VMM type" "unknown VMM type \"xen\" \(known: qemu, ec2, gce\)" "$err"
derive 1 snp --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC --snp-ovmf-hash abcd
expect "--snp-ovmf-hash not 48 bytes" "--snp-ovmf-hash abcd: want 48 bytes in hex" "$err"
derive 1 snp --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC --initrd initrd
expect "initrd without kernel" "only with --kernel" "$err"
derive 1 sev-es --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC --append x
expect "append without kernel" "only with --kernel" "$err"
derive 1 snp --vcpus 1 --vcpu-type EPYC
expect "no --ovmf" "--ovmf FILE is required" "$err"
derive 1 sev-es --ovmf "$AMDSEV" --vcpu-type EPYC
expect "no --vcpus" "--vcpus N is required" "$err"
derive 1 snp --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC --kernel "$tmp/none"
expect "missing kernel named" "kernel $tmp/none: No such file" "$err"
derive 1 snp --ovmf "$tmp/none" --vcpus 1 --vcpu-type EPYC
expect "missing OVMF named" "--ovmf: $tmp/none: No such file" "$err"
derive 1 sev-es --ovmf /dev/zero --vcpus 1 --vcpu-type EPYC
expect "a device is no OVMF image" "--ovmf: /dev/zero: not a regular file" "$err"
derive 2 sev-es --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC --guest-features 0x1
derive 2 sev-es --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC --set-opa-reference sevData
expect "sev-es has no stored reference" "keeps no sev-es reference" "$err"
derive 2 snp --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC --set-opa-reference csvData
expect "snp goes to snpData only" "gives snpData, not csvData" "$err"

# --- the ID block (sev-snp-measure's snp-create-id-block): the block and
# the key digests byte for byte, ID_AUTH byte for byte but for its two
# ECDSA signatures (random), which are verified instead
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out id.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out author.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pem 2>/dev/null
idcheck() { # idcheck NAME: ours ($tmp/out, $tmp/err) against snp-create-id-block
	"$py" - "$tmp/out" "$tmp/err" "$(dirname "$py")/snp-create-id-block" "$tmp/id.pem" "$tmp/author.pem" "${1:-}" <<'PY'
import base64, json, subprocess, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
out, err, tool, idk, auk, flip = sys.argv[1:7]
frag = json.load(open(out))["measurements"]
info = dict(l.split(": ", 1) for l in open(err).read().splitlines() if ": " in l)
opt = [l for l in open(err).read().splitlines() if l.startswith("id-block=")][0]
blk, auth = (base64.b64decode(x.split("=", 1)[1]) for x in opt.split(","))
if flip:  # the checks below must catch a changed byte
    blk = bytes([blk[0] ^ 1]) + blk[1:]
theirs = subprocess.run([tool, "--measurement",
                         base64.b64encode(bytes.fromhex(frag["measurement"][0])).decode(),
                         "--idkey", idk, "--authorkey", auk], capture_output=True, text=True,
                        check=True).stdout.splitlines()
t = dict(l.split(": ", 1) for l in theirs[1:])
tblk, tauth = (base64.b64decode(x.split("=", 1)[1]) for x in theirs[0].split(","))
def pub(b):
    assert int.from_bytes(b[:4], "little") == 2
    return ec.EllipticCurvePublicNumbers(int.from_bytes(b[4:76], "little"),
                                         int.from_bytes(b[76:148], "little"),
                                         ec.SECP384R1()).public_key()
def verify(key, sig, msg):
    r, s = int.from_bytes(sig[:72], "little"), int.from_bytes(sig[72:144], "little")
    key.verify(utils.encode_dss_signature(r, s), msg, ec.ECDSA(hashes.SHA384()))
    assert sig[144:] == bytes(368)
fails = []
def same(what, a, b):
    if a != b:
        fails.append(what)
same("id-block", blk, tblk)
same("id_key_digest", base64.b64decode(t["id_key_hash"]).hex(), info["id_key_digest"])
same("id_key_digest in the fragment", frag["id_key_digest"], [info["id_key_digest"]])
same("author_key_digest", base64.b64decode(t["author_key"]).hex(), info["author_key_digest"])
same("id-auth length", len(auth), 4096)
for lo, hi in ((0, 0x40), (0x240, 0x680), (0x880, 4096)):
    same(f"id-auth {lo:#x}-{hi:#x}", auth[lo:hi], tauth[lo:hi])
try:
    verify(pub(auth[0x240:0x644]), auth[0x40:0x240], blk)
except Exception as e:
    fails.append("ID_BLOCK_SIG does not verify")
try:
    verify(pub(auth[0x880:0xc84]), auth[0x680:0x880], auth[0x240:0x644])
except Exception as e:
    fails.append("ID_KEY_SIG does not verify")
print(", ".join(fails) if fails else "same")
PY
}
derive 0 snp --ovmf "$AMDSEV" --vcpus 4 --vcpu-type EPYC-Milan --kernel kernel --id-key id.pem --author-key author.pem
r=$(idcheck) && [[ $r == same ]] && ok || fail "ID block against snp-create-id-block: $r"
r=$(idcheck flip)
[[ $r == "id-block, ID_BLOCK_SIG does not verify" ]] && ok || fail "a flipped ID block byte went unseen: $r"
derive 0 snp --ovmf "$PLAIN" --vcpus 1 --vcpu-type EPYC --id-key id.pem --author-key author.pem
r=$(idcheck) && [[ $r == same ]] && ok || fail "ID block (Debian 12 OVMF.fd) against snp-create-id-block: $r"
# the fields snp-create-id-block leaves at their defaults, written where
# the ABI puts them
derive 0 snp --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC --id-key id.pem --author-key author.pem \
	--guest-policy 0x30001 --guest-svn 7 --family-id "$(printf '%032d' 1)" --image-id "$(printf '%032d' 2)"
python3 - "$tmp/err" <<'PY' && ok || fail "ID block fields misplaced"
import base64, sys
opt = [l for l in open(sys.argv[1]).read().splitlines() if l.startswith("id-block=")][0]
b = base64.b64decode(opt.split(",")[0].split("=", 1)[1])
assert len(b) == 96
assert b[0x30:0x40] == bytes.fromhex("%032d" % 1) and b[0x40:0x50] == bytes.fromhex("%032d" % 2)
assert int.from_bytes(b[0x50:0x54], "little") == 1 and int.from_bytes(b[0x54:0x58], "little") == 7
assert int.from_bytes(b[0x58:0x60], "little") == 0x30001
PY
derive 1 snp --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC --id-key id.pem
expect "id key without author key" "--id-key and --author-key go together" "$err"
derive 1 snp --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC --id-key p256.pem --author-key author.pem
expect "a P-256 ID key" "--id-key p256.pem: not a P-384 key" "$err"
derive 1 snp --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC --id-key id.pem --author-key kernel
expect "an author key that is not PEM" "--author-key" "$err"
derive 1 snp --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC --guest-svn 2
expect "ID block fields without a key" "--guest-svn goes with --id-key" "$err"
derive 1 snp --ovmf "$AMDSEV" --vcpus 1 --vcpu-type EPYC --id-key id.pem --author-key author.pem --family-id 00
expect "family ID not 16 bytes" "--family-id 00: want 16 bytes in hex" "$err"

# --- the merge into verdictd's snpData: its other members are kept
start_verdictd_api
stored() { # KEY: the stored snpData's measurements.KEY list, one per line
	(cd "$tmp" && "$BIN/verdict" "${vd[@]}" -p "$tmp" --export-opa-reference snpData >/dev/null) &&
		python3 -c 'import json, sys; print("\n".join(json.load(open("snpData"))["measurements"][sys.argv[1]]))' "$1"
}
printf '{"measurements": {"measurement": [], "host_data": ["%064d"]}, "minimum_tcb": {"snp": 8}}\n' 1 >snp0
"$BIN/verdict" "${vd[@]}" --set-opa-reference snpData snp0 >/dev/null 2>&1 && ok || fail "could not store snpData"
derive 0 snp --ovmf "$AMDSEV" --vcpus 4 --vcpu-type EPYC-v4 --kernel kernel
m1=$(ours)
derive 0 snp --ovmf "$AMDSEV" --vcpus 4 --vcpu-type EPYC-v4 --kernel kernel --set-opa-reference snpData "${vd[@]}"
expect "merge says where" "snp values merged into snpData" "$err"
[[ $(stored measurement) == "$m1" ]] && ok || fail "snpData measurement after the merge: $(stored measurement)"
[[ $(stored host_data) == "$(printf '%064d' 1)" ]] && ok || fail "the merge dropped host_data: $(stored host_data)"
python3 -c 'import json; assert json.load(open("snpData"))["minimum_tcb"] == {"snp": 8}' && ok ||
	fail "the merge changed minimum_tcb"
derive 0 snp --ovmf "$AMDSEV" --vcpus 8 --vcpu-type EPYC-v4 --kernel kernel
m2=$(ours)
derive 0 snp --ovmf "$AMDSEV" --vcpus 8 --vcpu-type EPYC-v4 --kernel kernel --set-opa-reference snpData "${vd[@]}"
[[ $(stored measurement) == "$m1"$'\n'"$m2" ]] && ok || fail "snpData after the second merge: $(stored measurement)"
finish
