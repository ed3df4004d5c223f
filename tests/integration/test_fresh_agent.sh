#!/usr/bin/env bash
# test_fresh_agent.sh BIN_DIR - freshness on the agent <-> verdictd path:
# verdictd --fresh refuses an agent whose evidence does not bind verdictd's
# hello random for this connection (an agent without --fresh presents
# evidence made without it, as one that caches its evidence would), and
# serves an agent with --fresh; without --fresh on verdictd both agents are
# served as before. Real processes, sample TEE, resources over GetResource.
set -u
BIN=$(cd "$1" && pwd)
tmp=$(mktemp -d)
vd="" aa=""
trap 'for p in $vd $aa; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
cd "$tmp"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out trust.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out vd_tls.pem 2>/dev/null
openssl pkey -in vd_tls.pem -pubout -out vd_pub.pem
verdictd_root root
mkdir -p root/resources/default/security-policy
echo '{"default":[{"type":"reject"}]}' >root/resources/default/security-policy/test
# Held open both ways, so a process that dies before writing costs a read
# timeout, not a hang in open().
mkfifo vd_ready aa_ready
exec 5<>vd_ready 6<>aa_ready

start_verdictd() { # start_verdictd ARGS...: verdictd on a free port ($vport)
	"$BIN/verdictd" --listen 127.0.0.1:0 --verifier sample --attester nullattester \
		--mutual --root root --sample-trust trust.pem -o tls.key=vd_tls.pem \
		"$@" >vd_ready 2>>verdictd.log &
	vd=$!
	read -r -t 10 line <&5 || line=""
	vport=${line##*:}
	[[ $line == *:* ]] || fail "verdictd did not start: $*"
}
stop_verdictd() { [[ -z $vd ]] || { kill "$vd"; wait "$vd" 2>/dev/null; }; vd=""; }
start_agent() { # start_agent ARGS...: the agent on free ports ($gr)
	"$BIN/attestation-agent" --keyprovider_sock 127.0.0.1:0 --getresource_sock 127.0.0.1:0 \
		--aa_kbc_params eaa_kbc::127.0.0.1:"$vport" --attester sample --allow-sample \
		-o sample.key=key.pem --broker-pubkey vd_pub.pem "$@" >aa_ready 2>>agent.log &
	aa=$!
	read -r -t 10 line <&6
	read -r -t 10 line <&6 || line=""; gr=${line##* }
	[[ $line == *" "* ]] || fail "the agent did not start: $*"
}
stop_agent() { [[ -z $aa ]] || { kill "$aa"; wait "$aa" 2>/dev/null; }; aa=""; }
get() { # get NAME: GetResource through the running agent into NAME
	timeout 30 "$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
		default/security-policy/test -O "$1" 2>err
}

# verdictd --fresh: an agent without the binding is refused, by name.
start_verdictd --fresh
start_agent
get r1 && fail "verdictd --fresh served an agent whose evidence binds no nonce" || ok
[[ ! -e r1 ]] && ok || fail "output written for a refused agent"
grep -q "peer evidence carries no nonce, one was required" verdictd.log &&
	ok || fail "verdictd did not name the missing binding: $(tail -3 verdictd.log)"
stop_agent

# ... and an agent with --fresh (alias --require-nonce) is served.
for flag in --fresh --require-nonce; do
	start_agent "$flag"
	get "r2$flag" && ok || fail "agent $flag: $(cat err)"
	cmp -s "r2$flag" root/resources/default/security-policy/test && ok || fail "resource ($flag)"
	stop_agent
done
stop_verdictd

# Without --fresh on verdictd, old and new agents both keep working.
start_verdictd
for flag in "" --fresh; do
	start_agent $flag
	get "r3$flag" && ok || fail "verdictd without --fresh, agent '$flag': $(cat err)"
	stop_agent
done
stop_verdictd
finish
