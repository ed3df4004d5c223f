#!/usr/bin/env bash
# test_metrics.sh BIN_DIR - verdictd --metrics, read as Prometheus reads it
# (Debian's prometheus_client text parser, metrics_check.py):
#   - a real verdictd (sample TEE, --mutual) on loopback; attested echo
#     clients, an agent's key and resource requests (served and failed),
#     an untrusted client, a store write, then a client and a channel the
#     new policy refuses: every counter says exactly that, histograms
#     agree with their counters, label values stay in their fixed sets
#     (a request naming an unknown command is counted as "unknown");
#   - the endpoint serves only GET /metrics (404, 405), holds at most 8
#     connections, and shows no claim, key or resource;
#   - a connection over --max-connections and a handshake past its
#     deadline are counted as such;
#   - a malformed --metrics, a port out of range and an address that
#     cannot be bound stop verdictd at start, by name; a non-loopback
#     address is warned about.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/agent_lib.sh"
agent_test_begin "$1"
m() { /usr/bin/python3 "$here/metrics_check.py" "$@"; }
# A failed handshake is counted after the peer has seen its alert, but
# before verdictd logs "connection refused": wait for the Nth such line.
logged() { # logged LOG N PATTERN: wait (10 s at most) for N lines
	local n
	n=$(timeout 10 tail -n +1 -f "$1" | grep -c -m "$2" -- "$3")
	[[ $n == "$2" ]] && ok || fail "$1: $n lines with '$3', want $2"
}
refusals() { logged vd.log "$1" 'connection refused: '; }

# a packet under a kid verdictd does not have: its Decrypt answers Fail
verdictd_root root2
mv root2/keys/default/key/1 root2/keys/default/key/2
provider_encrypt plain enc2 root2 default/key/2 || fail "keywrap under key 2"

# verdictd with the client API and metrics; its ready lines give the ports
vd_start() { # vd_start LOG ARGS...: sets $vport $api $mport $vdpid
	local log=$1 line
	shift
	mkfifo ready
	import_root root # under with_pg.sh, root's documents into its database
	mapfile -t store < <(store_args)
	"$BIN/verdictd" --listen 127.0.0.1:0 --verifier sample --mutual --root root "${store[@]}" \
		--sample-trust trust.pem --attester nullattester -o tls.key=vd_tls.pem \
		--client-api 127.0.0.1:0 "$@" >ready 2>>"$log" &
	vdpid=$!
	pids+=("$vdpid")
	exec 3<ready
	vport="" api="" mport=""
	while read -r line <&3; do
		case $line in
		"listening on "*) vport=${line##*:} ;;
		"client API on "*) api=127.0.0.1:${line##*:} ;;
		"metrics on "*) mport=${line#metrics on }; break ;;
		esac
	done
	exec 3<&-
	rm -f ready
}
vd_start vd.log --metrics 127.0.0.1:0
[[ -n $vport && -n $api && $mport == 127.0.0.1:* ]] && ok ||
	fail "verdictd did not print its ports (metrics: '$mport'): $(tail -3 vd.log)"

gen0=$(m value "$mport" verdictd_policy_generation) && ok || fail "no policy generation"
out=$(m check "$mport" 'verdictd_connections_total=0' 'verdictd_connections_open=0' \
	'verdictd_handshakes_total{result="attested"}=0' \
	'verdictd_requests_total{command="Decrypt",status="ok"}=0') && ok ||
	fail "at start: $out"

