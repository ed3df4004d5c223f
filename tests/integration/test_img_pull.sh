#!/usr/bin/env bash
# test_img_pull.sh BIN_DIR - eaa-image pull from a real docker-registry on
# loopback, images pushed and GPG-signed by Debian's skopeo (signatures in
# a lookaside store named by registries.d), sigstore signatures attached as
# containers/image attaches them. The community's four scenarios, then:
# sigstore accepted and refused by key, an identity mismatch, a tampered
# layer, a layer escaping its root, registries behind a token service
# (bearer tokens) and htpasswd (basic), signatures from an http lookaside
# store, and an encrypted and signed image (through eaa_kbc, then through
# cc_kbc and verdictd's KBS endpoint, the same root)
# pulled through the attestation agent and verdictd.
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
export GNUPGHOME=$tmp/gnupg
reg_pid="" vd="" aa="" tk="" http=""
trap 'for p in $reg_pid $vd $aa $tk $http; do kill "$p" 2>/dev/null; done; gpgconf --kill all 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
cd "$tmp"
mkdir -m 700 gnupg

# --- the registry ---
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
reg=127.0.0.1:$port
cat >registry.yml <<EOF
version: 0.1
log: {level: info}
storage: {filesystem: {rootdirectory: $tmp/registry}}
http: {addr: $reg}
EOF
: >registry.log
docker-registry serve registry.yml >registry.log 2>&1 &
reg_pid=$!
timeout 30 tail -n +1 -f registry.log | grep -q -m1 "listening on" && ok || fail "docker-registry did not start"

# --- keys, signing configuration, policy ---
key() {
	gpg --batch --passphrase '' --quick-gen-key "$1 <$1@example.com>" ed25519 sign 1d 2>/dev/null
	gpg --list-keys --with-colons "$1@example.com" 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }'
}
a=$(key signer) b=$(key stranger)
gpg --export "$a" >a.gpg
mkdir rd
cat >rd/default.yaml <<EOF
default-docker:
  lookaside: file://$tmp/sigstore
  lookaside-staging: file://$tmp/sigstore
docker:
  $reg/sigstore:
    use-sigstore-attachments: true
EOF
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null
openssl pkey -in ec.pem -pubout -out ec.pub
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null | openssl pkey -pubout -out other.pub
policy() { # policy FILE SIGSTORE-KEY
	cat >"$1" <<EOF
{"default": [{"type": "insecureAcceptAnything"}],
 "transports": {"docker": {
   "$reg/protected": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "$tmp/a.gpg"}],
   "$reg/sigstore": [{"type": "sigstoreSigned", "keyPath": "$tmp/$2"}]}}}
EOF
}
policy policy.json ec.pub
policy policy-other.json other.pub

python3 "$here/make_layout.py" plain >/dev/null
layer=$(layer_of plain) layer=${layer%% *}
push() { # push SRC DST [skopeo options]: an image into the registry
	local src=$1 dst=$2
	shift 2
	skopeo copy --quiet --dest-tls-verify=false --registries.d rd "$@" "$src" "docker://$reg/$dst"
}
pull() { # pull IMAGE ROOTFS [options]: eaa-image's verdict; its message in $out
	local img=$1 root=$2
	shift 2
	out=$("$BIN/eaa-image" pull --policy policy.json --registries-d rd --tls-verify=false \
		"$@" "docker://$reg/$img" "$root" 2>&1)
}
plain_ok() { # plain_ok NAME ROOTFS: the workload's file is there
	[[ -f $2/app/secret.txt && $(head -c 17 "$2/app/secret.txt") == "a secret workload" ]] &&
		ok || fail "$1: the root file system lacks the image's file"
}
refused() { # refused NAME PATTERN IMAGE: pull refused, no root file system
	pull "$3" "root-$1" && fail "$1: pulled" || ok
	expect "$1" "$2" "$out"
	[[ ! -e root-$1 ]] && ok || fail "$1: the root exists"
	compgen -G "root-$1.*" >/dev/null && fail "$1: work files left behind" || ok
}

push oci:plain:latest free/app:v1 && ok || fail "push free/app"
push oci:plain:latest protected/nosig:v1 && ok || fail "push protected/nosig"
push oci:plain:latest protected/app:v1 --sign-by "$a" && ok || fail "push protected/app signed"
push oci:plain:latest protected/other:v1 --sign-by "$b" && ok || fail "push signed by stranger"
push oci:plain:latest protected/id:v1 --sign-by "$a" --sign-identity "$reg/protected/app:v2" &&
	ok || fail "push signed for another name"
