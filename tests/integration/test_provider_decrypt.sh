#!/usr/bin/env bash
# test_provider_decrypt.sh BIN_DIR - the whole key-provider flow with real
# processes: a layer encrypted as ocicrypt does (AES-256-CTR + HMAC-SHA256),
# its options wrapped by verdictd-keyprovider under kid default/key/1, and
# eaa-decrypt attesting to verdictd (sample TEE) to have them unwrapped
# with the EAA protocol. The plain layer equals the original; when the
# policy refuses the agent, nothing is decrypted and nothing is written.
# (Debian 12's skopeo cannot encrypt through key providers: see
# docs/verdictd.md. The layout is built here, in ocicrypt's format.)
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
vd=""
trap '[ -n "$vd" ] && kill "$vd" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
cd "$tmp"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out trust.pem
mkdir -p root/keys/default/key root/opa
head -c 32 /dev/urandom >root/keys/default/key/1
chmod 600 root/keys/default/key/1
printf 'package policy\nimport rego.v1\ndefault allow := false\nallow if input.svn >= data.svn\n' \
	>root/opa/samplePolicy.rego
echo '{"svn": 0}' >root/opa/sampleData

layer=$(python3 "$here/make_layout.py" plain)
lfile=plain/blobs/sha256/${layer#sha256:}

# Encrypt the layer as ocicrypt does, and wrap its options with the key
# provider (the keywrap message ocicrypt would send it).
symkey=$(openssl rand -hex 32) nonce=$(openssl rand -hex 16)
openssl enc -aes-256-ctr -K "$symkey" -iv "$nonce" -in "$lfile" -out enc.layer
hmac=$(openssl dgst -sha256 -mac HMAC -macopt hexkey:"$symkey" -binary enc.layer | base64 -w0)
b64hex() { python3 -c 'import base64, sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())' "$1"; }
opts=$(printf '{"symkey":"%s","digest":"%s","cipheroptions":{"nonce":"%s"}}' \
	"$(b64hex "$symkey")" "$layer" "$(b64hex "$nonce")")
printf '{"op":"keywrap","keywrapparams":{"ec":{"Parameters":{"attestation-agent":["%s"]},"DecryptConfig":{"Parameters":{}}},"optsdata":"%s"}}' \
	"$(printf default/key/1 | base64 -w0)" "$(printf '%s' "$opts" | base64 -w0)" |
	"$BIN/verdictd-keyprovider" --root root >wrap.json && ok || fail "keywrap"
python3 - plain enc "$hmac" <<'PY'
import hashlib, json, os, shutil, sys
src, dst, hmac = sys.argv[1:4]
shutil.copytree(src, dst)
ann = json.load(open("wrap.json"))["keywrapresults"]["annotation"]
pub = json.dumps({"cipher": "AES_256_CTR_HMAC_SHA256", "hmac": hmac, "cipheroptions": {}}).encode()
import base64
def put(data):
    h = hashlib.sha256(data).hexdigest()
    open(f"{dst}/blobs/sha256/{h}", "wb").write(data)
    return "sha256:" + h, len(data)
idx = json.load(open(dst + "/index.json"))
m = json.load(open(dst + "/blobs/sha256/" + idx["manifests"][0]["digest"][7:]))
l = m["layers"][0]
os.remove(dst + "/blobs/sha256/" + l["digest"][7:])
l["digest"], l["size"] = put(open("enc.layer", "rb").read())
l["mediaType"] += "+encrypted"
l["annotations"] = {"org.opencontainers.image.enc.keys.provider.attestation-agent": ann,
                    "org.opencontainers.image.enc.pubopts": base64.b64encode(pub).decode()}
idx["manifests"][0]["digest"], idx["manifests"][0]["size"] = put(json.dumps(m).encode())
json.dump(idx, open(dst + "/index.json", "w"))
PY

mkfifo ready
"$BIN/verdictd" --listen 127.0.0.1:0 --verifier sample --attester nullattester --mutual \
	--root root --sample-trust trust.pem --log-level warn >ready 2>verdictd.log &
vd=$!
read -r line <ready
port=${line##*:}
agent() { # agent DST [extra...]
	local dst=$1; shift
	"$BIN/eaa-decrypt" --verdictd 127.0.0.1:"$port" --attester sample --sample-key key.pem \
		"$@" enc "$dst"
}

agent dec --insecure-broker 2>err && ok || fail "provider decrypt: $(cat err)"
expect "plain layer" "^$layer " "$(layer_of dec)"
expect "insecure warned" 'NOT authenticated' "$(cat err)"

# Without a way to authenticate verdictd, or without verdictd: refused.
agent dec2 2>err && fail "an unauthenticated broker was used silently" || ok
expect "broker check" 'no verifier for verdictd' "$(cat err)"
"$BIN/eaa-decrypt" --key key.pem enc dec3 2>err && fail "decrypted without verdictd" || ok
expect "needs verdictd" 'key-provider packet needs --verdictd' "$(cat err)"

# The policy refuses the agent: a named refusal, nothing written.
echo '{"svn": 3}' >root/opa/sampleData
agent dec4 --insecure-broker 2>err && fail "a refused agent got the key" || ok
expect "refused" 'refused|closed the connection' "$(cat err)"
[[ ! -e dec4 ]] && ok || fail "output written for a refused agent"
expect "decision logged" 'samplePolicy.rego says allow = false' "$(cat verdictd.log)"

finish
