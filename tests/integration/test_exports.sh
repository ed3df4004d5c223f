#!/usr/bin/env bash
# test_exports.sh LIB INCLUDE_DIR - librats_tls.so exports the public API and
# nothing else. The allowed names are read from the public headers (every
# RATS_TLS_API function of rats-tls/api.h, every function of eaa/error.h),
# not from the linker version script, so a wildcard slipped into the script
# fails here; so does a public function that is not exported.
set -u
LIB=$1 INC=$2
. "$(dirname "$0")/lib.sh"

[[ -f $LIB ]] || { fail "no library at $LIB"; finish; exit; }
allowed=$( {
	# "RATS_TLS_API type name(" possibly with the name on the next line.
	grep -v "^#" "$INC/rats-tls/api.h" | tr "\n" " " |
		grep -oE 'RATS_TLS_API [^;{(]*\(' | grep -oE '[A-Za-z_][A-Za-z0-9_]*\($' | tr -d '('
	grep -oE '^[a-z][^;()]* \*?[a-z_][a-z0-9_]*\(' "$INC/eaa/error.h" |
		grep -oE '[a-z_][a-z0-9_]*\($' | tr -d '('
} | sort -u)
[[ -n $allowed ]] && ok || fail "no public function found in $INC"

# Defined dynamic symbols, without the version node names (type A).
exported=$(nm -D --defined-only "$LIB" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort -u)

extra=$(comm -13 <(echo "$allowed") <(echo "$exported"))
missing=$(comm -23 <(echo "$allowed") <(echo "$exported"))
if [[ -z $extra ]]; then ok; else
	fail "exported but not public API ($(echo "$extra" | wc -l)):" $extra
fi
if [[ -z $missing ]]; then ok; else fail "public API not exported:" $missing; fi
# The public names are versioned, so a later ABI can add a node.
if nm -D --defined-only --with-symbol-versions "$LIB" 2>/dev/null |
	grep -q 'rats_tls_init@@RATS_TLS_1'; then ok; else
	fail "rats_tls_init is not in version node RATS_TLS_1"
fi
finish
