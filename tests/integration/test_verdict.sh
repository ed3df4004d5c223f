#!/usr/bin/env bash
# test_verdict.sh BIN_DIR DATA_DIR - verdictd and verdict as the seeds run
# them: the OPA reference workflow of the SGX guide (export, test locally,
# set), policies and reference data refused when they do not compile or
# parse, the client API refusing calls without its token, keys and
# resources, rats-tls-client --verdictd allowed and denied by the policy,
# and kill -9 during --set-opa-reference leaving the old or the new data;
# the resource policy set, exported and tested like the TEEs' policies,
# with docs/verdictd.md's example as written there.
# Under with_pg.sh the same checks run on its PostgreSQL store, named in
# the configuration file; what the checks read of the store is then read
# through verdict --store-export.
set -u
BIN=$(cd "$1" && pwd) DATA=$(cd "$2" && pwd)
tmp=$(mktemp -d)
vdpid=""
trap '[ -n "$vdpid" ] && kill -9 $vdpid 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"

root=$tmp/root
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/key.pem" 2>/dev/null
openssl pkey -in "$tmp/key.pem" -pubout -out "$tmp/trust.pem"

# Part of the configuration from a file (as the systemd unit runs it); the
# command line's --log-level overrides the file's.
cat >"$tmp/verdictd.conf" <<C
# verdictd test configuration
root = $root
mutual = true
verifier = sample
attester = nullattester
log-level = off
C
if on_pg; then
	printf 'store = %s\nstore-key = %s\n' "$EAA_TEST_PG_URL" "$EAA_TEST_STORE_KEY" >>"$tmp/verdictd.conf"
