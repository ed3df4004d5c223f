#!/usr/bin/env bash
# test_agent_failover.sh BIN_DIR - eaa_kbc with several verdictd replicas
# (aa_kbc_params eaa_kbc::h1:p1,h2:p2, one state directory):
#   - the first serves while it is up, and the second sees no attestation;
#   - the first killed: the next request attests to the second and is
#     served (a layer key and a resource), and the agent says so;
#   - it stays on the second: the first back, nothing moves;
#   - the first listed unreachable from the start: the second serves;
#   - a replica that answers but is not the broker this agent expects (its
#     TLS key is not the pinned one) is an answer, not a connection error:
#     refused, and the next replica is not tried;
#   - every replica down: refused, naming the last one tried.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/agent_lib.sh"
agent_test_begin "$1"
unwrap() {
	printf '{"key-providers":{"attestation-agent":{"grpc":"127.0.0.1:%s"}}}' "$kp" >grpc.conf
	"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent \
		--keyprovider-config grpc.conf enc "dec$1" 2>err &&
		[[ $(layer_of "dec$1") == "$layer "* ]]
}
agent_args() { # agent_args BROKERS: the agent's options for those replicas
	echo --aa_kbc_params "eaa_kbc::$1" --attester sample --allow-sample -o sample.key=key.pem \
		--broker-pubkey vd_pub.pem
}

run_verdictd vd1.log --attester nullattester -o tls.key=vd_tls.pem
v1=$vport p1=$vdpid
run_verdictd vd2.log --attester nullattester -o tls.key=vd_tls.pem
v2=$vport
# shellcheck disable=SC2046
start_agent $(agent_args "127.0.0.1:$v1,127.0.0.1:$v2")
get default/security-policy/test >r1 2>err && ok || fail "first resource: $(cat err)"
[[ $(attestations vd1.log) == 1 && $(attestations vd2.log) == 0 ]] && ok ||
	fail "attestations while the first is up: $(attestations vd1.log), $(attestations vd2.log); want 1, 0"

# --- the first replica goes away ---
kill -9 "$p1"
wait "$p1" 2>/dev/null
get default/security-policy/test >r2 2>err && ok || fail "resource after the first died: $(cat err)"
cmp -s r1 r2 && ok || fail "the second replica's resource differs"
unwrap 1 && ok || fail "layer key after the first died: $(cat err)"
[[ $(attestations vd2.log) == 1 ]] && ok || fail "attestations to the second: $(attestations vd2.log), want 1"
expect "failover logged" "attested to verdictd at 127.0.0.1:$v2 instead of 127.0.0.1:$v1" "$(cat agent.log)"

# --- the first back: the agent stays where it is ---
run_verdictd vd1b.log --listen 127.0.0.1:"$v1" --attester nullattester -o tls.key=vd_tls.pem
get default/security-policy/test >/dev/null 2>err && ok || fail "resource with both up: $(cat err)"
[[ $(attestations vd1b.log) == 0 && $(attestations vd2.log) == 1 ]] && ok ||
	fail "a channel moved back: $(attestations vd1b.log), $(attestations vd2.log); want 0, 1"
stop_agent

# --- the first listed is unreachable from the start ---
dead=$(dead_port 1)
# shellcheck disable=SC2046
start_agent $(agent_args "127.0.0.1:$dead,127.0.0.1:$v2")
unwrap 2 && ok || fail "layer key with the first unreachable: $(cat err)"
[[ $(attestations vd2.log) == 2 ]] && ok || fail "attestations to the second: $(attestations vd2.log), want 2"
stop_agent

# --- a replica that is not the expected broker: no failover past it ---
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other_tls.pem 2>/dev/null
run_verdictd vd3.log --attester nullattester -o tls.key=other_tls.pem
v3=$vport
# shellcheck disable=SC2046
start_agent $(agent_args "127.0.0.1:$v3,127.0.0.1:$v2")
get default/security-policy/test >/dev/null 2>err && fail "served by way of a foreign broker" || ok
expect "foreign broker named" "127.0.0.1:$v3" "$(cat err)"
[[ $(attestations vd2.log) == 2 ]] && ok || fail "the next replica was tried after a foreign one"
stop_agent

# --- every replica down ---
dead2=$(dead_port 2)
# shellcheck disable=SC2046
start_agent $(agent_args "127.0.0.1:$dead,127.0.0.1:$dead2")
get default/security-policy/test >/dev/null 2>err && fail "served with every replica down" || ok
expect "the last one named" "cannot connect to verdictd at 127.0.0.1:$dead2" "$(cat err)"
stop_agent
finish
