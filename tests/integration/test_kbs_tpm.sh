#!/usr/bin/env bash
# test_kbs_tpm.sh BIN_DIR - the KBS protocol with TPM evidence in trustee's
# form (guest-components' TPM attester), from a real software TPM: a
# client written from docs/kbs-protocol.md (Python, rfc8785, jwcrypto)
# asks verdictd's KBS for a challenge, has eaa-tpm quote the first 32
# bytes of the runtime data's SHA-384 (as trustee's attester cuts it),
# writes the quote as trustee's JSON (ak_public, tpm_quote{message,
# signature, 24 pcrs}) and gets a resource. Refused: a quote over another
# nonce, a PCR value changed, an AK verdictd does not trust, a policy's
# reference value not met, a verdictd whose --verifier does not name tpm; init-data bound
# through PCR 8 (extended from zero by its sha256 digest) and refused when
# PCR 8 does not hold it. Then our agent's cc_kbc with the TPM attester gets
# the resource the same way, and is refused a quote of fewer PCRs.
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
      [[ -f $tmp/swtpm.pid ]] && kill "$(cat "$tmp/swtpm.pid")" 2>/dev/null
      rm -rf "$tmp"' EXIT
. "$here/lib.sh"
need_pypi "the KBS TPM test (rfc8785, jwcrypto)"
cd "$tmp"
export TSS2_LOG=all+NONE

start_swtpm
"$BIN/eaa-tpm" ak --tcti "$tcti" >ak.pem && ok || fail "eaa-tpm ak"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
	openssl pkey -pubout -out other_ak.pem

# PCR 16 of a fresh TPM is zero: the policy's reference value
root=$tmp/root
mkdir -p "$root/opa" "$root/resources/default/tpm"
printf 'package policy\nimport rego.v1\ndefault allow := false\nallow if input.pcr16 in data.pcr16\n' \
	>"$root/opa/tpmPolicy.rego"
printf '{"pcr16": ["%064d"]}' 0 >"$root/opa/tpmData"
printf 'released to a TPM' >"$root/resources/default/tpm/1"

kbs_for() { # kbs_for NAME [verdictd options]: a verdictd over this root, sets $kbs
	local name=$1
	shift
	start_kbs "$name" --listen 127.0.0.1:0 --attester nullattester --root "$root" \
		--kbs 127.0.0.1:0 --kbs-insecure-http --log-level info "$@"
}

kbs_for trusted --verifier sample,tpm -o tpm.ak="$tmp/ak.pem"
trusted=$kbs
kbs_for untrusted --verifier sample,tpm -o tpm.ak="$tmp/other_ak.pem"
untrusted=$kbs
kbs_for none --verifier sample
none=$kbs

"$py" - "$BIN" "$tcti" "$trusted" "$untrusted" "$none" "$tmp" "$here" <<'PY'
import base64, hashlib, json, subprocess, sys
import rfc8785
from jwcrypto import jwk, jwe
from cryptography.hazmat.primitives import serialization

BIN, tcti, trusted, untrusted, none, tmp, here = sys.argv[1:]
sys.path.insert(0, here)
from kbs_client import Checks, call, problem
check = Checks()

def detail(body):
    return problem(body)[1] if problem(body)[0] else body.decode(errors="replace")

def u16(b, o):
    return int.from_bytes(b[o:o + 2], "big")

