#!/usr/bin/env bash
# test_keyprovider.sh BIN_DIR - verdictd-keyprovider as ocicrypt's cmd key
# provider: the protocol messages exactly as ocicrypt (Go, base64 byte
# fields) and the Rust agents (arrays of numbers) write them, the old
# verdictd packet, and every refusal. When skopeo's ocicrypt has key
# providers (ocicrypt >= 1.1; Debian 12's skopeo 1.9.3 is built with 1.0.3,
# which has none), also a real skopeo round trip: encrypt an OCI layout with
# kid K, decrypt it, and the plain layer digest equals the original.
# Under with_pg.sh the keys are in its PostgreSQL store (verdictd and
# verdictd-keyprovider with --store).
set -u
BIN=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"


# The KEK, as verdict --create-key would leave it.
root=$tmp/root
mkdir -p "$root/keys/default/key"
head -c 32 /dev/urandom >"$root/keys/default/key/1"
chmod 600 "$root/keys/default/key/1"
import_root "$root"
mapfile -t store < <(store_args)


kp() { # kp EXPECTED_RC INPUT_JSON : leaves $out, $err
	local want=$1
	printf '%s' "$2" | "$BIN/verdictd-keyprovider" --root "$root" "${store[@]}" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out") err=$(cat "$tmp/err")
	if [[ $rc == "$want" ]]; then ok; else fail "keyprovider exited $rc, want $want: $err"; fi
}
b64() { printf '%s' "$1" | base64 -w0; }
opts='{"cipher":"AES_256_CTR_HMAC_SHA256","key":"c2VjcmV0","cipheroptions":{"nonce":"bm9uY2U="}}'
wrapin=$(printf '{"op":"keywrap","keywrapparams":{"ec":{"Parameters":{"attestation-agent":["%s"]},"DecryptConfig":{"Parameters":{}}},"optsdata":"%s"}}' \
	"$(b64 default/key/1)" "$(b64 "$opts")")
kp 0 "$wrapin"
# Byte fields come back as arrays of numbers, the form both Go's and Rust's
# ocicrypt read; the layer annotation is their base64.
expect "array form" '^\{"keywrapresults":\{"annotation":\[[0-9,]+\]\}\}$' "$out"
ann=$(python3 -c "import json,sys,base64;print(base64.b64encode(bytes(json.loads(sys.argv[1])['keywrapresults']['annotation'])).decode())" "$out")
packet=$(printf '%s' "$ann" | base64 -d)
expect "packet kid" '"kid":"default/key/1"' "$packet"
expect "packet type" '"wrap_type":"A256GCM"' "$packet"
expect "packet iv" '"iv":"[A-Za-z0-9+/]{16}"' "$packet"
[[ $packet != *c2VjcmV0* ]] && ok || fail "the packet carries the key in clear"
unwrapin=$(printf '{"op":"keyunwrap","keyunwrapparams":{"dc":{"Parameters":{"attestation-agent":["%s"]}},"annotation":"%s"}}' \
	"$(b64 default/key/1)" "$ann")
kp 0 "$unwrapin"
got=$(python3 -c "import json,sys,base64;print(bytes(json.loads(sys.argv[1])['keyunwrapresults']['optsdata']).decode())" "$out")
[[ $got == "$opts" ]] && ok || fail "unwrapped $got, want $opts"

# The Rust agents' form (byte fields as arrays) and the old verdictd packet
# (arrays, "algorithm":"AES","key_length":256), with a kbs:/// kid.
rust=$(python3 - "$packet" "$(b64 default/key/1)" <<'PY'
import base64, json, sys
p = json.loads(sys.argv[1])
old = {"kid": "kbs:///" + p["kid"], "wrapped_data": list(base64.b64decode(p["wrapped_data"])),
       "iv": list(base64.b64decode(p["iv"])), "algorithm": "AES", "key_length": 256}
ann = list(json.dumps(old).encode())
print(json.dumps({"op": "keyunwrap", "keyunwrapparams": {"dc": {"Parameters": {}}, "annotation": ann}}))
PY
)
kp 0 "$rust"
got=$(python3 -c "import json,sys,base64;print(bytes(json.loads(sys.argv[1])['keyunwrapresults']['optsdata']).decode())" "$out")
[[ $got == "$opts" ]] && ok || fail "old packet: unwrapped $got"

