#!/usr/bin/env bash
# test_peer_oracle.sh BIN_DIR DATA_DIR - our verifiers beside Google's:
# every real TDX quote (version 4) and SEV-SNP report in our test data is
# verified by rats-verify and by tests/peers/oracle (go-tdx-guest and
# go-sev-guest, their verify and abi packages, collateral and certificates
# given offline, at the same verification time), and every claim the
# oracle prints must equal ours: measurements, RTMRs, report_data, TCB
# parts, chip ID, policy bits. An edited byte must be refused by both.
# A disagreement is a defect in one of the two (docs/peers.md says which).
set -u
BIN=$(cd "$1" && pwd) DATA=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/lib.sh"
need_go 22 "the oracle (go-tdx-guest, go-sev-guest)"
(cd "$here/../peers/oracle" && go build -o "$tmp/oracle" .) 2>"$tmp/build.err" &&
	ok || { fail "build the oracle: $(cat "$tmp/build.err")"; finish; exit; }
ROOTS=$DATA/amd/milan_ask_ark_asvk.pem

# same NAME "ORACLE ARGS" "RATS-VERIFY ARGS": both verify, then every claim
# of the oracle's must be ours, equal
same() {
	local name=$1
	# shellcheck disable=SC2086
	if ! "$tmp/oracle" $2 >"$tmp/o.json" 2>"$tmp/o.err"; then
		fail "$name: the oracle refused: $(grep -v WARN "$tmp/o.err")"
		return
	fi
	# shellcheck disable=SC2086
	if ! "$BIN/rats-verify" $3 >"$tmp/r.json" 2>"$tmp/r.err"; then
		fail "$name: rats-verify refused: $(cat "$tmp/r.err")"
		return
	fi
	python3 - "$tmp/o.json" "$tmp/r.json" "$name" <<'PY' && ok || fail "$name: claims differ"
import json, sys
o, r, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
bad = [k for k in sorted(o) if r.get(k) != o[k]]
for k in bad:
    print(f"{name}: {k}: oracle {o[k]!r}, rats-verify {r.get(k)!r}", file=sys.stderr)
print(f"{name}: {len(o) - len(bad)} of {len(o)} claims equal", file=sys.stderr)
sys.exit(1 if bad or len(o) < 10 else 0)
PY
}
# both NAME "ORACLE ARGS" "RATS-VERIFY ARGS": both refuse
both_refuse() {
	# shellcheck disable=SC2086
	"$tmp/oracle" $2 >/dev/null 2>&1 && fail "$1: the oracle accepted it" || ok
	# shellcheck disable=SC2086
	"$BIN/rats-verify" $3 >/dev/null 2>&1 && fail "$1: rats-verify accepted it" || ok
}

q4=$DATA/intel/tdx_quote_4.dat q6=$DATA/intel/tdx_quote_6.dat
pcs=$DATA/intel/pcs-50806f000000 root=$DATA/intel/intel-sgx-root-ca.pem
same "tdx v4, chain and signatures" "tdx $q4 2024-01-01T00:00:00Z $root" \
	"--tee tdx --no-collateral --at 2024-01-01T00:00:00Z $q4"
same "tdx v4, with Intel's collateral" "tdx $q4 2023-07-01T00:00:00Z $root $pcs" \
	"--tee tdx -C $pcs --at 2023-07-01T00:00:00Z $q4"
same "tdx v4 (FMSPC 00a06d080000, trailing bytes)" "tdx $q6 2025-06-01T00:00:00Z $root" \
	"--tee tdx --no-collateral --at 2025-06-01T00:00:00Z $q6"
both_refuse "tdx v4 before its PCK certificate" "tdx $q6 2024-06-01T00:00:00Z $root" \
	"--tee tdx --no-collateral --at 2024-06-01T00:00:00Z $q6"
# an edited byte of the TD's body (mr_td): both refuse
python3 -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[48 + 136] ^= 1; open(sys.argv[2], 'wb').write(b)" \
	"$q4" "$tmp/q4.bad"
both_refuse "tdx v4, mr_td edited" "tdx $tmp/q4.bad 2024-01-01T00:00:00Z $root" \
	"--tee tdx --no-collateral --at 2024-01-01T00:00:00Z $tmp/q4.bad"

rep=$DATA/amd/test-report.bin vcek=$DATA/amd/test-vcek.der
same "snp v2 (Milan)" "snp $rep $vcek $ROOTS Milan 2024-06-01T00:00:00Z" \
	"--tee snp --cert $vcek --product Milan --at 2024-06-01T00:00:00Z $rep"
python3 -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[0x90] ^= 1; open(sys.argv[2], 'wb').write(b)" \
	"$rep" "$tmp/rep.bad"
both_refuse "snp, measurement edited" "snp $tmp/rep.bad $vcek $ROOTS Milan 2024-06-01T00:00:00Z" \
	"--tee snp --cert $vcek --product Milan --at 2024-06-01T00:00:00Z $tmp/rep.bad"
finish
