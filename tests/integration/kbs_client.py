"""kbs_client.py - the pieces of a KBS protocol client (docs/kbs-protocol.md)
that test_kbs.sh and test_kbs_tpm.sh share, written from the protocol
document, not from verdictd's code: the HTTP exchange, the checks' tally,
the session cookie, RFC 7807 problem bodies."""
import json
import sys
import urllib.error
import urllib.request


class Checks:
    """A tally of named checks; a failure is printed with its details."""

    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, name, cond, extra=""):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {name} {extra}", file=sys.stderr)

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)


def call(kbs, method, path, body=None, cookie=None, bearer=None, timeout=None):
    """One request to KBS/kbs/v0/PATH (body as JSON): (status, bytes, headers);
    a connection that fails raises OSError (URLError)."""
    req = urllib.request.Request(kbs + "/kbs/v0/" + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if cookie:
        req.add_header("Cookie", "kbs-session-id=" + cookie)
    if bearer:
        req.add_header("Authorization", "Bearer " + bearer)
    try:
        r = urllib.request.urlopen(req, timeout=timeout)
        return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def cookie_of(headers):
    """The session id and the whole Set-Cookie value, or (None, None)."""
    for v in headers.get_all("Set-Cookie") or []:
        if v.startswith("kbs-session-id="):
            return v.split(";")[0].split("=", 1)[1], v
    return None, None


def problem(body):
    """An RFC 7807 problem body as (variant, detail); (None, body) otherwise."""
    try:
        p = json.loads(body)
        return p["type"].rsplit("/", 1)[1], p["detail"]
    except Exception:
        return None, body
