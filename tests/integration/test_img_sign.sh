#!/usr/bin/env bash
# test_img_sign.sh BIN_DIR - image signatures against containers-policy.json
# with real tools: GPG keys made by gpg in a temporary GNUPGHOME, images
# signed by Debian's skopeo (simple signing, `copy --sign-by` into dir:),
# and eaa-image check admitting or refusing them. Debian's skopeo has
# sigstore signing disabled, so sigstore signatures are made here as
# containers/image writes them (an ECDSA P-256 signature by openssl over
# the cosign payload).
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
export GNUPGHOME=$tmp/gnupg
trap 'gpgconf --kill all 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
cd "$tmp"
mkdir -m 700 gnupg

key() { # key NAME: a passphrase-less signing key; prints its fingerprint
	gpg --batch --passphrase '' --quick-gen-key "$1 <$1@example.com>" ed25519 sign 1d 2>/dev/null
	gpg --list-keys --with-colons "$1@example.com" 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }'
}
a=$(key signer) b=$(key stranger)
gpg --export "$a" >a.gpg
gpg --export "$b" >b.gpg
gpg --export "$a" "$b" >ab.gpg

python3 "$here/make_layout.py" plain >/dev/null
skopeo copy --quiet --sign-by "$a" --sign-identity example.com/app:v1 oci:plain:latest dir:signed &&
	ok || fail "skopeo --sign-by"
[[ -s signed/signature-1 ]] && ok || fail "skopeo wrote no signature"
skopeo copy --quiet oci:plain:latest dir:unsigned && ok || fail "skopeo copy"

policy() { # policy FILE REQUIREMENT-JSON: that requirement for every dir: image
	printf '{"default":[{"type":"reject"}],"transports":{"dir":{"":[%s]}}}' "$2" >"$1"
}
signed_by() { # signed_by KEYFILE [IDENTITY-JSON]
	printf '{"type":"signedBy","keyType":"GPGKeys","keyPath":"%s/%s"%s}' "$tmp" "$1" \
		"${2:+,\"signedIdentity\":$2}"
}
exact='{"type":"exactReference","dockerReference":"example.com/app:v1"}'
check() { # check POLICY IMAGE: eaa-image's verdict; its message in $out
	out=$("$BIN/eaa-image" check --policy "$1" "$2" 2>&1)
}

# The signer's key admits the image; the policy names what it checked.
policy p1.json "$(signed_by a.gpg "$exact")"
check p1.json dir:signed && ok || fail "signed image refused: $out"
expect "admitted" '^dir:signed: admitted by p1.json \(manifest sha256:[0-9a-f]{64}\)$' "$out"
# A keyring with both keys, and keyPaths, and keyData, all admit it.
policy p2.json "$(signed_by ab.gpg "$exact")"
check p2.json dir:signed && ok || fail "keyring of two: $out"
policy p3.json "$(printf '{"type":"signedBy","keyType":"GPGKeys","keyPaths":["%s/b.gpg","%s/a.gpg"],"signedIdentity":%s}' "$tmp" "$tmp" "$exact")"
check p3.json dir:signed && ok || fail "keyPaths: $out"
policy p4.json "$(printf '{"type":"signedBy","keyType":"GPGKeys","keyData":"%s","signedIdentity":%s}' "$(base64 -w0 a.gpg)" "$exact")"
check p4.json dir:signed && ok || fail "keyData: $out"

# A mismatched key: refused, naming image, requirement and reason.
policy p5.json "$(signed_by b.gpg "$exact")"
check p5.json dir:signed && fail "signed by a key the policy does not name: admitted" || ok
expect "wrong key" "image dir:signed rejected by p5.json \(scope \"\"\): transports.dir\[\"\"\]\[0\]: signedBy: signature by key [0-9A-F]+: not one of the policy's keys" "$out"

# The signature names another identity.
policy p6.json "$(signed_by a.gpg '{"type":"exactReference","dockerReference":"example.com/app:v2"}')"
check p6.json dir:signed && fail "identity mismatch admitted" || ok
expect "identity" 'signedBy: the signature names "example.com/app:v1", which does not match dir:signed' "$out"
# dir: images have no Docker reference: the default identity cannot match.
policy p7.json "$(signed_by a.gpg)"
check p7.json dir:signed && fail "matchRepoDigestOrExact matched a dir: image" || ok
expect "no reference" 'does not match dir:signed under its signedIdentity' "$out"
policy p7b.json "$(signed_by a.gpg '{"type":"exactRepository","dockerRepository":"example.com/app"}')"
check p7b.json dir:signed && ok || fail "exactRepository: $out"

