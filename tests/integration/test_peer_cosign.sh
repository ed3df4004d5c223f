#!/usr/bin/env bash
# test_peer_cosign.sh BIN_DIR - images signed by the real cosign (2.6, a
# key pair, no transparency log) in a docker-registry on loopback, pulled
# by eaa-image under a sigstoreSigned policy whose keyPath is the cosign
# public key: given directly, and fetched from verdictd through the
# attestation agent (kbs:/// paths), as the white paper's TDX section
# deploys it (seed 003). Refused: another key, an unsigned image, a
# signature moved to another image's digest, a tampered payload. Also the
# real skopeo's own sigstore signing with the same policy type, and its
# GPG simple signing (gpgme) under a signedBy policy.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/agent_lib.sh"
agent_test_begin "$1"
need_peer cosign skopeo
export COSIGN_PASSWORD=""
start_registry
for img in app other unsigned tampered skopeo; do
	skopeo --insecure-policy copy --quiet --dest-tls-verify=false oci:plain:latest \
		"docker://$reg/test/$img:v1" 2>err && ok || fail "push test/$img: $(cat err)"
done
mkdir a b
(cd a && cosign generate-key-pair >/dev/null 2>&1) && [[ -s a/cosign.pub ]] && ok || fail "cosign keys a"
(cd b && cosign generate-key-pair >/dev/null 2>&1) && [[ -s b/cosign.pub ]] && ok || fail "cosign keys b"
csign() { cosign sign --key a/cosign.key --tlog-upload=false --allow-http-registry --yes "$@" >cs.out 2>&1; }
csign "$reg/test/app:v1" && ok || fail "cosign sign: $(cat cs.out)"
csign "$reg/test/tampered:v1" && ok || fail "cosign sign tampered: $(cat cs.out)"

policy() { # policy FILE KEYPATH
	printf '{"default": [{"type": "reject"}], "transports": {"docker": {"%s/test": [{"type": "sigstoreSigned", "keyPath": "%s"}]}}}\n' \
		"$reg" "$2" >"$1"
}
policy policy-a.json "$tmp/a/cosign.pub"
policy policy-b.json "$tmp/b/cosign.pub"
mkdir rd
printf 'docker:\n  %s:\n    use-sigstore-attachments: true\n' "$reg" >rd/default.yaml
pull() { # pull POLICY IMAGE ROOT
	out=$("$BIN/eaa-image" pull --policy "$1" --registries-d rd --tls-verify=false \
		"docker://$reg/test/$2" "$3" 2>&1)
}
pull policy-a.json app:v1 root1 && ok || fail "cosign-signed image: $out"
[[ -f root1/app/secret.txt ]] && ok || fail "cosign-signed image: not unpacked"
pull policy-b.json app:v1 root2 && fail "another key admitted a cosign signature" || ok
expect "another key" 'sigstoreSigned: the sigstore signature does not verify with the policy.s key' "$out"
pull policy-a.json unsigned:v1 root3 && fail "an unsigned image admitted" || ok
expect "unsigned" 'sigstoreSigned: the image has no sigstore signatures' "$out"

# a signature moved to another image: the app's signature manifest put
# where the other image's would be (the other image has another digest)
python3 "$here/make_image.py" moved 'f:moved=1' >/dev/null
skopeo --insecure-policy copy --quiet --dest-tls-verify=false oci:moved \
	"docker://$reg/test/other:v2" 2>err && ok || fail "push test/other:v2: $(cat err)"
dapp=$(skopeo inspect --tls-verify=false --raw "docker://$reg/test/app:v1" | sha256sum | cut -d' ' -f1)
dother=$(skopeo inspect --tls-verify=false --raw "docker://$reg/test/other:v2" | sha256sum | cut -d' ' -f1)
[[ $dapp != "$dother" ]] && ok || fail "the moved-to image has the same digest"
skopeo --insecure-policy copy --quiet --src-tls-verify=false --dest-tls-verify=false \
	"docker://$reg/test/app:sha256-$dapp.sig" "docker://$reg/test/other:sha256-$dother.sig" 2>err &&
	ok || fail "move the signature: $(cat err)"
pull policy-a.json other:v2 root4 && fail "a signature moved to another digest admitted" || ok
expect "moved" "the signature is for manifest sha256:$dapp, not this image's sha256:$dother" "$out"