def trustee_form(quote):
    # eaa-tpm's layout (src/tpm/tpm_quote.h): TPM2B_PUBLIC, TPM2B_ATTEST,
    # TPMT_SIGNATURE, UINT32 n, n TPM2B_DIGEST (the selection's order)
    o = 2 + u16(quote, 0)
    msg = quote[o + 2:o + 2 + u16(quote, o)]
    o += 2 + u16(quote, o)
    s = o
    alg = u16(quote, o); o += 4          # sigAlg, hash
    if alg == 0x0018:                   # ECDSA: r, s
        o += 2 + u16(quote, o); o += 2 + u16(quote, o)
    else:                               # RSASSA / RSAPSS
        o += 2 + u16(quote, o)
    sig = quote[s:o]
    n = int.from_bytes(quote[o:o + 4], "big"); o += 4
    pcrs = []
    for _ in range(n):
        pcrs.append(quote[o + 2:o + 2 + u16(quote, o)].hex()); o += 2 + u16(quote, o)
    ak = serialization.load_pem_public_key(open(tmp + "/ak.pem", "rb").read())
    der = ak.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"ak_public": base64.b64encode(der).decode(),
            "tpm_quote": {"message": base64.b64encode(msg).decode(),
                          "signature": base64.b64encode(sig).decode(), "pcrs": pcrs}}

def tpm_quote(nonce32):
    subprocess.run([BIN + "/eaa-tpm", "quote", "--tcti", tcti, "--pcrs", "0-23",
                    "--nonce", nonce32.hex(), "-o", tmp + "/q.bin"], check=True)
    return trustee_form(open(tmp + "/q.bin", "rb").read())

def session(kbs, change=None, init_data=None, nonce_from=None):
    st, body, h = call(kbs, "POST", "auth", {"version": "0.4.0", "tee": "tpm", "extra-params": ""})
    if st != 200:
        return st, body, None, None
    cookie = h["Set-Cookie"].split(";")[0].split("=", 1)[1]
    nonce = json.loads(body)["nonce"]
    k = jwk.JWK.generate(kty="EC", crv="P-256")
    p = json.loads(k.export_public())
    pub = {"kty": "EC", "crv": "P-256", "alg": "ECDH-ES+A256KW", "x": p["x"], "y": p["y"]}
    rd = {"tee-pubkey": pub, "nonce": nonce_from or nonce, "additional-evidence": ""}
    digest = hashlib.sha384(rfc8785.dumps(rd)).digest()
    ev = tpm_quote(digest[:32])
    if change:
        change(ev)
    body = {"runtime-data": {"nonce": nonce, "tee-pubkey": pub},
            "tee-evidence": {"primary_evidence": ev, "additional_evidence": ""}}
    if init_data is not None:
        body["init-data"] = {"format": "toml", "body": init_data}
    st, b, _ = call(kbs, "POST", "attest", body, cookie)
    return st, b, cookie, k

st, body, cookie, k = session(trusted)
check("attest with a real TPM quote in trustee's form", st == 200, f"{st} {detail(body)}")
if st == 200:
    claims = json.loads(base64.urlsafe_b64decode(json.loads(body)["token"].split(".")[1] + "=="))
    ae = claims["submods"]["cpu0"]["ear.veraison.annotated-evidence"]
    check("the token's TPM claims", ae["tpm"]["pcr16"] == "0" * 64 and "ak_public" in ae["tpm"],
          json.dumps(ae)[:300])
    st, body, _ = call(trusted, "GET", "resource/default/tpm/1", cookie=cookie)
    got = None
    if st == 200:
        t = jwe.JWE(); t.deserialize(body.decode(), key=k); got = t.payload
    check("the resource", st == 200 and got == b"released to a TPM", f"{st} {body[:200]}")

st, body, _, _ = session(trusted, nonce_from="AAAA")
check("a quote over another nonce", st == 401 and "qualifyingData" in detail(body), f"{st} {detail(body)}")
def pcr0(ev):
    ev["tpm_quote"]["pcrs"][0] = "11" * 32
st, body, _, _ = session(trusted, change=pcr0)
check("a PCR value changed", st == 401 and "pcrDigest differs" in detail(body), f"{st} {detail(body)}")
st, body, _, _ = session(untrusted)
check("an AK verdictd does not trust", st == 401 and "not one of the trusted AKs" in detail(body),
      f"{st} {detail(body)}")
