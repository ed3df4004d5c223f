#!/usr/bin/env bash
# test_kbs_composite.sh BIN_DIR - composite evidence at verdictd's KBS
# endpoint (docs/kbs-protocol.md 7.5): a CPU's evidence with a device's as
# additional_evidence, bound as trustee binds them (the CPU's runtime data
# holds the additional evidence as sent; each device's holds the TEE key
# and the nonce only), each decided by its own policy, the token with a
# gpuN appraisal per device. The device is the sample device (a signed
# sample report under sampledevicePolicy.rego); refused: a device policy
# that says no, a device bound to the CPU's runtime data, an untrusted
# signer, a device named as the primary TEE, a TEE that is no device, too
# many devices, additional evidence that is not JSON; and a device policy
# changed after /attest refuses the next release, by cookie and by token.
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$here/lib.sh"
need_pypi "the composite KBS test (rfc8785, jwcrypto)"

root=$tmp/root
mkdir -p "$root/opa" "$root/keys/default/key"
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/sample.key" 2>/dev/null
openssl pkey -in "$tmp/sample.key" -pubout -out "$tmp/trust.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/other.key" 2>/dev/null
for tee in sample sampledevice; do
	printf 'package policy\nimport rego.v1\ndefault allow := false\nallow if input.svn >= data.svn\n%s\n' \
		'trust_claims := {"executables": 3, "hardware": 2, "configuration": 2} if input.svn >= data.svn' \
		>"$root/opa/${tee}Policy.rego"
done
printf '{"svn": 2}' >"$root/opa/sampleData"
printf '{"svn": 3}' >"$root/opa/sampledeviceData"
printf '0123456789abcdef0123456789abcdef' >"$root/keys/default/key/1"
chmod 600 "$root/keys/default/key/1"
printf 'package policy\nimport rego.v1\nallow := true\n' >"$root/opa/resourcePolicy.rego"

start_kbs vd --listen 127.0.0.1:0 --verifier sample,sampledevice,nvidia --attester nullattester \
	--root "$root" --sample-trust "$tmp/trust.pem" --kbs 127.0.0.1:0 --kbs-insecure-http \
	--log-level info

"$py" - "$kbs" "$tmp" "$here" "$here/../data/nvidia/hopper-evidence.json" <<'PY'
import base64, hashlib, json, sys
import rfc8785
from jwcrypto import jwe
kbs, tmp = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
import kbs_client, kbs_sample
from kbs_client import cookie_of
check = kbs_client.Checks()
signer = kbs_sample.load_key(tmp + "/sample.key")
other = kbs_sample.load_key(tmp + "/other.key")

def call(method, path, body=None, cookie=None, bearer=None):
    return kbs_client.call(kbs, method, path, body, cookie, bearer)

def digest(rd):
    return hashlib.sha384(rfc8785.dumps(rd)).digest()

def report(rd, key=signer, svn=3):
    return {"report": base64.b64encode(kbs_sample.sample_report(digest(rd), key, svn)).decode()}

def attempt(devices, dev_rd=None, cpu_svn=3, raw_add=None, tee="sample"):
    """auth + attest with devices {tee: (svn, key)}; (status, body, cookie, tee key)"""
    st, body, h = call("POST", "auth", {"version": "0.4.0", "tee": tee, "extra-params": ""})
    if st != 200:
        return st, body, None, None
    cookie, _ = cookie_of(h)
    nonce = json.loads(body)["nonce"]
    k, pub = kbs_sample.tee_key()
    dev = {"tee-pubkey": pub, "nonce": nonce}
    add = {t: (v if isinstance(v, dict) else
               report(dev_rd(pub, nonce) if dev_rd else dev, v[1], v[0]))
           for t, v in devices.items()}
    add = raw_add if raw_add is not None else (json.dumps(add) if add else "")
    cpu = {"tee-pubkey": pub, "nonce": nonce, "additional-evidence": add}
    st, body, h = call("POST", "attest", {"runtime-data": {"nonce": nonce, "tee-pubkey": pub},
                                          "tee-evidence": {"primary_evidence": report(cpu, svn=cpu_svn),
                                                           "additional_evidence": add}}, cookie)
    return st, body, cookie, k