# No signature at all; a manifest changed after signing.
check p1.json dir:unsigned && fail "unsigned image admitted" || ok
expect "unsigned" 'signedBy: the image has no simple signatures' "$out"
cp -r signed tampered
sed -i 's/"schemaVersion": *2/"schemaVersion":2 /' tampered/manifest.json
check p1.json dir:tampered && fail "tampered manifest admitted" || ok
expect "tampered" 'signedBy: the signature is for manifest sha256:[0-9a-f]{64}, not this image.s sha256:' "$out"
# A corrupted signature.
cp -r signed corrupt
# byte 40 flipped, not set: the signature is new each run and may hold any byte there
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[40] ^= 0x01; open(sys.argv[1], "wb").write(b)' \
	corrupt/signature-1
check p1.json dir:corrupt && fail "corrupted signature admitted" || ok
expect "corrupt" "signedBy: (not a GPG signature|signature by key [0-9A-F]+: )" "$out"

# Plain requirements; a policy error is exit 2 with its place in the file.
policy p8.json '{"type":"insecureAcceptAnything"}'
check p8.json dir:unsigned && ok || fail "insecureAcceptAnything: $out"
printf '{"default":[{"type":"insecureAcceptAnything"}],"transports":{"dir":{"%s":[{"type":"reject"}]}}}' \
	"$tmp" >p9.json
check p9.json dir:unsigned && fail "reject scope admitted" || ok
expect "reject" "rejected by p9.json \(scope \"$tmp\"\): transports.dir\[\"$tmp\"\]\[0\]: type reject" "$out"
printf '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPth":"/k"}]}' >bad.json
"$BIN/eaa-image" check --policy bad.json dir:signed 2>err; rc=$?
[[ $rc == 2 ]] && ok || fail "policy error exit $rc"
expect "bad policy" 'bad.json: default\[0\]: unknown field "keyPth"' "$(cat err)"

# Sigstore: a cosign payload for the manifest, signed with an EC key.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null
openssl pkey -in ec.pem -pubout -out ec.pub
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null | openssl pkey -pubout -out other.pub
sigstore_sign() { # sigstore_sign DIR IDENTITY: add a sigstore signature-N to DIR
	local digest n
	digest=sha256:$(sha256sum "$1/manifest.json" | cut -d' ' -f1)
	printf '{"critical":{"identity":{"docker-reference":"%s"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' \
		"$2" "$digest" >payload
	openssl dgst -sha256 -sign ec.pem -out payload.sig payload
	n=1; while [[ -e $1/signature-$n ]]; do n=$((n + 1)); done
	{ printf '\0sigstore-json\n'
	  printf '{"mimeType":"application/vnd.dev.cosign.simplesigning.v1+json","payload":"%s","annotations":{"dev.cosignproject.cosign/signature":"%s"}}' \
		"$(base64 -w0 payload)" "$(base64 -w0 payload.sig)"; } >"$1/signature-$n"
}
cp -r unsigned sigstore
sigstore_sign sigstore example.com/app:v1
sigstore() { printf '{"type":"sigstoreSigned","keyPath":"%s/%s","signedIdentity":%s}' "$tmp" "$1" "$exact"; }
policy s1.json "$(sigstore ec.pub)"
check s1.json dir:sigstore && ok || fail "sigstore signature refused: $out"
policy s2.json "$(printf '{"type":"sigstoreSigned","keyData":"%s","signedIdentity":%s}' "$(base64 -w0 ec.pub)" "$exact")"
check s2.json dir:sigstore && ok || fail "sigstore keyData: $out"
policy s3.json "$(sigstore other.pub)"
check s3.json dir:sigstore && fail "sigstore signature by another key admitted" || ok
expect "sigstore key" "sigstoreSigned: the sigstore signature does not verify with the policy's key" "$out"
check s1.json dir:signed && fail "a GPG signature satisfied sigstoreSigned" || ok
expect "no sigstore" 'sigstoreSigned: the image has no sigstore signatures' "$out"
# Both requirements at once: both signatures must be there.
cp -r signed both
sigstore_sign both example.com/app:v1
policy s4.json "$(signed_by a.gpg "$exact"),$(sigstore ec.pub)"
check s4.json dir:both && ok || fail "signedBy + sigstoreSigned: $out"
check s4.json dir:sigstore && fail "one of two requirements was enough" || ok

finish
