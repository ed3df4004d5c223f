#!/usr/bin/env bash
# test_agent.sh BIN_DIR - the attestation agent with real processes:
# verdictd (sample TEE policy, nullattester with a stable TLS key the agent
# pins), the agent serving UnWrapKey and GetResource over gRPC, and
# eaa-decrypt calling the agent as ocicrypt would (gRPC and cmd key
# providers). Also offline_fs_kbc and sample_kbc, one attestation for many
# requests, a wrong pin, a refused attestation, and refused configurations.
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
vd="" aa=""
trap 'for p in $vd $aa; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
cd "$tmp"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out trust.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out vd_tls.pem 2>/dev/null
openssl pkey -in vd_tls.pem -pubout -out vd_pub.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
	openssl pkey -pubout -out other_pub.pem
verdictd_root root
mkdir -p root/resources/default/security-policy
echo '{"default":[{"type":"reject"}]}' >root/resources/default/security-policy/test

layer=$(python3 "$here/make_layout.py" plain)
provider_encrypt plain enc root default/key/1 && ok || fail "keywrap"

mkfifo vd_ready aa_ready
"$BIN/verdictd" --listen 127.0.0.1:0 --verifier sample --attester nullattester --mutual \
	--root root --sample-trust trust.pem -o tls.key=vd_tls.pem >vd_ready 2>verdictd.log &
