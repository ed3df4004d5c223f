#!/usr/bin/env bash
# test_agent_cc.sh BIN_DIR - the agent's cc_kbc (the CoCo KBS protocol)
# against verdictd's KBS endpoint over HTTPS, with real processes: a layer
# decrypted through the agent (UnwrapKey: the KEK is the resource its kid
# names) and a resource (GetResource), one attestation for all of them;
# the same layer through eaa_kbc against the same verdictd gives the same
# bytes. Refused: a KBS whose certificate the pinned CA did not issue, a
# policy that refuses the TEE, plain HTTP without --insecure-broker, an
# unpinned https KBS, the sample attester without --allow-sample.
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
vd="" aa=""
trap 'for p in $vd $aa; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
. "$here/lib.sh"
cd "$tmp"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out trust.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out vd_tls.pem 2>/dev/null
openssl pkey -in vd_tls.pem -pubout -out vd_pub.pem
for n in kbs other; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 \
		-keyout $n.key -out $n.crt 2>/dev/null
done
verdictd_root root
mkdir -p root/resources/default/security-policy
echo '{"default":[{"type":"reject"}]}' >root/resources/default/security-policy/test
layer=$(python3 "$here/make_layout.py" plain)
provider_encrypt plain enc root default/key/1 && ok || fail "keywrap"

mkfifo vd_ready aa_ready
"$BIN/verdictd" --listen 127.0.0.1:0 --verifier sample --attester nullattester --mutual \
	--root root --sample-trust trust.pem -o tls.key=vd_tls.pem --kbs 127.0.0.1:0 \
	--kbs-cert kbs.crt --kbs-key kbs.key >vd_ready 2>verdictd.log &
vd=$!
exec 3<vd_ready
while read -r line <&3; do
	[[ $line == "listening on "* ]] && vport=${line##*:}
	[[ $line == "KBS on "* ]] && { kbs=${line#KBS on }; break; }
done
cat <&3 >/dev/null &
expect "KBS endpoint" '^https://127\.0\.0\.1:[0-9]+$' "${kbs:-}"
sample=(--attester sample --allow-sample -o sample.key=key.pem)

start_agent() { # start_agent ARGS...: the agent on free ports ($kp, $gr)
	"$BIN/attestation-agent" --keyprovider_sock 127.0.0.1:0 --getresource_sock 127.0.0.1:0 \
		"$@" >aa_ready 2>agent.log &
	aa=$!
	read -r line <aa_ready; kp=${line##* }
	read -r line <aa_ready; gr=${line##* }
}
stop_agent() { kill "$aa"; wait "$aa" 2>/dev/null; aa=""; }
decrypt() { # decrypt OUT: enc through the running agent
	printf '{"key-providers":{"attestation-agent":{"grpc":"127.0.0.1:%s"}}}' "$kp" >grpc.conf
	"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config grpc.conf \
		enc "$1" 2>err
}

# --- cc_kbc: a layer and a resource, one attestation ---
start_agent --aa_kbc_params "cc_kbc::$kbs" "${sample[@]}" --broker-ca kbs.crt
decrypt dec_cc && ok || fail "decrypt through cc_kbc: $(cat err; cat agent.log)"
expect "plain layer (cc_kbc)" "^$layer " "$(layer_of dec_cc)"
"$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	kbs:///default/security-policy/test -O policy.json 2>err && ok || fail "get-resource: $(cat err)"
cmp -s policy.json root/resources/default/security-policy/test && ok || fail "resource content"
"$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	default/cosign-key/none -O none 2>err && fail "an absent resource was served" || ok
expect "absent resource" '404' "$(cat err)"
n=$(grep -c 'kbs: allowed sample peer' verdictd.log)
[[ $n == 1 ]] && ok || fail "attestations for a layer and two resources: $n, want 1"
stop_agent

# --- the same layer through eaa_kbc, the same verdictd ---
start_agent --aa_kbc_params eaa_kbc::127.0.0.1:"$vport" "${sample[@]}" --broker-pubkey vd_pub.pem
decrypt dec_eaa && ok || fail "decrypt through eaa_kbc: $(cat err)"
cmp -s "dec_cc/index.json" "dec_eaa/index.json" && diff -r dec_cc dec_eaa >/dev/null && ok ||
	fail "cc_kbc and eaa_kbc decrypted differently"
stop_agent

# --- refusals ---
start_agent --aa_kbc_params "cc_kbc::$kbs" "${sample[@]}" --broker-ca other.crt
decrypt dec_x && fail "a KBS the pinned CA did not issue was used" || ok
expect "wrong CA" 'cc_kbc: .*(certificate|SSL)' "$(cat err; cat agent.log)"
stop_agent
echo '{"svn": 9}' >root/opa/sampleData
start_agent --aa_kbc_params "cc_kbc::$kbs" "${sample[@]}" --broker-ca kbs.crt
decrypt dec_y && fail "a refused TEE got its key" || ok
expect "policy refuses" 'attest: 401: .*allow' "$(cat err; cat agent.log)"
stop_agent
echo '{"svn": 0}' >root/opa/sampleData
"$BIN/attestation-agent" --aa_kbc_params "cc_kbc::http://127.0.0.1:1" "${sample[@]}" 2>err &&
	fail "plain HTTP without --insecure-broker" || ok
expect "plain HTTP" 'nothing authenticates the KBS' "$(cat err)"
"$BIN/attestation-agent" --aa_kbc_params "cc_kbc::$kbs" "${sample[@]}" 2>err &&
	fail "an unpinned KBS" || ok
expect "unpinned" 'pin the KBS' "$(cat err)"
"$BIN/attestation-agent" --aa_kbc_params "cc_kbc::$kbs" --attester sample -o sample.key=key.pem \
	--broker-ca kbs.crt 2>err && fail "the sample attester without --allow-sample" || ok
expect "sample attester" 'proves nothing' "$(cat err)"
finish
