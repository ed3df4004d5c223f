#!/usr/bin/env bash
# test_tpm.sh BIN_DIR - TPM 2.0 attestation on a real software TPM (swtpm,
# started here on a unix socket): eaa-tpm's AK and quotes checked by
# rats-verify (every byte flipped and every truncation refused, wrong AK,
# wrong qualifyingData), an RA-TLS handshake with the tpm attester, a
# verdictd key release to the attestation agent attesting with the TPM,
# allowed and refused by PCR reference values, a TCG event log replayed
# against the quoted PCRs (written by tpm_eventlog as it extends them),
# and the AK's enrolment
# through the EK certificate (a second swtpm, manufactured by swtpm_setup
# with an EK certificate from a private local CA).
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
      [[ -f $tmp/swtpm.pid ]] && kill "$(cat "$tmp/swtpm.pid")" 2>/dev/null
      [[ -f $tmp/ek/swtpm.pid ]] && kill "$(cat "$tmp/ek/swtpm.pid")" 2>/dev/null
      rm -rf "$tmp"' EXIT
. "$here/lib.sh"
cd "$tmp"
export TSS2_LOG=all+NONE   # tpm2-tss logs to stderr; the tests read errors from us

start_swtpm

# --- eaa-tpm and rats-verify ---
"$BIN/eaa-tpm" ak --tcti "$tcti" >ak.pem && ok || fail "eaa-tpm ak"
"$BIN/eaa-tpm" ak --tcti "$tcti" | cmp -s - ak.pem && ok || fail "the AK is not stable"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
	openssl pkey -pubout -out other_ak.pem
nonce=$(openssl rand -hex 32)
"$BIN/eaa-tpm" quote --tcti "$tcti" --pcrs 0-7,16 --nonce "$nonce" -o quote.bin && ok ||
	fail "eaa-tpm quote"
out=$("$BIN/rats-verify" --tee tpm --ak ak.pem --report-data "$nonce" quote.bin 2>&1) && ok ||
	fail "rats-verify: $out"
expect "tpm claims" '"pcr16": "0{64}"' "$out"
expect "tpm qualifying data" "\"qualifying_data\": \"$nonce\"" "$out"
err=$("$BIN/rats-verify" --tee tpm --ak other_ak.pem quote.bin 2>&1) && fail "other AK" || ok
expect "untrusted AK" 'attestation key is not one of the trusted AKs \(untrusted\)' "$err"
err=$("$BIN/rats-verify" --tee tpm --ak ak.pem --report-data 00 quote.bin 2>&1) &&
	fail "wrong nonce" || ok
expect "wrong nonce" 'qualifyingData is not the expected value \(binding\)' "$err"
"$BIN/rats-verify" --tee tpm quote.bin 2>/dev/null; [[ $? == 2 ]] && ok || fail "--ak required"
# Every byte flipped, and every truncation, is refused.
"$BIN/tpm_sweep" quote.bin ak.pem "$nonce" >sweep.out 2>&1 && ok ||
	fail "tpm flip/truncate sweep: $(cat sweep.out)"
# A PCR that changes is quoted as it is now.
nonce2=$(openssl rand -hex 32)
"$BIN/eaa-tpm" quote --tcti "$tcti" --pcrs sha256:16+sha1:16 --nonce "$nonce2" -o q2.bin &&
	ok || fail "two banks"
out=$("$BIN/rats-verify" --tee tpm --ak ak.pem q2.bin 2>&1) && ok || fail "two banks: $out"
expect "sha1 bank" '"sha1_pcr16": "0{40}"' "$out"
"$BIN/eaa-tpm" quote --tcti "$tcti" --pcrs 0-24 --nonce 00 -o /dev/null 2>/dev/null
[[ $? == 2 ]] && ok || fail "PCR 24 accepted"

# --- RA-TLS: the tpm attester on the server, the tpm verifier on the client ---
start_server -a tpm -v nullverifier -i 127.0.0.1 -o tpm.tcti="$tcti" -o tpm.pcrs=0-7
out=$("$BIN/rats-tls-client" -v tpm -p "$port" -o tpm.ak=ak.pem 2>err) && ok ||
	fail "RA-TLS with the tpm attester: $(cat err)"
expect "ra-tls claims" '"verifier":"tpm"' "$out"
pcr0=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["claims"]["pcr0"])' "$out")
out=$("$BIN/rats-tls-client" -p "$port" -o tpm.ak=ak.pem 2>err) && ok ||
	fail "tpm verifier inferred: $(cat err)"