ls sigstore/protected/app@sha256=*/signature-1 >/dev/null 2>&1 && ok || fail "skopeo wrote no lookaside signature"

# 1. a non-signed image from an unprotected repository
pull free/app:v1 root1 && ok || fail "unprotected: $out"
plain_ok unprotected root1
# 2. a non-signed image from a protected repository: refused, saying why
refused nosig "image docker://$reg/protected/nosig:v1 rejected by policy.json \(scope \"$reg/protected\"\): transports.docker\[\"$reg/protected\"\]\[0\]: signedBy: the image has no simple signatures" protected/nosig:v1
# 3. a signed image from a protected repository
pull protected/app:v1 root3 && ok || fail "signed: $out"
plain_ok signed root3
# 4. signed with a key the policy does not name
refused stranger "signedBy: signature by key [0-9A-F]+: not one of the policy's keys" protected/other:v1
# signed for another name
refused identity "signedBy: the signature names \"$reg/protected/app:v2\", which does not match docker://$reg/protected/id:v1" protected/id:v1

# --- sigstore: a signature attached to the manifest, by key ---
push oci:plain:latest sigstore/app:v1 && ok || fail "push sigstore/app"
digest=$(skopeo inspect --tls-verify=false --raw "docker://$reg/sigstore/app:v1" | sha256sum | cut -d' ' -f1)
printf '{"critical":{"identity":{"docker-reference":"%s"},"image":{"docker-manifest-digest":"sha256:%s"},"type":"cosign container image signature"},"optional":null}' \
	"$reg/sigstore/app:v1" "$digest" >payload
openssl dgst -sha256 -sign ec.pem -out payload.sig payload
python3 "$here/push_attachment.py" "$reg" sigstore/app "sha256:$digest" payload "$(base64 -w0 payload.sig)" &&
	ok || fail "attach sigstore signature"
pull sigstore/app:v1 root5 && ok || fail "sigstore signed: $out"
plain_ok sigstore root5
out=$("$BIN/eaa-image" pull --policy policy-other.json --registries-d rd --tls-verify=false \
	"docker://$reg/sigstore/app:v1" root6 2>&1) && fail "sigstore: another key admitted" || ok
expect "sigstore key" "sigstoreSigned: the sigstore signature does not verify with the policy's key" "$out"
push oci:plain:latest sigstore/bare:v1 && ok || fail "push sigstore/bare"
refused nosigstore 'sigstoreSigned: the image has no sigstore signatures' sigstore/bare:v1

# --- an index of two platforms: ours is chosen, or the one asked for ---
python3 "$here/make_image.py" arm 'f:arch=arm64' >/dev/null
python3 - plain arm multi <<'PY'
import hashlib, json, os, shutil, sys
amd, arm, out = sys.argv[1:4]
shutil.copytree(amd, out)
for b in os.listdir(arm + "/blobs/sha256"):
    shutil.copy(f"{arm}/blobs/sha256/{b}", f"{out}/blobs/sha256/{b}")
m = [json.load(open(d + "/index.json"))["manifests"][0] for d in (arm, amd)]
for e, a in zip(m, ("arm64", "amd64")):
    e["platform"] = {"os": "linux", "architecture": a}
    e.pop("annotations", None)
index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                    "manifests": m}).encode()
d = hashlib.sha256(index).hexdigest()
open(f"{out}/blobs/sha256/{d}", "wb").write(index)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json",
           "digest": "sha256:" + d, "size": len(index),
           "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}, open(out + "/index.json", "w"))
PY
skopeo copy --quiet --all --dest-tls-verify=false oci:multi:v1 "docker://$reg/free/multi:v1" &&
	ok || fail "push an index"
pull free/multi:v1 root17 --platform linux/amd64 && ok || fail "index, amd64: $out"
plain_ok "index amd64" root17
pull free/multi:v1 root18 --platform linux/arm64 && ok || fail "index, arm64: $out"
[[ $(cat root18/arch 2>/dev/null) == arm64 && ! -e root18/app ]] && ok || fail "index: not the arm64 image"
pull free/multi:v1 root19 --platform linux/s390x && fail "a platform the index lacks" || ok
expect "no platform" "docker://$reg/free/multi:v1: no image for linux/s390x in the index" "$out"
# on a terminal, a progress line per blob
script -qec "$BIN/eaa-image pull --policy policy.json --registries-d rd --tls-verify=false \
	--platform linux/amd64 docker://$reg/free/multi:v1 root20" /dev/null >progress.txt 2>&1
