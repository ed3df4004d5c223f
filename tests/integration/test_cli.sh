#!/usr/bin/env bash
# test_cli.sh BIN_DIR - rats-tls-server and rats-tls-client as users run them:
# rats-tls's own flags, one-way and mutual, and failures that exit non-zero
# with one line naming the check. Servers announce readiness on stdout
# ("listening on ADDR:PORT"); tests wait for that line, never sleep.
set -u
BIN=$1
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/key.pem" 2>/dev/null
openssl pkey -in "$tmp/key.pem" -pubout -out "$tmp/trust.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/other.pem" 2>/dev/null
openssl pkey -in "$tmp/other.pem" -pubout -out "$tmp/other-trust.pem"

# client EXPECTED_RC ARGS... : runs the client, leaves $out and $err.
client() {
	local want=$1; shift
	"$BIN/rats-tls-client" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out") err=$(cat "$tmp/err")
	if [[ $rc == "$want" ]]; then ok; else fail "client $* exited $rc, want $want: $err"; fi
}

# server_logged TEXT : waits (up to 10 s) until a server wrote TEXT to stderr.
# A server logs a refusal after its alert is on the wire, so the client may
# exit first: wait on the log itself, not on time.
server_logged() {
	grep -q -m1 -F -- "$1" < <(timeout 10 tail -n +1 -f "$tmp/server.err")
}


# --help and --list
"$BIN/rats-tls-server" --help | grep -q -- "--mutual" && ok || fail "server --help"
"$BIN/rats-tls-client" --help | grep -q -- "--verifier" && ok || fail "client --help"
list=$("$BIN/rats-tls-client" --list)
expect "--list attesters" "attesters: tdx_ecdsa sev_snp csv tpm nullattester sample" "$list"
expect "--list verifiers" "verifiers: nullverifier sample sgx_ecdsa tdx_ecdsa tdx sev_snp" "$list"
expect "--list tls" "tls wrappers: openssl" "$list"
"$BIN/rats-tls-client" --bogus >/dev/null 2>&1; [[ $? == 2 ]] && ok || fail "unknown flag exit code"

# One-way: an attested server, a verifying client, rats-tls's flags.
start_server -a sample -v nullverifier -t openssl -c openssl -i 127.0.0.1 \
	--sample-key "$tmp/key.pem" --sample-measurement "$(printf 'ab%.0s' {1..32})"
oneway=$port
client 0 -a nullattester -v sample -t openssl -c openssl -i 127.0.0.1 -p "$oneway" \
	--sample-trust "$tmp/trust.pem"
expect "one-way claims" '^\{"claims":\{"measurement":"(ab){32}","report_data":"[0-9a-f]{128}","signer":"[0-9a-f]{64}","svn":0\},"verifier":"sample"\}$' "$out"
expect "echo" "Server: Hello and welcome to RATS-TLS!" "$err"

# No verifier named: inferred from configured trust.
client 0 -p "$oneway" --sample-trust "$tmp/trust.pem"
expect "inferred verifier" '"verifier":"sample"' "$out"

# Failures: one line naming the check; the server keeps serving.
client 1 -v sample -p "$oneway" --sample-trust "$tmp/other-trust.pem" -l off
expect "untrusted signer" '^rats-tls-client: attestation failed: verifier sample: sample report: signer [0-9a-f]{64} is not a trusted sample key$' "$err"
client 1 -p "$oneway" -l off
expect "no verifier, no trust" "peer evidence is a sample report \(tag 0x1a75e1\), and no verifier with configured trust handles it" "$err"
client 1 -v bogus -p "$oneway"
expect "unknown verifier" 'unknown verifier "bogus"' "$err"
client 0 -v sample -p "$oneway" --sample-trust "$tmp/trust.pem"
expect "server survives failures" '"verifier":"sample"' "$out"

# A plain (nullattester) server is refused unless nullverifier is named.
start_server -a nullattester
plain=$port
client 1 -v sample -p "$plain" --sample-trust "$tmp/trust.pem" -l off
expect "plain server" "attestation failed: peer certificate carries no attestation evidence" "$err"
client 0 -v nullverifier -p "$plain"
expect "nullverifier by name" '"verifier":"nullverifier"' "$out"

