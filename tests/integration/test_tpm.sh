#!/usr/bin/env bash
# test_tpm.sh BIN_DIR - TPM 2.0 attestation on a real software TPM (swtpm,
# started here on a unix socket): eaa-tpm's AK and quotes checked by
# rats-verify (every byte flipped and every truncation refused, wrong AK,
# wrong qualifyingData), an RA-TLS handshake with the tpm attester, and a
# verdictd key release to the attestation agent attesting with the TPM,
# allowed and refused by PCR reference values.
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
      [[ -f $tmp/swtpm.pid ]] && kill "$(cat "$tmp/swtpm.pid")" 2>/dev/null
      rm -rf "$tmp"' EXIT
. "$here/lib.sh"
cd "$tmp"
export TSS2_LOG=all+NONE   # tpm2-tss logs to stderr; the tests read errors from us

# swtpm --daemon returns once its sockets listen (no sleep needed).
mkdir state
swtpm socket --tpm2 --daemon --server type=unixio,path="$tmp/tpm.sock" \
	--ctrl type=unixio,path="$tmp/tpm.sock.ctrl" --tpmstate dir="$tmp/state" \
	--pid file="$tmp/swtpm.pid" --flags not-need-init,startup-clear ||
	{ fail "swtpm did not start"; finish; exit; }
tcti="swtpm:path=$tmp/tpm.sock"

# --- eaa-tpm and rats-verify ---
"$BIN/eaa-tpm" ak --tcti "$tcti" >ak.pem && ok || fail "eaa-tpm ak"
"$BIN/eaa-tpm" ak --tcti "$tcti" | cmp -s - ak.pem && ok || fail "the AK is not stable"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
	openssl pkey -pubout -out other_ak.pem
nonce=$(openssl rand -hex 32)
"$BIN/eaa-tpm" quote --tcti "$tcti" --pcrs 0-7,16 --nonce "$nonce" -o quote.bin && ok ||
	fail "eaa-tpm quote"
out=$("$BIN/rats-verify" --tee tpm --ak ak.pem --report-data "$nonce" quote.bin 2>&1) && ok ||
	fail "rats-verify: $out"
expect "tpm claims" '"pcr16": "0{64}"' "$out"
expect "tpm qualifying data" "\"qualifying_data\": \"$nonce\"" "$out"
err=$("$BIN/rats-verify" --tee tpm --ak other_ak.pem quote.bin 2>&1) && fail "other AK" || ok
expect "untrusted AK" 'attestation key is not one of the trusted AKs \(untrusted\)' "$err"
err=$("$BIN/rats-verify" --tee tpm --ak ak.pem --report-data 00 quote.bin 2>&1) &&
	fail "wrong nonce" || ok
expect "wrong nonce" 'qualifyingData is not the expected value \(binding\)' "$err"
"$BIN/rats-verify" --tee tpm quote.bin 2>/dev/null; [[ $? == 2 ]] && ok || fail "--ak required"
# Every byte flipped, and every truncation, is refused.
"$BIN/tpm_sweep" quote.bin ak.pem "$nonce" >sweep.out 2>&1 && ok ||
	fail "tpm flip/truncate sweep: $(cat sweep.out)"
# A PCR that changes is quoted as it is now.
nonce2=$(openssl rand -hex 32)
"$BIN/eaa-tpm" quote --tcti "$tcti" --pcrs sha256:16+sha1:16 --nonce "$nonce2" -o q2.bin &&
	ok || fail "two banks"
out=$("$BIN/rats-verify" --tee tpm --ak ak.pem q2.bin 2>&1) && ok || fail "two banks: $out"
expect "sha1 bank" '"sha1_pcr16": "0{40}"' "$out"
"$BIN/eaa-tpm" quote --tcti "$tcti" --pcrs 0-24 --nonce 00 -o /dev/null 2>/dev/null
[[ $? == 2 ]] && ok || fail "PCR 24 accepted"

# --- RA-TLS: the tpm attester on the server, the tpm verifier on the client ---
start_server -a tpm -v nullverifier -i 127.0.0.1 -o tpm.tcti="$tcti" -o tpm.pcrs=0-7
out=$("$BIN/rats-tls-client" -v tpm -p "$port" -o tpm.ak=ak.pem 2>err) && ok ||
	fail "RA-TLS with the tpm attester: $(cat err)"
expect "ra-tls claims" '"verifier":"tpm"' "$out"
pcr0=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["claims"]["pcr0"])' "$out")
out=$("$BIN/rats-tls-client" -p "$port" -o tpm.ak=ak.pem 2>err) && ok ||
	fail "tpm verifier inferred: $(cat err)"
"$BIN/rats-tls-client" -p "$port" -o tpm.ak=other_ak.pem -l off >/dev/null 2>err &&
	fail "RA-TLS with an untrusted AK" || ok
expect "ra-tls untrusted AK" "verifier tpm: TPM quote: the attestation key is not one of the trusted AKs" "$(cat err)"
"$BIN/rats-tls-client" -p "$port" -l off >/dev/null 2>err && fail "no AK configured" || ok
expect "ra-tls no trust" "no verifier with configured trust handles it" "$(cat err)"

# --- verdictd releases a layer key to the agent attesting with the TPM ---
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out vd_tls.pem 2>/dev/null
openssl pkey -in vd_tls.pem -pubout -out vd_pub.pem
verdictd_root root
printf '{"pcrs": {"pcr0": ["%s"]}}\n' "$pcr0" >root/opa/tpmData
layer=$(python3 "$here/make_layout.py" plain)
provider_encrypt plain enc root default/key/1 && ok || fail "keywrap"
mkfifo vd_ready aa_ready
"$BIN/verdictd" --listen 127.0.0.1:0 --verifier tpm --attester nullattester --mutual \
	--root root -o tpm.ak=ak.pem -o tls.key=vd_tls.pem >vd_ready 2>verdictd.log &
pids+=($!)
read -r line <vd_ready
vport=${line##*:}
start_agent() { # start_agent ARGS...: the agent on free ports ($kp)
	"$BIN/attestation-agent" --keyprovider_sock 127.0.0.1:0 --getresource_sock 127.0.0.1:0 \
		--aa_kbc_params eaa_kbc::127.0.0.1:"$vport" --attester tpm -o tpm.tcti="$tcti" \
		--broker-pubkey vd_pub.pem "$@" >aa_ready 2>agent.log &
	aa=$!
	pids+=($aa)
	read -r line <aa_ready; kp=${line##* }
	read -r line <aa_ready
	printf '{"key-providers":{"attestation-agent":{"grpc":"127.0.0.1:%s"}}}' "$kp" >grpc.conf
}
start_agent
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config grpc.conf \
	enc dec 2>err && ok || fail "key release to the TPM-attested agent: $(cat err)"
expect "decrypted layer" "^$layer " "$(layer_of dec)"
grep -q "allowed tpm peer" verdictd.log && ok || fail "verdictd did not log the tpm peer"
kill "$aa"; wait "$aa" 2>/dev/null
# PCR 0 is not one of the listed values: no key.
printf '{"pcrs": {"pcr0": ["%s"]}}\n' "$(printf '1%.0s' {1..64})" >root/opa/tpmData
start_agent
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config grpc.conf \
	enc dec2 2>err && fail "key released for an unlisted PCR 0" || ok
[[ ! -e dec2 ]] && ok || fail "partial output left"

finish
