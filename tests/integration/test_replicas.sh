#!/usr/bin/env bash
# test_replicas.sh BIN_DIR - verdictd replicas on one PostgreSQL store
# (--store postgresql://..., docs/verdictd.md "Running several replicas"),
# with a PostgreSQL of the test's own (pg_lib.sh). Checked:
#  - verdict --store-import moves a file store in, --store-export moves it
#    back out byte for byte (keys compared with cmp);
#  - two replicas share the client API token, keys, policies and the KBS
#    token key: verdict writes through one, the other serves it;
#  - a KBS session begun at one replica goes on at the other (/auth at A,
#    /attest at B, the resource by cookie at A), its nonce good once;
#  - a resource policy revoked through one replica is refused by the other
#    within 1 s (timed);
#  - PostgreSQL stopped under load (8 clients on both replicas): not one
#    request sent while it is down is served; started again, both serve
#    again without a restart;
#  - pg_dump holds no key and no resource in clear; a key's value moved to
#    another key's row, one with a byte flipped and one cut short do not
#    open (refused, not served, named), and verdict never prints the URL;
#  - refused at start: no --store-key, a key file others may read, a key
#    of the wrong length, another master key than the store's, and a
#    schema newer than this verdictd knows.
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; pg_stop; rm -rf "$tmp"' EXIT
. "$here/lib.sh"
. "$here/pg_lib.sh"
need_pypi "the replicas test (rfc8785, jwcrypto)"
pg_start

# a file store to import: a key, a resource, sample and resource policies
root=$tmp/fileroot
sample_file_root "$root"
mkdir -p "$root/resources/default/test"
head -c 32 /dev/urandom >"$root/keys/default/key/1"
chmod 600 "$root/keys/default/key/1"
printf 'the-resource-text-in-clear' >"$root/resources/default/test/1"
printf 'package policy\nimport rego.v1\ndefault allow := true\n' >"$root/opa/resourcePolicy.rego"
printf '{}' >"$root/opa/resourceData"

store=(--store "$pg_url" --store-key "$tmp/store.key")
"$BIN/verdict" "${store[@]}" --store-import "$root" >"$tmp/import.out" 2>&1 &&
	expect "import" "copied 6 documents" "$(cat "$tmp/import.out")" ||
	fail "verdict --store-import: $(cat "$tmp/import.out")"

