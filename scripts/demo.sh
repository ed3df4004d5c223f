#!/usr/bin/env bash
# demo.sh [BUILD_DIR] - the end-to-end demo: an attested TLS server and a
# client on 127.0.0.1, one-way and then mutual, with the `sample` TEE (a
# software stand-in: no TEE hardware needed, and nothing it proves is real).
set -euo pipefail
BIN=${1:-build}/bin
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "A sample TEE signing key (stands in for the hardware's key) and its public half"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/sample-key.pem" 2>/dev/null
openssl pkey -in "$work/sample-key.pem" -pubout -out "$work/sample-trust.pem"
echo "$work/sample-key.pem, $work/sample-trust.pem"

run_server() {
	mkfifo "$work/ready"
	"$BIN/rats-tls-server" "$@" -i 127.0.0.1 -p 0 >"$work/ready" &
	server=$!
	read -r line <"$work/ready"
	rm "$work/ready"
	port=${line##*:}
	echo "rats-tls-server $* -i 127.0.0.1 -p 0   -> $line"
}

say "One-way: the server attests, the client verifies"
run_server -a sample -v nullverifier -t openssl -c openssl --sample-key "$work/sample-key.pem"
set -x
"$BIN/rats-tls-client" -a nullattester -v sample -t openssl -c openssl -i 127.0.0.1 -p "$port" \
	--sample-trust "$work/sample-trust.pem"
{ set +x; } 2>/dev/null
kill "$server"; wait "$server" 2>/dev/null || true

say "Mutual: both sides attest and verify"
run_server -a sample -v sample --mutual --sample-key "$work/sample-key.pem" \
	--sample-trust "$work/sample-trust.pem"
set -x
"$BIN/rats-tls-client" -a sample -v sample --mutual -i 127.0.0.1 -p "$port" \
	--sample-key "$work/sample-key.pem" --sample-trust "$work/sample-trust.pem"
{ set +x; } 2>/dev/null

say "A client that trusts a different key refuses the server (exit 1)"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
	openssl pkey -pubout -out "$work/other.pem"
if "$BIN/rats-tls-client" -a sample -v sample --mutual -i 127.0.0.1 -p "$port" \
	--sample-key "$work/sample-key.pem" --sample-trust "$work/other.pem" -l off; then
	echo "demo: an untrusted server was accepted" >&2
	exit 1
fi
say "Demo complete"