client() { # client KEY [ARGS...]: an attested echo over verdictd's protocol
	local k=$1
	shift
	"$BIN/rats-tls-client" -a sample -v nullverifier -i 127.0.0.1 -p "$vport" --mutual \
		--sample-key "$k" -l off "$@" >client.out 2>&1
}
client key.pem --verdictd && ok || fail "attested client 1: $(cat client.out)"
client key.pem --verdictd && ok || fail "attested client 2: $(cat client.out)"
# not JSON, then a JSON object naming a command verdictd does not know:
# answered with an error (the client sees no echo), counted as "unknown"
client key.pem --message 'not json' && fail "a raw message was echoed" || ok
client key.pem --message '{"command":"Get \"evil\" <script>"}' && fail "unknown command echoed" || ok
# a sample key verdictd does not trust: the handshake fails
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.pem 2>/dev/null
client other.pem --verdictd && fail "an untrusted client was admitted" || ok
refusals 1

# the agent: one channel, two requests served, two failed
agent=(--aa_kbc_params eaa_kbc::127.0.0.1:"$vport" --attester sample --allow-sample
	-o sample.key=key.pem --broker-pubkey vd_pub.pem)
start_agent "${agent[@]}"
printf '{"key-providers":{"attestation-agent":{"grpc":"127.0.0.1:%s"}}}' "$kp" >grpc.conf
decrypt() { "$BIN/eaa-decrypt" --decryption-key provider:attestation-agent \
	--keyprovider-config grpc.conf "$@"; }
get default/security-policy/test >r1 2>err && ok || fail "resource: $(cat err)"
get default/cosign-key/none >/dev/null 2>err && fail "an absent resource was served" || ok
decrypt enc dec1 2>err && ok || fail "decrypt: $(cat err)"
decrypt enc2 dec2 2>err && fail "a key verdictd does not have was unwrapped" || ok

out=$(m check "$mport" \
	'verdictd_connections_total=6' \
	'verdictd_connections_rejected_total=0' \
	'verdictd_handshakes_total{result="attested"}=5' \
	'verdictd_handshakes_total{result="failed"}=1' \
	'verdictd_handshakes_total{result="refused"}=0' \
	'verdictd_decisions_total{tee="sample",result="allowed"}=5' \
	'verdictd_decisions_total{tee="sample",result="refused"}=0' \
	'verdictd_requests_total{command="echo",status="ok"}=2' \
	'verdictd_requests_total{command="unknown",status="fail"}=2' \
	'verdictd_requests_total{command="Get Resource",status="ok"}=1' \
	'verdictd_requests_total{command="Get Resource Info",status="ok"}=1' \
	'verdictd_requests_total{command="Get Resource Info",status="fail"}=1' \
	'verdictd_requests_total{command="Decrypt",status="ok"}=1' \
	'verdictd_requests_total{command="Decrypt",status="fail"}=1' \
	"verdictd_policy_generation=$gen0") && ok || fail "after the first clients: $out"

# a store write: the generation moves; a new client is refused by the new
# policy in its handshake, and the agent's open channel, decided again
# before its next request, is refused that request
echo '{"svn": 99}' >svn99
"$BIN/verdict" --client-api "$api" --token-file root/client-api.token \
	--set-opa-reference sampleData ./svn99 >/dev/null 2>err && ok || fail "verdict: $(cat err)"
gen1=$(m value "$mport" verdictd_policy_generation) && ok || fail "no policy generation"
((gen1 > gen0)) && ok || fail "policy generation $gen0 -> $gen1 after a write"
client key.pem --verdictd && fail "a client the new policy refuses was admitted" || ok
refusals 2
get default/security-policy/test >/dev/null 2>err && fail "a revoked channel was served" || ok
stop_agent
out=$(m check "$mport" \
	'verdictd_handshakes_total{result="attested"}=5' \
	'verdictd_handshakes_total{result="refused"}=1' \
	'verdictd_handshakes_total{result="failed"}=1' \
	'verdictd_decisions_total{tee="sample",result="allowed"}=5' \
	'verdictd_decisions_total{tee="sample",result="refused"}=2' \
	'verdictd_connections_total=7' \
	'verdictd_requests_total{command="Get Resource Info",status="refused"}=1' \
	"verdictd_policy_generation=$gen1") && ok || fail "after the store write: $out"