fi
start_verdictd() {
	mkfifo "$tmp/ready"
	"$BIN/verdictd" --config "$tmp/verdictd.conf" --listen 127.0.0.1:0 \
		--client-api 127.0.0.1:0 --sample-trust "$tmp/trust.pem" --log-level info \
		>"$tmp/ready" 2>>"$tmp/verdictd.log" &
	vdpid=$!
	exec 3<"$tmp/ready"
	read -r l1 <&3
	read -r l2 <&3
	exec 3<&-
	rm "$tmp/ready"
	port=${l1##*:}
	api=127.0.0.1:${l2##*:}
}

v() { # v EXPECTED_RC ARGS... : verdict with the token; leaves $out, $err
	local want=$1; shift
	(cd "$tmp/work" && "$BIN/verdict" --client-api "$api" \
		--token-file "$root/client-api.token" "$@") >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out") err=$(cat "$tmp/err")
	if [[ $rc == "$want" ]]; then ok; else fail "verdict $* exited $rc, want $want: $err"; fi
}

mkdir -p "$tmp/work"
printf 'listen 127.0.0.1:0\n' >"$tmp/bad.conf"
"$BIN/verdictd" --config "$tmp/bad.conf" 2>"$tmp/err"; rc=$?
[[ $rc == 2 ]] && ok || fail "a bad config file: exit $rc"
expect "bad config" 'bad.conf:1: expected "option = value"' "$(cat "$tmp/err")"
start_verdictd
[[ -f $root/client-api.token && $(stat -c %a "$root/client-api.token") == 600 ]] && ok ||
	fail "token file missing or not 0600"

# The SGX guide's first step on a fresh install: the default reference
# values (as the original's, plus the TCB statuses accepted).
v 0 --export-opa-reference sgxData
expect "default sgxData" '"mrEnclave": \[\]' "$(cat "$tmp/work/sgxData")"
expect "default tcbStatus" '"tcbStatus": \["UpToDate"\]' "$(cat "$tmp/work/sgxData")"

# The SGX guide (seed 002): reference values and evidence, as it writes them.
cat >"$tmp/work/sgxData" <<'J'
{
    "mrEnclave": ["zqs/chEBBNrInHlSCDO+0eV/pnlAB5qieF3M0hKfekA="],
    "mrSigner": ["g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4="],
    "productId": 0,
    "svn": 0
}
J
cat >"$tmp/work/evidence" <<'J'
{
    "mrEnclave": "zqs/chEBBNrInHlSCDO+0eV/pnlAB5qieF3M0hKfekA=",
    "mrSigner": "g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4=",
    "productId": 0,
    "svn": 0
}
J
# Its test step on a fresh install (the default sgxPolicy.rego): refused,
# and the explanation names the claims the hand-written evidence lacks.
v 0 --test-opa-local-reference sgxPolicy.rego ./sgxData ./evidence
expect "seed 002 refused" '"allow": false' "$out"
expect "seed 002 why" 'why allow is not true:
data.policy.allow is false
  allow \(sgxPolicy.rego:6\): tcb_is_accepted is undefined \(sgxPolicy.rego:8:5\)
    tcb_is_accepted \(sgxPolicy.rego:26\): input.tcb_status is undefined' "$out"
# The evidence docs/verdictd.md shows passes, with nothing to explain.
cat >"$tmp/work/evidence-tcb" <<'J'
{
    "mrEnclave": "zqs/chEBBNrInHlSCDO+0eV/pnlAB5qieF3M0hKfekA=",
    "mrSigner": "g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4=",
    "productId": 0,
    "svn": 0,
    "tcb_status": "UpToDate",
    "debug": false
}
J
v 0 --test-opa-local-reference sgxPolicy.rego ./sgxData ./evidence-tcb
expect "docs evidence allowed" '"allow": true' "$out"
[[ $out != *why* ]] && ok || fail "an allowed test explained: $out"
sed 's/"debug": false/"debug": true/' "$tmp/work/evidence-tcb" >"$tmp/work/evidence-debug"
v 0 --test-opa-local-reference sgxPolicy.rego ./sgxData ./evidence-debug
expect "debug refused, named" 'allow \(sgxPolicy.rego:6\): not input.debug fails: input.debug is true \(sgxPolicy.rego:7:5\)' "$out"
# The original verdictd's policy, as the guide then uses it.
v 0 --set-opa-policy sgxPolicy.rego "$DATA/policy/verdictd_sgxPolicy.rego"
sed 's/zqs/ZQS/' "$tmp/work/evidence" >"$tmp/work/other-evidence"
v 0 --test-opa-local-reference sgxPolicy.rego ./sgxData ./evidence
expect "local reference allows" '"allow": true' "$out"
v 0 --test-opa-local-reference sgxPolicy.rego ./sgxData ./other-evidence
expect "local reference denies" '"allow": false' "$out"
v 0 --set-opa-reference sgxData ./sgxData
cmp -s "$(stored opa/sgxData)" "$tmp/work/sgxData" && ok || fail "sgxData not stored"
rm "$tmp/work/sgxData"
v 0 --export-opa-reference sgxData
cmp -s "$(stored opa/sgxData)" "$tmp/work/sgxData" && ok || fail "sgxData not exported"
v 0 --test-opa-remote sgxPolicy.rego sgxData ./evidence
expect "remote" '"allow": true' "$out"
v 0 --test-opa-local-policy "$DATA/policy/verdictd_sgxPolicy.rego" sgxData ./other-evidence
expect "local policy" '"allow": false' "$out"
"$BIN/verdict" --test-opa-local "$DATA/policy/verdictd_sgxPolicy.rego" "$tmp/work/sgxData" \
	"$tmp/work/evidence" >"$tmp/out" 2>&1 && ok || fail "--test-opa-local without a daemon"
expect "no daemon" '"allow": true' "$(cat "$tmp/out")"
"$BIN/verdict" --test-opa-local "$DATA/policy/verdictd_sgxPolicy.rego" "$tmp/work/sgxData" \
	"$tmp/work/other-evidence" >"$tmp/out" 2>&1 && ok || fail "--test-opa-local refusal"
expect "no daemon, why" 'mrEnclave_is_grant \(verdictd_sgxPolicy.rego:17\): input.mrEnclave \("ZQS/chEBBNrInHlSCDO\+0eV/pnlAB5qieF3M0hKfekA="\) == data.mrEnclave\[_\] \("zqs/chEBBNrInHlSCDO\+0eV/pnlAB5qieF3M0hKfekA="\) is false' "$(cat "$tmp/out")"

# What does not parse or compile is refused and the stored file stays.
echo '{"svn": ' >"$tmp/work/bad"
v 1 --set-opa-reference sgxData ./bad
expect "bad reference" 'sgx reference values not stored' "$err"
printf 'package policy\nallow { contain(input.a, "b") }\n' >"$tmp/work/bad.rego"
v 1 --set-opa-policy sgxPolicy.rego ./bad.rego
expect "bad policy" 'policy.rego:2:9: unknown function contain' "$err"
cmp -s "$(stored opa/sgxData)" "$tmp/work/sgxData" && ok || fail "refused data replaced the stored one"
v 1 --set-opa-reference ../../etc/passwd ./sgxData
expect "bad name" 'not a policy or reference name' "$err"

# The resource policy, like the TEEs': its default exported, the example
# of docs/verdictd.md set and tested as written there, a broken one refused.
doc_block() { # doc_block MARKER: the indented block after MARKER, unindented
	python3 - "$(dirname "$0")/../../docs/verdictd.md" "$1" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
i = next(n for n, l in enumerate(lines) if l.startswith(sys.argv[2])) + 1
out = []
while i < len(lines) and (lines[i].startswith("    ") or
                          (lines[i] == "" and i + 1 < len(lines) and lines[i + 1].startswith("    "))):
    out.append(lines[i][4:])
    i += 1
print("\n".join(out))
PY
}
v 0 --export-opa-policy resourcePolicy.rego
expect "default resource policy" $'\nallow := true\n' "$(cat "$tmp/work/resourcePolicy.rego")"$'\n'
mv "$tmp/work/resourcePolicy.rego" "$tmp/work/default-resourcePolicy.rego"
v 0 --export-opa-reference resourceData
expect "default resourceData" '^\{\}$' "$(cat "$tmp/work/resourceData")"
doc_block '<!-- example resourcePolicy.rego:' >"$tmp/work/resourcePolicy.rego"
doc_block '<!-- example resourceData:' >"$tmp/work/resourceData"
expect "docs example" 'allow if input.claims.measurement in data.tenants\[tenant\]' \
	"$(cat "$tmp/work/resourcePolicy.rego")"
a1=$(printf 'a1%.0s' {1..32})
req() { # req MEASUREMENT KID
	printf '{"tee": "sample", "claims": {"measurement": "%s", "svn": 0}, "command": "Get KEK", "kid": "%s", "path": "keys/%s"}\n' \
		"$1" "$2" "$2"
}
req "$a1" tenantA/key/1 >"$tmp/work/reqA"
req "$a1" tenantB/key/1 >"$tmp/work/reqB"
v 0 --test-opa-local resourcePolicy.rego resourceData ./reqA
expect "resource local allows" '"allow": true' "$out"
expect "resource local tenant" '"tenant": "tenantA"' "$out"
v 0 --test-opa-local resourcePolicy.rego resourceData ./reqB
expect "resource local refuses" '"allow": false' "$out"
v 0 --set-opa-reference resourceData ./resourceData
v 0 --set-opa-policy resourcePolicy.rego ./resourcePolicy.rego
cmp -s "$(stored opa/resourcePolicy.rego)" "$tmp/work/resourcePolicy.rego" && ok ||
	fail "resourcePolicy.rego not stored"
v 0 --test-opa-remote resourcePolicy.rego resourceData ./reqA
expect "resource remote allows" '"allow": true' "$out"
v 0 --test-opa-remote resourcePolicy.rego resourceData ./reqB
expect "resource remote refuses" '"allow": false' "$out"
v 0 --test-opa-local-policy ./default-resourcePolicy.rego resourceData ./reqB
expect "resource local policy" '"allow": true' "$out"
printf 'package policy\nallow { input.x ==\n' >"$tmp/work/bad.rego"
v 1 --set-opa-policy resourcePolicy.rego ./bad.rego
expect "bad resource policy" 'resource policy not stored: policy.rego:3:' "$err"
v 1 --set-opa-reference resourceData ./bad.rego
expect "bad resourceData" 'resource reference values not stored' "$err"
v 1 --set-opa-policy resourcePolicy.rego ./resourceData
expect "JSON as the resource policy" 'resource policy not stored' "$err"
cmp -s "$(stored opa/resourcePolicy.rego)" "$tmp/work/resourcePolicy.rego" && ok ||
	fail "a refused resource policy replaced the stored one"
rm "$tmp/work/resourcePolicy.rego"
v 0 --export-opa-policy resourcePolicy.rego
cmp -s "$(stored opa/resourcePolicy.rego)" "$tmp/work/resourcePolicy.rego" && ok ||
	fail "resourcePolicy.rego not exported"
v 0 --set-opa-policy resourcePolicy.rego ./default-resourcePolicy.rego

# No token, wrong token: refused.
echo 0000 >"$tmp/wrong.token"
(cd "$tmp/work" && "$BIN/verdict" -c "$api" --token-file "$tmp/wrong.token" \
	--export-opa-reference sgxData) 2>"$tmp/err" && fail "wrong token accepted" || ok
expect "unauthenticated" 'unauthenticated' "$(cat "$tmp/err")"
printf '{"command":"export-opa","name":"sgxData"}' >"$tmp/req"
reply=$(python3 -c "
import socket,sys
s=socket.create_connection(('127.0.0.1', int(sys.argv[1]))); s.sendall(open(sys.argv[2],'rb').read())
s.shutdown(socket.SHUT_WR); print(s.recv(65536).decode())" "${api##*:}" "$tmp/req")
expect "no token" '"status":"Fail"' "$reply"
[[ $reply != *'"data"'* ]] && ok || fail "no token, yet data: $reply"

# Keys and resources.
v 0 --create-key default/key/1
v 1 --create-key default/key/1
expect "key exists" 'exists' "$err"
v 0 --list-keys
expect "list" 'default/key/1' "$out"
k=$(stored keys/default/key/1)
[[ $(stat -c %s "$k") == 32 && $(stat -c %a "$k") == 600 ]] &&
	ok || fail "key file not 32 bytes 0600"
v 1 --create-key ../escape
v 0 --delete-key default/key/1
echo '{"default": [{"type": "insecureAcceptAnything"}],}' >"$tmp/work/bad-policy.json"
v 1 --set-image-policy ./bad-policy.json
expect "invalid policy.json" 'image/policy.json' "$err"
echo '{"default": [{"type": "reject"}]}' >"$tmp/work/policy.json"
v 0 --set-image-policy ./policy.json
v 0 --export-image-policy
cmp -s "$tmp/work/policy.json" "$tmp/work/image_policy.json" && ok || fail "image policy export"
v 0 --set_resource default/cosign-key/test ./policy.json
v 0 --get_resource default/cosign-key/test
expect "resource" 'eyJkZWZhdWx0Ijog' "$out"
v 1 --get_resource default/../../keys

# GPG keys for image signatures (seed 000's keyring.gpg).
export GNUPGHOME=$tmp/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --passphrase '' --quick-gen-key 'Image Signer <signer@example.com>' ed25519 sign never \
	>/dev/null 2>&1 && ok || fail "gpg key generation"
gpg --armor --export signer@example.com >"$tmp/work/signer.pub"
gpg --batch --pinentry-mode loopback --passphrase '' --armor --export-secret-keys \
	signer@example.com >"$tmp/work/signer.sec" 2>/dev/null
fpr=$(gpg --with-colons --fingerprint signer@example.com | awk -F: '/^fpr/ {print $10; exit}')
v 0 --import-gpg-key ./signer.pub
expect "imported" 'imported 1' "$out"
v 0 --list-gpg-keys
expect "listed" "$fpr Image Signer <signer@example.com>" "$out"
gpg --no-default-keyring --keyring "$(stored gpg/keyring.gpg)" --list-keys 2>/dev/null |
	grep -q "$fpr" && ok || fail "keyring.gpg does not hold the imported key"
v 1 --import-gpg-key ./signer.sec
expect "no secret keys" 'secret key' "$err"
v 1 --import-gpg-key ./sgxData
expect "not a key" 'no OpenPGP key' "$err"
v 1 --delete-gpg-key "x; rm -rf /"
v 0 --delete-gpg-key "$fpr"
v 0 --list-gpg-keys
[[ -z $out ]] && ok || fail "key still listed after delete: $out"
unset GNUPGHOME

# rats-tls-client --verdictd (the seed's check) against the sample policy.
printf 'package policy\nimport rego.v1\ndefault allow := false\nallow if input.svn >= data.svn\n' \
	>"$tmp/work/samplePolicy.rego"
echo '{"svn": 0}' >"$tmp/work/sampleData"
v 0 --set-opa-policy samplePolicy.rego ./samplePolicy.rego
v 0 --set-opa-reference sampleData ./sampleData
client() {
	"$BIN/rats-tls-client" -a sample -v nullverifier -t openssl -c openssl -i 127.0.0.1 \
		-p "$port" --mutual --verdictd --sample-key "$tmp/key.pem" -l off >"$tmp/out" 2>&1
}
: >"$tmp/verdictd.log"
client && ok || fail "allowed client refused: $(cat "$tmp/out")"
expect "echo" 'Server: Hello and welcome to RATS-TLS!' "$(cat "$tmp/out")"
# one log line per handshake at info level, the claims only at debug
n=$(grep -c 'allowed sample peer' "$tmp/verdictd.log")
[[ $n == 1 ]] && ok || fail "handshake logged $n times: $(cat "$tmp/verdictd.log")"
grep -q '"svn"' "$tmp/verdictd.log" && fail "claims logged at info: $(cat "$tmp/verdictd.log")" || ok
echo '{"svn": 1}' >"$tmp/work/sampleData"
v 0 --set-opa-reference sampleData ./sampleData
client && fail "denied client accepted" || ok
expect "named refusal" 'refused this connection' "$(cat "$tmp/out")"
expect "decision logged" 'samplePolicy.rego says allow = false' "$(cat "$tmp/verdictd.log")"
# with the policy's reason, on the refusal's one line
expect "refusal explained" '\[warn\] refused sample peer: samplePolicy.rego says allow = false: data.policy.allow is false \| allow \(samplePolicy.rego:4\): input.svn \(0\) >= data.svn \(1\) is false \(samplePolicy.rego:4:10\) \| default allow \(samplePolicy.rego:3\): false' "$(cat "$tmp/verdictd.log")"

# kill -9 while reference values are being set: the old or the new file.
python3 -c "import json; print(json.dumps({'a': 'x' * 300000}))" >"$tmp/work/A"
python3 -c "import json; print(json.dumps({'b': 'y' * 300000}))" >"$tmp/work/B"
v 0 --set-opa-reference tpmData ./A
for i in 1 2 3 4 5 6; do
	(cd "$tmp/work" && "$BIN/verdict" -c "$api" --token-file "$root/client-api.token" \
		--set-opa-reference tpmData ./B >/dev/null 2>&1) &
	writer=$!
	kill -9 "$vdpid"; wait "$vdpid" 2>/dev/null; vdpid=""
	wait "$writer" 2>/dev/null
	if cmp -s "$(stored opa/tpmData)" "$tmp/work/A" || cmp -s "$(stored opa/tpmData)" "$tmp/work/B"; then
		ok
	else
		fail "kill -9 left a torn tpmData"
	fi
	start_verdictd
done
! on_pg && ls "$root/opa" | grep -q '\.tmp\.' && fail "stale temporary files after restart" || ok

# The seed's SGX command line as written (ports 0, our root): it starts,
# taking collateral from the local PCCS by default, and says so.
mkfifo "$tmp/seed"
"$BIN/verdictd" --client-api 127.0.0.1:0 --listen 127.0.0.1:0 --mutual --attester nullattester \
	--verifier sgx_ecdsa --tls openssl --crypto openssl --root "$tmp/seedroot" \
	>"$tmp/seed" 2>"$tmp/seed.err" &
seedpid=$!
read -r line <"$tmp/seed"
kill "$seedpid"; wait "$seedpid" 2>/dev/null
expect "seed sgx line" '^listening on 127.0.0.1:[0-9]+$' "$line"
expect "seed sgx collateral" 'collateral from the PCCS at https://localhost:8081' "$(cat "$tmp/seed.err")"

# No TEE is accepted unless its verifier is named: --mutual alone refuses
# to start, and a verifier no policy covers is refused by name.
"$BIN/verdictd" --listen 127.0.0.1:0 --mutual --attester nullattester \
	--root "$tmp/seedroot" >/dev/null 2>"$tmp/nov.err" && rc=0 || rc=$?
[[ $rc == 2 ]] && ok || fail "verdictd --mutual without --verifier: exit $rc, want 2"
expect "no verifier" 'mutual needs --verifier' "$(cat "$tmp/nov.err")"
"$BIN/verdictd" --listen 127.0.0.1:0 --mutual --verifier nullverifier \
	--root "$tmp/seedroot" >/dev/null 2>"$tmp/nov.err" && rc=0 || rc=$?
[[ $rc == 2 ]] && ok || fail "verdictd --verifier nullverifier: exit $rc, want 2"
expect "nullverifier" 'nullverifier: no policy covers it' "$(cat "$tmp/nov.err")"

# Numbers are numbers within bounds: a negative request bound (SIZE_MAX
# once parsed) or a count with a suffix is refused, not taken.
for bad in "--max-request -1" "--max-request 2000000000" "--max-connections 10x" \
	"--channel-ttl 0" "--idle-timeout -5"; do
	# shellcheck disable=SC2086
	"$BIN/verdictd" --listen 127.0.0.1:0 --root "$tmp/seedroot" $bad >/dev/null 2>"$tmp/num.err" &&
		rc=0 || rc=$?
	[[ $rc == 2 ]] && ok || fail "verdictd $bad: exit $rc, want 2"
	expect "$bad" "${bad% *}: bad value \"${bad#* }\"" "$(cat "$tmp/num.err")"
done

# At start it says, per TEE named, what it will accept: on the built-in
# defaults, nothing until reference values are listed.
mkfifo "$tmp/desc"
"$BIN/verdictd" --listen 127.0.0.1:0 --mutual --attester nullattester \
	--verifier sev_snp,csv,tpm --root "$tmp/descroot" >"$tmp/desc" 2>"$tmp/desc.err" &
descpid=$!
read -r line <"$tmp/desc"
kill "$descpid"; wait "$descpid" 2>/dev/null
for t in snp csv tpm; do
	expect "start: $t" "$t: refuses every peer until reference values are listed in $tmp/descroot/opa/${t}Data" \
		"$(cat "$tmp/desc.err")"
done
grep -q '^verdictd: sgx:' "$tmp/desc.err" && fail "sgx described but not enabled" || ok
expect "start: resources" "resources: $tmp/descroot/opa/resourcePolicy.rego allows every allowed peer every key and resource \\(the default" \
	"$(cat "$tmp/desc.err")"

# The seed's CSV command line (seed 000) as written: it starts.
mkfifo "$tmp/seed_csv"
"$BIN/verdictd" --listen 127.0.0.1:0 --verifier csv --attester nullattester \
	--client-api 127.0.0.1:0 --mutual --root "$tmp/seedroot" >"$tmp/seed_csv" 2>"$tmp/seed.err" &
seedpid=$!
read -r line <"$tmp/seed_csv"
kill "$seedpid"; wait "$seedpid" 2>/dev/null
expect "seed csv line" '^listening on 127.0.0.1:[0-9]+$' "$line"

finish
