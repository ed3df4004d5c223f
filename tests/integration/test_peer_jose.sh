#!/usr/bin/env bash
# test_peer_jose.sh BIN_DIR - our JOSE (src/core/jose.c) beside PyPI's
# jwcrypto, both ways, with keys jwcrypto makes:
#  - JWEs our jwe_seal writes to EC P-256 and P-521 (ECDH-ES+A256KW) and
#    RSA (RSA-OAEP-256) JWKs, A256GCM, plaintexts of 0 to 65,536 bytes,
#    decrypt with jwcrypto to the same bytes, and their protected header
#    starts as kbs-types' client needs it (alg, enc, then epk);
#  - JWEs jwcrypto writes to those keys open with our jwe_open. For
#    ECDH-ES jwcrypto's flattened JSON puts epk in an unprotected
#    per-recipient header, which trustee's client cannot read and we
#    refuse (checked, with the member named); its compact form moves epk
#    into the protected header, so that form is what we are given, as
#    flattened JSON (RFC 7516 7.1 and 7.2.2 carry the same five parts);
#    an empty plaintext jwcrypto decrypts but then calls no plaintext,
#    which counts as decrypted when its log says the tag verified;
#  - JWTs our jws_sign makes (ES256, ES384, EdDSA; ES256 with trustee's
#    EAR header, a jwk member) verify with jwcrypto, and jwcrypto's
#    verify with our jws_verify, to the same claims.
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/lib.sh"
need_pypi "the JOSE peer test (jwcrypto)"
"$py" - "$tmp" <<'PY' || { fail "jwcrypto: make keys, plaintexts and its JWEs and JWTs"; finish; exit; }
import json, os, sys
from jwcrypto import jwe, jwk, jwt
tmp = sys.argv[1]
keys = {"p256": (jwk.JWK.generate(kty="EC", crv="P-256"), "ECDH-ES+A256KW"),
        "p521": (jwk.JWK.generate(kty="EC", crv="P-521"), "ECDH-ES+A256KW"),
        "rsa": (jwk.JWK.generate(kty="RSA", size=2048), "RSA-OAEP-256"),
        "p384": (jwk.JWK.generate(kty="EC", crv="P-384"), None),
        "ed": (jwk.JWK.generate(kty="OKP", crv="Ed25519"), None)}
for name, (k, alg) in keys.items():
    open(f"{tmp}/{name}.pem", "wb").write(k.export_to_pem(private_key=True, password=None))
    open(f"{tmp}/{name}.pub.pem", "wb").write(k.export_to_pem())
    open(f"{tmp}/{name}.priv.jwk", "w").write(k.export_private())
    pub = k.export_public(as_dict=True)
    if alg:
        pub["alg"] = alg
    json.dump(pub, open(f"{tmp}/{name}.jwk", "w"))
sizes = (0, 1, 19, 4096, 65536)
for i, n in enumerate(sizes):
    open(f"{tmp}/pt{i}", "wb").write(os.urandom(n))
for name in ("p256", "p521", "rsa"):
    k, alg = keys[name]
    for i in range(len(sizes)):
        e = jwe.JWE(open(f"{tmp}/pt{i}", "rb").read(),
                    protected=json.dumps({"alg": alg, "enc": "A256GCM"}))
        e.add_recipient(k.public())
        p = e.serialize(compact=True).split(".")
        json.dump(dict(zip(("protected", "encrypted_key", "iv", "ciphertext", "tag"), p)),
                  open(f"{tmp}/theirs.{name}.{i}.jwe", "w"))
    # jwcrypto's own flattened JSON: epk in an unprotected header
    e = jwe.JWE(b"x", protected=json.dumps({"alg": alg, "enc": "A256GCM"}))
    e.add_recipient(k.public())
    open(f"{tmp}/theirs.{name}.flat.jwe", "w").write(e.serialize())
claims = [{"iss": "verdictd", "exp": 2000000000, "submods": {"cpu0": {"ear.status": "affirming"}}},
          {"sub": "\u00f6\u20ac\U0001f600 \"quoted\" \\ /", "n": [1, 2.5, None, True], "o": {}},
          {}]
for i, c in enumerate(claims):
    json.dump(c, open(f"{tmp}/claims{i}.json", "w"))
    for name, alg in (("p256", "ES256"), ("p384", "ES384"), ("ed", "EdDSA")):
        t = jwt.JWT(header={"alg": alg, "typ": "JWT"}, claims=c)
        t.make_signed_token(keys[name][0])
        open(f"{tmp}/theirs.{name}.{i}.jwt", "w").write(t.serialize())
# trustee's EAR header: our signing key's public JWK in "jwk"
json.dump({"jwk": keys["p256"][0].export_public(as_dict=True) | {"alg": "ES256"}},
          open(f"{tmp}/ear_header.json", "w"))
PY

# ours -> jwcrypto
for name in p256 p521 rsa; do
	for i in 0 1 2 3 4; do
		"$BIN/test_jose" --seal "$tmp/$name.jwk" "$tmp/pt$i" >"$tmp/ours.$name.$i.jwe" ||
			fail "jwe_seal to $name, plaintext $i"
	done
