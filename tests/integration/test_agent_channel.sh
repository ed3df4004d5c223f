#!/usr/bin/env bash
# test_agent_channel.sh BIN_DIR - the agent's attested channel to verdictd
# when verdictd goes away or says no:
#   - verdictd restarted (killed, started again on the same port and state
#     directory): the next request attests anew and succeeds, and the agent
#     is alive (it used to die of SIGPIPE closing the dead channel);
#   - verdictd's --idle-timeout closed the channel: the same;
#   - an application-level refusal (Fail: absent resource, unknown kid)
#     keeps the channel: no new attestation for the next request.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/agent_lib.sh"
agent_test_begin "$1"
# a packet under a kid verdictd does not have: its Decrypt answers Fail
verdictd_root root2
mv root2/keys/default/key/1 root2/keys/default/key/2
provider_encrypt plain enc2 root2 default/key/2 || fail "keywrap under key 2"
grpc_config() { printf '{"key-providers":{"attestation-agent":{"grpc":"127.0.0.1:%s"}}}' "$kp" >grpc.conf; }

run_verdictd vd1.log --attester nullattester -o tls.key=vd_tls.pem
agent=(--aa_kbc_params eaa_kbc::127.0.0.1:"$vport" --attester sample --allow-sample
	-o sample.key=key.pem --broker-pubkey vd_pub.pem)
start_agent "${agent[@]}"
grpc_config
get default/security-policy/test >r1 2>err && ok || fail "first resource: $(cat err)"

# --- Fail answers keep the channel ---
get default/cosign-key/none >/dev/null 2>err && fail "an absent resource was served" || ok
expect "absent resource" 'resource default/cosign-key/none' "$(cat err)"
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config grpc.conf \
	enc2 dec2 2>err && fail "a key verdictd does not have was unwrapped" || ok
expect "unknown kid" 'verdictd: ' "$(cat err)"
get default/security-policy/test >r2 2>err && ok || fail "resource after two refusals: $(cat err)"
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config grpc.conf \
	enc dec1 2>err && ok || fail "decrypt after two refusals: $(cat err)"
n=$(attestations vd1.log)
[[ $n == 1 ]] && ok || fail "attestations for 2 refused and 3 served requests: $n, want 1"

# --- verdictd restarted on the same port and state directory ---
kill "$vdpid"; wait "$vdpid" 2>/dev/null
run_verdictd vd2.log --listen 127.0.0.1:"$vport" --attester nullattester -o tls.key=vd_tls.pem
get default/security-policy/test >r3 2>err && ok || fail "resource after verdictd restarted: $(cat err)"
cmp -s r3 root/resources/default/security-policy/test && ok || fail "resource content after restart"
kill -0 "$aa" 2>/dev/null && ok || fail "the agent died when verdictd restarted: $(tail -3 agent.log)"
n=$(attestations vd2.log)
[[ $n == 1 ]] && ok || fail "attestations to the restarted verdictd: $n, want 1"

# --- verdictd's idle timeout closes the channel (a fresh agent) ---
stop_agent
kill "$vdpid"; wait "$vdpid" 2>/dev/null
run_verdictd vd3.log --listen 127.0.0.1:"$vport" --attester nullattester -o tls.key=vd_tls.pem \
	--idle-timeout 1
start_agent "${agent[@]}"
get default/security-policy/test >/dev/null 2>err && ok || fail "resource from verdictd 3: $(cat err)"
# Wait until verdictd has closed its end: the agent's socket to it is then
# in CLOSE-WAIT. Nothing tells the agent's side sooner, so this polls,
# bounded at 15 s (the idle timeout is 1 s).
closed=""
for ((i = 0; i < 150; i++)); do
	if [[ -n $(ss -tnH state close-wait "( dport = :$vport )" 2>/dev/null) ]]; then
		closed=1
		break
	fi
	sleep 0.1
done
[[ -n $closed ]] && ok || fail "verdictd did not close the idle channel within 15 s"
get default/security-policy/test >r4 2>err && ok || fail "resource after the idle timeout: $(cat err)"
kill -0 "$aa" 2>/dev/null && ok || fail "the agent died after verdictd's idle timeout: $(tail -3 agent.log)"
n=$(attestations vd3.log)
[[ $n == 2 ]] && ok || fail "attestations after the idle timeout: $n, want 2"
stop_agent
finish
