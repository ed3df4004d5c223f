#!/usr/bin/env bash
# test_eaa_decrypt.sh BIN_DIR - Debian's skopeo encrypts an OCI image
# layout for jwe: recipients (ocicrypt's JWE key packets, AES-256-CTR +
# HMAC-SHA256 layers); eaa-decrypt decrypts it with a private key, and the
# plain layer's digest equals the original. A wrong key, an edited HMAC and
# a truncated layer are refused by name, and leave no output layout.
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
cd "$tmp"

for k in a b c; do
	openssl genrsa -out $k.pem 2048 2>/dev/null
	openssl rsa -in $k.pem -pubout -out $k.pub 2>/dev/null
done
# EC recipients: ocicrypt uses ECDH-ES+A256KW for them
openssl ecparam -name prime256v1 -genkey -noout -out p256.pem 2>/dev/null
openssl ec -in p256.pem -pubout -out p256.pub 2>/dev/null
openssl ecparam -name secp384r1 -genkey -noout -out p384.pem 2>/dev/null
openssl ec -in p384.pem -pubout -out p384.pub 2>/dev/null

# A one-layer OCI layout, built by hand.
layer=$(python3 "$here/make_layout.py" plain)

# Two recipients in one encryption.
skopeo --insecure-policy copy --encryption-key jwe:a.pub --encryption-key jwe:b.pub \
	oci:plain:latest oci:enc:latest >/dev/null 2>"$tmp/err" && ok ||
	fail "skopeo jwe encryption: $(cat "$tmp/err")"
expect "encrypted" '\+encrypted$' "$(layer_of enc)"

for k in a b; do
	"$BIN/eaa-decrypt" --key $k.pem enc dec-$k 2>"$tmp/err" && ok ||
		fail "decrypt with $k: $(cat "$tmp/err")"
	expect "plain layer ($k)" "^$layer application/vnd.oci.image.layer.v1.tar\+gzip$" "$(layer_of dec-$k)"
done
skopeo --insecure-policy inspect oci:dec-a:latest >"$tmp/out" 2>&1 && ok ||
	fail "skopeo cannot read the decrypted layout: $(cat "$tmp/out")"
skopeo --insecure-policy copy oci:dec-a:latest oci:copy:latest >/dev/null 2>&1 && ok ||
	fail "skopeo cannot copy the decrypted layout"

# EC recipients: alone (epk in the protected header) and beside an RSA
# recipient (epk in each recipient's header).
skopeo --insecure-policy copy --encryption-key jwe:p256.pub oci:plain:latest oci:enc-ec:latest \
	>/dev/null 2>"$tmp/err" && ok || fail "skopeo EC encryption: $(cat "$tmp/err")"
"$BIN/eaa-decrypt" --key p256.pem enc-ec dec-ec 2>"$tmp/err" && ok || fail "EC decrypt: $(cat "$tmp/err")"
expect "EC plain layer" "^$layer " "$(layer_of dec-ec)"
skopeo --insecure-policy copy --encryption-key jwe:a.pub --encryption-key jwe:p384.pub \
	oci:plain:latest oci:enc-mix:latest >/dev/null 2>"$tmp/err" && ok ||
	fail "skopeo mixed encryption: $(cat "$tmp/err")"
for k in a p384; do
	"$BIN/eaa-decrypt" --key $k.pem enc-mix dec-mix-$k 2>"$tmp/err" && ok ||
		fail "mixed decrypt with $k: $(cat "$tmp/err")"
	expect "mixed plain layer ($k)" "^$layer " "$(layer_of dec-mix-$k)"
done
"$BIN/eaa-decrypt" --key p256.pem enc-mix dec-mix-p256 2>"$tmp/err" &&
	fail "a P-256 key that is not a recipient decrypted" || ok

# A key that is not a recipient.
"$BIN/eaa-decrypt" --key c.pem enc dec-c 2>"$tmp/err" && fail "a stranger's key decrypted" || ok
expect "wrong key" 'none of its 2 recipient\(s\) opens with this key' "$(cat "$tmp/err")"
[[ ! -e dec-c ]] && ok || fail "output left after a refusal"
ls | grep -q 'dec-c.tmp' && fail "staging left after a refusal" || ok

# Edit the layer's HMAC (and the descriptors that pin it), or cut the
# layer short: the digests are consistent, the HMAC is not.
tamper() { # tamper WHAT OUT
	cp -r enc "$2"
	python3 - "$1" "$2" <<'PY'
import base64, hashlib, json, os, sys
what, d = sys.argv[1], sys.argv[2]
def put(data):
    h = hashlib.sha256(data).hexdigest()
    open(f"{d}/blobs/sha256/{h}", "wb").write(data)
    return "sha256:" + h, len(data)
idx = json.load(open(d + "/index.json"))
m = json.load(open(d + "/blobs/sha256/" + idx["manifests"][0]["digest"][7:]))
l = m["layers"][0]
if what == "hmac":
    p = json.loads(base64.b64decode(l["annotations"]["org.opencontainers.image.enc.pubopts"]))
    h = bytearray(base64.b64decode(p["hmac"])); h[0] ^= 1
    p["hmac"] = base64.b64encode(bytes(h)).decode()
    l["annotations"]["org.opencontainers.image.enc.pubopts"] = base64.b64encode(json.dumps(p).encode()).decode()
else:
    data = open(d + "/blobs/sha256/" + l["digest"][7:], "rb").read()
    l["digest"], l["size"] = put(data[: len(data) // 2] if what == "truncate" else
                                 data[:100] + bytes([data[100] ^ 1]) + data[101:])
idx["manifests"][0]["digest"], idx["manifests"][0]["size"] = put(json.dumps(m).encode())
json.dump(idx, open(d + "/index.json", "w"))
PY
}
for what in hmac truncate flip; do
	tamper $what enc-$what
	"$BIN/eaa-decrypt" --key a.pem enc-$what dec-$what 2>"$tmp/err" &&
		fail "a layer with $what decrypted" || ok
	expect "$what refused" "HMAC does not match" "$(cat "$tmp/err")"
	[[ ! -e dec-$what ]] && ok || fail "output left after $what"
done

# A blob whose bytes do not match its digest.
cp -r enc enc-bad
blob=$(layer_of enc-bad | cut -d' ' -f1)
printf 'x' >>"enc-bad/blobs/sha256/${blob#sha256:}"
"$BIN/eaa-decrypt" --key a.pem enc-bad dec-bad 2>"$tmp/err" && fail "a corrupted blob decrypted" || ok
expect "digest" "has digest sha256:" "$(cat "$tmp/err")"

"$BIN/eaa-decrypt" --key a.pem enc dec-a 2>"$tmp/err" && fail "overwrote an existing layout" || ok
expect "no overwrite" 'exists' "$(cat "$tmp/err")"

finish
