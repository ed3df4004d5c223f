"""kbs_sample.py - the sample TEE's side of the KBS protocol, for the tests
(docs/kbs-protocol.md, src/rats-tls/sample_evidence.h): a signed sample
report whose report_data binds the runtime data, a TEE key pair, and a
whole auth/attest/resource exchange."""
import base64
import hashlib
import json
import struct

import rfc8785
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwcrypto import jwe, jwk

import kbs_client


def load_key(path):
    return serialization.load_pem_private_key(open(path, "rb").read(), None)


def sample_report(report_data, key, svn=3):
    # magic, version 1, flags 0, svn, measurement[32], report_data[64],
    # signer = SHA-256(SPKI DER), sig_len, DER ECDSA-SHA256
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    body = (b"EAASMPL1" + struct.pack("<HHI", 1, 0, svn) + bytes(range(32)) +
            report_data.ljust(64, b"\0") + hashlib.sha256(spki).digest())
    sig = key.sign(body, ec.ECDSA(hashes.SHA256()))
    return body + struct.pack("<H", len(sig)) + sig


def tee_key():
    k = jwk.JWK.generate(kty="EC", crv="P-256")
    pub = json.loads(k.export_public())
    return k, {"kty": "EC", "crv": "P-256", "alg": "ECDH-ES+A256KW", "x": pub["x"], "y": pub["y"]}


def binding(pubkey, nonce):
    rd = {"tee-pubkey": pubkey, "nonce": nonce, "additional-evidence": ""}
    return hashlib.sha384(rfc8785.dumps(rd)).digest()


def evidence_for(pubkey, nonce, key, svn=3):
    return {"report": base64.b64encode(sample_report(binding(pubkey, nonce), key, svn)).decode()}


class Session:
    """One guest: /auth and /attest at one URL, resources at any."""

    def __init__(self, signer, svn=3):
        self.signer, self.svn = signer, svn
        self.k, self.pub = tee_key()
        self.cookie = self.token = None

    def attest(self, auth_url, attest_url=None, timeout=10):
        st, body, h = kbs_client.call(auth_url, "POST", "auth",
                                      {"version": "0.4.0", "tee": "sample", "extra-params": ""},
                                      timeout=timeout)
        if st != 200:
            return st, body
        self.cookie, _ = kbs_client.cookie_of(h)
        nonce = json.loads(body)["nonce"]
        st, body, h = kbs_client.call(attest_url or auth_url, "POST", "attest", {
            "runtime-data": {"nonce": nonce, "tee-pubkey": self.pub},
            "tee-evidence": {"primary_evidence": evidence_for(self.pub, nonce, self.signer,
                                                              self.svn),
                             "additional_evidence": ""}}, self.cookie, timeout=timeout)
        if st == 200:
            self.token = json.loads(body)["token"]
        return st, body

    def get(self, url, path, by="cookie", timeout=10):
        """(status, plaintext or the error body)"""
        st, body, h = kbs_client.call(url, "GET", "resource/" + path,
                                      cookie=self.cookie if by == "cookie" else None,
                                      bearer=self.token if by == "bearer" else None,
                                      timeout=timeout)
        if st != 200:
            return st, body
        t = jwe.JWE()
        t.deserialize(body.decode(), key=self.k)
        return st, t.payload
