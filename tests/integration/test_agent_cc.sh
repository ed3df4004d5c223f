#!/usr/bin/env bash
# test_agent_cc.sh BIN_DIR - the agent's cc_kbc (the CoCo KBS protocol)
# against verdictd's KBS endpoint over HTTPS, with real processes: a layer
# decrypted through the agent (UnwrapKey: the KEK is the resource its kid
# names) and a resource (GetResource), one attestation for all of them;
# the same layer through eaa_kbc against the same verdictd gives the same
# bytes. Refused: a KBS whose certificate the pinned CA did not issue or
# whose key is not the pinned one, a
# policy that refuses the TEE, plain HTTP without --insecure-broker, an
# unpinned https KBS, the sample attester without --allow-sample.
# trustee's unsigned sample form (--kbs-sample-form trustee) against a
# verdictd that takes it, and refused by one that does not.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/agent_lib.sh"
agent_test_begin "$1"

for n in kbs other; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 \
		-keyout $n.key -out $n.crt 2>/dev/null
done
kport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
kbs=https://127.0.0.1:$kport
# the KBS endpoint listens before verdictd says it does
run_verdictd verdictd.log --attester nullattester -o tls.key=vd_tls.pem --kbs 127.0.0.1:"$kport" \
	--kbs-cert kbs.crt --kbs-key kbs.key
sample=(--attester sample --allow-sample -o sample.key=key.pem)

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

# --- the KBS pinned by its public key instead of a CA ---
openssl pkey -in kbs.key -pubout -out kbs_pub.pem
openssl pkey -in other.key -pubout -out other_pub.pem
start_agent --aa_kbc_params "cc_kbc::$kbs" "${sample[@]}" --broker-pubkey kbs_pub.pem
"$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	default/security-policy/test -O pinned.json 2>err && ok || fail "pinned key: $(cat err)"
stop_agent
start_agent --aa_kbc_params "cc_kbc::$kbs" "${sample[@]}" --broker-pubkey other_pub.pem
"$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	default/security-policy/test -O pinned2.json 2>err && fail "a KBS with another key was used" || ok
expect "wrong pinned key" 'cc_kbc: .*does not match pinned public key' "$(cat err; cat agent.log)"
stop_agent

# --- refusals ---
start_agent --aa_kbc_params "cc_kbc::$kbs" "${sample[@]}" --broker-ca other.crt
decrypt dec_x && fail "a KBS the pinned CA did not issue was used" || ok
expect "wrong CA" 'cc_kbc: .*(certificate|SSL)' "$(cat err; cat agent.log)"
stop_agent
behind root opa/sampleData '{"svn": 9}'
start_agent --aa_kbc_params "cc_kbc::$kbs" "${sample[@]}" --broker-ca kbs.crt
decrypt dec_y && fail "a refused TEE got its key" || ok
expect "policy refuses" 'attest: 401: .*allow' "$(cat err; cat agent.log)"
stop_agent
behind root opa/sampleData '{"svn": 0}'
"$BIN/attestation-agent" --aa_kbc_params "cc_kbc::http://127.0.0.1:1" "${sample[@]}" 2>err &&
	fail "plain HTTP without --insecure-broker" || ok
expect "plain HTTP" 'nothing authenticates the KBS' "$(cat err)"
"$BIN/attestation-agent" --aa_kbc_params "cc_kbc::$kbs" "${sample[@]}" 2>err &&
	fail "an unpinned KBS" || ok
expect "unpinned" 'pin the KBS' "$(cat err)"
"$BIN/attestation-agent" --aa_kbc_params "cc_kbc::$kbs" --attester sample -o sample.key=key.pem \
	--broker-ca kbs.crt 2>err && fail "the sample attester without --allow-sample" || ok
expect "sample attester" 'proves nothing' "$(cat err)"

# --- trustee's unsigned sample form (--kbs-sample-form trustee), for a
# KBS that takes only that (trustee's; here verdictd with the option that
# says it proves nothing); verdictd without that option refuses it ---
kport2=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_verdictd verdictd2.log --attester nullattester -o tls.key=vd_tls.pem --kbs 127.0.0.1:"$kport2" \
	--kbs-cert kbs.crt --kbs-key kbs.key --kbs-accept-unsigned-sample-that-proves-nothing
start_agent --aa_kbc_params "cc_kbc::https://127.0.0.1:$kport2" "${sample[@]}" --broker-ca kbs.crt \
	--kbs-sample-form trustee
"$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	kbs:///default/security-policy/test -O policy2.json 2>err && ok ||
	fail "get-resource with trustee's sample form: $(cat err; tail -3 agent.log)"
cmp -s policy2.json root/resources/default/security-policy/test && ok || fail "resource content (trustee's form)"
expect "warned" 'unsigned sample evidence.*proves nothing' "$(cat agent.log)"
n=$(grep -c 'kbs: allowed sample peer' verdictd2.log)
[[ $n == 1 ]] && ok || fail "attestations with trustee's form: $n, want 1"
stop_agent
start_agent --aa_kbc_params "cc_kbc::$kbs" "${sample[@]}" --broker-ca kbs.crt --kbs-sample-form trustee
"$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	kbs:///default/security-policy/test -O policy3.json 2>err &&
	fail "verdictd took unsigned sample evidence without its option" || ok
expect "unsigned refused" 'attest: 401: .*proves nothing' "$(cat err; cat agent.log)"
stop_agent
"$BIN/attestation-agent" --aa_kbc_params "cc_kbc::$kbs" --attester tdx_ecdsa --broker-ca kbs.crt \
	--kbs-sample-form trustee 2>err && fail "--kbs-sample-form trustee with another attester" || ok
expect "sample form, another attester" 'kbs-sample-form trustee.*sample attester' "$(cat err)"
"$BIN/attestation-agent" --aa_kbc_params "cc_kbc::$kbs" "${sample[@]}" --broker-ca kbs.crt \
	--kbs-sample-form other 2>err && fail "an unknown sample form" || ok
expect "unknown sample form" 'bad value for option: other' "$(cat err)"
finish
