#!/usr/bin/env bash
# test_rats_verify_azure.sh BIN_DIR DATA_DIR - rats-verify --tee
# az-snp-vtpm|az-tdx-vtpm on trustee's real Azure samples: the claims
# trustee's tests expect, one line naming the failed check otherwise, 2 for
# usage errors.
set -u
BIN=$1 D=$2/azure
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

run() { # run EXPECTED_RC ARGS...: leaves $out and $err
	local want=$1; shift
	"$BIN/rats-verify" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out") err=$(cat "$tmp/err")
	if [[ $rc == "$want" ]]; then ok; else fail "rats-verify $* exited $rc, want $want: $err"; fi
}

at=2025-06-01T00:00:00Z
challenge=6368616c6c656e6765   # "challenge", trustee's tests' report data
v2=982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9aa398f647caa2338748cd0fd9f5f819ef
genoa=0218488bae25d2509232bf676f1a66a30d7372add909109b36016ef136f2938ca05475f8b46094de6b64270ea35d950f

for v in v0 v1; do
	run 0 --tee az-snp-vtpm --at $at --report-data $challenge "$D/snp-evidence-$v.json"
	expect "snp $v nonce" "\"report_data\": \"$challenge\"" "$out"
	expect "snp $v pcr00" '"pcr00": "e15c44796beabf46abcec7c57e590942041e47497e4ec27571c8b7664f48dced"' "$out"
	expect "snp $v product" '"product": "Milan"' "$out"
	expect "snp $v version" "\"evidence_version\": ${v#v}" "$out"
done
run 0 --tee az-snp-vtpm --at $at --report-data $v2 "$D/snp-evidence-v2.json"
expect "snp v2 pcr00" '"pcr00": "84275b2f4312cd4fc6cbe6b152ad3c3683e513d9f1e23c34fca160c8cca7a6a7"' "$out"
expect "snp v2 user-data checked" '"user_data_checked": true' "$out"
expect "snp v2 user_data" "\"user_data\": \"${v2}00000000000000000000000000000000\"" "$out"
run 0 --tee az-snp-vtpm --at $at --report-data $genoa "$D/snp-evidence-genoa.json"
expect "genoa pcr00" '"pcr00": "afd689d0bb1c5f36f023fbaf574135f555a28a10c1f6b938d2a25e70c7783338"' "$out"
expect "genoa product" '"product": "Genoa"' "$out"
for v in v0 v1; do
	run 0 --tee az-tdx-vtpm --at $at --report-data $challenge "$D/tdx-evidence-$v.json"
	expect "tdx $v pcr00" '"pcr00": "782b20b10f55cc46e2142cc2145d548698073e5beb82752c8d7f9279f0d8a273"' "$out"
	expect "tdx $v fmspc" '"fmspc": "00806f050000"' "$out"
	expect "tdx $v tcb" '"tcb_status": "NotEvaluated"' "$out"
done

# Every claim trustee's verifier derives from the SNP samples (its code,
# built by hand: tests/data/azure/README.md) against ours: the same names
# and values at top level and under tpm; its SNP claims under our snp, its
# strings as our numbers and booleans, its base64 measurement as our hex.
for s in v0:$challenge v1:$challenge v2:$v2 genoa:$genoa; do
	"$BIN/rats-verify" --tee az-snp-vtpm --at $at --report-data "${s#*:}" \
		"$D/snp-evidence-${s%%:*}.json" >"$tmp/ours.json"
	if diff=$(python3 - "$tmp/ours.json" "$D/trustee-claims/snp-evidence-${s%%:*}.json" <<'PY'
import base64, json, sys
ours, theirs = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = []
for k, v in theirs.items():
    if k in ("tpm", "report_data", "init_data"):
        got = ours.get(k)
    elif k == "measurement":
        got, v = ours["snp"].get(k), base64.b64decode(v).hex()
    else:
        got = ours["snp"].get(k)
        got = str(got).lower() if got is not None else None
    if got != v:
        bad.append(f"{k}: ours {got!r}, trustee {v!r}")
print("; ".join(bad) if bad else "", end="")
sys.exit(1 if bad or len(theirs) < 16 else 0)
PY
	); then ok; else fail "snp-evidence-${s%%:*}: claims differ from trustee's: $diff"; fi
done

# Without --report-data: verified, and the claims say the nonce was not.
run 0 --tee az-snp-vtpm --at $at "$D/snp-evidence-v1.json"
expect "nonce unchecked" '"tpm_nonce_checked": false' "$out"

# Refusals, each naming its check.
run 1 --tee az-snp-vtpm --at $at --report-data 6368616c6c656e6766 "$D/snp-evidence-v1.json"
expect "wrong nonce" 'qualifyingData is not the expected value \(binding\)' "$err"
run 1 --tee az-tdx-vtpm --at $at --report-data 00 "$D/tdx-evidence-v1.json"
expect "tdx wrong nonce" 'qualifyingData is not the expected value' "$err"
run 1 --tee az-snp-vtpm --at $at --report-data $challenge "$D/snp-evidence-v2.json"
expect "v2 other nonce" 'qualifyingData' "$err"
run 1 --tee az-snp-vtpm --at 2024-06-01T00:00:00Z --report-data $challenge "$D/snp-evidence-v1.json"
expect "VCEK not yet valid" 'VCEK' "$err"
run 1 --tee az-tdx-vtpm --at $at "$D/snp-evidence-v1.json"
expect "snp as tdx" 'td_quote' "$err"
# runtime claims the SNP report does not bind: one character of the
# runtime claims' vmUniqueId changed inside the base64url HCL report
python3 - "$D/snp-evidence-v1.json" "$tmp/unbound.json" <<'PY'
import base64, json, sys
d = json.load(open(sys.argv[1]))
s = d["hcl_report"]; b = bytearray(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
i = b.find(b"26F8BC30"); b[i] = ord("3")
d["hcl_report"] = base64.urlsafe_b64encode(bytes(b)).decode().rstrip("=")
json.dump(d, open(sys.argv[2], "w"))
PY
run 1 --tee az-snp-vtpm --at $at --report-data $challenge "$tmp/unbound.json"
expect "unbound runtime claims" 'does not carry SHA-256 of the HCL report.s runtime claims \(binding\)' "$err"

# Usage errors.
run 2 --tee az-snp-vtpm --ak x "$D/snp-evidence-v1.json"
run 2 --tee az-snp-vtpm --collateral "$tmp" "$D/snp-evidence-v1.json"
run 2 --tee az-tdx-vtpm --report-data zz "$D/tdx-evidence-v1.json"
finish
