#!/usr/bin/env bash
# test_agent_limits.sh BIN_DIR - one caller cannot stop the agent serving
# the others, and requests cannot choose where the agent goes:
#   - a KBC whose broker stalls (accepts, never answers) delays only its
#     own callers: another KBC's request completes meanwhile; and with
#     --broker-timeout the stalled request ends, named;
#   - a KBC whose broker answers serves more callers than workers: the
#     one beyond workers - 1 waits for a place instead of being refused;
#   - a gRPC call that never sends its message does not block a second
#     call, and is cancelled (DEADLINE_EXCEEDED) after --request-timeout;
#   - a message over the limit is refused (RESOURCE_EXHAUSTED) without the
#     agent's memory growing by the message's size;
#   - with aa_kbc_params configured, a request naming another broker is
#     refused; without, bogus KBC parameters cannot fill the table;
#   - "provider:attestation-agent" without a KBC ("Enabled", or no
#     parameter) means the default KBC;
#   - a FIFO where offline_fs_kbc's file should be is refused at once;
#   - SIGTERM with a request in progress stops the agent in order.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/agent_lib.sh"
agent_test_begin "$1"
probe() { /usr/bin/python3 "$here/aa_grpc_probe.py" "$@"; }
now_ms() { date +%s%3N; }
python3 - <<'PY'
import base64, json
k = base64.b64encode(open("root/keys/default/key/1", "rb").read()).decode()
json.dump({"default/key/1": k}, open("keys.json", "w"))
json.dump({"default/sigstore-config/test": base64.b64encode(b"docker: {}\n").decode()},
          open("resources.json", "w"))
