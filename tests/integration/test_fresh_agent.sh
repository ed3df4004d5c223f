#!/usr/bin/env bash
# test_fresh_agent.sh BIN_DIR - freshness on the agent <-> verdictd path:
# verdictd --fresh refuses an agent whose evidence does not bind verdictd's
# hello random for this connection (an agent without --fresh presents
# evidence made without it, as one that caches its evidence would), and
# serves an agent with --fresh; without --fresh on verdictd both agents are
# served as before. Real processes, sample TEE, resources over GetResource.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/agent_lib.sh"
agent_test_begin "$1"

agent() { # agent ARGS...: the agent, attesting to the running verdictd
	start_agent --aa_kbc_params eaa_kbc::127.0.0.1:"$vport" --attester sample \
		--allow-sample -o sample.key=key.pem --broker-pubkey vd_pub.pem "$@"
}
stop_verdictd() { kill "$vdpid"; wait "$vdpid" 2>/dev/null; }
get() { # get NAME: GetResource through the running agent into NAME
	timeout 30 "$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
		default/security-policy/test -O "$1" 2>err
}

# verdictd --fresh: an agent without the binding is refused, by name.
run_verdictd verdictd.log --attester nullattester -o tls.key=vd_tls.pem --fresh
agent
get r1 && fail "verdictd --fresh served an agent whose evidence binds no nonce" || ok
[[ ! -e r1 ]] && ok || fail "output written for a refused agent"
grep -q "peer evidence carries no nonce, one was required" verdictd.log &&
	ok || fail "verdictd did not name the missing binding: $(tail -3 verdictd.log)"
stop_agent

# ... and an agent with --fresh (alias --require-nonce) is served.
for flag in --fresh --require-nonce; do
	agent "$flag"
	get "r2$flag" && ok || fail "agent $flag: $(cat err)"
	cmp -s "r2$flag" root/resources/default/security-policy/test && ok || fail "resource ($flag)"
	stop_agent
done
stop_verdictd

# Without --fresh on verdictd, old and new agents both keep working.
run_verdictd verdictd.log --attester nullattester -o tls.key=vd_tls.pem
for flag in "" --fresh; do
	agent $flag
	get "r3$flag" && ok || fail "verdictd without --fresh, agent '$flag': $(cat err)"
	stop_agent
done
stop_verdictd
finish
