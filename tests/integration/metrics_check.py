#!/usr/bin/python3
"""metrics_check.py - read verdictd's /metrics as Prometheus would, with
Debian's prometheus_client text parser, and check it.

  metrics_check.py check HOST:PORT [EXPECT...]
      parse /metrics; check what holds for every scrape (each family has
      HELP and TYPE, only verdictd_ names, label values from the fixed
      sets, histograms consistent with their counters); then each EXPECT,
      `name{k="v",...}=N` or `name{...}>=N` (name as in the text, e.g.
      verdictd_handshakes_total). Prints one line per failed check and
      exits 1 if any.
  metrics_check.py value HOST:PORT NAME   one unlabelled sample's value
  metrics_check.py status HOST:PORT METHOD PATH   the HTTP status code
  metrics_check.py bound HOST:PORT N   hold N connections open with a
      partial request each; the next one is not served until they are
      done
"""
import http.client
import re
import socket
import sys

from prometheus_client.parser import text_string_to_metric_families

TEES = {"sgx", "tdx", "snp", "csv", "tpm", "sample", "azsnpvtpm", "aztdxvtpm", "sampledevice",
        "nvidia", "unknown"}
COMMANDS = {"version", "echo", "Decrypt", "Get KEK", "Get Resource Info", "Get Resource",
            "Get Policy", "Get Sigstore Config", "Get GPG Keyring", "Get Cosign Key",
            "Get Credential", "unknown"}
LABELS = {
    "verdictd_handshakes_total": {"result": {"attested", "unattested", "refused", "failed",
                                             "timeout"}},
    "verdictd_decisions_total": {"tee": TEES, "result": {"allowed", "refused"}},
    "verdictd_requests_total": {"command": COMMANDS, "status": {"ok", "fail", "refused"}},
    "verdictd_request_duration_seconds": {"command": COMMANDS},
}
FAMILIES = {
    "verdictd_connections_open": "gauge",
    "verdictd_connections": "counter",
    "verdictd_connections_rejected": "counter",
    "verdictd_handshakes": "counter",
    "verdictd_handshake_duration_seconds": "histogram",
    "verdictd_decisions": "counter",
    "verdictd_decision_duration_seconds": "histogram",
    "verdictd_requests": "counter",
    "verdictd_request_duration_seconds": "histogram",
    "verdictd_policy_generation": "gauge",
}


def get(addr, method="GET", path="/metrics"):
    host, port = addr.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    c.request(method, path)
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    return r, body


def key(name, labels):
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def scrape(addr):
    r, body = get(addr)
    errors = []
    if r.status != 200:
        errors.append(f"GET /metrics: {r.status}")
    ctype = r.getheader("Content-Type", "")
    if not ctype.startswith("text/plain; version=0.0.4"):
        errors.append(f"Content-Type {ctype!r}, want text/plain; version=0.0.4")
    for line in body.splitlines():
        m = re.match(r"# (HELP|TYPE) (\S+)", line)
        if line.startswith("#") and not m:
            errors.append(f"comment line {line!r}")
    samples, families = {}, {}
    for fam in text_string_to_metric_families(body):
        families[fam.name] = fam
        if not fam.documentation:
            errors.append(f"{fam.name}: no HELP")
        for s in fam.samples:
            samples[key(s.name, s.labels)] = s.value
            allowed = LABELS.get(fam.name, LABELS.get(fam.name + "_total", {}))
            for k, v in s.labels.items():
                if k == "le" and fam.type == "histogram":
                    continue
                if k not in allowed or v not in allowed[k]:
                    errors.append(f"{s.name}: label {k}={v!r} is outside the fixed set")
    for name, typ in FAMILIES.items():
        if name not in families:
            errors.append(f"family {name} missing")
        elif families[name].type != typ:
            errors.append(f"{name}: type {families[name].type}, want {typ}")
    for name in families:
        if name not in FAMILIES:
            errors.append(f"unexpected family {name}")
    return samples, families, errors


