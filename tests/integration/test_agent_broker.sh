#!/usr/bin/env bash
# test_agent_broker.sh BIN_DIR - what the agent's broker options promise:
#   --broker-verifier alone is refused at start: a genuine TEE of the type
#   is not yet our verdictd; with --broker-policy, verdictd's verified
#   claims must satisfy it (here the sample TEE's measurement), and a
#   verdictd in a TEE with another measurement is refused, named;
#   --broker-ca: verdictd's certificate must be for the host in
#   aa_kbc_params (or --broker-name), not merely from the CA.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/agent_lib.sh"
agent_test_begin "$1"
ours=$(printf 'a%.0s' {1..64}) other=$(printf 'b%.0s' {1..64})
policy() { # policy FILE MEASUREMENT
	printf 'package policy\nimport rego.v1\ndefault allow := false\nallow if input.measurement == "%s"\n' \
		"$2" >"$1"
}
policy ours.rego "$ours"
policy other.rego "$other"

# --- verdictd in a (sample) TEE, judged by its claims ---
run_verdictd vd.log --attester sample --sample-key key.pem -o sample.measurement="$ours"
tee_broker=(--aa_kbc_params eaa_kbc::127.0.0.1:"$vport" --attester sample --allow-sample
	-o sample.key=key.pem -o sample.trust=trust.pem --broker-verifier sample)
"$BIN/attestation-agent" "${tee_broker[@]}" --cmd </dev/null 2>err &&
	fail "--broker-verifier without expected claims was accepted" || ok
expect "verifier alone" 'broker-verifier sample alone trusts any sample TEE as verdictd.*--broker-policy' "$(cat err)"
start_agent "${tee_broker[@]}" --broker-policy ours.rego
get default/security-policy/test >r1 2>err && ok || fail "verdictd with the expected claims: $(cat err)"
cmp -s r1 root/resources/default/security-policy/test && ok || fail "resource content"
stop_agent
start_agent "${tee_broker[@]}" --broker-policy other.rego
get default/security-policy/test >r2 2>err && fail "a verdictd with other claims was trusted" || ok
expect "other claims" 'not the broker this agent expects: broker policy other.rego says allow = false' "$(cat err)"
[[ ! -s r2 ]] && ok || fail "output from a verdictd with other claims"
stop_agent
printf 'package policy\nallow if {\n' >bad.rego
"$BIN/attestation-agent" "${tee_broker[@]}" --broker-policy bad.rego --cmd </dev/null 2>err &&
	fail "a broker policy that does not compile was accepted" || ok
expect "bad policy" 'broker policy bad.rego:[0-9]+' "$(cat err)"

# --- verdictd with a certificate from the tenant's CA: the name counts ---
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
	-days 2 -subj /CN=tenant-ca 2>/dev/null
cert() { # cert FILE SAN: verdictd's TLS key certified by the tenant's CA
	openssl req -new -key vd_tls.pem -subj /CN=127.0.0.1 2>/dev/null |
		openssl x509 -req -CA ca.pem -CAkey ca.key -days 2 -out "$1" \
			-extfile <(printf 'subjectAltName=%s\n' "$2") 2>/dev/null
}
cert ip.pem IP:127.0.0.1
cert dns.pem DNS:verdictd.example
for c in ip dns; do
	run_verdictd vd_$c.log --attester nullattester -o tls.key=vd_tls.pem -o tls.cert=$c.pem
	eval "port_$c=$vport"
done
ca_agent() { # ca_agent PORT ARGS...
	local p=$1
	shift
	start_agent --aa_kbc_params eaa_kbc::127.0.0.1:"$p" --attester sample --allow-sample \
		-o sample.key=key.pem --broker-ca ca.pem "$@"
}
ca_agent "$port_ip"
get default/security-policy/test >/dev/null 2>err && ok || fail "a certificate for 127.0.0.1: $(cat err)"
stop_agent
# the CN says 127.0.0.1, but only a subjectAltName names the broker
ca_agent "$port_dns"
get default/security-policy/test >r3 2>err && fail "a certificate for another name was trusted" || ok
expect "other name" 'not issued for tls.peer_name=127.0.0.1' "$(cat err)"
[[ ! -s r3 ]] && ok || fail "output from a verdictd with another name"
stop_agent
ca_agent "$port_dns" --broker-name verdictd.example
get default/security-policy/test >/dev/null 2>err && ok || fail "--broker-name verdictd.example: $(cat err)"
stop_agent
ca_agent "$port_ip" --broker-name other.example
get default/security-policy/test >/dev/null 2>err && fail "--broker-name other.example matched an IP certificate" || ok
expect "broker-name mismatch" 'not issued for tls.peer_name=other.example' "$(cat err)"
stop_agent
finish