expect "progress" 'Copying blob sha256:[0-9a-f]{12} +[0-9.]+ / +[0-9.]+ MiB' "$(tr '\r' '\n' <progress.txt)"
plain_ok "pulled on a terminal" root20

# --- a registry with basic authentication (htpasswd) ---
python3 -W ignore -c "import crypt; print('bob:' + crypt.crypt('pw', crypt.mksalt(crypt.METHOD_BLOWFISH)))" >htpasswd
bport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
breg=127.0.0.1:$bport
cat >basic-registry.yml <<EOF
version: 0.1
log: {level: info}
storage: {filesystem: {rootdirectory: $tmp/basic-registry}}
http: {addr: $breg}
auth: {htpasswd: {realm: basic-realm, path: $tmp/htpasswd}}
EOF
: >basic-registry.log
docker-registry serve basic-registry.yml >basic-registry.log 2>&1 &
reg_pid="$reg_pid $!"
timeout 30 tail -n +1 -f basic-registry.log | grep -q -m1 "listening on" && ok || fail "the htpasswd registry did not start"
skopeo copy --quiet --dest-tls-verify=false --dest-creds bob:pw oci:plain:latest \
	"docker://$breg/basic/app:v1" && ok || fail "push to the htpasswd registry"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$breg" "$(printf bob:pw | base64)" >bauth.json
out=$("$BIN/eaa-image" pull --policy policy.json --registries-d rd --tls-verify=false \
	--authfile bauth.json "docker://$breg/basic/app:v1" root21 2>&1) && ok || fail "basic auth: $out"
plain_ok "basic auth" root21
out=$("$BIN/eaa-image" pull --policy policy.json --registries-d rd --tls-verify=false \
	"docker://$breg/basic/app:v1" root22 2>&1) && fail "pulled from htpasswd without credentials" || ok
expect "basic without credentials" "$breg asks for a login: no credentials for it in the auth file" "$out"

# --- signatures from a lookaside store served over http ---
mkfifo http_ready
python3 -u -m http.server 0 --bind 127.0.0.1 --directory sigstore >http_ready 2>http.log &
http=$!
read -r line <http_ready
hport=$(sed 's/.* port \([0-9]*\).*/\1/' <<<"$line")
mkdir rdhttp
printf 'default-docker:\n  lookaside: http://127.0.0.1:%s\n' "$hport" >rdhttp/http.yaml
out=$("$BIN/eaa-image" pull --policy policy.json --registries-d rdhttp --tls-verify=false \
	"docker://$reg/protected/app:v1" root23 2>&1) && ok || fail "http lookaside: $out"
plain_ok "http lookaside" root23
out=$("$BIN/eaa-image" pull --policy policy.json --registries-d rdhttp --tls-verify=false \
	"docker://$reg/protected/other:v1" root24 2>&1) && fail "http lookaside: a stranger's signature" || ok
expect "http lookaside stranger" 'not one of the policy.s keys' "$out"
kill "$http"