# a tampered payload under cosign's own signature
dt=$(skopeo inspect --tls-verify=false --raw "docker://$reg/test/tampered:v1" | sha256sum | cut -d' ' -f1)
sigm=$(skopeo inspect --tls-verify=false --raw "docker://$reg/test/tampered:sha256-$dt.sig")
sig=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"])' "$sigm")
pdig=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["layers"][0]["digest"])' "$sigm")
curl -sf "http://$reg/v2/test/tampered/blobs/$pdig" >payload && ok || fail "fetch cosign's payload"
grep -q "\"docker-reference\":\"$reg/test/tampered\"" payload && ok || fail "cosign's payload: $(cat payload)"
sed "s|$reg/test/tampered|$reg/test/tampered |" payload >payload.bad
python3 "$here/push_attachment.py" "$reg" test/tampered "sha256:$dt" payload.bad "$sig" &&
	ok || fail "push the tampered payload"
pull policy-a.json tampered:v1 root5 && fail "a tampered payload admitted" || ok
expect "tampered" 'sigstoreSigned: the sigstore signature does not verify with the policy.s key' "$out"

# --- the policy and the key from verdictd, through the agent ---
mkdir -p root/resources/default/security-policy root/resources/default/cosign-key \
	root/resources/default/sigstore-config
policy root/resources/default/security-policy/test kbs:///default/cosign-key/test
cp a/cosign.pub root/resources/default/cosign-key/test
cp rd/default.yaml root/resources/default/sigstore-config/test
run_verdictd verdictd.log --attester nullattester -o tls.key=vd_tls.pem
start_agent --aa_kbc_params "eaa_kbc::127.0.0.1:$vport" --attester sample --allow-sample \
	-o sample.key=key.pem --broker-pubkey vd_pub.pem
broker() { # broker IMAGE ROOT: everything from verdictd
	out=$("$BIN/eaa-image" pull --policy kbs:///default/security-policy/test \
		--registries-d kbs:///default/sigstore-config/test --getresource "127.0.0.1:$gr" \
		--tls-verify=false "docker://$reg/test/$1" "$2" 2>&1)
}
broker app:v1 root6 && ok || fail "cosign-signed, policy and key from verdictd: $out"
broker unsigned:v1 root7 && fail "verdictd's policy admitted an unsigned image" || ok
cp b/cosign.pub root/resources/default/cosign-key/test
broker app:v1 root8 && fail "verdictd's other key admitted the signature" || ok
stop_agent

# --- the real skopeo's own sigstore signing, the same policy type ---
skopeo --insecure-policy --registries.d rd copy --quiet --dest-tls-verify=false \
	--sign-by-sigstore-private-key a/cosign.key --sign-passphrase-file /dev/null \
	oci:plain:latest "docker://$reg/test/skopeo:v1" 2>err && ok || fail "skopeo sigstore signing: $(cat err)"
pull policy-a.json skopeo:v1 root9 && ok || fail "skopeo's sigstore signature: $out"
pull policy-b.json skopeo:v1 root10 && fail "skopeo's signature admitted by another key" || ok

# --- and its GPG simple signing (gpgme), signatures in a lookaside store ---
export GNUPGHOME=$tmp/gnupg
mkdir -m 700 gnupg
gkey() { # gkey NAME: a new signing key; its fingerprint
	gpg --batch --passphrase '' --quick-gen-key "$1 <$1@example.com>" ed25519 sign 1d 2>/dev/null
	gpg --list-keys --with-colons "$1@example.com" 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }'
}
signer=$(gkey signer) stranger=$(gkey stranger)
gpg --export "$signer" >signer.gpg
gpg --export "$stranger" >stranger.gpg
mkdir rdg
printf 'docker:\n  %s:\n    lookaside: file://%s/sigstore\n    lookaside-staging: file://%s/sigstore\n' \
	"$reg" "$tmp" "$tmp" >rdg/default.yaml
skopeo --insecure-policy --registries.d rdg copy --quiet --dest-tls-verify=false --sign-by "$signer" \
	oci:plain:latest "docker://$reg/test/gpg:v1" 2>err && ok || fail "skopeo --sign-by: $(cat err)"
gpolicy() { # gpolicy FILE KEYRING
	printf '{"default": [{"type": "reject"}], "transports": {"docker": {"%s/test": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "%s"}]}}}\n' \
		"$reg" "$2" >"$1"
}
gpolicy gpg-signer.json "$tmp/signer.gpg"
gpolicy gpg-stranger.json "$tmp/stranger.gpg"
gpull() { out=$("$BIN/eaa-image" pull --policy "$1" --registries-d rdg --tls-verify=false \
	"docker://$reg/test/gpg:v1" "$2" 2>&1); }
gpull gpg-signer.json root11 && ok || fail "skopeo's GPG signature: $out"
gpull gpg-stranger.json root12 && fail "skopeo's GPG signature admitted by another key" || ok
expect "GPG stranger" "signedBy: signature by key [0-9A-F]+: not one of the policy's keys" "$out"
gpgconf --kill all 2>/dev/null
finish