# Refusals: a missing kid, a kid leaving the store, a tampered packet, junk.
kp 1 "${wrapin/$(b64 default/key/1)/$(b64 default/key/2)}"
expect "missing kid" 'no key with kid' "$err"
kp 1 "${wrapin/$(b64 default/key/1)/$(b64 ../../etc/passwd)}"
expect "escaping kid" 'kid' "$err"
tampered=$(python3 -c "
import base64, json, sys
p = json.loads(sys.argv[1]); w = bytearray(base64.b64decode(p['wrapped_data'])); w[0] ^= 1
p['wrapped_data'] = base64.b64encode(bytes(w)).decode()
print(base64.b64encode(json.dumps(p).encode()).decode())" "$packet")
kp 1 "${unwrapin/$ann/$tampered}"
expect "tampered" 'does not authenticate' "$err"
kp 1 '{"op":"keyunwrap","keyunwrapparams":{"annotation":"bm90IGpzb24="}}'
expect "not a packet" 'packet: not a JSON object' "$err"
kp 1 '{"op":"frobnicate"}'
expect "bad op" 'keywrap or keyunwrap' "$err"
kp 1 'not json'

# The same provider as verdictd's gRPC service (--keyprovider), called as
# ocicrypt and the agents call it: WrapKey only, on a unix socket only its
# owner can reach. UnWrapKey there would hand every layer key to anyone
# who can connect (the annotation is public in the image's manifest).
mkfifo "$tmp/ready"
"$BIN/verdictd" --listen 127.0.0.1:0 --attester nullattester --root "$root" "${store[@]}" \
	--keyprovider "unix://$tmp/run/kp.sock" --log-level off >"$tmp/ready" 2>&1 &
vd=$!
exec 3<"$tmp/ready"; read -r l1 <&3; read -r l2 <&3; exec 3<&-
expect "unix socket line" "^key provider on unix://$tmp/run/kp.sock\$" "$l2"
expect "socket owner-only" '^srw------- ' "$(ls -l "$tmp/run/kp.sock")"
grpc=$(/usr/bin/python3 "$(dirname "$0")/kp_grpc_client.py" "unix:$tmp/run/kp.sock" 2>&1)
kill "$vd"; wait "$vd" 2>/dev/null
expect "grpc wrap" 'wrap ok \{"kid":"default/key/1","wrapped_data":"[^"]+","iv":"[^"]+","wrap_type":"A256GCM"\}' "$grpc"
expect "grpc unwrap refused" 'unwrap PERMISSION_DENIED UnWrapKey is not served here' "$grpc"
expect "grpc missing kid" 'missing-kid INVALID_ARGUMENT key provider: no key with kid "default/key/9"' "$grpc"
expect "grpc unknown method" 'unknown-method UNIMPLEMENTED' "$grpc"
expect "grpc malformed" 'malformed INVALID_ARGUMENT' "$grpc"
# the cmd provider still unwraps (its user can read the keys anyway)
kp 0 "$unwrapin"

# On loopback TCP it is served, with a warning naming the risk; on any
# other address it is refused unless --keyprovider-remote says so.
mkfifo "$tmp/ready_tcp"
"$BIN/verdictd" --listen 127.0.0.1:0 --attester nullattester --root "$root" "${store[@]}" \
	--keyprovider 127.0.0.1:0 >"$tmp/ready_tcp" 2>"$tmp/tcp.err" &
vd=$!
exec 3<"$tmp/ready_tcp"; read -r l1 <&3; read -r l2 <&3; exec 3<&-
grpc=$(/usr/bin/python3 "$(dirname "$0")/kp_grpc_client.py" "${l2#key provider on }" 2>&1)
kill "$vd"; wait "$vd" 2>/dev/null
expect "tcp wrap" 'wrap ok' "$grpc"
expect "tcp unwrap refused" 'unwrap PERMISSION_DENIED' "$grpc"
expect "tcp warning" 'key provider on TCP 127.0.0.1:0: every local user and process can call WrapKey' "$(cat "$tmp/tcp.err")"
"$BIN/verdictd" --listen 127.0.0.1:0 --attester nullattester --root "$root" \
	--keyprovider 0.0.0.0:0 >/dev/null 2>"$tmp/remote.err" && rc=0 || rc=$?
[[ $rc == 1 ]] && ok || fail "a non-loopback key provider started (exit $rc)"
expect "remote refused" 'not a loopback address.*--keyprovider-remote' "$(cat "$tmp/remote.err")"
"$BIN/verdictd" --listen 127.0.0.1:0 --attester nullattester --root "$root" \
	--keyprovider unix://relative/kp.sock >/dev/null 2>"$tmp/rel.err" && rc=0 || rc=$?
[[ $rc == 1 ]] && ok || fail "a relative socket path was taken (exit $rc)"
expect "relative path" 'wants an absolute path' "$(cat "$tmp/rel.err")"
# in a directory others may write, someone could swap the socket
mkdir -m 0777 "$tmp/shared"
"$BIN/verdictd" --listen 127.0.0.1:0 --attester nullattester --root "$root" \
	--keyprovider "unix://$tmp/shared/kp.sock" >/dev/null 2>"$tmp/shared.err" && rc=0 || rc=$?
[[ $rc == 1 ]] && ok || fail "a socket in a world-writable directory was taken (exit $rc)"
expect "shared directory" 'must be a directory owned by this user and writable by no one else' \
	"$(cat "$tmp/shared.err")"

# the pinned peer skopeo (scripts/install-peers.sh) has key providers;
# Debian 12's does not
PATH=${EAA_PEERS:-/opt/eaa-peers}/bin:$PATH
if ! command -v skopeo >/dev/null ||
	! grep -q OCICRYPT_KEYPROVIDER_CONFIG "$(command -v skopeo)"; then
	echo "note: this skopeo has no ocicrypt key providers; skipping the skopeo round trip" >&2
	finish
	exit
fi

# A one-layer OCI image layout, built by hand.
python3 "$(dirname "$0")/make_layout.py" "$tmp/plain" >/dev/null
layer=$(python3 -c "import json;m=json.load(open('$tmp/plain/index.json'))['manifests'][0]['digest'].split(':')[1];print(json.load(open('$tmp/plain/blobs/sha256/'+m))['layers'][0]['digest'])")

python3 -c 'import json, sys; print(json.dumps({"key-providers": {"attestation-agent": {"cmd": {
    "path": sys.argv[1], "args": sys.argv[2:]}}}}))' "$BIN/verdictd-keyprovider" --root "$root" \
	"${store[@]}" >"$tmp/ocicrypt.conf"
