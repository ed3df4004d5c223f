#!/usr/bin/env bash
# replicas.sh [BUILD] - key releases over the KBS endpoint from 1, 2 and 3
# verdictd replicas on one PostgreSQL store (--store postgresql://), beside
# one verdictd on its file store (--root), in the same run (issue 21,
# Performance). The PostgreSQL is the tests' own (tests/integration/
# pg_lib.sh: initdb in a temporary directory, a unix socket, fsync off),
# with pg_stat_statements loaded so that every statement a release costs is
# named. Per configuration and round: one attested KBS session (the sample
# TEE, tests/integration/kbs_sample.py, its key checked at every replica),
# a warm-up, then GET /kbs/v0/resource/default/key/1 with the session's
# cookie from CLIENTS h2load connections (--h1, one request outstanding
# each) spread over the replicas, one h2load per replica at once, for
# DURATION seconds. Printed per configuration: releases/s, p50 and p99
# (h2load's per-request logs), CPU per release of the verdictd replicas and
# of every postgres process (/proc/PID/stat: utime + stime, and the
# postmaster's reaped children), the database's work per release
# (pg_stat_database for eaa: xact_commit, tup_returned, tup_fetched,
# tup_inserted, tup_updated) and the statements per release; then what the
# machine's other processes took, the projection to replicas on machines of
# their own, and the same three statements from pgbench (parsed per
# statement as verdictd sends them, and prepared), for what the database
# costs per release without verdictd beside it.
#   DURATION=10 WARMUP=3 CLIENTS=64 ROUNDS=2 bench/replicas.sh build
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
BIN=$build/bin
secs=${DURATION:-10} warm=${WARMUP:-3} clients=${CLIENTS:-64} rounds=${ROUNDS:-2}
tck=$(getconf CLK_TCK)
# on tmpfs, as the other benches: the virtual machine's disk would be
# measured, not the store
tmp=$(mktemp -d -p "${BENCH_TMP:-/dev/shm}")
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; pg_stop; rm -rf "$tmp"' EXIT
. "$root/tests/integration/lib.sh"
. "$root/tests/integration/pg_lib.sh"
need_pypi "the replicas bench (rfc8785, jwcrypto)"
command -v h2load >/dev/null || { echo "needs h2load (Debian's nghttp2-client)" >&2; exit 1; }
pg_start
# pg_stat_statements names what each release asks; loaded at start only
echo "shared_preload_libraries = 'pg_stat_statements'" >>"$pg_dir/data/postgresql.conf"
pg_ctl_stop
pg_ctl_start
psql_q "CREATE EXTENSION pg_stat_statements" >/dev/null

# the store: a key, the sample TEE's policy, a resource policy that allows
fileroot=$tmp/fileroot
sample_file_root "$fileroot"
head -c 32 /dev/urandom >"$fileroot/keys/default/key/1"
chmod 600 "$fileroot/keys/default/key/1"
printf 'package policy\nimport rego.v1\ndefault allow := true\n' >"$fileroot/opa/resourcePolicy.rego"
printf '{}' >"$fileroot/opa/resourceData"
cp -a "$fileroot" "$tmp/file"
"$BIN/verdict" --store "$pg_url" --store-key "$tmp/store.key" --store-import "$fileroot" >/dev/null

start_verdictd() { # start_verdictd NAME ARGS...: sets url[NAME], pid[NAME]
	local name=$1 t
	shift
	"$BIN/verdictd" --listen 127.0.0.1:0 --verifier sample --attester nullattester --mutual \
		--sample-trust "$tmp/trust.pem" --kbs 127.0.0.1:0 --kbs-insecure-http \
		--log-level warn "$@" >"$tmp/$name.out" 2>"$tmp/$name.log" &
	pid[$name]=$!
	pids+=($!)
	for t in $(seq 100); do
		url[$name]=$(sed -n 's/^KBS on //p' "$tmp/$name.out")
		[[ -n ${url[$name]} ]] && return
		sleep 0.1
	done
	echo "verdictd $name did not start: $(tail -3 "$tmp/$name.log")" >&2
	exit 1
}
declare -A url pid
start_verdictd file --root "$tmp/file"
for r in r1 r2 r3; do
	start_verdictd "$r" --root "$tmp/$r" --store "$pg_url" --store-key "$tmp/store.key"
