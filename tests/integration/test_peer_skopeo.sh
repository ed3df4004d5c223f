#!/usr/bin/env bash
# test_peer_skopeo.sh BIN_DIR - the white paper's TDX flow for encrypted
# images (seed 003: `skopeo copy --encryption-key
# provider:attestation-agent:84688df7-...`), with the real skopeo (1.16,
# ocicrypt 1.2 with key providers) both ways:
#   - encrypt: skopeo wraps each layer's key through verdictd's gRPC key
#     provider (WrapKey only, on its owner-only unix socket) into an OCI
#     layout, and pushes to a docker-registry on loopback;
#   - decrypt: skopeo unwraps through the attestation agent, which attests
#     to verdictd (sample TEE): with bare `provider:attestation-agent`
#     (ocicrypt then sends "Enabled": the agent's default KBC), with
#     `provider:attestation-agent:eaa_kbc::HOST:PORT`, and with the agent
#     as ocicrypt's `cmd` provider. The decrypted layers' digests are the
#     originals';
#   - refused: the policy denies the agent, an unknown kid, a wrong KEK.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/agent_lib.sh"
agent_test_begin "$1"
need_peer skopeo
kid=84688df7-2c0c-40fa-956b-29d8e74d16c0
head -c 32 /dev/urandom >"root/keys/$kid"
chmod 600 "root/keys/$kid"
python3 "$here/make_layout.py" alpine >/dev/null
plain=$(layer_of alpine) plain=${plain%% *}

# verdictd: the key provider on a unix socket, the attestation listener
mkdir -m 700 run
run_verdictd verdictd.log --attester nullattester -o tls.key=vd_tls.pem \
	--keyprovider "unix://$tmp/run/keyprovider.sock"
cat >wrap.conf <<J
{"key-providers": {"attestation-agent": {"grpc": "unix://$tmp/run/keyprovider.sock"}}}
J

start_registry

sk() { skopeo --insecure-policy copy --src-tls-verify=false --dest-tls-verify=false "$@" >sk.out 2>&1; }

# --- encrypt, as the white paper does ---
OCICRYPT_KEYPROVIDER_CONFIG=wrap.conf sk --encryption-key "provider:attestation-agent:$kid" \
	oci:alpine:latest oci:enc:latest && ok || fail "skopeo encryption: $(cat sk.out)"
enc=$(layer_of enc)
expect "encrypted layer" '\+encrypted$' "$enc"
[[ ${enc%% *} != "$plain" ]] && ok || fail "the encrypted layer is the plain one"
OCICRYPT_KEYPROVIDER_CONFIG=wrap.conf sk --encryption-key "provider:attestation-agent:$kid" \
	oci:alpine:latest "docker://$reg/test/alpine-encrypted:latest" &&
	ok || fail "skopeo encryption to the registry: $(cat sk.out)"
OCICRYPT_KEYPROVIDER_CONFIG=wrap.conf sk --encryption-key "provider:attestation-agent:no/such/kid" \
	oci:alpine:latest oci:nokid:latest && fail "a layer key wrapped under a kid verdictd lacks" || ok
expect "unknown kid" 'no key with kid' "$(cat sk.out)"
# verdictd's key provider does not unwrap: only the agent does, attested
OCICRYPT_KEYPROVIDER_CONFIG=wrap.conf sk --decryption-key provider:attestation-agent \
	oci:enc:latest oci:bykp:latest && fail "verdictd's key provider unwrapped a layer key" || ok

# --- decrypt through the agent, three ways ---
agent() { # the agent attesting to verdictd; unwrap.conf names its port
	start_agent --aa_kbc_params "eaa_kbc::127.0.0.1:$vport" --attester sample --allow-sample \
		-o sample.key=key.pem --broker-pubkey vd_pub.pem
	printf '{"key-providers": {"attestation-agent": {"grpc": "127.0.0.1:%s"}}}\n' "$kp" >unwrap.conf
}
agent
cat >cmd.conf <<J
{"key-providers": {"attestation-agent": {"cmd": {"path": "$BIN/attestation-agent",
  "args": ["--cmd", "--aa_kbc_params", "eaa_kbc::127.0.0.1:$vport", "--attester", "sample",
           "--allow-sample", "-o", "sample.key=$tmp/key.pem", "--broker-pubkey", "$tmp/vd_pub.pem"]}}}}
J
decrypted() { # decrypted NAME CONF KEY SRC: skopeo decrypts SRC into oci:NAME
	OCICRYPT_KEYPROVIDER_CONFIG=$2 sk --decryption-key "$3" "$4" "oci:$1:latest" &&
		ok || { fail "$1: skopeo decryption: $(cat sk.out)"; return; }
	local got
	got=$(layer_of "$1")
	[[ ${got%% *} == "$plain" ]] && ok || fail "$1: layer ${got%% *}, want $plain"
}
decrypted bare unwrap.conf provider:attestation-agent oci:enc:latest
decrypted named unwrap.conf "provider:attestation-agent:eaa_kbc::127.0.0.1:$vport" \
	"docker://$reg/test/alpine-encrypted:latest"
decrypted cmd cmd.conf provider:attestation-agent "docker://$reg/test/alpine-encrypted:latest"

# an uncompressed layer: skopeo gzips it before encrypting it and names the
# tar's digest in the layer options; eaa-decrypt (the layer code eaa-image
# pulls with) must take it as skopeo does, into the same blob
python3 "$here/make_image.py" tarlayer 'raw:f:app/x=uncompressed' >/dev/null
OCICRYPT_KEYPROVIDER_CONFIG=wrap.conf sk --encryption-key "provider:attestation-agent:$kid" \
	oci:tarlayer oci:tarenc:latest && ok || fail "skopeo encrypting a tar layer: $(cat sk.out)"
OCICRYPT_KEYPROVIDER_CONFIG=unwrap.conf sk --decryption-key provider:attestation-agent \
	oci:tarenc:latest oci:tardec:latest && ok || fail "skopeo decrypting it: $(cat sk.out)"
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config unwrap.conf \
	tarenc tardec-eaa 2>err && ok || fail "eaa-decrypt of skopeo's compressed-then-encrypted layer: $(cat err)"
[[ $(layer_of tardec-eaa) == "$(layer_of tardec)" ]] && ok ||
	fail "eaa-decrypt wrote $(layer_of tardec-eaa), skopeo $(layer_of tardec)"
stop_agent

# --- refused: the policy denies this agent ---
echo '{"svn": 5}' >root/opa/sampleData
agent
OCICRYPT_KEYPROVIDER_CONFIG=unwrap.conf sk --decryption-key provider:attestation-agent \
	oci:enc:latest oci:denied:latest && fail "decrypted for an agent the policy denies" || ok
grep -q 'samplePolicy.rego says allow = false' verdictd.log && ok ||
	fail "verdictd did not say why it refused: $(tail -2 verdictd.log)"
stop_agent
echo '{"svn": 0}' >root/opa/sampleData

# --- refused: the KEK is not the one the layer key was wrapped under ---
head -c 32 /dev/urandom >"root/keys/$kid"
agent
OCICRYPT_KEYPROVIDER_CONFIG=unwrap.conf sk --decryption-key provider:attestation-agent \
	oci:enc:latest oci:wrongkek:latest && fail "decrypted under another KEK" || ok
expect "wrong KEK" 'verdictd: decryption failed' "$(cat sk.out)"
stop_agent
finish
