#!/usr/bin/env bash
# with_pg.sh CMD ARGS... - CMD with a PostgreSQL of its own (pg_lib.sh):
# its store URL in EAA_TEST_PG_URL and a master key in EAA_TEST_STORE_KEY,
# the server stopped when CMD ends; CMD's exit status is this script's.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'pg_stop; rm -rf "$tmp"' EXIT
. "$here/lib.sh"
. "$here/pg_lib.sh"
pg_start
EAA_TEST_PG_URL=$pg_url EAA_TEST_STORE_KEY=$tmp/store.key "$@"