"$BIN/rats-tls-client" -p "$port" -o tpm.ak=other_ak.pem -l off >/dev/null 2>err &&
	fail "RA-TLS with an untrusted AK" || ok
expect "ra-tls untrusted AK" "verifier tpm: TPM quote: the attestation key is not one of the trusted AKs" "$(cat err)"
"$BIN/rats-tls-client" -p "$port" -l off >/dev/null 2>err && fail "no AK configured" || ok
expect "ra-tls no trust" "no verifier with configured trust handles it" "$(cat err)"

# --- verdictd releases a layer key to the agent attesting with the TPM ---
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out vd_tls.pem 2>/dev/null
openssl pkey -in vd_tls.pem -pubout -out vd_pub.pem
verdictd_root root
printf '{"pcrs": {"pcr0": ["%s"]}}\n' "$pcr0" >root/opa/tpmData
layer=$(python3 "$here/make_layout.py" plain)
provider_encrypt plain enc root default/key/1 && ok || fail "keywrap"
mkfifo vd_ready aa_ready
"$BIN/verdictd" --listen 127.0.0.1:0 --verifier tpm --attester nullattester --mutual \
	--root root -o tpm.ak=ak.pem -o tls.key=vd_tls.pem >vd_ready 2>verdictd.log &
pids+=($!)
read -r line <vd_ready
vport=${line##*:}
start_agent() { # start_agent ARGS...: the agent on free ports ($kp)
	"$BIN/attestation-agent" --keyprovider_sock 127.0.0.1:0 --getresource_sock 127.0.0.1:0 \
		--aa_kbc_params eaa_kbc::127.0.0.1:"$vport" --attester tpm -o tpm.tcti="$tcti" \
		--broker-pubkey vd_pub.pem "$@" >aa_ready 2>agent.log &
	aa=$!
	pids+=($aa)
	read -r line <aa_ready; kp=${line##* }
	read -r line <aa_ready
	printf '{"key-providers":{"attestation-agent":{"grpc":"127.0.0.1:%s"}}}' "$kp" >grpc.conf
}
start_agent
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config grpc.conf \
	enc dec 2>err && ok || fail "key release to the TPM-attested agent: $(cat err)"
expect "decrypted layer" "^$layer " "$(layer_of dec)"
grep -q "allowed tpm peer" verdictd.log && ok || fail "verdictd did not log the tpm peer"
kill "$aa"; wait "$aa" 2>/dev/null
# PCR 0 is not one of the listed values: no key.
printf '{"pcrs": {"pcr0": ["%s"]}}\n' "$(printf '1%.0s' {1..64})" >root/opa/tpmData
start_agent
"$BIN/eaa-decrypt" --decryption-key provider:attestation-agent --keyprovider-config grpc.conf \
	enc dec2 2>err && fail "key released for an unlisted PCR 0" || ok
[[ ! -e dec2 ]] && ok || fail "partial output left"

# --- a TCG event log, replayed against the quote ---
"$BIN/tpm_eventlog" "$tcti" log.bin && ok || fail "tpm_eventlog"
nonce=$(openssl rand -hex 32)
"$BIN/eaa-tpm" quote --tcti "$tcti" --pcrs 0-7+sha1:0-7 --eventlog log.bin --nonce "$nonce" \
	-o ql.bin && ok || fail "quote with an event log"
out=$("$BIN/rats-verify" --tee tpm --ak ak.pem --report-data "$nonce" ql.bin 2>&1) && ok ||
	fail "event log replay: $out"
events=$(python3 -c 'import json,sys
c = json.loads(sys.stdin.read())
for e in c["event_log"]:
    print(e["pcr"], e["type"], len(e["digest"]), "data" in e)' <<<"$out")
expect "replayed events" $'^0 EV_S_CRTM_VERSION 64 True\n1 EV_EFI_VARIABLE_BOOT 64 True\n4 EV_EFI_BOOT_SERVICES_APPLICATION 64 False\n7 EV_SEPARATOR 64 True\n0 EV_SEPARATOR 64 True$' "$events"
# Only the SHA-1 bank quoted: the log's SHA-1 digests are the verified ones.
"$BIN/eaa-tpm" quote --tcti "$tcti" --pcrs sha1:0-7 --eventlog log.bin --nonce 00 -o q1.bin &&
	ok || fail "sha1 quote with an event log"
out=$("$BIN/rats-verify" --tee tpm --ak ak.pem q1.bin 2>&1) && ok || fail "sha1 replay: $out"
expect "sha1 digests" '"digest": "[0-9a-f]{40}"' "$out"
# A digest edited in the log, and a PCR extended behind the log's back.
python3 - log.bin bad_digest.log bad_data.log <<'PYEDIT'
import sys
log = bytearray(open(sys.argv[1], "rb").read())
i = log.index(b"EAA test firmware 1.0")
d = bytearray(log); d[i - 4 - 1] ^= 1          # last byte of its SHA-256 digest
open(sys.argv[2], "wb").write(d)
d = bytearray(log); d[i] ^= 1                  # its data, which the digest hashes
open(sys.argv[3], "wb").write(d)
PYEDIT
"$BIN/eaa-tpm" quote --tcti "$tcti" --pcrs 0-7 --eventlog bad_digest.log --nonce 00 -o qb.bin
err=$("$BIN/rats-verify" --tee tpm --ak ak.pem qb.bin 2>&1) && fail "edited digest replayed" || ok
expect "edited digest" "TPM event log: replayed, sha256 PCR 0 is [0-9a-f]{64}; the quote holds" "$err"
"$BIN/eaa-tpm" quote --tcti "$tcti" --pcrs 0-7 --eventlog bad_data.log --nonce 00 -o qd.bin
out=$("$BIN/rats-verify" --tee tpm --ak ak.pem qd.bin 2>&1) && ok || fail "edited data: $out"
[[ $(python3 -c 'import json,sys; print("data" in json.loads(sys.stdin.read())["event_log"][0])' \
	<<<"$out") == False ]] && ok || fail "unbound event data reported"
head -c -1 ql.bin >qcut.bin
err=$("$BIN/rats-verify" --tee tpm --ak ak.pem qcut.bin 2>&1) && fail "evidence with a cut log" || ok
expect "cut evidence log" "not an event log of its stated length" "$err"
head -c 60 log.bin >cut.log
"$BIN/eaa-tpm" quote --tcti "$tcti" --pcrs 0-7 --eventlog cut.log --nonce 00 -o qc.bin
err=$("$BIN/rats-verify" --tee tpm --ak ak.pem qc.bin 2>&1) && fail "cut log" || ok
expect "cut log" "TPM event log: the header event is cut short" "$err"
# The attester sends the log with its quote; the claims carry the events.
start_server -a tpm -v nullverifier -i 127.0.0.1 -o tpm.tcti="$tcti" -o tpm.eventlog=log.bin
out=$("$BIN/rats-tls-client" -v tpm -p "$port" -o tpm.ak=ak.pem 2>err) && ok ||
	fail "RA-TLS with an event log: $(cat err)"
expect "ra-tls event log" '"event_log":\[\{"data":"[0-9a-f]+","digest":"[0-9a-f]{64}","pcr":0,"type":"EV_S_CRTM_VERSION"' "$out"
# A log too large for an RA-TLS certificate is refused at the attester.
head -c 300000 /dev/zero >big.log
"$BIN/rats-tls-server" -a tpm -i 127.0.0.1 -p 0 -o tpm.tcti="$tcti" -o tpm.eventlog=big.log \
	-l off >/dev/null 2>err && fail "server with a 300 KB event log" || ok
expect "log too large" "the event log big.log \(300000 bytes\) makes the evidence larger" "$(cat err)"
# PCRs extended again behind the log's back: the stale log is refused.
"$BIN/tpm_eventlog" "$tcti" log2.bin && ok || fail "extend again"
"$BIN/eaa-tpm" quote --tcti "$tcti" --pcrs 0-7 --eventlog log.bin --nonce 00 -o qs.bin
err=$("$BIN/rats-verify" --tee tpm --ak ak.pem qs.bin 2>&1) && fail "stale log" || ok
expect "stale log" "replayed, sha256 PCR 0 is" "$err"

# --- enrolling the AK through the EK certificate (credential activation) ---
mkdir -p ek/state ek/ca
cat >ek/setup.conf <<CONF
create_certs_tool = /usr/bin/swtpm_localca
create_certs_tool_config = $tmp/ek/localca.conf
create_certs_tool_options = $tmp/ek/localca.options
active_pcr_banks = sha256
CONF
printf 'statedir = %s\nsigningkey = %s\nissuercert = %s\ncertserial = %s\n' "$tmp/ek/ca" \
	"$tmp/ek/ca/signkey.pem" "$tmp/ek/ca/issuercert.pem" "$tmp/ek/ca/certserial" \
	>ek/localca.conf
printf -- '--platform-manufacturer EAA\n--platform-version 2.1\n--platform-model test\n' \
	>ek/localca.options
swtpm_setup --tpm2 --tpmstate "$tmp/ek/state" --create-ek-cert --config "$tmp/ek/setup.conf" \
	>ek/setup.log 2>&1 && ok || fail "swtpm_setup: $(cat ek/setup.log)"
swtpm socket --tpm2 --daemon --server type=unixio,path="$tmp/ek/tpm.sock" \
	--ctrl type=unixio,path="$tmp/ek/tpm.sock.ctrl" --tpmstate dir="$tmp/ek/state" \
	--pid file="$tmp/ek/swtpm.pid" --flags not-need-init,startup-clear ||
	fail "second swtpm did not start"
ektcti="swtpm:path=$tmp/ek/tpm.sock"
root=ek/ca/swtpm-localca-rootca-cert.pem
"$BIN/eaa-tpm" request --tcti "$ektcti" -o req.bin && ok || fail "eaa-tpm request"
# The verifier: EK chain to the maker's root, then the challenge.
"$BIN/eaa-tpm" challenge --request req.bin --ek-ca "$root" --ek-chain ek/ca/issuercert.pem \
	--secret secret.bin -o chal.bin 2>err && ok || fail "eaa-tpm challenge: $(cat err)"
[[ $(stat -c %a secret.bin) == 600 ]] && ok || fail "the secret is readable by others"
"$BIN/eaa-tpm" activate --tcti "$ektcti" --challenge chal.bin -o answer.bin 2>err && ok ||
	fail "eaa-tpm activate: $(cat err)"
cmp -s answer.bin secret.bin && ok || fail "the TPM did not recover the secret"
# A wrong answer enrols nothing; the right one does, once, and uses up the secret.
# (the first byte flipped, not set: a secret may begin with any byte)
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[0] ^= 0xff; open(sys.argv[2], "wb").write(b)' \
	answer.bin bad.bin
cmp -s answer.bin bad.bin && fail "the wrong answer is the right one" || ok
"$BIN/eaa-tpm" enrol --request req.bin --secret secret.bin --answer bad.bin --aks aks.pem \
	2>err && fail "enrolled on a wrong answer" || ok
expect "wrong answer" "not the secret sealed to the EK for this AK" "$(cat err)"
[[ ! -e aks.pem ]] && ok || fail "aks.pem written on a wrong answer"
out=$("$BIN/eaa-tpm" enrol --request req.bin --secret secret.bin --answer answer.bin \
	--aks aks.pem 2>&1) && ok || fail "eaa-tpm enrol: $out"
expect "enrolled" "^enrolled AK 000b[0-9a-f]{64} in aks.pem" "$out"
[[ ! -e secret.bin ]] && ok || fail "the secret was not used up"
"$BIN/eaa-tpm" ak --tcti "$ektcti" | cmp -s - aks.pem && ok || fail "enrolled another key"
# The enrolled AK is trusted by the verifiers.
nonce=$(openssl rand -hex 32)
"$BIN/eaa-tpm" quote --tcti "$ektcti" --nonce "$nonce" -o q3.bin && ok || fail "quote"
out=$("$BIN/rats-verify" --tee tpm --ak aks.pem --report-data "$nonce" q3.bin 2>&1) && ok ||
	fail "enrolled AK not trusted: $out"
# Enrolling again keeps one copy; other AKs in the file stay.
cat ak.pem aks.pem >both.pem
"$BIN/eaa-tpm" challenge --request req.bin --ek-ca "$root" --ek-chain ek/ca/issuercert.pem \
	--secret secret.bin -o chal.bin && ok || fail "second challenge"
"$BIN/eaa-tpm" activate --tcti "$ektcti" --challenge chal.bin -o answer.bin && ok ||
	fail "second activate"
out=$("$BIN/eaa-tpm" enrol --request req.bin --secret secret.bin --answer answer.bin \
	--aks both.pem 2>&1) && ok || fail "re-enrol: $out"
expect "re-enrol" "already enrolled" "$out"
[[ $(grep -c 'BEGIN PUBLIC KEY' both.pem) == 2 ]] && ok || fail "re-enrol changed the file"

# Refused: a foreign CA, an EK not yet valid, an AK edited in the request
# (another name: the TPM will not activate), a non-restricted AK, a
# challenge for another TPM (the first swtpm has no EK certificate at all).
openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null -subj /CN=other -days 1 \
	-out other_ca.pem 2>/dev/null
"$BIN/eaa-tpm" challenge --request req.bin --ek-ca other_ca.pem --ek-chain ek/ca/issuercert.pem \
	--secret s2.bin -o c2.bin 2>err && fail "foreign CA" || ok
expect "foreign CA" "EK certificate: unable to get (local )?issuer certificate" "$(cat err)"
[[ ! -e c2.bin && ! -e s2.bin ]] && ok || fail "files written on a refused EK"
"$BIN/eaa-tpm" challenge --request req.bin --ek-ca "$root" --ek-chain ek/ca/issuercert.pem \
	--at 2001-01-01T00:00:00Z --secret s2.bin -o c2.bin 2>err && fail "EK not yet valid" || ok
expect "EK not yet valid" "EK certificate: certificate is not yet valid" "$(cat err)"
python3 - req.bin edited.bin unrestricted.bin <<'PYEDIT'
import sys
req = bytearray(open(sys.argv[1], "rb").read())
# TPM2B_PUBLIC: size, type, nameAlg, objectAttributes (4), authPolicy, ...,
# then the ECC point at the end of the public area: flip its last byte
size = int.from_bytes(req[0:2], "big")
edited = bytearray(req); edited[2 + size - 1] ^= 1
open(sys.argv[2], "wb").write(edited)
attrs = int.from_bytes(req[6:10], "big") & ~0x10000   # not restricted
unres = bytearray(req); unres[6:10] = attrs.to_bytes(4, "big")
open(sys.argv[3], "wb").write(unres)
PYEDIT
"$BIN/eaa-tpm" challenge --request edited.bin --ek-ca "$root" --ek-chain ek/ca/issuercert.pem \
	--secret s3.bin -o c3.bin && ok || fail "challenge for an edited AK"
"$BIN/eaa-tpm" activate --tcti "$ektcti" --challenge c3.bin -o a3.bin 2>err &&
	fail "activated for another AK's name" || ok
expect "other AK name" "TPM activate the credential" "$(cat err)"
"$BIN/eaa-tpm" challenge --request unrestricted.bin --ek-ca "$root" \
	--ek-chain ek/ca/issuercert.pem --secret s4.bin -o c4.bin 2>err &&
	fail "challenge for a non-restricted AK" || ok
expect "non-restricted AK" "AK: not a TPM-generated, fixed, restricted signing key" "$(cat err)"
"$BIN/eaa-tpm" request --tcti "$tcti" -o r5.bin 2>err && fail "request without EK cert" || ok
expect "no EK certificate" "no RSA EK certificate at NV index 0x01c00002" "$(cat err)"
# An EK certificate (chaining to the CA given) for a key that is no RSA 2048 EK.
openssl req -x509 -newkey rsa:2048 -nodes -keyout eca.key -subj /CN=eca -days 2 -out eca.pem \
	2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout eek.key \
	-subj /CN=eek -out eek.csr 2>/dev/null
openssl x509 -req -in eek.csr -CA eca.pem -CAkey eca.key -CAcreateserial -days 1 \
	-outform DER -out eek.der 2>/dev/null
python3 - req.bin eek.der ecreq.bin <<'PYREQ'
import sys
req = open(sys.argv[1], "rb").read()
ak = req[:2 + int.from_bytes(req[0:2], "big")]
der = open(sys.argv[2], "rb").read()
open(sys.argv[3], "wb").write(ak + len(der).to_bytes(2, "big") + der)
PYREQ
"$BIN/eaa-tpm" challenge --request ecreq.bin --ek-ca eca.pem --secret s7.bin -o c7.bin 2>err &&
	fail "challenge for an ECC EK" || ok
expect "not RSA 2048" "EK certificate: not an RSA 2048 key" "$(cat err)"
head -c -1 chal.bin >cutchal.bin
"$BIN/eaa-tpm" activate --tcti "$ektcti" --challenge cutchal.bin -o a8.bin 2>err &&
	fail "cut challenge" || ok
expect "cut challenge" "challenge: not a TPM2B_ID_OBJECT and a TPM2B_ENCRYPTED_SECRET" "$(cat err)"
head -c 100 req.bin >cut.bin
"$BIN/eaa-tpm" challenge --request cut.bin --ek-ca "$root" --secret s6.bin -o c6.bin 2>err &&
	fail "cut request" || ok
expect "cut request" "enrolment request" "$(cat err)"

finish