# Mutual attestation, as in rats-tls's README (sample TEE on both sides).
start_server -a sample -v sample -i 127.0.0.1 --mutual --sample-key "$tmp/key.pem" \
	--sample-trust "$tmp/trust.pem" -l info
mutual=$port
client 0 -a sample -v sample -i 127.0.0.1 -p "$mutual" --mutual \
	--sample-key "$tmp/key.pem" --sample-trust "$tmp/trust.pem"
expect "mutual claims" '"verifier":"sample"' "$out"
server_logged "client verified by sample" && ok || fail "server saw client claims"
client 1 -a nullattester -v sample -p "$mutual" --mutual --sample-trust "$tmp/trust.pem" -l off
expect "unattested client refused" "the peer refused this connection \\(TLS alert: .*handshake failure\\)" "$err"
server_logged "handshake failed: peer certificate carries no attestation evidence" &&
	ok || fail "server names why it refused the client"

# Fresh evidence per connection, nonce required by the client.
start_server -a sample --fresh --sample-key "$tmp/key.pem"
fresh=$port
client 0 -v sample -p "$fresh" --require-nonce --sample-trust "$tmp/trust.pem"
client 1 -v sample -p "$oneway" --require-nonce --sample-trust "$tmp/trust.pem" -l off
expect "nonce required" "peer evidence carries no nonce" "$err"

# --fresh on the verifying side: evidence the server made once (one
# certificate per process, as an attester returning cached evidence) is
# refused; evidence binding this connection's hello random passes.
client 1 -v sample -p "$oneway" --fresh --sample-trust "$tmp/trust.pem" -l off
expect "cached evidence under --fresh" "attestation failed: peer evidence carries no nonce" "$err"
client 0 -v sample -p "$fresh" --fresh --sample-trust "$tmp/trust.pem"
expect "fresh both ways" '"nonce":"[0-9a-f]{64}"' "$out"

# Mutual --fresh: the server refuses a client whose evidence does not bind
# the server's hello random.
start_server -a sample -v sample --mutual --fresh --sample-key "$tmp/key.pem" \
	--sample-trust "$tmp/trust.pem"
client 0 -a sample -v sample -p "$port" --mutual --fresh \
	--sample-key "$tmp/key.pem" --sample-trust "$tmp/trust.pem"
client 1 -a sample -v sample -p "$port" --mutual \
	--sample-key "$tmp/key.pem" --sample-trust "$tmp/trust.pem" -l off
server_logged "handshake failed: peer evidence carries no nonce, one was required" &&
	ok || fail "fresh server refused the client's cached evidence"

# A replay: the certificate (and the TLS key: tls.key is stable) of an
# earlier fresh handshake, served again by plain openssl s_server.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/tls.pem" 2>/dev/null
start_server -a sample --fresh --sample-key "$tmp/key.pem" -o tls.key="$tmp/tls.pem"
openssl s_client -connect 127.0.0.1:"$port" </dev/null 2>/dev/null |
	sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' >"$tmp/replayed.pem"
[[ -s $tmp/replayed.pem ]] && ok || fail "captured no certificate"
mkfifo "$tmp/s_server"
openssl s_server -accept 127.0.0.1:0 -naccept 1 -tls1_3 -www -cert "$tmp/replayed.pem" \
	-key "$tmp/tls.pem" >"$tmp/s_server" 2>/dev/null </dev/null &
pids+=($!)
exec 4<"$tmp/s_server"
while read -r line <&4 && [[ $line != ACCEPT* ]]; do :; done
[[ $line == ACCEPT* ]] && ok || fail "s_server did not start: $line"
client 1 -v sample -p "${line##*:}" --fresh --sample-trust "$tmp/trust.pem" -l off
expect "replayed certificate" "peer evidence carries a nonce that is not this connection's hello random" "$err"

finish
