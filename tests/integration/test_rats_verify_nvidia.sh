#!/usr/bin/env bash
# test_rats_verify_nvidia.sh BIN_DIR DATA_DIR - `rats-verify --tee nvidia` on
# trustee's two Hopper samples: claims on success, one line naming the check
# that failed otherwise, 2 for usage errors.
set -u
BIN=$1 D=$2/nvidia
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

n1=931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb
rd2=87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fece279b616efefc2aae21da80cf5581250

run 0 --tee nvidia --nonce $n1 "$D/hopper-evidence.json"
expect "driver" '"driver_version": "550.90.07"' "$out"
expect "vbios" '"vbios_version": "96.00.9f.00.01"' "$out"
expect "measurement 2" '"2": "8048dfd18fe229bf16eb9d30cca0f11a24dafe6eb731de1462984645a0b189b77c4e4e17de727a5e19e3d07de51da338"' "$out"
expect "nonce checked" '"nonce_checked": true' "$out"
expect "revocation" '"checked": false,[[:space:]]*"method": "none"' "$out"
expect "device" '"serial": "53C22BA15E5D68088282DA074ED9FB37AA585771"' "$out"
run 0 --tee=nvidia --report-data $n1 --at 2026-01-01T00:00:00Z "$D/hopper-evidence.json"
# The CoCo sample, bound by 48 bytes of report data as trustee passes them.
run 0 -T nvidia --report-data $rd2 "$D/hopper-coco-evidence.json"
expect "coco driver" '"driver_version": "580.95.05"' "$out"
run 0 --tee nvidia "$D/hopper-coco-evidence.json"
expect "nonce unchecked" '"nonce_checked": false' "$out"

# A wrong nonce, the other sample's, and the nonce of one sample on the other.
run 1 --tee nvidia --nonce ${n1%??}00 "$D/hopper-evidence.json"
expect "wrong nonce" "gpu0: GPU attestation report: the SPDM request's nonce is not the expected one \(nonce\)" "$err"
run 1 --tee nvidia --report-data $rd2 "$D/hopper-evidence.json"
# Before the device certificates were issued.
run 1 --tee nvidia --at 2021-01-01T00:00:00Z "$D/hopper-evidence.json"
expect "not yet valid" "GPU certificate chain: .*(not yet valid|expired)" "$err"

# A flipped measurement byte inside the evidence JSON.
sed 's/8048dfd18fe229bf/8048dfd18fe229be/' "$D/hopper-evidence.json" >"$tmp/flip.json"
run 1 --tee nvidia "$tmp/flip.json"
expect "flip" "signature over the SPDM request and response does not verify with the device certificate \(signature\)" "$err"
# Another architecture; an unreadable CRL.
sed 's/"arch": "Hopper"/"arch": "BLACKWELL"/' "$D/hopper-evidence.json" >"$tmp/bw.json"
run 1 --tee nvidia "$tmp/bw.json"
expect "arch" 'only Hopper is verified locally \(unsupported\)' "$err"
echo junk >"$tmp/junk.crl"
run 1 --tee nvidia --crl "$tmp/junk.crl" "$D/hopper-evidence.json"
expect "crl" "not a DER or PEM CRL" "$err"

# nvtrust's RIM for the CoCo sample's VBIOS: signed and chained to NVIDIA's
# RIM root (as of a time its signer was valid), then block 10 differs.
rim=$D/rim/1010_0200_882_960074001A_PROD.swidtag
run 1 --tee nvidia --at 2025-06-01T00:00:00Z --rim "$rim" "$D/hopper-coco-evidence.json"
expect "rim mismatch" "GPU measurement 10 matches none of the 1 value\(s\) of the VBIOS RIM .* \(rejected\)" "$err"
run 1 --tee nvidia --at 2026-12-01T00:00:00Z --rim "$rim" "$D/hopper-coco-evidence.json"
expect "rim expired" 'RIM certificate chain: "NVIDIA Reference Value L3 GH100 001" .* \(expired\)' "$err"
sed 's/b558fdac9af53b91/b558fdac9af53b92/' "$rim" >"$tmp/flip.swidtag"
run 1 --tee nvidia --at 2025-06-01T00:00:00Z --rim "$tmp/flip.swidtag" "$D/hopper-coco-evidence.json"
expect "rim flip" "XML signature does not verify with its signer certificate \(signature\)" "$err"
run 1 --tee nvidia --at 2025-06-01T00:00:00Z --rim "$rim" "$D/hopper-evidence.json"
expect "rim version" "version 96.00.74.00.1a is neither the GPU's driver's nor its VBIOS's \(96.00.9f.00.01\)" "$err"

run 1 --tee nvidia --ocsp "$tmp/junk.crl" "$D/hopper-evidence.json"
expect "ocsp" "OCSP response 0: not DER \\(malformed input\\)" "$err"

# Usage errors.
run 2 --tee nvidia --nonce 00 "$D/hopper-evidence.json"
run 2 --tee nvidia --nonce $n1 --report-data $n1 "$D/hopper-evidence.json"
run 2 --tee nvidia --at yesterday "$D/hopper-evidence.json"
run 2 --tee nvidia --ak x.pem "$D/hopper-evidence.json"
run 2 --tee nvidia
finish