def claims_of(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))

def get(k, cookie=None, bearer=None):
    st, body, h = call("GET", "resource/default/key/1", cookie=cookie, bearer=bearer)
    if st != 200:
        return st, body
    t = jwe.JWE()
    t.deserialize(body.decode(), key=k)
    return st, t.payload

KEY = b"0123456789abcdef0123456789abcdef"
# a CPU alone still attests: no gpu submod
st, body, cookie, k = attempt({})
check("CPU alone", st == 200 and list(claims_of(json.loads(body)["token"])["submods"]) == ["cpu0"],
      f"{st} {body[:200]}")
# a CPU and its device
st, body, cookie, k = attempt({"sampledevice": (3, signer)})
check("CPU and device", st == 200, f"{st} {body[:300]}")
token = json.loads(body)["token"] if st == 200 else ""
if token:
    c = claims_of(token)
    gpu = c["submods"].get("gpu0", {})
    ae = gpu.get("ear.veraison.annotated-evidence", {})
    check("gpu0 appraisal", sorted(c["submods"]) == ["cpu0", "gpu0"] and
          gpu.get("ear.status") == "affirming" and ae["sampledevice"]["svn"] == 3 and
          set(ae["sampledevice"]["runtime_data_claims"]) == {"tee-pubkey", "nonce"} and
          gpu["ear.trustworthiness-vector"]["executables"] == 3, json.dumps(c)[:400])
    check("cpu0's runtime data holds the additional evidence",
          c["submods"]["cpu0"]["ear.veraison.annotated-evidence"]["runtime_data_claims"]
          ["additional-evidence"].startswith('{"sampledevice"'), "")
    st, got = get(k, cookie=cookie)
    check("key by cookie", st == 200 and got == KEY, f"{st} {got}")
    st, got = get(k, bearer=token)
    check("key by bearer token", st == 200 and got == KEY, f"{st} {got}")

# refusals
st, body, _, _ = attempt({"sampledevice": (2, signer)})
check("device policy says no", st == 401 and b"device sampledevice (gpu0)" in body, f"{st} {body[:300]}")
st, body, _, _ = attempt({"sampledevice": (3, signer)},
                         dev_rd=lambda pub, nonce: {"tee-pubkey": pub, "nonce": nonce,
                                                    "additional-evidence": ""})
check("device bound to other runtime data", st == 401 and b"additional_evidence sampledevice" in body,
      f"{st} {body[:300]}")
st, body, _, _ = attempt({"sampledevice": (3, other)})
check("device signed by an untrusted key", st == 401, f"{st} {body[:300]}")
st, body, _, _ = attempt({"sampledevice": (3, signer)}, cpu_svn=1)
check("CPU refused first", st == 401 and b"gpu0" not in body, f"{st} {body[:300]}")
st, body, _, _ = attempt({"sample": (3, signer)})
check("a CPU TEE as a device", st == 401 and b"is not a device TEE" in body, f"{st} {body[:300]}")
st, body, _, _ = attempt({"nvidia-dpu": (3, signer)})
check("a device TEE not known here", st == 401 and b"nvidia-dpu is not a device TEE" in body, f"{st} {body[:300]}")
# a real H100's evidence (trustee's sample): verified to NVIDIA's pinned
# root, but its nonce is its own, not this session's
gpu = json.load(open(sys.argv[4]))
st, body, _, _ = attempt({"nvidia": gpu})
check("a real GPU's evidence bound to another nonce", st == 401 and
      b"additional_evidence nvidia" in body and b"nonce" in body, f"{st} {body[:300]}")