# --- the endpoint: GET /metrics only, no secrets, bounded ---
[[ $(m status "$mport" GET /) == 404 ]] && ok || fail "GET / was not 404"
[[ $(m status "$mport" GET /metrics/../x) == 404 ]] && ok || fail "GET /metrics/../x was not 404"
[[ $(m status "$mport" POST /metrics) == 405 ]] && ok || fail "POST /metrics was not 405"
[[ $(m status "$mport" HEAD /metrics) == 200 ]] && ok || fail "HEAD /metrics was not 200"
body=$(/usr/bin/python3 -c "import sys, urllib.request as u; print(u.urlopen(sys.argv[1]).read().decode())" \
	"http://$mport/metrics")
key_b64=$(base64 -w0 root/keys/default/key/1)
for secret in "$key_b64" "$(cat root/resources/default/security-policy/test)" svn \
	security-policy evil script; do
	[[ $body != *"$secret"* ]] && ok || fail "/metrics shows \"$secret\""
done
out=$(m bound "$mport" 8) && ok || fail "connection bound: $out"

# --- bad addresses stop verdictd at start; other addresses are warned ---
bad_start() { # bad_start ADDR PATTERN
	"$BIN/verdictd" --listen 127.0.0.1:0 --verifier sample --mutual --root root \
		--sample-trust trust.pem --attester nullattester --metrics "$1" >out 2>err
	[[ $? == 1 ]] && ok || fail "--metrics $1: exit $?"
	expect "--metrics $1" "$2" "$(cat err)"
	[[ ! -s out ]] && ok || fail "--metrics $1: printed $(cat out)"
}
wants='verdictd: --metrics wants \[ADDR:\]PORT \(a port number, ADDR defaulting to 127.0.0.1\), not '
bad_start nonsense "$wants\"nonsense\""
bad_start 127.0.0.1:65536 "$wants\"127.0.0.1:65536\""
bad_start 127.0.0.1:http "$wants"
bad_start 127.0.0.1: "$wants"
bad_start :9100 "$wants"
bad_start 192.0.2.1:0 'verdictd: metrics on 192.0.2.1:0: Cannot assign requested address'
bad_start "$mport" "verdictd: metrics on $mport: Address already in use"
kill "$vdpid"; wait "$vdpid" 2>/dev/null

: >vd2.log
vd_start vd2.log --metrics 0.0.0.0:0
[[ $mport == 0.0.0.0:* ]] && ok || fail "--metrics 0.0.0.0:0: '$mport'"
expect "non-loopback warned" 'metrics on 0.0.0.0: not loopback' "$(cat vd2.log)"
out=$(m check "127.0.0.1:${mport##*:}") && ok || fail "metrics on 0.0.0.0: $out"
kill "$vdpid"; wait "$vdpid" 2>/dev/null
: >vd3.log
vd_start vd3.log --metrics 0 --max-connections 1 --handshake-timeout 1
[[ $mport == 127.0.0.1:* ]] && ok || fail "--metrics PORT is not on loopback: '$mport'"
grep -q 'not loopback' vd3.log && fail "loopback warned: $(cat vd3.log)" || ok
out=$(m check "$mport" 'verdictd_connections_total=0') && ok || fail "--metrics 0: $out"
# one connection that never starts its handshake holds the only slot: the
# next is closed at accept; the first, at its deadline
exec 5<>"/dev/tcp/127.0.0.1/$vport"
exec 6<>"/dev/tcp/127.0.0.1/$vport"
logged vd3.log 1 'closing new connections: 1 already being served'
logged vd3.log 1 'connection refused: handshake deadline passed'
exec 5>&- 6>&-
out=$(m check "$mport" 'verdictd_connections_total=1' 'verdictd_connections_open=0' \
	'verdictd_connections_rejected_total=1' 'verdictd_handshakes_total{result="timeout"}=1' \
	'verdictd_handshakes_total{result="failed"}=0') && ok || fail "slot and deadline: $out"

finish