export OCICRYPT_KEYPROVIDER_CONFIG=$tmp/ocicrypt.conf
sk() { skopeo --insecure-policy copy "$@" >"$tmp/out" 2>&1; }

# Encrypt with kid default/key/1.
sk --encryption-key provider:attestation-agent:default/key/1 oci:"$tmp/plain":latest oci:"$tmp/enc":latest &&
	ok || fail "skopeo encryption: $(cat "$tmp/out")"
manifest=$(python3 -c "import json;m=json.load(open('$tmp/enc/index.json'))['manifests'][0]['digest'].split(':')[1];print(open('$tmp/enc/blobs/sha256/'+m).read())")
expect "encrypted layer" 'application/vnd.oci.image.layer.v1.tar\+gzip\+encrypted' "$manifest"
packet=$(python3 -c "
import base64, json, sys
m = json.loads(sys.argv[1])
print(base64.b64decode(m['layers'][0]['annotations']['org.opencontainers.image.enc.keys.provider.attestation-agent']).decode())" "$manifest")
expect "packet" '"kid":"default/key/1"' "$packet"
expect "packet" '"wrap_type":"A256GCM"' "$packet"
[[ $manifest != *"$layer"* ]] && ok || fail "the encrypted manifest still names the plain layer"

# Decrypt through the same provider: the original layer comes back.
sk --decryption-key provider:attestation-agent:default/key/1 oci:"$tmp/enc":latest oci:"$tmp/dec":latest &&
	ok || fail "skopeo decryption: $(cat "$tmp/out")"
dec=$(python3 -c "import json;m=json.load(open('$tmp/dec/index.json'))['manifests'][0]['digest'].split(':')[1];print(json.load(open('$tmp/dec/blobs/sha256/'+m))['layers'][0]['digest'])")
[[ $dec == "$layer" ]] && ok || fail "decrypted layer $dec, want $layer"

# A kid verdictd has no key for.
sk --encryption-key provider:attestation-agent:default/key/2 oci:"$tmp/plain":latest oci:"$tmp/enc2":latest &&
	fail "encryption with a missing kid succeeded" || ok
expect "missing kid" 'no key with kid' "$(cat "$tmp/out")"
sk --encryption-key provider:attestation-agent:../../etc/passwd oci:"$tmp/plain":latest oci:"$tmp/enc3":latest &&
	fail "a kid leaving the store was used" || ok

# Another KEK under the same kid: the packet no longer authenticates.
head -c 32 /dev/urandom >"$root/keys/default/key/1"
import_root "$root"
sk --decryption-key provider:attestation-agent:default/key/1 oci:"$tmp/enc":latest oci:"$tmp/dec2":latest &&
	fail "decryption with the wrong key succeeded" || ok
expect "wrong key" 'does not authenticate' "$(cat "$tmp/out")"

finish