gpu["device_evidence_list"][0]["certificate"] = gpu["device_evidence_list"][0]["certificate"][:-8]
st, body, _, _ = attempt({"nvidia": gpu})
check("a GPU's chain cut short", st == 401 and b"additional_evidence nvidia" in body, f"{st} {body[:300]}")
st, body, _, _ = attempt({}, raw_add="not json")
check("additional evidence not JSON", st == 401 and b"not a JSON object" in body, f"{st} {body[:300]}")
st, body, _, _ = attempt({}, raw_add=json.dumps({"d%d" % i: {} for i in range(17)}))
check("seventeen devices", st == 401 and b"at most 16" in body, f"{st} {body[:300]}")
st, body, _, _ = attempt({}, tee="sampledevice")
check("a device as the primary TEE", st == 401 and b"is a device" in body, f"{st} {body[:300]}")

# the device's policy changes after /attest: the next release is refused
open(tmp + "/root/opa/sampledeviceData", "w").write('{"svn": 4}')
import time
for _ in range(100):   # the store's inotify watch: bounded wait for the change
    st, got = get(k, cookie=cookie)
    if st != 200:
        break
    time.sleep(0.05)
check("revoked device: cookie", st == 403, f"{st} {got}")
st, got = get(k, bearer=token)
check("revoked device: bearer token", st == 403, f"{st} {got}")
check.finish()
PY
rc=$?
[[ $rc == 0 ]] && ok || fail "the composite checks failed (rc $rc)"
grep -q "refused sample peer: device sampledevice (gpu0)" "$tmp/vd.log" && ok ||
	fail "verdictd did not log the device's refusal"
# verdictd's default nvidia policy (installed in the state directory), on
# the claims of a real H100 (rats-verify, the same library): nothing
# accepted until the owner lists driver and VBIOS; then the owner's golden
# values (no RIMs given), every one; revocation once required
"$BIN/rats-verify" --tee nvidia "$here/../data/nvidia/hopper-evidence.json" >"$tmp/gpu.json" &&
	ok || fail "rats-verify --tee nvidia on trustee's sample"
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
gpu = json.load(open(tmp + "/gpu.json"))["gpu0"]
json.dump(gpu, open(tmp + "/gpu-input.json", "w"))
m = gpu["measurements"]
live = next(k for k, v in m.items() if v != "00" * 48)
cases = {
    "default": {"driver_version": [], "vbios_version": [], "measurements": {}},
    "listed": {"driver_version": ["550.90.07"], "vbios_version": ["96.00.9f.00.01"],
               "measurements": {k: [v] for k, v in m.items()}},
    "versions-only": {"driver_version": ["550.90.07"], "vbios_version": ["96.00.9f.00.01"],
                      "measurements": {}},
    "other-driver": {"driver_version": ["535.0.0"], "vbios_version": ["96.00.9f.00.01"],
                     "measurements": {k: [v] for k, v in m.items()}},
    "one-value-wrong": {"driver_version": ["550.90.07"], "vbios_version": ["96.00.9f.00.01"],
                        "measurements": dict({k: [v] for k, v in m.items()},
                                             **{live: ["00" * 48]})},
    "revocation-required": {"driver_version": ["550.90.07"], "vbios_version": ["96.00.9f.00.01"],
                            "measurements": {k: [v] for k, v in m.items()}, "require_revocation": True},
}
for name, d in cases.items():
    json.dump(d, open(f"{tmp}/nv-{name}.json", "w"))
PY
for c in default:false listed:true versions-only:false other-driver:false one-value-wrong:false revocation-required:false; do
	name=${c%%:*} want=${c#*:}
	out=$("$BIN/verdict" --test-opa-local "$root/opa/nvidiaPolicy.rego" "$tmp/nv-$name.json" "$tmp/gpu-input.json" 2>&1)
	got=$(printf '%s' "$out" | python3 -c 'import json,sys; print(str(json.JSONDecoder().raw_decode(sys.stdin.read())[0].get("allow")).lower())' 2>/dev/null)
	[[ $got == "$want" ]] && ok || fail "default nvidia policy, $name: allow is '$got', want $want: $out"
done
finish
