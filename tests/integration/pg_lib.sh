# pg_lib.sh - a PostgreSQL of the test's own, from Debian's postgresql
# package: initdb in $tmp/pg, the server on a unix socket there (no TCP
# port to collide on), stopped by pg_stop (the caller's EXIT trap).
# Run as root, the server runs as the postgres user (initdb refuses root).

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

pg_as() { # run a server command as the user who owns the cluster
	if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
need_pg() { # need_pg: the postgresql package, else a failure under CI, a skip elsewhere
	[[ -x $PGBIN/initdb ]] && return
	if [[ ${CI:-} == true ]]; then
		fail "PostgreSQL is not installed (scripts/install-deps.sh); CI never skips it"
	else
		echo "skipped: needs Debian's postgresql package (scripts/install-deps.sh)"
	fi
	finish
	exit
}
pg_start() { # pg_start: a cluster in $tmp/pg; sets $pg_url (database eaa)
	# and $pg_dir; the store's master key in $tmp/store.key
	need_pg
	pg_dir=$tmp/pg
	mkdir -p "$pg_dir"
	[[ $(id -u) == 0 ]] && chown postgres "$pg_dir" && chmod 755 "$tmp"
	pg_as "$PGBIN/initdb" -D "$pg_dir/data" -A trust -U eaa --no-sync -E UTF8 >"$tmp/initdb.log" 2>&1 ||
		{ fail "initdb: $(tail -3 "$tmp/initdb.log")"; finish; exit; }
	pg_ctl_start
	"$PGBIN/createdb" -h "$pg_dir" -p 5432 -U eaa eaa || { fail "createdb"; finish; exit; }
	pg_url="postgresql:///eaa?host=$pg_dir&port=5432&user=eaa"
	head -c 32 /dev/urandom >"$tmp/store.key"
	chmod 600 "$tmp/store.key"
}
pg_ctl_start() { # (again, after pg_ctl_stop): -w returns once it accepts connections
	pg_as "$PGBIN/pg_ctl" -D "$pg_dir/data" -w -t 60 -l "$pg_dir/server.log" \
		-o "-k $pg_dir -c listen_addresses= -p 5432 -F -c max_connections=200" start >/dev/null ||
		{ fail "pg_ctl start: $(tail -3 "$pg_dir/server.log")"; finish; exit; }
}
pg_ctl_stop() { # fast: open connections are ended at once
	pg_as "$PGBIN/pg_ctl" -D "$pg_dir/data" -w -t 60 -m fast stop >/dev/null
}
pg_stop() {
	[[ -n ${pg_dir:-} && -f $pg_dir/data/postmaster.pid ]] && pg_ctl_stop
	return 0
}
psql_q() { # psql_q SQL: one value
	"$PGBIN/psql" -h "$pg_dir" -p 5432 -U eaa -d eaa -At -c "$1"
}
sample_file_root() { # sample_file_root DIR: a file store to import, with
	# sample-TEE evidence signed by $tmp/sample.key (trusted: $tmp/trust.pem)
	# allowed by a policy with trust claims (svn >= 2)
	mkdir -p "$1/opa" "$1/keys/default/key"
	openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/sample.key" 2>/dev/null
	openssl pkey -in "$tmp/sample.key" -pubout -out "$tmp/trust.pem" 2>/dev/null
	printf 'package policy\nimport rego.v1\ndefault allow := false\nallow if input.svn >= data.svn\n%s\n' \
		'trust_claims := {"executables": 3, "hardware": 2} if input.svn >= data.svn' \
		>"$1/opa/samplePolicy.rego"
	printf '{"svn": 2}' >"$1/opa/sampleData"
}

# A test whose store is a parameter runs under with_pg.sh, which sets
# EAA_TEST_PG_URL and EAA_TEST_STORE_KEY; without them it uses its root.
on_pg() { [[ -n ${EAA_TEST_PG_URL:-} ]]; }
store_args() { # the verdictd flags that put its store in the database
	on_pg && printf '%s\n' --store "$EAA_TEST_PG_URL" --store-key "$EAA_TEST_STORE_KEY"
	return 0
}
import_root() { # import_root DIR: the file store DIR into the database
	on_pg || return 0
	"$BIN/verdict" --store "$EAA_TEST_PG_URL" --store-key "$EAA_TEST_STORE_KEY" \
		--store-import "$1" >/dev/null || { fail "verdict --store-import $1"; finish; exit; }
}
stored() { # stored REL: a file holding the store's document REL now ($root's,
	# or the database's through verdict --store-export)
	if on_pg; then
		rm -rf "$tmp/exported" && mkdir "$tmp/exported" &&
			"$BIN/verdict" --store "$EAA_TEST_PG_URL" --store-key "$EAA_TEST_STORE_KEY" \
				--store-export "$tmp/exported" >/dev/null
		echo "$tmp/exported/$1"
	else
		echo "$root/$1"
	fi
}
behind() { # behind ROOT REL TEXT: an edit of REL behind verdictd's back, in
	# the file store ROOT or (under with_pg.sh) in the database
	if on_pg; then
		rm -rf "$tmp/one" && mkdir -p "$(dirname "$tmp/one/$2")" &&
			printf '%s\n' "$3" >"$tmp/one/$2" && import_root "$tmp/one"
	else
		printf '%s\n' "$3" >"$1/$2"
	fi
}