st, body, _, _ = session(none)
check("a verdictd whose --verifier does not name tpm", st == 401 and
      "tpm evidence is not accepted here" in detail(body), f"{st} {detail(body)}")

# init-data through PCR 8: refused while PCR 8 is zero, bound once it
# holds SHA-256(32 zero bytes || the document's sha256)
toml = 'algorithm = "sha256"\nversion = "0.1.0"\n\n[data]\n"policy.rego" = "x"\n'
st, body, _, _ = session(trusted, init_data=toml)
check("init-data PCR 8 does not hold", st == 401 and "pcr8" in detail(body), f"{st} {detail(body)}")
d = hashlib.sha256(toml.encode()).hexdigest()
subprocess.run([BIN + "/tpm_eventlog", tcti, "--extend", "8", d], check=True)
st, body, _, _ = session(trusted, init_data=toml)
check("init-data bound through PCR 8", st == 200, f"{st} {detail(body)}")
if st == 200:
    claims = json.loads(base64.urlsafe_b64decode(json.loads(body)["token"].split(".")[1] + "=="))
    ae = claims["submods"]["cpu0"]["ear.veraison.annotated-evidence"]
    check("the token's init_data", ae["init_data"] == d, json.dumps(ae)[:200])
other = toml.replace('"x"', '"y"')
st, body, _, _ = session(trusted, init_data=other)
check("another init-data document", st == 401 and "pcr8" in detail(body), f"{st} {detail(body)}")
st, body, _, _ = session(trusted, init_data=other.replace("sha256", "sha384"))
check("init-data by sha384", st == 401 and "sha256" in detail(body), f"{st} {detail(body)}")

# the policy's reference value not met (a hand edit of tpmData)
open(tmp + "/root/opa/tpmData", "w").write(json.dumps({"pcr16": ["33" * 32]}))
st, body, _, _ = session(trusted)
check("the TPM policy refuses", st == 401 and "tpmPolicy.rego" in detail(body), f"{st} {detail(body)}")

check.finish()
PY
rc=$?
[[ $rc == 0 ]] && ok || fail "the KBS TPM client's checks (above)"

# --- our agent's cc_kbc with the TPM attester against the same KBS: its
# quote (PCRs 0-23, over the digest's first 32 bytes) in trustee's form ---
printf '{"pcr16": ["%064d"]}' 0 >"$root/opa/tpmData"
agent() { # agent NAME ARGS...: starts one, sets $gr (its get-resource port)
	local name=$1 line
	shift
	mkfifo "$tmp/$name.fifo"
	"$BIN/attestation-agent" --keyprovider_sock 127.0.0.1:0 --getresource_sock 127.0.0.1:0 \
		--aa_kbc_params "cc_kbc::$trusted" --insecure-broker --attester tpm \
		-o tpm.tcti="$tcti" "$@" >"$tmp/$name.fifo" 2>"$tmp/$name.log" &
	pids+=($!)
	exec 4<"$tmp/$name.fifo"
	read -r line <&4 || line=""
	read -r line <&4 || line=""
	exec 4<&-
	gr=${line##* }
	[[ $line == "get-resource on port "* ]] || fail "the agent ($name) did not start: $(tail -2 "$tmp/$name.log")"
}
agent agent1 -o tpm.pcrs=0-23
"$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" kbs:///default/tpm/1 \
	-O got 2>err && cmp -s got "$root/resources/default/tpm/1" && ok ||
	fail "cc_kbc with the TPM: $(cat err; tail -3 "$tmp/agent1.log")"
agent agent2
"$BIN/attestation-agent" get-resource --getresource_sock 127.0.0.1:"$gr" kbs:///default/tpm/1 \
	-O got2 2>err && fail "cc_kbc with a quote of PCRs 0-7 only" || ok
expect "PCRs 0-23" "must quote PCRs 0-23 of the SHA-256 bank" "$(cat err "$tmp/agent2.log")"
finish
