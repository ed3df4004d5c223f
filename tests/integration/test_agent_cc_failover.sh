#!/usr/bin/env bash
# test_agent_cc_failover.sh BIN_DIR - cc_kbc with several KBS URLs
# (aa_kbc_params cc_kbc::URL1,URL2,URL3), verdictd's KBS endpoint on
# loopback (plain HTTP, --insecure-broker), each replica its own copy of
# the same state directory:
#   - the first URL unreachable: the second serves, the agent says so, the
#     third is never asked; the next call starts at the second, on its
#     session;
#   - the second killed: the next call attests to the third from scratch
#     (its own /attest) and is served, a resource and then a layer key;
#   - answers are not failed over: a 403 (the resource policy) and a 404
#     (no such resource) from the first KBS that answers, and a 401 at
#     /attest (its policy refuses the TEE), end the call, and the next
#     KBS, which would have served, is never asked;
#   - every URL unreachable: refused, naming the last one tried.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/agent_lib.sh"
agent_test_begin "$1"
get() { "$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" "$@" 2>err; }
decrypt() { # decrypt OUT: enc through the running agent
	printf '{"key-providers":{"attestation-agent":{"grpc":"127.0.0.1:%s"}}}' "$kp" >grpc.conf
	"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config grpc.conf \
		enc "$1" 2>err
}
kbs_on() { # kbs_on NAME ROOT: verdictd's plain-HTTP KBS over ROOT; sets $kbs, $kbspid
	start_kbs "$1" --listen 127.0.0.1:0 --verifier sample --attester nullattester --root "$2" \
		--sample-trust trust.pem --kbs 127.0.0.1:0 --kbs-insecure-http
}
# what a KBS's log says it was asked: an attestation allowed or refused, a
# resource released or refused (an /auth alone is not logged; a client
# that attests or asks for a resource is)
asked() { grep -cE 'kbs: (allowed|refused|released|resource|/attest)' "$1"; }
released() { grep -c "kbs: released $2 to" "$1"; }
sample=(--attester sample --allow-sample -o sample.key=key.pem --insecure-broker)

# the replicas' state: the same keys and resources; root2 alone has
# default/security-policy/only2, and root alone a resource policy refusing
# default/secret/, so only an answer of root's KBS keeps them from the guest
mkdir -p root/resources/default/secret
printf 'no' >root/resources/default/secret/1
cp -r root root2
cp -r root root3
echo '{"only": 2}' >root2/resources/default/security-policy/only2
printf 'package policy\nimport rego.v1\ndefault allow := false\nallow if not startswith(input.path, "resources/default/secret/")\n' \
	>root/opa/resourcePolicy.rego
echo '{"svn": 9}' >root3/opa/sampleData

kbs_on vd1 root
kbs1=$kbs p1=$kbspid
kbs_on vd2 root2
kbs2=$kbs
dead=http://127.0.0.1:$(dead_port 1)

# --- the first URL unreachable: the second serves ---
start_agent --aa_kbc_params "cc_kbc::$dead,$kbs1,$kbs2" "${sample[@]}"
get default/security-policy/test -O r1 && ok || fail "first resource: $(cat err; tail -3 agent.log)"
cmp -s r1 root/resources/default/security-policy/test && ok || fail "first resource's content"
[[ $(attestations vd1.log) == 1 && $(released vd1.log default/security-policy/test) == 1 ]] && ok ||
	fail "the second URL did not serve: $(cat vd1.log)"
[[ $(asked vd2.log) == 0 ]] && ok || fail "the third URL was asked: $(cat vd2.log)"
expect "unreachable URL logged" "$dead/kbs/v0/auth: .*trying the next KBS" "$(cat agent.log)"
expect "failover logged" "the KBS at $kbs1 answered in place of $dead" "$(cat agent.log)"
# the next call starts where the last one was served, on its session
get default/security-policy/test -O r2 && ok || fail "second resource: $(cat err)"
[[ $(attestations vd1.log) == 1 && $(released vd1.log default/security-policy/test) == 2 ]] && ok ||
	fail "the second call did not reuse the second URL's session: $(cat vd1.log)"
n=$(grep -c "$dead/kbs/v0" agent.log)
[[ $n == 1 ]] && ok || fail "the unreachable URL was tried $n times, want 1"

# --- the KBS that served goes away: the next one, attested anew ---
kill -9 "$p1"
wait "$p1" 2>/dev/null
get default/security-policy/test -O r3 && ok || fail "resource after the KBS died: $(cat err; tail -3 agent.log)"
cmp -s r1 r3 && ok || fail "the third URL's resource differs"
[[ $(attestations vd2.log) == 1 && $(released vd2.log default/security-policy/test) == 1 ]] && ok ||
	fail "the third URL did not attest and serve: $(cat vd2.log)"
expect "attested at the third" "attested to $kbs2 as sample" "$(cat agent.log)"
expect "failover logged" "the KBS at $kbs2 answered in place of $kbs1" "$(cat agent.log)"
decrypt dec && ok || fail "decrypt after the KBS died: $(cat err)"
expect "plain layer" "^$layer " "$(layer_of dec)"
[[ $(attestations vd2.log) == 1 && $(released vd2.log default/key/1) == 1 ]] && ok ||
	fail "the layer key was not the third URL's, on its session: $(cat vd2.log)"
stop_agent

# --- answers are not failed over ---
kbs_on vdA root
kbsA=$kbs
kbs_on vdB root2
kbsB=$kbs
start_agent --aa_kbc_params "cc_kbc::$dead,$kbsA,$kbsB" "${sample[@]}"
get default/secret/1 -O s && fail "a resource the first KBS refused was served" || ok
expect "403 returned" "resource default/secret/1: 403" "$(cat err)"
get default/security-policy/only2 -O o && fail "a resource the first KBS lacks was served" || ok
expect "404 returned" "resource default/security-policy/only2: 404" "$(cat err)"
[[ $(attestations vdA.log) == 1 ]] && ok || fail "the first live KBS: $(cat vdA.log)"
[[ $(asked vdB.log) == 0 ]] && ok || fail "the next KBS was asked after an answer: $(cat vdB.log)"
stop_agent
kbs_on vdC root3
kbsC=$kbs
start_agent --aa_kbc_params "cc_kbc::$kbsC,$kbsB" "${sample[@]}"
get default/security-policy/test -O t && fail "served after the first KBS refused the TEE" || ok
expect "401 at /attest returned" "attest: 401" "$(cat err)"
[[ $(asked vdB.log) == 0 ]] && ok || fail "the next KBS was asked after a refused attestation: $(cat vdB.log)"
stop_agent

# --- every URL unreachable ---
dead2=http://127.0.0.1:$(dead_port 2)
start_agent --aa_kbc_params "cc_kbc::$dead,$dead2" "${sample[@]}"
get default/security-policy/test -O u && fail "served with every URL unreachable" || ok
expect "the last one named" "$dead2/kbs/v0/auth: " "$(cat err)"
stop_agent
finish
