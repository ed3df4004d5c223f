#!/usr/bin/env bash
# test_replicas_chaos.sh BIN_DIR [SECONDS] - three verdictd replicas on one
# PostgreSQL store under 32 KBS clients for 2 minutes (SECONDS), one
# replica killed with SIGKILL every 10 s and started again, keys revoked
# and rotated through a surviving replica (replicas_chaos.py): 0 keys lost
# or truncated, 0 releases of a key revoked more than 1 s earlier, 0 wrong
# answers, every request served. The counts are printed.
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; pkill -9 -f -- "--root $tmp/r" 2>/dev/null; pg_stop; [[ -n ${KEEP:-} ]] && cp "$tmp"/r*.log /tmp/; rm -rf "$tmp"' EXIT
. "$here/lib.sh"
. "$here/pg_lib.sh"
need_pypi "the replicas chaos test (rfc8785, jwcrypto)"
pg_start

root=$tmp/fileroot
sample_file_root "$root"
mkdir -p "$root/keys/default/rot"
for i in 0 1 2 3 4 5 6 7; do head -c 32 /dev/urandom >"$root/keys/default/key/$i"; done
head -c 32 /dev/urandom >"$root/keys/default/rot/1"
chmod 600 "$root"/keys/default/*/*
printf 'package policy\nimport rego.v1\ndefault allow := false\nallow if not input.path in data.revoked\n' \
	>"$root/opa/resourcePolicy.rego"
printf '{"revoked": []}' >"$root/opa/resourceData"
"$BIN/verdict" --store "$pg_url" --store-key "$tmp/store.key" --store-import "$root" >/dev/null &&
	ok || fail "--store-import"

PYTHONPATH=$here "$py" "$here/replicas_chaos.py" "$BIN" "$tmp" "$pg_url" "$tmp/store.key" "${2:-120}" &&
	ok || fail "the chaos run"
finish
