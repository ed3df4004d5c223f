"""replicas_chaos.py BIN TMP PG_URL STORE_KEY SECONDS - three verdictd
replicas on one PostgreSQL store, 32 KBS clients releasing keys while one
replica is killed with SIGKILL every 10 s and started again, and verdict
revokes keys and rotates one through a surviving replica. Counted, and
each must be 0: keys lost or truncated, releases of a revoked key more than
1 s after its revocation returned, wrong answers, requests never served."""
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time

import kbs_client
import kbs_sample

BIN, TMP, PG_URL, STORE_KEY, SECONDS = sys.argv[1:6]
SECONDS = float(SECONDS)
N_REPLICAS, N_CLIENTS, KIDS = 3, 32, [f"default/key/{i}" for i in range(8)]
ROTATING = "default/rot/1"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Replica:
    def __init__(self, i):
        self.i, self.kbs_port, self.api_port = i, free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.kbs_port}"
        self.root = f"{TMP}/r{i}"
        self.proc = None
        self.log = open(f"{TMP}/r{i}.log", "ab")

    def start(self):
        self.proc = subprocess.Popen(
            [BIN + "/verdictd", "--listen", "127.0.0.1:0", "--verifier", "sample", "--attester",
             "nullattester", "--mutual", "--root", self.root, "--store", PG_URL, "--store-key",
             STORE_KEY, "--sample-trust", TMP + "/trust.pem", "--kbs",
             f"127.0.0.1:{self.kbs_port}", "--kbs-insecure-http", "--client-api",
             f"127.0.0.1:{self.api_port}", "--log-level", "warn"],
            stdout=subprocess.PIPE, stderr=self.log)
        for line in self.proc.stdout:
            if line.startswith(b"KBS on "):
                break
        else:
            raise SystemExit(f"replica {self.i} did not start")
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def verdict(self, *args):
        """verdict through this replica; OSError when it fails (it may be
        down: on_any then asks the next)."""
        if subprocess.run([BIN + "/verdict", "-c", f"127.0.0.1:{self.api_port}", "--token-file",
                           self.root + "/client-api.token", *args],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
            raise OSError("verdict failed")
        return True


replicas = [Replica(i) for i in range(N_REPLICAS)]
for r in replicas:
    r.start()
signer = kbs_sample.load_key(TMP + "/sample.key")
values = {k: open(f"{TMP}/fileroot/keys/{k}", "rb").read() for k in KIDS}
rot_values = {open(f"{TMP}/fileroot/keys/{ROTATING}", "rb").read()}
revoked = {}  # kid -> the time its revocation returned
revoking = set()  # kids whose revocation was asked for (a 403 is right from then)
lock = threading.Lock()
count = {"released": 0, "refused_revoked": 0, "lost_or_truncated": 0, "late_revocation": 0,
         "wrong": 0, "unserved": 0, "failovers": 0, "kills": 0, "policy_updates": 0,
         "key_rotations": 0}
stop = threading.Event()


def bump(name, n=1):
    with lock:
        count[name] += n


def on_any(fn, start):
    """fn(replica) at replica start, then the next ones, for up to 15 s,
    until it answers (a connection error moves on): the answer or None."""
    deadline = time.monotonic() + 15
    i = start
    while time.monotonic() < deadline:
        try:
            return fn(replicas[i % N_REPLICAS])
        except OSError:
            bump("failovers")
            i += 1
    return None


def client(n):
    rnd = random.Random(n)
    s = None
    while not stop.is_set():
        if s is None:
            s = kbs_sample.Session(signer)
            st = on_any(lambda r: s.attest(r.url, timeout=5)[0], rnd.randrange(N_REPLICAS))
            if st != 200:
                bump("unserved" if st is None else "wrong")
                print(f"client {n}: attest {st}", file=sys.stderr)
                s = None
                continue
        kid = rnd.choice(KIDS + [ROTATING])
        sent = time.monotonic()
        ans = on_any(lambda r: s.get(r.url, kid, timeout=5), rnd.randrange(N_REPLICAS))
        if ans is None:
            bump("unserved")
            continue
        st, got = ans
        with lock:
            when = revoked.get(kid)
            asked = kid in revoking
        if st == 200:
            bump("released")
            if len(got) != 32:
                bump("lost_or_truncated")
            elif kid == ROTATING and got not in rot_values:
                bump("wrong")
            elif kid != ROTATING and got != values[kid]:
                bump("wrong")
            if when is not None and sent > when + 1.0:
                bump("late_revocation")
                print(f"client {n}: {kid} released {sent - when:.3f} s after its revocation",
                      file=sys.stderr)
        elif st == 403 and asked:
            bump("refused_revoked")
        else:
            bump("wrong")
            print(f"client {n}: {kid}: {st} {got[:200]!r}", file=sys.stderr)


def killer():
    """A replica killed at every 10 s mark of the run (a slow restart
    does not push the next kill back)."""
    i, start = 0, time.monotonic()
    while not stop.wait(max(0.0, start + 10 * (i + 1) - time.monotonic())):
        r = replicas[i % N_REPLICAS]
        r.proc.kill()
        r.proc.wait()
        bump("kills")
        r.start()
        i += 1


def owner():
    """Revoke one key every 12 s, rotate one key every 7 s, through a
    replica that answers."""
    revoked_list = []
    t_next_revoke, t_next_rot = time.monotonic() + 6, time.monotonic() + 3
    while not stop.wait(0.5):
        now = time.monotonic()
        if now >= t_next_revoke and len(revoked_list) < len(KIDS) - 2:
            kid = KIDS[len(revoked_list)]
            revoked_list.append("keys/" + kid)
            path = f"{TMP}/resourceData.json"
            json.dump({"revoked": revoked_list}, open(path, "w"))
            with lock:
                revoking.add(kid)
            if on_any(lambda r: r.verdict("--set-opa-reference", "resourceData", path),
                      random.randrange(N_REPLICAS)):
                with lock:
                    revoked[kid] = time.monotonic()
                bump("policy_updates")
            t_next_revoke = now + 12
        if now >= t_next_rot:
            v = os.urandom(32)
            path = f"{TMP}/rot.key"
            open(path, "wb").write(v)
            with lock:
                rot_values.add(v)  # before the write: a reader may see it at once
            if on_any(lambda r: r.verdict("--import-key", ROTATING, path),
                      random.randrange(N_REPLICAS)):
                bump("key_rotations")
            t_next_rot = now + 7


threads = [threading.Thread(target=client, args=(n,)) for n in range(N_CLIENTS)]
threads += [threading.Thread(target=killer), threading.Thread(target=owner)]
for t in threads:
    t.start()
time.sleep(SECONDS)  # the run's length, not a synchronisation
stop.set()
for t in threads:
    t.join()
for r in replicas:
    r.proc.kill()
print(" ".join(f"{k}={v}" for k, v in count.items()))
bad = [k for k in ("lost_or_truncated", "late_revocation", "wrong", "unserved") if count[k]]
ok = not bad and count["released"] > 0 and count["kills"] >= int(SECONDS // 10) - 1 and \
    count["refused_revoked"] > 0 and count["key_rotations"] > 0
print("chaos:", "OK" if ok else f"FAILED ({', '.join(bad) or 'too little happened'})")
sys.exit(0 if ok else 1)
