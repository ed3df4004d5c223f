#!/usr/bin/env bash
# test_rats_verify.sh BIN_DIR DATA_DIR - rats-verify as users run it on the
# real Intel evidence: exit 0 with claims only when every check passed, one
# line naming the failed check otherwise, 2 for usage errors.
set -u
BIN=$1 D=$2/intel
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

# run EXPECTED_RC ARGS... : leaves $out and $err.
run() {
	local want=$1; shift
	"$BIN/rats-verify" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out") err=$(cat "$tmp/err")
	if [[ $rc == "$want" ]]; then ok; else fail "rats-verify $* exited $rc, want $want: $err"; fi
}

at=2025-01-01T00:00:00Z
run 0 --tee tdx --no-collateral --at $at "$D/tdx_quote_4.dat"
expect "tdx claims" '"mr_td": "705ee9381b8633a9' "$out"
expect "not evaluated" '"tcb_status": "NotEvaluated"' "$out"
run 0 --tee tdx --no-collateral --at $at "$D/tdx_quote_5.dat"
run 0 --tee tdx --no-collateral --at 2026-01-01T00:00:00Z "$D/tdx_quote_6.dat"
run 0 --tee sgx --no-collateral --at $at "$D/occlum_quote.dat"
expect "sgx claims" '"mr_enclave": "8f173e46' "$out"
expect "verdictd input" '"mrEnclave": "jxc\+RhP/' "$out"

# With Intel's collateral, as of a time inside its validity.
run 0 --tee tdx -C "$D/pcs-50806f000000" --at 2023-06-20T00:00:00Z "$D/tdx_quote_4.dat"
expect "tcb status" '"tcb_status": "UpToDate"' "$out"
run 1 --tee tdx -C "$D/pcs-50806f000000" --at 2023-08-01T00:00:00Z "$D/tdx_quote_4.dat"
expect "expired collateral" 'not valid at the verification time \(expired\)' "$err"

# report_data: the quote's, zero-padded; anything else fails.
run 0 --tee sgx --no-collateral --at $at --report-data 74657374 "$D/occlum_quote.dat"
run 1 --tee sgx --no-collateral --at $at --report-data 74657375 "$D/occlum_quote.dat"
expect "report data" "report_data is not the expected value" "$err"

# Wrong TEE, tampered bytes, truncated file.
run 1 --tee sgx --no-collateral --at $at "$D/tdx_quote_4.dat"
expect "tee mismatch" "is a tdx quote, not sgx" "$err"
cp "$D/tdx_quote_4.dat" "$tmp/q"; chmod u+w "$tmp/q"
printf '\x01' | dd of="$tmp/q" bs=1 seek=200 conv=notrunc 2>/dev/null
run 1 --tee tdx --no-collateral --at $at "$tmp/q"
expect "tampered body" "quote signature over header and body does not verify" "$err"
head -c 1000 "$D/tdx_quote_4.dat" >"$tmp/short"
run 1 --tee tdx --no-collateral --at $at "$tmp/short"
expect "truncated" "truncated" "$err"
run 1 --tee tdx --no-collateral --at 2020-01-01T00:00:00Z "$D/tdx_quote_4.dat"
expect "chain time" "not yet valid" "$err"

# Another root pinned: Intel's chain does not end at it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj "/CN=Intel SGX Root CA" -keyout "$tmp/k.pem" -out "$tmp/root.pem" 2>/dev/null
run 1 --tee tdx --no-collateral --at $at --root "$tmp/root.pem" "$D/tdx_quote_4.dat"
expect "look-alike root" "is not the pinned Intel SGX Root CA's \(untrusted\)" "$err"

# Usage errors.
run 2 --tee tdx "$D/tdx_quote_4.dat"
expect "collateral choice" "exactly one of --collateral" "$err"
run 2 --tee tdx --no-collateral --at yesterday "$D/tdx_quote_4.dat"
run 2 --tee snp --no-collateral "$D/tdx_quote_4.dat"

# SEV-SNP: the Milan report with its VCEK; refusals by name.
A=$2/amd
run 0 --tee snp --cert "$A/test-vcek.der" --at 2026-11-01T00:00:00Z "$A/test-report.bin"
expect "snp claims" '"reported_tcb_microcode": 115' "$out"
expect "snp product" '"product": "Milan"' "$out"
run 1 --tee snp --cert "$A/test-vcek.der" --at 2031-01-01T00:00:00Z "$A/test-report.bin"
expect "snp expired" 'VCEK has expired at the verification time \(expired\)' "$err"
run 1 --tee snp --cert "$A/test-vcek-invalid-new.der" --at 2026-11-01T00:00:00Z "$A/test-report.bin"
expect "snp edited vcek" "VCEK is not signed by AMD's ASK \(untrusted\)" "$err"
run 1 --tee snp --cert "$A/test-vcek.der" --at 2026-11-01T00:00:00Z --report-data 00 "$A/test-report.bin"
expect "snp report data" 'report_data is not the expected one \(binding\)' "$err"
run 1 --tee snp --cert "$A/test-vcek.der" "$D/tdx_quote_4.dat"
expect "snp not a report" 'SNP report: [0-9]+ bytes, not 1184' "$err"
run 2 --tee snp "$A/test-report.bin"