# (this corrupts the plain layer in the registry for every image that shares it)
# --- a layer changed in the registry's storage: its digest fails ---
push oci:plain:latest free/tampered:v1 && ok || fail "push free/tampered"
data=$tmp/registry/docker/registry/v2/blobs/sha256/${layer:7:2}/${layer#sha256:}/data
python3 - "$data" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 1
open(p, "wb").write(bytes(b))
PY
refused tampered "layer 1: blob sha256:[0-9a-f]{12}: the registry served bytes with digest sha256:" free/tampered:v1

# --- a layer that escapes its root ---
python3 "$here/make_image.py" escape 'f:../../evil=pwned' >/dev/null
push oci:escape free/escape:v1 && ok || fail "push escape"
refused escape 'entry "../../evil" leaves the root' free/escape:v1
[[ ! -e $tmp/../evil && ! -e evil ]] && ok || fail "the escape wrote a file"

# --- a registry behind a token service: bearer tokens, basic credentials ---
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tk.key -out tk.pem \
	-days 2 -subj /CN=token 2>/dev/null
mkfifo tk_ready
python3 "$here/token_server.py" tk.key tk.pem alice s3cret test-issuer >tk_ready 2>token.log &
tk=$!
read -r tport <tk_ready
aport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
areg=127.0.0.1:$aport
cat >auth-registry.yml <<EOF
version: 0.1
log: {level: info}
storage: {filesystem: {rootdirectory: $tmp/auth-registry}}
http: {addr: $areg}
auth: {token: {realm: "http://127.0.0.1:$tport/token", service: test-registry,
               issuer: test-issuer, rootcertbundle: $tmp/tk.pem}}
EOF
: >auth-registry.log
docker-registry serve auth-registry.yml >auth-registry.log 2>&1 &
reg_pid="$reg_pid $!"
timeout 30 tail -n +1 -f auth-registry.log | grep -q -m1 "listening on" && ok || fail "the token registry did not start"
skopeo copy --quiet --dest-tls-verify=false --dest-creds alice:s3cret oci:plain:latest \
	"docker://$areg/auth/app:v1" && ok || fail "push to the token registry"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$areg" "$(printf alice:s3cret | base64)" >auth.json
printf '{"auths":{"%s":{"auth":"%s"}}}' "$areg" "$(printf alice:wrong | base64)" >badauth.json
authpull() { # authpull ROOTFS [options]
	local root=$1
	shift
	out=$("$BIN/eaa-image" pull --policy policy.json --registries-d rd --tls-verify=false "$@" \
		"docker://$areg/auth/app:v1" "$root" 2>&1)
}
authpull root12 --authfile auth.json && ok || fail "bearer token pull: $out"
plain_ok bearer root12
authpull root13 && fail "pulled without credentials" || ok
expect "no credentials" "docker://$areg/auth/app:v1: $areg: the token service refused \(HTTP 401\)" "$out"
authpull root14 --authfile badauth.json && fail "pulled with a wrong password" || ok
expect "wrong password" 'the token service refused \(HTTP 401\)' "$out"
[[ ! -e root13 && ! -e root14 ]] && ok || fail "refused pulls left a root"
kill "$tk"

# --- encrypted and signed, keys from verdictd through the agent ---
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out sample.pem 2>/dev/null
openssl pkey -in sample.pem -pubout -out sample.pub
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out vd_tls.pem 2>/dev/null
openssl pkey -in vd_tls.pem -pubout -out vd_pub.pem
verdictd_root vroot
provider_encrypt plain enc vroot default/key/1 && ok || fail "encrypt"
push oci:enc protected/enc:v1 --sign-by "$a" && ok || fail "push encrypted and signed"
# The policy, its GPG keyring and registries.d come from verdictd too.
mkdir -p vroot/resources/default/security-policy vroot/resources/default/gpg-public-config \
	vroot/resources/default/sigstore-config
cp a.gpg vroot/resources/default/gpg-public-config/test
cat >vroot/resources/default/security-policy/test <<EOF
{"default": [{"type": "reject"}],
 "transports": {"docker": {"$reg/protected": [{"type": "signedBy", "keyType": "GPGKeys",
   "keyPath": "kbs:///default/gpg-public-config/test"}]}}}
EOF
cp rd/default.yaml vroot/resources/default/sigstore-config/test
mkfifo vd_ready aa_ready
"$BIN/verdictd" --listen 127.0.0.1:0 --verifier sample --attester nullattester --mutual \
	--root vroot --sample-trust sample.pub -o tls.key=vd_tls.pem >vd_ready 2>verdictd.log &
vd=$!
read -r line <vd_ready
agent_for() { # agent_for LOG KBC_PARAMS ARGS...: the agent (sample TEE) for
	# that broker, ocicrypt.conf pointing at it, and $broker, pull options
	# taking everything from the broker through it
	local log=$1 params=$2
	shift 2
	"$BIN/attestation-agent" --keyprovider_sock 127.0.0.1:0 --getresource_sock 127.0.0.1:0 \
		--aa_kbc_params "$params" --attester sample --allow-sample -o sample.key=sample.pem \
		"$@" >aa_ready 2>"$log" &
	aa=$!
	read -r line <aa_ready
	printf '{"key-providers":{"attestation-agent":{"grpc":"127.0.0.1:%s"}}}' "${line##* }" >ocicrypt.conf
	read -r line <aa_ready
	broker=(--policy kbs:///default/security-policy/test --registries-d kbs:///default/sigstore-config/test
		--getresource "127.0.0.1:${line##* }" --tls-verify=false)
}
agent_for agent.log "eaa_kbc::127.0.0.1:${line##*:}" --broker-pubkey vd_pub.pem
from_broker() { # from_broker IMAGE ROOTFS [options]: pulled with everything from verdictd
	local img=$1 root=$2
	shift 2
	out=$("$BIN/eaa-image" pull "${broker[@]}" "$@" "docker://$reg/$img" "$root" 2>&1)
}
from_broker protected/enc:v1 root7 --decryption-key provider:attestation-agent \
	--keyprovider-config ocicrypt.conf && ok || fail "encrypted and signed: $out"
plain_ok encrypted root7
# the broker's policy rejects by default, and knows only the signer's key
from_broker free/app:v1 root8 && fail "the broker's policy was not applied" || ok
expect "broker policy" "rejected by kbs:///default/security-policy/test \(the default\)" "$out"
from_broker protected/other:v1 root9 && fail "a stranger's signature passed the broker's keys" || ok
expect "broker keys" "signature by key [0-9A-F]+: not one of the policy's keys" "$out"
# without the key provider the layer stays closed
out=$("$BIN/eaa-image" pull --policy policy.json --registries-d rd --tls-verify=false \
	"docker://$reg/protected/enc:v1" root10 2>&1) && fail "encrypted layer without a key" || ok
expect "no key" 'the layer is encrypted: give --decryption-key provider:<name>' "$out"
[[ ! -e root10 ]] && ok || fail "encrypted without key: the root exists"
# a broker resource without the agent's address
out=$("$BIN/eaa-image" pull --policy kbs:///default/security-policy/test --tls-verify=false \
	"docker://$reg/free/app:v1" root11 2>&1) && fail "kbs:// policy without an agent" || ok
expect "no agent" "kbs:///default/security-policy/test: a broker resource needs the agent's address" "$out"
# The same from the encrypted OCI layout on disk (eaa-image unpack).
printf '{"default":[{"type":"insecureAcceptAnything"}]}' >any.json
out=$("$BIN/eaa-image" unpack --policy any.json --decryption-key provider:attestation-agent \
	--keyprovider-config ocicrypt.conf oci:enc root15 2>&1) && ok || fail "local encrypted: $out"
plain_ok "local encrypted" root15
out=$("$BIN/eaa-image" unpack --policy any.json oci:enc root16 2>&1) && fail "local encrypted without a key" || ok
expect "local no key" 'oci:enc: layer 1 \(sha256:[0-9a-f]{12}\): the layer is encrypted' "$out"

# --- the same image through cc_kbc: verdictd's KBS endpoint (HTTPS), the
# policy, keyring, registries.d and layer key all from it; the same root ---
kill "$aa" "$vd"; wait "$aa" "$vd" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
	-addext subjectAltName=IP:127.0.0.1 -keyout kbs.key -out kbs.crt 2>/dev/null
kport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN/verdictd" --listen 127.0.0.1:0 --verifier sample --attester nullattester --root vroot \
	--sample-trust sample.pub --kbs 127.0.0.1:"$kport" --kbs-cert kbs.crt --kbs-key kbs.key \
	>vd_ready 2>verdictd_kbs.log &
vd=$!
read -r line <vd_ready
agent_for agent_cc.log "cc_kbc::https://127.0.0.1:$kport" --broker-ca kbs.crt
from_broker protected/enc:v1 root_cc1 --decryption-key provider:attestation-agent \
	--keyprovider-config ocicrypt.conf && ok || fail "encrypted and signed through cc_kbc: $out"
plain_ok "encrypted (cc_kbc)" root_cc1
diff -r root7 root_cc1 >/dev/null && ok || fail "cc_kbc and eaa_kbc pulled different roots"
from_broker protected/other:v1 root_cc2 && fail "cc_kbc: a stranger's signature passed" || ok
expect "broker keys (cc_kbc)" "signature by key [0-9A-F]+: not one of the policy's keys" "$out"
n=$(grep -c 'kbs: allowed sample peer' verdictd_kbs.log)
[[ $n == 1 ]] && ok || fail "cc_kbc attestations for two pulls: $n, want 1"
finish
