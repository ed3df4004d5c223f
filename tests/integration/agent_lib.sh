# agent_lib.sh - what the attestation agent's tests share, after lib.sh,
# with $BIN, $here and $tmp set and the current directory $tmp:
#   agent_setup         keys (the sample TEE's key.pem/trust.pem, verdictd's
#                       TLS key vd_tls.pem/vd_pub.pem), verdictd's state
#                       directory root (key default/key/1, resource
#                       default/security-policy/test), an image encrypted
#                       under default/key/1 (enc, its plain layer $layer)
#   run_verdictd LOG ARGS...   verdictd (sample policy, --mutual, pinned TLS
#                       key) on 127.0.0.1 port 0 unless ARGS has --listen;
#                       sets $vport and $vdpid, adds the pid to $pids
#   start_agent ARGS... the agent on free ports ($kp, $gr, $aa; log agent.log)
#   get ARGS...         get-resource through it
#   stop_agent
#   attestations LOG    how many agents verdictd allowed (one per channel)
#   agent_test_begin BIN_DIR   all of a test's start: $BIN, $tmp (removed
#                       at exit, with $pids and $aa killed), cd there,
#                       agent_setup
# The caller's EXIT trap kills $pids and $aa.
. "$here/pg_lib.sh" # store_args, import_root: the store as a parameter (with_pg.sh)
agent_test_begin() {
	BIN=$(cd "$1" && pwd)
	tmp=$(mktemp -d)
	pids=() aa=""
	trap 'for p in "${pids[@]}" $aa; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
	cd "$tmp" || exit 1
	agent_setup
}
agent_setup() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem 2>/dev/null
	openssl pkey -in key.pem -pubout -out trust.pem
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out vd_tls.pem 2>/dev/null
	openssl pkey -in vd_tls.pem -pubout -out vd_pub.pem
	verdictd_root root
	mkdir -p root/resources/default/security-policy
	echo '{"default":[{"type":"reject"}]}' >root/resources/default/security-policy/test
	layer=$(python3 "$here/make_layout.py" plain)
	provider_encrypt plain enc root default/key/1 || fail "keywrap"
}
run_verdictd() { # run_verdictd LOG ARGS...
	local log=$1 fifo line listen=(--listen 127.0.0.1:0)
	shift
	[[ " $* " == *" --listen "* ]] && listen=()
	fifo=$(mktemp -u "$tmp/vd.XXXXXX")
	mkfifo "$fifo"
	# under with_pg.sh: root's documents into the database, its store there
	import_root root
	mapfile -t store < <(store_args)
	"$BIN/verdictd" "${listen[@]}" --verifier sample --mutual --root root "${store[@]}" \
		--sample-trust trust.pem "$@" >"$fifo" 2>>"$log" &
	vdpid=$!
	pids+=("$vdpid")
	read -r line <"$fifo" || line=""
	rm -f "$fifo"
	vport=${line##*:}
	[[ $line == *"listening"* ]] || { fail "verdictd did not start: $* ($(tail -1 "$log"))"; vport=1; }
}
get() { # get ARGS...: the agent's get-resource command, on the running agent
	"$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" "$@"
}
start_agent() { # start_agent ARGS...
	local fifo line
	fifo=$(mktemp -u "$tmp/aa.XXXXXX")
	mkfifo "$fifo"
	"$BIN/attestation-agent" --keyprovider_sock 127.0.0.1:0 --getresource_sock 127.0.0.1:0 \
		"$@" >"$fifo" 2>>agent.log &
	aa=$!
	exec 4<"$fifo"
	read -r line <&4 || line=""; kp=${line##* }
	read -r line <&4 || line=""; gr=${line##* }
	exec 4<&-
	rm -f "$fifo"
	[[ $line == "get-resource on port "* ]] || fail "the agent did not start: $* ($(tail -1 agent.log))"
}
stop_agent() { [[ -n $aa ]] && { kill "$aa" 2>/dev/null; wait "$aa" 2>/dev/null; }; aa=""; }
attestations() { grep -c 'allowed sample peer' "$1"; }
