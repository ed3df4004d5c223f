#!/usr/bin/env bash
# demo.sh [BUILD_DIR] - the end-to-end demo: an attested TLS server and a
# client on 127.0.0.1, one-way and then mutual, verdictd deciding by its
# policy, and the attestation agent fetching the image policy from verdictd
# (pinned by its key) and the image checked against it. All with the
# `sample` TEE (a software stand-in: no TEE hardware needed, and nothing it
# proves is real).
set -euo pipefail
BIN=${1:-build}/bin
work=$(mktemp -d)
server="" vd="" aa=""
trap 'for p in $server $vd $aa; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

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
kill "$server"; wait "$server" 2>/dev/null || true; server=""

say "verdictd, the key broker: its Rego policy decides who attests"
root=$work/verdictd
mkfifo "$work/vready"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/verdictd-tls.pem" 2>/dev/null
openssl pkey -in "$work/verdictd-tls.pem" -pubout -out "$work/verdictd-tls.pub"
"$BIN/verdictd" --listen 127.0.0.1:0 --client-api 127.0.0.1:0 --verifier sample \
	--attester nullattester --mutual --root "$root" -o tls.key="$work/verdictd-tls.pem" \
	--sample-trust "$work/sample-trust.pem" --log-level warn >"$work/vready" 2>"$work/verdictd.log" &
vd=$!
exec 3<"$work/vready"; read -r l1 <&3; read -r l2 <&3; exec 3<&-
vport=${l1##*:} api=127.0.0.1:${l2##*:}
echo "verdictd: $l1, $l2"
printf 'package policy\nimport rego.v1\ndefault allow := false\nallow if input.svn >= data.svn\n' >"$work/samplePolicy.rego"
echo '{"svn": 0}' >"$work/sampleData"
verdict() { "$BIN/verdict" --client-api "$api" --token-file "$root/client-api.token" "$@"; }
set -x
verdict --set-opa-policy samplePolicy.rego "$work/samplePolicy.rego"
verdict --set-opa-reference sampleData "$work/sampleData"
"$BIN/rats-tls-client" -a sample -v nullverifier --mutual --verdictd -i 127.0.0.1 -p "$vport" \
	--sample-key "$work/sample-key.pem"
{ set +x; } 2>/dev/null
say "Raise the minimum svn: the same client is now refused (exit 1)"
echo '{"svn": 1}' >"$work/sampleData"
verdict --set-opa-reference sampleData "$work/sampleData"
if "$BIN/rats-tls-client" -a sample -v nullverifier --mutual --verdictd -i 127.0.0.1 \
	-p "$vport" --sample-key "$work/sample-key.pem" -l off; then
	echo "demo: verdictd accepted a client its policy refuses" >&2
	exit 1
fi
grep 'says allow = false' "$work/verdictd.log" | head -1
echo '{"svn": 0}' >"$work/sampleData"
verdict --set-opa-reference sampleData "$work/sampleData"

say "The attestation agent: it attests to verdictd (pinned by its TLS key) for the image policy"
printf '{"default": [{"type": "reject"}],\n "transports": {"dir": {"": [{"type": "insecureAcceptAnything"}]}}}\n' \
	>"$work/policy.json"
verdict --set_resource default/security-policy/test "$work/policy.json"
mkfifo "$work/aready"
"$BIN/attestation-agent" --keyprovider_sock 127.0.0.1:0 --getresource_sock 127.0.0.1:0 \
	--aa_kbc_params "eaa_kbc::127.0.0.1:$vport" --attester sample --allow-sample \
	-o sample.key="$work/sample-key.pem" --broker-pubkey "$work/verdictd-tls.pub" \
	--log-level warn >"$work/aready" 2>"$work/agent.log" &
aa=$!
exec 3<"$work/aready"; read -r l1 <&3; read -r l2 <&3; exec 3<&-
echo "attestation-agent: $l1, $l2"
set -x
"$BIN/attestation-agent" get-resource --getresource_sock "127.0.0.1:${l2##* }" \
	default/security-policy/test -O "$work/fetched-policy.json"
{ set +x; } 2>/dev/null
cat "$work/fetched-policy.json"

say "Image security: an image checked against the policy verdictd handed out"
mkdir -p "$work/image"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}' \
	>"$work/image/manifest.json"
set -x
"$BIN/eaa-image" check --policy "$work/fetched-policy.json" "dir:$work/image"
{ set +x; } 2>/dev/null
say "Demo complete"