done
for i in 0 1 2; do
	for name in p256 p384 ed; do
		"$BIN/test_jose" --sign "$tmp/$name.pem" "$tmp/claims$i.json" >"$tmp/ours.$name.$i.jwt" ||
			fail "jws_sign with $name, claims $i"
	done
	"$BIN/test_jose" --sign "$tmp/p256.pem" "$tmp/claims$i.json" "$tmp/ear_header.json" \
		>"$tmp/ours.ear.$i.jwt" || fail "jws_sign with the EAR header, claims $i"
done
out=$("$py" - "$tmp" 2>&1 <<'PY'
import base64, json, sys
from jwcrypto import jwe, jwk, jws, jwt
tmp = sys.argv[1]
def key(name):
    return jwk.JWK.from_json(open(f"{tmp}/{name}.priv.jwk").read())
bad = 0
def check(ok, what):
    global bad
    if not ok:
        bad += 1
        print("jwcrypto: " + what)
def b64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
n = 0
for name, alg in (("p256", "ECDH-ES+A256KW"), ("p521", "ECDH-ES+A256KW"), ("rsa", "RSA-OAEP-256")):
    for i in range(5):
        text = open(f"{tmp}/ours.{name}.{i}.jwe").read()
        pt = open(f"{tmp}/pt{i}", "rb").read()
        e = jwe.JWE()
        try:
            e.deserialize(text, key=key(name))
            check(e.payload == pt, f"{name} {i}: another plaintext")
        except jwe.InvalidJWEData as x:
            # jwcrypto takes an empty plaintext for no plaintext: it
            # decrypts (the tag verified: "Success" is logged after
            # enc.decrypt), then raises
            if not (pt == b"" and e.plaintext == b"" and e.decryptlog == ["Success"]):
                check(False, f"{name} {i}: does not decrypt: {x!r}")
                continue
        except Exception as x:
            check(False, f"{name} {i}: does not decrypt: {x!r}")
            continue
        body = json.loads(text)
        check(list(body) == ["protected", "encrypted_key", "iv", "ciphertext", "tag"],
              f"{name} {i}: members {list(body)}")
        head = b64(body["protected"]).decode()
        want = '{"alg":"%s","enc":"A256GCM"' % alg + (',"epk":{"crv":' if alg[0] == "E" else "}")
        check(head.startswith(want), f"{name} {i}: protected header {head}")
        n += 1
for i in range(3):
    claims = json.load(open(f"{tmp}/claims{i}.json"))
    for name, alg in (("p256", "ES256"), ("p384", "ES384"), ("ed", "EdDSA"), ("ear", "ES256")):
        text = open(f"{tmp}/ours.{name}.{i}.jwt").read().strip()
        try:
            t = jwt.JWT(jwt=text, key=key("p256" if name == "ear" else name), algs=[alg])
            check(json.loads(t.claims) == claims, f"{name} {i}: other claims {t.claims}")
            h = json.loads(b64(text.split(".")[0]))
            check(list(h)[:2] == ["typ", "alg"] and h["alg"] == alg, f"{name} {i}: header {h}")
            check(name != "ear" or h["jwk"]["kty"] == "EC", f"{name} {i}: no jwk in {h}")
        except Exception as x:
            check(False, f"{name} {i}: does not verify: {x!r}")
            continue
        n += 1
print(f"jwcrypto: {n} of ours opened or verified, {bad} failed")
sys.exit(1 if bad else 0)
PY
) && ok || fail "jwcrypto on ours: $out"
echo "$out" | tail -1

# jwcrypto -> ours
opened=0
for name in p256 p521 rsa; do
	for i in 0 1 2 3 4; do
		if "$BIN/test_jose" --open "$tmp/$name.pem" "$tmp/theirs.$name.$i.jwe" >"$tmp/got" &&
			cmp -s "$tmp/got" "$tmp/pt$i"; then
			opened=$((opened + 1))
			ok
		else
			fail "jwe_open of jwcrypto's JWE to $name, plaintext $i"
		fi
	done
	# its flattened JSON: the same for RSA; for ECDH-ES an unprotected
	# epk, which we refuse
	msg=$("$BIN/test_jose" --open "$tmp/$name.pem" "$tmp/theirs.$name.flat.jwe" 2>&1)
	if [[ $name == rsa ]]; then
		expect "jwcrypto's flattened JWE to rsa opens" '^x$' "$msg"
	else
		expect "jwcrypto's flattened JWE to $name (epk unprotected) refused" \
			'member "header" is not one of' "$msg"
	fi
done
verified=0
for i in 0 1 2; do
	for name in p256 p384 ed; do
		if "$BIN/test_jose" --verify "$tmp/$name.pub.pem" "$tmp/theirs.$name.$i.jwt" >"$tmp/got" &&
			"$py" -c 'import json, sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
				"$tmp/got" "$tmp/claims$i.json"; then
			verified=$((verified + 1))
			ok
		else
			fail "jws_verify of jwcrypto's $name JWT, claims $i"
		fi
	done
	# another key of the same kind: refused
	msg=$("$BIN/test_jose" --verify "$tmp/p256.pub.pem" "$tmp/theirs.p384.$i.jwt" 2>&1 >/dev/null)
	expect "jwcrypto's ES384 JWT with our P-256 key" 'alg "ES384" is not the key' "$msg"
done
echo "ours: $opened of jwcrypto's JWEs opened, $verified of its JWTs verified"
finish