done
pm=$(head -1 "$pg_dir/data/postmaster.pid")
declare -A started # the lines each verdictd logged at its start (warnings)
for r in file r1 r2 r3; do started[$r]=$(wc -l <"$tmp/$r.log"); done

session() { # session URL...: an attested session at the first URL, its key
	# checked at every URL; prints the cookie
	PYTHONPATH=$root/tests/integration "$py" - "$tmp" "$@" <<'PY'
import sys
import kbs_sample
tmp, urls = sys.argv[1], sys.argv[2:]
s = kbs_sample.Session(kbs_sample.load_key(tmp + "/sample.key"))
st, body = s.attest(urls[0])
assert st == 200, f"attest at {urls[0]}: {st} {body}"
key = open(tmp + "/fileroot/keys/default/key/1", "rb").read()
for u in urls:
    st, got = s.get(u, "default/key/1")
    assert st == 200 and got == key, f"the key at {u}: {st} {got}"
print(s.cookie)
PY
}
cpu() { # cpu PID...: their user + system ticks (one that has just ended: 0)
	local p t=0 c
	for p in "$@"; do
		c=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null) || c=0
		t=$((t + ${c:-0}))
	done
	echo "$t"
}
pg_cpu() { # every postgres process: the postmaster with its reaped children
	# (backends that ended) and its live ones
	local kids
	kids=$(ps -o pid= --ppid "$pm" | tr '\n' ' ')
	echo $(($(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$pm/stat") +
		$(cpu $kids)))
}
machine() { # busy and nice ticks of all cores (/proc/stat)
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $3 }' /proc/stat
}
pg_db() { # the eaa database's counters, and the TOAST chunks read from
	# the eaa tables' TOAST tables (a value over about 2 kB is kept there)
	psql_q "SELECT d.xact_commit, d.tup_returned, d.tup_fetched, d.tup_inserted, d.tup_updated,
		(SELECT coalesce(sum(t.idx_tup_fetch), 0) FROM pg_class c JOIN pg_stat_all_tables t
		 ON t.relid = c.reltoastrelid WHERE c.relname LIKE 'eaa\_%' AND c.relkind = 'r')
		FROM pg_stat_database d WHERE d.datname = 'eaa'" | tr '|' ' '
}
# A backend flushes its statistics when it goes idle, but at most once a
# second, else 10 s later (PGSTAT_IDLE_INTERVAL): 11 s of quiet before each
# pg_stat_database snapshot, so that none of a run's counts fall outside it.
flush=11