# SEV-SNP VCEK from a KDS (a loopback HTTP server laid out as AMD's), then
# from the cache alone; a KDS answering with an edited VCEK is refused.
hwid=$(xxd -p -s 0x1a0 -l 64 "$A/test-report.bin" | tr -d '\n')
mkdir -p "$tmp/kds/vcek/v1/Milan" "$tmp/badkds/vcek/v1/Milan"
cp "$A/test-vcek.der" "$tmp/kds/vcek/v1/Milan/$hwid"
cp "$A/test-vcek-invalid-new.der" "$tmp/badkds/vcek/v1/Milan/$hwid"
mkfifo "$tmp/kds_ready"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/kds" >"$tmp/kds_ready" 2>/dev/null &
kds=$!
read -r line <"$tmp/kds_ready"
kport=$(sed 's/.* port \([0-9]*\).*/\1/' <<<"$line")
run 0 --tee snp --kds "http://127.0.0.1:$kport" --kds-cache "$tmp/vceks" --product Milan \
	--at 2026-11-01T00:00:00Z "$A/test-report.bin"
expect "kds claims" '"product": "Milan"' "$out"
ls "$tmp/vceks/Milan-$hwid-0-3-0-8-115.der" >/dev/null 2>&1 && ok || fail "the VCEK was not cached"
kill "$kds"; wait "$kds" 2>/dev/null
run 0 --tee snp --kds "http://127.0.0.1:$kport" --kds-cache "$tmp/vceks" --product Milan \
	--at 2026-11-01T00:00:00Z "$A/test-report.bin"
run 1 --tee snp --kds "http://127.0.0.1:$kport" --product Milan --at 2026-11-01T00:00:00Z \
	"$A/test-report.bin"
expect "kds down" 'AMD KDS http://127.0.0.1:[0-9]+/vcek/v1/Milan/[0-9a-f]{128}\?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115: ' "$err"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/badkds" >"$tmp/kds_ready" 2>/dev/null &
kds=$!
read -r line <"$tmp/kds_ready"
kport=$(sed 's/.* port \([0-9]*\).*/\1/' <<<"$line")
run 1 --tee snp --kds "http://127.0.0.1:$kport" --product Milan --at 2026-11-01T00:00:00Z \
	"$A/test-report.bin"
expect "kds edited vcek" "VCEK is not signed by AMD's ASK" "$err"
kill "$kds"; wait "$kds" 2>/dev/null
run 1 --tee snp --kds "http://127.0.0.1:$kport" --at 2026-11-01T00:00:00Z "$A/test-report.bin"
expect "no product" 'does not say its product line: give --product' "$err"
run 1 --tee tdx --no-collateral "$tmp/missing"

# Hygon CSV: the raw firmware report of csv-rs's chip, checked from the
# built-in HRK; trustee's JSON evidence of another chip, whose HSK/CEK are
# missing, then wrong.
H=$2/hygon
run 0 --tee csv --cert "$H/csvrs_hsk_cek.cert" --report-data 757365722064617461 "$H/csvrs_report.cert"
expect "csv claims" '"serial_number_unverified": "NZA9T14052605"' "$out"
expect "csv measure" '"measure": "EXja2/gm7HoHREujWDdtgcMSy1PXA/nag7JsHu4uoFI="' "$out"
run 1 --tee csv --cert "$H/csvrs_hsk_cek.cert" --report-data 00 "$H/csvrs_report.cert"
expect "csv report data" 'report_data is not the expected value \(binding\)' "$err"
run 1 --tee csv "$H/csv_evidence.json"
expect "csv no hsk/cek" 'no HSK/CEK for chip KPA64911240507' "$err"
run 1 --tee csv --cert "$H/csvrs_hsk_cek.cert" "$H/csv_evidence.json"
expect "csv foreign cek" "PEK: the CEK's signature does not verify" "$err"
run 1 --tee csv --cert "$H/csvrs_cek.cert" "$H/csvrs_report.cert"
expect "csv not a pair" 'HSK/CEK: 2084 bytes, not 2916' "$err"
run 1 --tee csv --cert "$H/csvrs_hsk_cek.cert" "$A/test-report.bin"
expect "csv not a report" 'CSV report: 1184 bytes, not 2548' "$err"
run 2 --tee csv --cert "$H/csvrs_hsk_cek.cert" --kds http://127.0.0.1:1 "$H/csvrs_report.cert"
# HSK/CEK from a loopback server laid out as Hygon's, then from the cache
# alone (<dir>/<serial>/hsk_cek.cert); the serial is then vouched for.
mkdir -p "$tmp/hygon"
cp "$H/csvrs_hsk_cek.cert" "$tmp/hygon/hsk_cek"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/hygon" >"$tmp/kds_ready" 2>/dev/null &
kds=$!
read -r line <"$tmp/kds_ready"
kport=$(sed 's/.* port \([0-9]*\).*/\1/' <<<"$line")
run 0 --tee csv --kds "http://127.0.0.1:$kport" --kds-cache "$tmp/hskcek" "$H/csvrs_report.cert"
expect "csv kds serial" '"serial_number": "NZA9T14052605"' "$out"
[[ -f $tmp/hskcek/NZA9T14052605/hsk_cek.cert ]] && ok || fail "csv: no cached hsk_cek.cert"
run 1 --tee csv --kds "http://127.0.0.1:$kport" "$H/csv_evidence.json"
expect "csv kds other chip" "PEK: the CEK's signature does not verify" "$err"
kill "$kds"; wait "$kds" 2>/dev/null
run 0 --tee csv --kds-cache "$tmp/hskcek" "$H/csvrs_report.cert"
run 1 --tee csv --kds "http://127.0.0.1:$kport" "$H/csvrs_report.cert"
expect "csv kds down" 'Hygon certificate service http://127.0.0.1:[0-9]+/hsk_cek\?snumber=NZA9T14052605: ' "$err"

finish