PY
ann=$(python3 -c "
import json
i = json.load(open('enc/index.json'))['manifests'][0]['digest'][7:]
l = json.load(open('enc/blobs/sha256/' + i))['layers'][0]
print(l['annotations']['org.opencontainers.image.enc.keys.provider.attestation-agent'].split(',')[0])")
offline=(--offline-keys keys.json --offline-resources resources.json)

# --- the configured agent: gRPC bounds, the one broker, dc parameters ---
start_agent --aa_kbc_params offline_fs_kbc::null "${offline[@]}" --request-timeout 2
out=$(probe big 127.0.0.1:"$kp" 200000000 "$aa" 2>&1)
expect "oversized message" '^big RESOURCE_EXHAUSTED grew=' "$out"
grew=${out##*grew=}
# half the message: the gRPC quota (4 MiB per worker, 8 workers) plus the
# sanitizers' allocator, never the message itself
[[ $grew =~ ^[0-9]+$ ]] && ((grew < 100000)) && ok ||
	fail "a 200 MB message grew the agent's peak RSS by $grew kB"
out=$(probe idle 127.0.0.1:"$gr" default/sigstore-config/test 2>&1)
expect "a call beside an idle one" 'second OK' "$out"
expect "the idle call is cancelled" 'idle DEADLINE_EXCEEDED no request message in time' "$out"
out=$(probe dc 127.0.0.1:"$kp" "$ann" 2>&1)
expect "dc Enabled (base64)" 'dc enabled-b64 OK' "$out"
expect "dc Enabled (text)" 'dc enabled-text OK' "$out"
expect "dc empty" 'dc empty OK' "$out"
get default/sigstore-config/test >r1 2>err && ok || fail "the configured KBC: $(cat err)"
get --aa_kbc_params offline_fs_kbc::null default/sigstore-config/test >/dev/null 2>err &&
	ok || fail "the configured KBC named: $(cat err)"
for other in offline_fs_kbc::elsewhere eaa_kbc::127.0.0.1:1; do
	get --aa_kbc_params "$other" default/sigstore-config/test >/dev/null 2>err &&
		fail "a request chose another broker ($other)" || ok
	expect "another broker" "names KBC \"$other\", but this agent.s broker is aa_kbc_params offline_fs_kbc::null" "$(cat err)"
done
kill -0 "$aa" 2>/dev/null && ok || fail "the agent died: $(tail -3 agent.log)"
stop_agent

# --- a FIFO for offline_fs_kbc's file: refused, not waited on ---
mkfifo fifo.json
start_agent --aa_kbc_params offline_fs_kbc::null --offline-resources fifo.json
timeout 10 "$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	default/sigstore-config/test >/dev/null 2>err && fail "a FIFO was read as resources" || ok
expect "FIFO" 'fifo.json: not a regular file' "$(cat err)"
grep -q 'offline_fs_kbc: offline_fs_kbc' err && fail "the KBC named twice: $(cat err)" || ok
stop_agent

# --- no aa_kbc_params: each request names its KBC ---
python3 - <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open("stall.port.tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename("stall.port.tmp", "stall.port")
held = []
while True:
    c, _ = s.accept()     # accept, never answer
    held.append(c)
    open("stall.accepted", "a").write("accepted\n")
PY
pids+=($!)
for ((i = 0; i < 100; i++)); do [[ -s stall.port ]] && break; sleep 0.1; done # bounded: the listener starts
stall=$(cat stall.port)
start_agent "${offline[@]}" --attester sample --allow-sample -o sample.key=key.pem \
	--broker-pubkey vd_pub.pem
# bogus parameters, more than the table holds: each still served
bad=0
for ((i = 0; i < 20; i++)); do
	get --aa_kbc_params "offline_fs_kbc::bogus$i" default/sigstore-config/test >/dev/null 2>err ||
		{ bad=$((bad + 1)); last=$(cat err); }
done
[[ $bad == 0 ]] && ok || fail "$bad of 20 distinct KBC parameters refused: ${last:-}"
stop_agent
start_agent "${offline[@]}" --attester sample --allow-sample -o sample.key=key.pem \
	--broker-pubkey vd_pub.pem
# one request stuck on the stalled broker...
get --aa_kbc_params eaa_kbc::127.0.0.1:"$stall" default/security-policy/test >/dev/null 2>stuck.err &
stuck=$!
for ((i = 0; i < 100; i++)); do [[ -s stall.accepted ]] && break; sleep 0.1; done # bounded wait for the accept
[[ -s stall.accepted ]] && ok || fail "the agent did not connect to the stalled broker"
# more callers of the stalled broker: two may wait once it has been silent
# for 2 s, a third is refused at once, so they cannot take every worker.
# The condition is time itself ("silent for 2 s"): this waits 2.5 s after
# the accept, bounded, then for the agent to log both waiters.
t_acc=$(stat -c %Y stall.accepted)
while (($(date +%s) - t_acc < 3)); do sleep 0.1; done
for w in 1 2; do
	get --aa_kbc_params eaa_kbc::127.0.0.1:"$stall" default/security-policy/test >/dev/null 2>/dev/null &
	pids+=($!)
done
for ((i = 0; i < 100; i++)); do
	(($(grep -c 'has not answered for [0-9]* s: request' agent.log) >= 2)) && break
	sleep 0.1
done
timeout 10 "$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	--aa_kbc_params eaa_kbc::127.0.0.1:"$stall" default/security-policy/test >/dev/null 2>err &&
	fail "a stalled broker answered" || ok
expect "fourth caller of a stalled broker" 'its broker has not answered for [0-9]+ s and 2 requests wait on it' "$(cat err)"
# ...while another KBC's request completes promptly
t0=$(now_ms)
timeout 10 "$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	--aa_kbc_params offline_fs_kbc::null default/sigstore-config/test >r2 2>err &&
	ok || fail "offline_fs_kbc beside a stalled broker: $(cat err)"
t=$(($(now_ms) - t0))
((t < 3000)) && ok || fail "offline_fs_kbc beside a stalled broker took $t ms"
kill -0 "$stuck" 2>/dev/null && ok || fail "the stalled request ended early: $(cat stuck.err)"
# SIGTERM with a request in progress: an orderly stop (status 0), bounded
kill "$aa"; wait "$aa"; rc=$? aa=""
[[ $rc == 0 ]] && ok || fail "the agent stopped with status $rc with a request in progress"
wait "$stuck" 2>/dev/null

# --- a stall's first moments: one KBC holds at most workers - 1 ---
# Three callers of the stalled broker at once, with 3 workers: two hold
# workers (in whatever order they arrive), the third is refused at once,
# and a request for another KBC still finds a worker.
start_agent "${offline[@]}" --attester sample --allow-sample -o sample.key=key.pem \
	--broker-pubkey vd_pub.pem --workers 3
early=()
for c in 1 2 3; do
	timeout 20 "$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
		--aa_kbc_params eaa_kbc::127.0.0.1:"$stall" default/security-policy/test \
		>/dev/null 2>"early$c.err" &
	early+=($!)
done
t0=$(now_ms)
wait -n "${early[@]}"
t=$(($(now_ms) - t0))
((t < 5000)) && ok || fail "no caller of the stalled broker was refused at once ($t ms)"
expect "caller beyond workers - 1" 'requests already use it, as many as it may hold' \
	"$(cat early1.err early2.err early3.err)"
t0=$(now_ms)
timeout 10 "$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	--aa_kbc_params offline_fs_kbc::null default/sigstore-config/test >/dev/null 2>err &&
	ok || fail "offline_fs_kbc during a stall's first moments: $(cat err)"
t=$(($(now_ms) - t0))
((t < 3000)) && ok || fail "offline_fs_kbc during a stall's first moments took $t ms"
stop_agent
for p in "${early[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done

# --- a busy broker: callers beyond workers - 1 wait for a place ---
# Six callers at once, each making 20 calls, with 3 workers: the KBC holds
# at most two, and the third worker's caller waits for one of them to end,
# as a broker that answers ends one within a round trip: every call is
# served, none refused.
run_verdictd vd.log --attester nullattester -o tls.key=vd_tls.pem
start_agent --aa_kbc_params eaa_kbc::127.0.0.1:"$vport" --attester sample --allow-sample \
	-o sample.key=key.pem --broker-pubkey vd_pub.pem --workers 3
# the channel attested first: its handshake is no round trip (under ASan on
# a PostgreSQL store it took longer than a caller waits for a place)
timeout 30 "$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	default/security-policy/test >/dev/null 2>err && ok || fail "the first call: $(cat err)"
expect "six callers of a busy broker, three workers" '^busy OK=120$' \
	"$(probe busy 127.0.0.1:"$gr" default/security-policy/test 6 20 2>&1)"
n=$(attestations vd.log)
[[ $n == 1 ]] && ok || fail "attestations for 120 calls: $n, want 1"
stop_agent

# --- --broker-timeout bounds the stalled request itself ---
rm -f stall.accepted
start_agent --attester sample --allow-sample -o sample.key=key.pem --broker-pubkey vd_pub.pem \
	--broker-timeout 2
t0=$(now_ms)
timeout 30 "$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	--aa_kbc_params eaa_kbc::127.0.0.1:"$stall" default/security-policy/test >/dev/null 2>err &&
	fail "a stalled broker answered" || ok
t=$(($(now_ms) - t0))
((t >= 1500 && t < 10000)) && ok || fail "the stalled request took $t ms with --broker-timeout 2"
expect "stalled broker" "verdictd at 127.0.0.1:$stall did not complete the handshake within 2 s" "$(cat err)"
stop_agent
finish