vd=$!
read -r line <vd_ready
vport=${line##*:}
broker=(--attester sample --allow-sample -o sample.key=key.pem --broker-pubkey vd_pub.pem)

start_agent() { # start_agent ARGS...: the agent on free ports ($kp, $gr)
	"$BIN/attestation-agent" --keyprovider_sock 127.0.0.1:0 --getresource_sock 127.0.0.1:0 \
		"$@" >aa_ready 2>agent.log &
	aa=$!
	read -r line <aa_ready; kp=${line##* }
	read -r line <aa_ready; gr=${line##* }
}
stop_agent() { kill "$aa"; wait "$aa" 2>/dev/null; aa=""; }
grpc_config() { printf '{"key-providers":{"attestation-agent":{"grpc":"127.0.0.1:%s"}}}' "$kp" >grpc.conf; }

# --- eaa_kbc over gRPC: decrypt, and the key came from verdictd ---
start_agent --aa_kbc_params eaa_kbc::127.0.0.1:"$vport" "${broker[@]}"
grpc_config
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config grpc.conf \
	enc dec1 2>err && ok || fail "decrypt through the agent: $(cat err)"
expect "plain layer (gRPC)" "^$layer " "$(layer_of dec1)"
OCICRYPT_KEYPROVIDER_CONFIG=grpc.conf "$BIN/eaa-decrypt" \
	--decryption-key provider:attestation-agent enc dec2 2>err && ok || fail "env config: $(cat err)"
expect "plain layer (env config)" "^$layer " "$(layer_of dec2)"
ann=$(python3 -c "
import json, sys
i = json.load(open('enc/index.json'))['manifests'][0]['digest'][7:]
l = json.load(open('enc/blobs/sha256/' + i))['layers'][0]
print(l['annotations']['org.opencontainers.image.enc.keys.provider.attestation-agent'])")
expect "unwrap by hand" '^\{"symkey":"[^"]+","digest":"'"$layer"'"' \
	"$("$BIN/attestation-agent" unwrap --keyprovider_sock 127.0.0.1:"$kp" "$ann" 2>&1)"

# --- GetResource, by path and by kbs:/// URI; bad and unknown paths ---
"$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	default/security-policy/test -O policy.json 2>err && ok || fail "get-resource: $(cat err)"
cmp -s policy.json root/resources/default/security-policy/test && ok || fail "resource content"
"$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	kbs:///default/security-policy/test >policy2.json 2>err && ok || fail "kbs:/// uri: $(cat err)"
cmp -s policy2.json policy.json && ok || fail "resource by uri"
"$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	default/cosign-key/none -O none 2>err && fail "an absent resource was served" || ok
expect "absent resource" 'resource default/cosign-key/none' "$(cat err)"
[[ ! -e none ]] && ok || fail "output written for an absent resource"
"$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" \
	default/../keys 2>err && fail "a path with .. was asked for" || ok
expect "bad path" 'want <repo>/<type>/<tag>' "$(cat err)"

# One attestation served every request above (the channel is reused).
n=$(grep -c 'allowed sample peer' verdictd.log)
[[ $n == 1 ]] && ok || fail "attestations for 3 unwraps and 3 resources: $n, want 1"
stop_agent

# --- cmd mode, with the KBC from the decryption key's dc parameter ---
printf '{"key-providers":{"attestation-agent":{"cmd":{"path":"%s","args":["--cmd","--attester","sample","--allow-sample","-o","sample.key=key.pem","--broker-pubkey","vd_pub.pem"]}}}}' \
	"$BIN/attestation-agent" >cmd.conf
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent:eaa_kbc::127.0.0.1:"$vport" \
	--keyprovider-config cmd.conf enc dec3 2>err && ok || fail "cmd provider: $(cat err)"
expect "plain layer (cmd)" "^$layer " "$(layer_of dec3)"
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config cmd.conf \
	enc dec4 2>err && fail "decrypted with no KBC named" || ok
expect "no KBC" 'no KBC: the request names none' "$(cat err)"

# --- the broker is authenticated: a foreign pinned key is refused ---
start_agent --aa_kbc_params eaa_kbc::127.0.0.1:"$vport" --attester sample --allow-sample \
	-o sample.key=key.pem --broker-pubkey other_pub.pem
grpc_config
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config grpc.conf \
	enc dec5 2>err && fail "a broker with another key was trusted" || ok
expect "pin" 'not the pinned key' "$(cat err)"
[[ ! -e dec5 ]] && ok || fail "output written with a foreign broker"
stop_agent

# --- or by the CA that issued verdictd's certificate (tls.cert) ---
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
	-days 2 -subj /CN=tenant-ca 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other_ca.key \
	-out other_ca.pem -days 2 -subj /CN=other-ca 2>/dev/null
# (for the host the agent dials: test_agent_broker.sh checks the name)
openssl req -new -key vd_tls.pem -subj /CN=verdictd 2>/dev/null |
	openssl x509 -req -CA ca.pem -CAkey ca.key -days 2 -out vd_cert.pem \
		-extfile <(printf 'subjectAltName=IP:127.0.0.1\n') 2>/dev/null
mkfifo vd2_ready
"$BIN/verdictd" --listen 127.0.0.1:0 --verifier sample --attester nullattester --mutual \
	--root root --sample-trust trust.pem -o tls.key=vd_tls.pem -o tls.cert=vd_cert.pem \
	>vd2_ready 2>verdictd2.log &
vd="$vd $!"
read -r line <vd2_ready
vport2=${line##*:}
for ca in ca other_ca; do
	start_agent --aa_kbc_params eaa_kbc::127.0.0.1:"$vport2" --attester sample --allow-sample \
		-o sample.key=key.pem --broker-ca $ca.pem
	grpc_config
	"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent \
		--keyprovider-config grpc.conf enc dec_$ca 2>err
	echo $? >rc_$ca
	stop_agent
done
[[ $(cat rc_ca) == 0 ]] && ok || fail "a verdictd issued by the pinned CA: $(cat err)"
expect "plain layer (CA)" "^$layer " "$(layer_of dec_ca)"
[[ $(cat rc_other_ca) != 0 ]] && ok || fail "a verdictd from another CA was trusted"
expect "foreign CA" 'does not chain to tls.peer_ca=other_ca.pem' "$(cat err)"
"$BIN/verdictd" --listen 127.0.0.1:0 --verifier sample --attester sample --mutual \
	--root root --sample-key key.pem --sample-trust trust.pem -o tls.key=vd_tls.pem \
	-o tls.cert=vd_cert.pem >/dev/null 2>err && fail "tls.cert with an attester" || ok
expect "tls.cert needs nullattester" 'carries no evidence; use it with nullattester only' "$(cat err)"

# --- refused configurations stop the agent at start ---
"$BIN/attestation-agent" --aa_kbc_params eaa_kbc::127.0.0.1:"$vport" --attester sample \
	--allow-sample 2>err && fail "an unauthenticated broker was accepted" || ok
expect "broker auth" 'verdictd must be authenticated' "$(cat err)"
"$BIN/attestation-agent" --aa_kbc_params eaa_kbc::127.0.0.1:"$vport" --attester sample \
	--broker-pubkey vd_pub.pem 2>err && fail "the sample attester without --allow-sample" || ok
expect "sample attester" 'sample attester proves nothing' "$(cat err)"
"$BIN/attestation-agent" --aa_kbc_params sample_kbc::null 2>err && fail "sample_kbc implied" || ok
expect "sample_kbc" 'start the agent with --allow-sample' "$(cat err)"
"$BIN/attestation-agent" --aa_kbc_params cc_kbc::http://kbs 2>err && fail "cc_kbc over plain HTTP ran" || ok
expect "cc_kbc" 'nothing authenticates the KBS' "$(cat err)"
"$BIN/attestation-agent" --aa_kbc_params eaa_kbc 2>err && fail "params without ::" || ok
expect "params" 'want <kbc>::<uri>' "$(cat err)"

# --- offline_fs_kbc: the same packet, the key from a file ---
python3 - <<'PY'
import base64, json
k = base64.b64encode(open("root/keys/default/key/1", "rb").read()).decode()
json.dump({"default/key/1": k}, open("keys.json", "w"))
json.dump({"default/key/1": base64.b64encode(b"\0" * 32).decode()}, open("wrongkeys.json", "w"))
json.dump({"default/sigstore-config/test": base64.b64encode(b"docker: {}\n").decode()},
          open("resources.json", "w"))
PY
start_agent --aa_kbc_params offline_fs_kbc::null --offline-keys keys.json \
	--offline-resources resources.json
grpc_config
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config grpc.conf \
	enc dec6 2>err && ok || fail "offline_fs_kbc: $(cat err)"
expect "plain layer (offline_fs_kbc)" "^$layer " "$(layer_of dec6)"
expect "sigstore config" '^docker: \{\}$' "$("$BIN/attestation-agent" get-resource \
	--getresource_sock 127.0.0.1:"$gr" default/sigstore-config/test 2>&1)"
stop_agent
start_agent --aa_kbc_params offline_fs_kbc::null --offline-keys wrongkeys.json
grpc_config
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config grpc.conf \
	enc dec7 2>err && fail "a wrong offline key opened the packet" || ok
expect "wrong offline key" 'does not authenticate under its key' "$(cat err)"
stop_agent

# --- sample_kbc: a packet wrapped under the published sample key ---
mkdir -p sroot/keys/default/key
python3 -c 'import sys; sys.stdout.buffer.write(bytes([217,155,119,5,176,186,122,22,130,149,179,163,54,114,112,176,221,155,55,27,245,20,202,139,155,167,240,163,55,17,218,234]))' \
	>sroot/keys/default/key/1
provider_encrypt plain senc sroot default/key/1 && ok || fail "sample keywrap"
start_agent --aa_kbc_params sample_kbc::null --allow-sample
grpc_config
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config grpc.conf \
	senc dec8 2>err && ok || fail "sample_kbc: $(cat err)"
expect "plain layer (sample_kbc)" "^$layer " "$(layer_of dec8)"
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config grpc.conf \
	enc dec9 2>err && fail "sample_kbc opened a verdictd packet" || ok
expect "sample_kbc refusal" 'not wrapped with the sample key' "$(cat err)"
stop_agent

# --- verdictd's policy refuses the agent: a named refusal, no output ---
echo '{"svn": 3}' >root/opa/sampleData
start_agent --aa_kbc_params eaa_kbc::127.0.0.1:"$vport" "${broker[@]}"
grpc_config
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config grpc.conf \
	enc dec10 2>err && fail "a refused agent got the key" || ok
expect "refused" 'the broker \(verdictd at [^)]*\) refused our attestation' "$(cat err)"
[[ ! -e dec10 ]] && ok || fail "output written for a refused agent"
stop_agent

finish