def histogram_checks(samples, families):
    """Buckets cumulative, +Inf == _count, and each histogram's _count equal
    to the counter it times."""
    errors = []
    for name, fam in families.items():
        if fam.type != "histogram":
            continue
        series = {}
        for s in fam.samples:
            labels = {k: v for k, v in s.labels.items() if k != "le"}
            series.setdefault(tuple(sorted(labels.items())), []).append(s)
        for labels, ss in series.items():
            buckets = [(float(s.labels["le"]), s.value) for s in ss if s.name.endswith("_bucket")]
            count = [s.value for s in ss if s.name.endswith("_count")][0]
            total = [s.value for s in ss if s.name.endswith("_sum")][0]
            values = [v for _, v in sorted(buckets)]
            if values != sorted(values):
                errors.append(f"{name}{dict(labels)}: buckets not cumulative")
            if values[-1] != count:
                errors.append(f"{name}{dict(labels)}: +Inf {values[-1]} != count {count}")
            if count and total <= 0:
                errors.append(f"{name}{dict(labels)}: {count} observed, sum {total}")
    def total(prefix, **match):
        return sum(v for k, v in samples.items() if k.startswith(prefix + "{")
                   and all(f'{a}="{b}"' in k for a, b in match.items()))
    pairs = [("verdictd_handshake_duration_seconds_count", total("verdictd_handshakes_total")),
             ("verdictd_decision_duration_seconds_count", total("verdictd_decisions_total"))]
    for c in COMMANDS:
        pairs.append((key("verdictd_request_duration_seconds_count", {"command": c}),
                      total("verdictd_requests_total", command=c)))
    for k, want in pairs:
        got = samples.get(k if "{" in k else k + "{}")
        if got != want:
            errors.append(f"{k} = {got}, but its counter says {want}")
    return errors


def check(addr, expects):
    samples, families, errors = scrape(addr)
    errors += histogram_checks(samples, families)
    for e in expects:
        m = re.fullmatch(r"([a-z_]+)(\{.*\})?(>=|=)([0-9.]+)", e)
        if not m:
            errors.append(f"bad expectation {e!r}")
            continue
        name, labels, op, want = m.group(1), m.group(2) or "{}", m.group(3), float(m.group(4))
        labels = dict(re.findall(r'(\w+)="([^"]*)"', labels))
        got = samples.get(key(name, labels))
        if got is None:
            errors.append(f"{e}: no such sample")
        elif (op == "=" and got != want) or (op == ">=" and got < want):
            errors.append(f"{e}: got {got:g}")
    for e in errors:
        print(e)
    return 1 if errors else 0


def bound(addr, n):
    """With n connections holding a partial request, connection n + 1 is
    not served (it waits in the listen queue: 1 s without an answer is the
    check); once they are answered and gone, it is."""
    host, port = addr.rsplit(":", 1)
    held = []
    for _ in range(n):
        s = socket.create_connection((host, int(port)), timeout=10)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        held.append(s)
    extra = socket.create_connection((host, int(port)), timeout=1)
    extra.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    try:
        got = extra.recv(100)
        print(f"connection {n + 1} was answered while {n} were open: {got[:40]!r}")
        return 1
    except TimeoutError:
        pass
    # each held one completed and answered in turn (one an earlier scrape
    # left open would be answered in time), then the waiting one
    for i, s in enumerate(held):
        s.sendall(b"Connection: close\r\n\r\n")
        got = s.recv(15)
        s.close()
        if not got.startswith(b"HTTP/1.1 200"):
            print(f"held connection {i + 1}, completed: {got!r}")
            return 1
    extra.settimeout(10)
    got = extra.recv(15)
    if not got.startswith(b"HTTP/1.1 200"):
        print(f"connection {n + 1}, once the {n} were done: {got!r}")
        return 1
    return 0


def main(argv):
    what, addr = argv[1], argv[2]
    if what == "check":
        return check(addr, argv[3:])
    if what == "value":
        samples, _, _ = scrape(addr)
        print(int(samples[argv[3] + "{}"]))
        return 0
    if what == "status":
        print(get(addr, argv[3], argv[4])[0].status)
        return 0
    if what == "bound":
        return bound(addr, int(argv[3]))
    print(f"unknown subcommand {what}", file=sys.stderr)
    return 2


sys.exit(main(sys.argv))