# run CONFIG NAME...: a session, the warm-up, the measured run on the named
# verdictds; one line of name=value figures to $tmp/results
run() {
	local cfg=$1 n i k cookie path=/kbs/v0/resource/default/key/1 h2=() u=()
	shift
	n=$#
	for i in "$@"; do u+=("${url[$i]}"); done
	cookie=$(session "${u[@]}")
	h2load_all() { # h2load_all SECONDS TAG: one h2load per verdictd at once
		local k=0 share
		h2=()
		for i in "${u[@]}"; do
			share=$(((clients + n - 1 - k) / n))
			h2load --h1 -c "$share" -t 1 -D "$1" --log-file "$tmp/$2.$k.log" \
				-H "Cookie: kbs-session-id=$cookie" "$i$path" >"$tmp/$2.$k.out" 2>&1 &
			h2+=($!)
			k=$((k + 1))
		done
		for i in "${h2[@]}"; do wait "$i"; done
	}
	h2load_all "$warm" warm
	local db0 db1 vd0 vd1 pg0 pg1 m0 m1 mn0 mn1 t0 t1 vdpids=()
	for i in "$@"; do vdpids+=("${pid[$i]}"); done
	[[ $cfg == file ]] || sleep "$flush"
	db0=$(pg_db)
	psql_q "SELECT pg_stat_statements_reset()" >/dev/null
	sleep 0.2 # the postmaster reaps psql's backend (its CPU is not the run's)
	read -r m0 mn0 <<<"$(machine)"
	vd0=$(cpu "${vdpids[@]}") pg0=$(pg_cpu) t0=$EPOCHREALTIME
	h2load_all "$secs" run
	t1=$EPOCHREALTIME vd1=$(cpu "${vdpids[@]}") pg1=$(pg_cpu)
	read -r m1 mn1 <<<"$(machine)"
	[[ $cfg == file ]] || sleep "$flush"
	db1=$(pg_db)
	psql_q "SELECT calls, query FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat%'
		ORDER BY calls DESC" >"$tmp/statements.$cfg"
	# every request must have been a release: h2load's "failed" counts
	# non-2xx/3xx answers and broken streams, so bad = failed + 3xx
	local ok=0 bad=0
	for ((k = 0; k < n; k++)); do
		grep -q '^status codes: ' "$tmp/run.$k.out" ||
			{ echo "h2load failed: $(cat "$tmp/run.$k.out")" >&2; exit 1; }
		read -r ok bad <<<"$(awk -v ok="$ok" -v bad="$bad" '
			/^requests: / { bad += $10 }
			/^status codes: / { ok += $3; bad += $5 }
			END { print ok, bad }' "$tmp/run.$k.out")"
	done
	local lat
	lat=$(cat "$tmp"/run.*.log | awk -F'\t' '$2 == 200 { print $3 }' | sort -n | awk '
		{ v[NR] = $1; s += $1 }
		END { printf "p50=%s p99=%s mean=%s", v[int(NR * 0.5) + 1] / 1000,
			v[int(NR * 0.99) + 1] / 1000, s / NR / 1000 }')
	rm -f "$tmp"/run.* "$tmp"/warm.*
	read -r -a a0 <<<"$db0"
	read -r -a a1 <<<"$db1"
	echo "cfg=$cfg n=$n ok=$ok bad=$bad secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
		"$lat vd=$((vd1 - vd0)) pg=$((pg1 - pg0)) busy=$((m1 - m0)) nice=$((mn1 - mn0))" \
		"commits=$((a1[0] - a0[0])) returned=$((a1[1] - a0[1])) fetched=$((a1[2] - a0[2]))" \
		"inserted=$((a1[3] - a0[3])) updated=$((a1[4] - a0[4])) toast=$((a1[5] - a0[5]))" \
		"statements=$(awk -F'|' '{ s += $1 } END { print s + 0 }' "$tmp/statements.$cfg")" \
		>>"$tmp/results"
}

echo "$(date -u '+%F %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
	"$clients clients, $secs s after $warm s of warm-up, $rounds rounds"
for ((round = 1; round <= rounds; round++)); do
	run file file
	run pg1 r1
	run pg2 r1 r2
	run pg3 r1 r2 r3
done

# The same three statements a release makes (the cookie's session, the
# key's existence, the key), from pgbench on 8 connections instead of
# verdictd: what the database costs per release when nothing else runs,
# with a parse and plan per statement (-M extended: PQexecParams's unnamed
# statement, as store_pg.c sends them) and with named prepared statements
cookie=$(session "${url[r1]}")
printf '%s\n' "SELECT value FROM eaa_kbs_sessions WHERE id = '$cookie' AND expires > 0;" \
	"SELECT 1 FROM eaa_objects WHERE path = 'keys/default/key/1';" \
	"SELECT value FROM eaa_objects WHERE path = 'keys/default/key/1';" >"$tmp/release.sql"
for mode in extended prepared; do
	p0=$(pg_cpu)
	o=$("$PGBIN/pgbench" -h "$pg_dir" -p 5432 -U eaa -n -c 8 -j 1 -T 5 -M "$mode" \
		-f "$tmp/release.sql" eaa 2>&1 | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
	p1=$(pg_cpu)
	echo "$mode $o $((p1 - p0))" >>"$tmp/pgbench"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

awk -v tck="$tck" '
function th(x,  s) { # 12345.6 -> 12,346
	s = sprintf("%.0f", x)
	while (s ~ /[0-9][0-9][0-9][0-9]/)
		sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
	return s
}
BEGIN {
	print "| configuration | releases/s | p50, p99 (mean) | CPU per release: verdictd, postgres | not 2xx" \
		" | per release: statements, commits | tup_fetched (of which TOAST chunks) | tup_returned" \
		" | tup_inserted, tup_updated | rest of the machine (of which nice), cores |"
	print "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
}
{
	delete f
	for (i = 1; i <= NF; i++) {
		split($i, kv, "=")
		f[kv[1]] = kv[2]
	}
	ok = f["ok"]; t = f["secs"]; n = f["n"]
	vd = f["vd"] / tck * 1e6 / ok; pg = f["pg"] / tck * 1e6 / ok
	other = (f["busy"] - f["vd"] - f["pg"]) / tck / t
	if (f["cfg"] == "file") {
		printf "| file store, 1 verdictd | %s | %.2f, %.2f ms (%.2f) | %.0f us, - | %d | - | - | - | - |",
			th(ok / t), f["p50"], f["p99"], f["mean"], vd, f["bad"]
	} else {
		printf "| PostgreSQL, %d replica%s | %s | %.2f, %.2f ms (%.2f) | %.0f us, %.0f us | %d" \
			" | %.2f, %.2f | %.2f (%.2f) | %.2f | %.3f, %.3f |",
			n, (n > 1 ? "s" : ""), th(ok / t), f["p50"], f["p99"], f["mean"], vd, pg, f["bad"],
			f["statements"] / ok, f["commits"] / ok, f["fetched"] / ok, f["toast"] / ok,
			f["returned"] / ok, f["inserted"] / ok, f["updated"] / ok
		s_vd[n] += vd; s_pg[n] += pg; s_q[n] += f["statements"] / ok; k[n]++
	}
	printf " %.2f (%.2f) |\n", other, f["nice"] / tck / t
}
END {
	print ""
	print "On paper (means over the rounds): a replica on a machine of its own, per core;" \
		" the database on cores of its own:"
	for (n = 1; n <= 3; n++) {
		if (!k[n])
			continue
		vd = s_vd[n] / k[n]; pg = s_pg[n] / k[n]; q = s_q[n] / k[n]
		printf "  measured with %d replica%s: %s releases/s per replica core (%.0f us each);" \
			" per release %.2f statements, %.0f us of postgres: %.2f database cores per" \
			" replica core\n", n, (n > 1 ? "s" : ""), th(1e6 / vd), vd, q, pg, pg / vd
	}
	vd = s_vd[1] / k[1]; pg = s_pg[1] / k[1]; q = s_q[1] / k[1]
	for (m = 1; m <= 16; m *= 2)
		printf "  %2d replicas of one core each: %s releases/s; the database %s statements/s," \
			" %.1f cores of postgres\n", m, th(m * 1e6 / vd), th(m * 1e6 / vd * q), m * pg / vd
}' "$tmp/results"
awk -v tck="$tck" '{ printf "pgbench -M %s, 8 connections, 5 s: %.0f sets of the 3 statements/s, postgres %.0f us" \
	" per set\n", $1, $2 / 5, $3 / tck * 1e6 / $2 }' "$tmp/pgbench"
echo
echo "Statements of the last 3-replica run (calls, query):"
sed 's/^/  /' "$tmp/statements.pg3"
for r in file r1 r2 r3; do # anything verdictd said after its start, but
	# the start's warnings again (the sample verifier's, at its first use)
	w=$(tail -n "+$((started[$r] + 1))" "$tmp/$r.log" |
		grep -v -x -F -f <(head -n "${started[$r]}" "$tmp/$r.log") || true)
	[[ -z $w ]] || { echo "verdictd $r logged after its start (the last lines):"; tail -3 <<<"$w"; }
done
