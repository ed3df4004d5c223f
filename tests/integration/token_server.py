#!/usr/bin/env python3
"""token_server.py KEY CERT USER PASSWORD ISSUER - a Docker registry token
service for tests, as docker-registry's `auth: token` expects one: GET
/token?service=S&scope=repository:NAME:ACTIONS with HTTP Basic USER:PASSWORD
returns {"token": JWT}, the JWT (ES256, the certificate in its x5c header)
granting the asked actions. Wrong or missing credentials get 401. Signing
is done by the openssl command, so only Python's standard library is
needed. Prints the port it listens on (loopback), then serves."""
import base64, http.server, json, subprocess, sys, time, urllib.parse

key, cert, user, password, issuer = sys.argv[1:6]
der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"],
                     capture_output=True, check=True).stdout


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def der_to_raw(sig):
    # ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } -> r || s
    assert sig[0] == 0x30
    i = 2 if sig[1] < 0x80 else 2 + (sig[1] & 0x7f)
    out = b""
    for _ in range(2):
        assert sig[i] == 0x02
        n = sig[i + 1]
        v = sig[i + 2:i + 2 + n].lstrip(b"\0")
        out += v.rjust(32, b"\0")
        i += 2 + n
    return out


def token(service, scope):
    access = []
    if scope:
        kind, name, actions = scope.split(":")
        access.append({"type": kind, "name": name, "actions": actions.split(",")})
    now = int(time.time())
    header = {"typ": "JWT", "alg": "ES256", "x5c": [base64.b64encode(der).decode()]}
    claims = {"iss": issuer, "sub": user, "aud": service, "exp": now + 300, "nbf": now - 10,
              "iat": now, "jti": str(now), "access": access}
    signing = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing.encode(),
                         capture_output=True, check=True).stdout
    return signing + "." + b64url(der_to_raw(sig))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        want = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        if u.path != "/token" or self.headers.get("Authorization") != want:
            self.send_response(401)
            self.end_headers()
            return
        body = json.dumps({"token": token(q.get("service", [""])[0],
                                          q.get("scope", [""])[0])}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