start_replica() { # start_replica NAME EXTRA...: a replica on the store;
	# sets ${NAME}_kbs, ${NAME}_api and ${NAME}_pid
	local name=$1 line kbs="" api=""
	shift
	mkfifo "$tmp/$name.out"
	"$BIN/verdictd" --listen 127.0.0.1:0 --verifier sample --attester nullattester --mutual \
		--root "$tmp/$name" "${store[@]}" --sample-trust "$tmp/trust.pem" \
		--kbs 127.0.0.1:0 --kbs-insecure-http --client-api 127.0.0.1:0 "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.log" &
	printf -v "${name}_pid" %s $!
	pids+=($!)
	exec 7<"$tmp/$name.out"
	while read -r line <&7; do
		[[ $line == "KBS on "* ]] && kbs=${line#KBS on }
		[[ $line == "client API on "* ]] && api=${line#client API on }
		[[ -n $kbs && -n $api ]] && break
	done
	cat <&7 >/dev/null &
	pids+=($!)
	exec 7<&-
	printf -v "${name}_kbs" %s "$kbs"
	printf -v "${name}_api" %s "$api"
	[[ -n $kbs && -n $api ]] && ok || { fail "replica $name did not start: $(tail -3 "$tmp/$name.log")"; finish; exit; }
}
start_replica a
start_replica b
cmp -s "$tmp/a/client-api.token" "$tmp/b/client-api.token" && ok ||
	fail "the replicas' client API tokens differ"
vda() { "$BIN/verdict" -c "$a_api" --token-file "$tmp/a/client-api.token" "$@"; }
vdb() { "$BIN/verdict" -c "$b_api" --token-file "$tmp/b/client-api.token" "$@"; }
vda --create-key default/key/2 >/dev/null && ok || fail "create a key through a"
expect "key made at a, listed at b" "default/key/2" "$(vdb --list-keys)"

"$py" - "$a_kbs" "$b_kbs" "$tmp" "$here" "$b_api" "$BIN" <<'PY'
import json, os, subprocess, sys, time
a, b, tmp, here, b_api, BIN = sys.argv[1:7]
sys.path.insert(0, here)
import kbs_client, kbs_sample
check = kbs_client.Checks()
signer = kbs_sample.load_key(tmp + "/sample.key")
key1 = open(tmp + "/fileroot/keys/default/key/1", "rb").read()

s = kbs_sample.Session(signer)
st, body = s.attest(a, b)
check("auth at a, attest at b", st == 200, f"{st} {body}")
st, got = s.get(a, "default/key/1")
check("key by cookie at a", st == 200 and got == key1, f"{st} {got}")
st, got = s.get(b, "default/test/1", by="bearer")
check("resource by token at b", st == 200 and got == b"the-resource-text-in-clear", f"{st} {got}")
# the nonce was used at b: a second /attest at a is refused
st, body, h = kbs_client.call(a, "POST", "attest", {
    "runtime-data": {"nonce": "x", "tee-pubkey": s.pub},
    "tee-evidence": {"primary_evidence": {}, "additional_evidence": ""}}, s.cookie)
check("a nonce used at b is used at a", st == 401 and b"nonce was used" in body, f"{st} {body}")

# revoked through b: refused by a within 1 s
open(tmp + "/deny.rego", "w").write("package policy\nimport rego.v1\ndefault allow := false\n")
t0 = time.monotonic()
subprocess.run([BIN + "/verdict", "-c", b_api, "--token-file", tmp + "/b/client-api.token",
                "--set-opa-policy", "resourcePolicy.rego", tmp + "/deny.rego"], check=True,
               stdout=subprocess.DEVNULL)
t1 = time.monotonic()
while True:
    st, got = s.get(a, "default/key/1")
    if st != 200 or time.monotonic() - t1 > 5:
        break
check("revoked at b, refused at a", st == 403, f"{st}")
check("within 1 s of the write", time.monotonic() - t1 < 1.0, f"{time.monotonic() - t1:.3f} s")
print(f"revocation reached the other replica {1000 * (time.monotonic() - t1):.0f} ms after the write")
open(tmp + "/allow.rego", "w").write("package policy\nimport rego.v1\ndefault allow := true\n")
subprocess.run([BIN + "/verdict", "-c", b_api, "--token-file", tmp + "/b/client-api.token",
                "--set-opa-policy", "resourcePolicy.rego", tmp + "/allow.rego"], check=True,
               stdout=subprocess.DEVNULL)
deadline = time.monotonic() + 5
while s.get(a, "default/key/1")[0] != 200 and time.monotonic() < deadline:
    pass
check("allowed again", s.get(a, "default/key/1")[0] == 200)
json.dump({"cookie": s.cookie, "token": s.token}, open(tmp + "/session.json", "w"))
open(tmp + "/jwk.json", "w").write(s.k.export())
check.finish()
PY
[[ $? == 0 ]] && ok || fail "the replicas' KBS checks"

# PostgreSQL stopped: both refuse; started again: both serve, no restart
probe() { # probe URL: the status of default/key/1 with the session's cookie
	"$py" - "$1" "$tmp" "$here" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[3])
import kbs_client
s = json.load(open(sys.argv[2] + "/session.json"))
try:
    st, body, h = kbs_client.call(sys.argv[1], "GET", "resource/default/key/1", cookie=s["cookie"],
                                  timeout=10)
except OSError as e:
    st = "no answer"
print(st)
PY
}
expect "served before the stop" "^200$" "$(probe "$a_kbs")"
# under load: 8 clients asking a and b for the key until told to stop,
# each request logged with when it was sent and answered
"$py" - "$a_kbs" "$b_kbs" "$tmp" "$here" >"$tmp/load.log" <<'PY' &
import json, os, sys, threading, time
sys.path.insert(0, sys.argv[4])
import kbs_client
urls, tmp = sys.argv[1:3], sys.argv[3]
s = json.load(open(tmp + "/session.json"))
out = threading.Lock()
def client(n):
    while not os.path.exists(tmp + "/load.stop"):
        t0 = time.time()
        try:
            st = kbs_client.call(urls[n % 2], "GET", "resource/default/key/1", cookie=s["cookie"],
                                 timeout=10)[0]
        except OSError:
            st = 0
        with out:
            print(f"{t0:.6f} {time.time():.6f} {st}", flush=True)
threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
PY
loadpid=$!
pids+=($loadpid)
timeout 20 tail -n +1 -f "$tmp/load.log" | grep -q -m1 " 200$" && ok || fail "the load was not served"
pg_ctl_stop
down=$(date +%s.%N)
expect "a refuses while PostgreSQL is down" "^(401|403|404|500)$" "$(probe "$a_kbs")"
expect "b refuses while PostgreSQL is down" "^(401|403|404|500)$" "$(probe "$b_kbs")"
vda --list-keys >"$tmp/down.out" 2>&1 && fail "verdict listed keys with the database down" ||
	expect "verdict says why" "database|connect" "$(cat "$tmp/down.out")"
# a moment of load while it is down (a request served then would be a
# release decided on nothing the database said)
n0=$(wc -l <"$tmp/load.log")
timeout 20 tail -n +$((n0 + 1)) -f "$tmp/load.log" | awk 'NR == 200 { exit }'
up=$(date +%s.%N)
pg_ctl_start
for r in a b; do
	url=${r}_kbs
	st=""
	for _ in $(seq 50); do
		st=$(probe "${!url}")
		[[ $st == 200 ]] && break
	done
	expect "$r serves again after PostgreSQL's restart" "^200$" "$st"
done
touch "$tmp/load.stop"
wait "$loadpid"
# requests sent after the stop returned and answered before the start
# began: none may have been served
read -r during served_during after <<<"$(awk -v d="$down" -v u="$up" '
	$1 > d && $2 < u { n++; if ($3 == 200) bad++ }
	$1 > u && $3 == 200 { later++ }
	END { print n + 0, bad + 0, later + 0 }' "$tmp/load.log")"
echo "PostgreSQL down under load: $during requests while down, $served_during served; $after served after the restart"
[[ $during -ge 100 && $served_during == 0 && $after -gt 0 ]] && ok ||
	fail "under load with PostgreSQL down: $during requests, $served_during served, $after after"
expect "a said the database went away" "cannot be reached" "$(cat "$tmp/a.log")"
# the watch says so when it reconnects (a request may have been served first)
timeout 10 tail -n +1 -f "$tmp/a.log" | grep -q -m1 "reachable again" && ok ||
	fail "a did not say the database came back"

# a dump holds nothing in clear
"$PGBIN/pg_dump" -h "$pg_dir" -p 5432 -U eaa eaa >"$tmp/dump.sql" && ok || fail "pg_dump"
"$py" - "$tmp" <<'PY' && ok || fail "a key or resource is in the dump in clear"
import sys
tmp = sys.argv[1]
dump = open(tmp + "/dump.sql", "rb").read()
key = open(tmp + "/fileroot/keys/default/key/1", "rb").read()
res = b"the-resource-text-in-clear"
bad = [n for n, v in (("key (bytes)", key), ("key (hex)", key.hex().encode()),
                      ("resource", res), ("resource (hex)", res.hex().encode()))
       if v in dump]
assert b"keys/default/key/1" in dump, "the dump has no key row at all"
sys.exit(1 if bad else 0)
PY

# --store-export: the same bytes back out
mkdir "$tmp/out"
"$BIN/verdict" "${store[@]}" --store-export "$tmp/out" >/dev/null && ok || fail "--store-export"
cmp "$root/keys/default/key/1" "$tmp/out/keys/default/key/1" && ok || fail "key 1 not byte-identical"
cmp "$root/resources/default/test/1" "$tmp/out/resources/default/test/1" && ok ||
	fail "the resource not byte-identical"
[[ $(stat -c %a "$tmp/out/keys/default/key/1") == 600 ]] && ok || fail "an exported key is not 0600"
expect "key 2 exported" "^32$" "$(stat -c %s "$tmp/out/keys/default/key/2")"

# the same master key as 64 hex digits and a newline
python3 -c "import sys; print(open(sys.argv[1], 'rb').read().hex())" "$tmp/store.key" >"$tmp/hex.key" && chmod 600 "$tmp/hex.key"
"$BIN/verdict" --store "$pg_url" --store-key "$tmp/hex.key" --store-export "$tmp/out" >/dev/null &&
	ok || fail "the master key as hex"

# a value moved to another row does not open: refused, never the wrong key
psql_q "UPDATE eaa_objects SET value = (SELECT value FROM eaa_objects WHERE path = 'keys/default/key/2') WHERE path = 'keys/default/key/1'" >/dev/null
expect "a moved value is refused" "^404$" "$(probe "$a_kbs")"
expect "and said why" "does not open under the master key" "$(cat "$tmp/a.log")"
# one byte of a sealed value flipped, and one cut short: never read as a key
psql_q "DELETE FROM eaa_objects WHERE path = 'keys/default/key/1'" >/dev/null # moved above
psql_q "UPDATE eaa_objects SET value = set_byte(value, 40, get_byte(value, 40) # 1) WHERE path = 'keys/default/key/2'" >/dev/null
"$BIN/verdict" "${store[@]}" --store-export "$tmp/out" >"$tmp/flip.out" 2>&1 &&
	fail "a flipped byte was exported" ||
	expect "a flipped byte" "keys/default/key/2: store: store keys/default/key/2 does not open" \
		"$(cat "$tmp/flip.out")"
[[ $(cat "$tmp/flip.out") != *"$pg_dir"* ]] && ok || fail "verdict printed the store's URL"
psql_q "UPDATE eaa_objects SET value = substring(value from 1 for 20) WHERE path = 'keys/default/key/2'" >/dev/null
"$BIN/verdict" "${store[@]}" --store-export "$tmp/out" >"$tmp/short.out" 2>&1 &&
	fail "a value cut short was exported" ||
	expect "a value cut short" "keys/default/key/2 is not a sealed value" "$(cat "$tmp/short.out")"

# refused at start
start_err() { # start_err ARGS...: verdictd's stderr (it must stop)
	timeout 20 "$BIN/verdictd" --listen 127.0.0.1:0 --attester nullattester --root "$tmp/x" "$@" \
		2>&1 >/dev/null && echo "STARTED"
}
expect "no --store-key" "needs --store-key" "$(start_err --store "$pg_url")"
cp "$tmp/store.key" "$tmp/open.key" && chmod 644 "$tmp/open.key"
expect "key readable by others" "chmod 600" "$(start_err --store "$pg_url" --store-key "$tmp/open.key")"
head -c 31 /dev/urandom >"$tmp/short.key" && chmod 600 "$tmp/short.key"
expect "short key" "want 32 bytes" "$(start_err --store "$pg_url" --store-key "$tmp/short.key")"
head -c 32 /dev/urandom >"$tmp/other.key" && chmod 600 "$tmp/other.key"
expect "another master key" "not the master key this database" \
	"$(start_err --store "$pg_url" --store-key "$tmp/other.key")"
expect "--store-key with a file store" "is for a postgresql" \
	"$(start_err --store "$tmp/x" --store-key "$tmp/store.key")"
psql_q "UPDATE eaa_meta SET value = 99 WHERE name = 'schema'" >/dev/null
expect "a newer schema" "schema is version 99, newer" "$(start_err "${store[@]}")"
psql_q "UPDATE eaa_meta SET value = 1 WHERE name = 'schema'" >/dev/null
finish
