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
verdictd_root root

layer=$(python3 "$here/make_layout.py" plain)

provider_encrypt plain enc root default/key/1 && ok || fail "keywrap"

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

# The options name the plain layer's digest: another one is refused; for a
# gzip layer, the digest of its decompressed tar is accepted too (what
# containers/image names when it compressed a layer before encrypting it).
tar_digest=sha256:$(gzip -dc "plain/blobs/sha256/${layer#sha256:}" | sha256sum | cut -d' ' -f1)
other=sha256:$(printf other | sha256sum | cut -d' ' -f1)
for named in "$other" "$tar_digest"; do
	rm -rf enc enc.layer enc.wrap
	provider_encrypt plain enc root default/key/1 "$named" && ok || fail "keywrap ($named)"
	agent "dec-$named" --insecure-broker 2>err && rc=0 || rc=1
	if [[ $named == "$other" ]]; then
		[[ $rc == 1 ]] && ok || fail "a layer whose options name another digest was used"
		expect "another digest" "the decrypted layer is $layer, its options say $other" "$(cat err)"
		[[ ! -e "dec-$named" ]] && ok || fail "output written for a layer of another digest"
	else
		[[ $rc == 0 ]] && ok || fail "options naming the gzip layer's tar: $(cat err)"
		expect "tar digest" "^$layer " "$(layer_of "dec-$named")"
	fi
done
rm -rf enc enc.layer enc.wrap
provider_encrypt plain enc root default/key/1 && ok || fail "keywrap"

# Without a way to authenticate verdictd, or without verdictd: refused.
agent dec2 2>err && fail "an unauthenticated broker was used silently" || ok
expect "broker check" 'no verifier for verdictd' "$(cat err)"
"$BIN/eaa-decrypt" --key key.pem enc dec3 2>err && fail "decrypted without verdictd" || ok
expect "needs a provider" 'key-provider packet needs --decryption-key provider:... or --verdictd' "$(cat err)"

# The policy refuses the agent: a named refusal, nothing written.
echo '{"svn": 3}' >root/opa/sampleData
agent dec4 --insecure-broker 2>err && fail "a refused agent got the key" || ok
expect "refused" 'the broker \(verdictd at [^)]*\) refused our attestation' "$(cat err)"
[[ ! -e dec4 ]] && ok || fail "output written for a refused agent"
expect "decision logged" 'samplePolicy.rego says allow = false' "$(cat verdictd.log)"

finish
