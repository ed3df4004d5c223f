#!/usr/bin/env bash
# test_rego_conformance_opa.sh BIN_DIR DATA_DIR - OPA's own evaluation test
# cases, the whole corpus of the pinned OPA module (v1.22.4, its
# v1/test/cases/testdata/v1, read from the Go module cache), converted by
# tools/rego-cases-import.py and run by test_rego_conformance. The cases we
# do not run are listed in DATA_DIR/rego-skips-opa.json, each with its
# reason; the counts per directory and in total are printed (docs/rego.md).
set -u
BIN=$(cd "$1" && pwd) DATA=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/lib.sh"
need_go 26 "OPA's module (its test cases)"
opa=$(cd "$here/../peers/opadiff" && go mod download github.com/open-policy-agent/opa >/dev/null &&
	go list -m -f '{{.Dir}}' github.com/open-policy-agent/opa) ||
	{ fail "the OPA module: $opa"; finish; exit; }
cases=$opa/v1/test/cases/testdata/v1
# shellcheck disable=SC2046
python3 "$here/../../tools/rego-cases-import.py" "$opa" v1.22.4 "$tmp/cases" \
	$(ls "$cases") >"$tmp/import.log" 2>&1 || { fail "import: $(tail -3 "$tmp/import.log")"; finish; exit; }
EAA_REGO_CASES=$tmp/cases EAA_REGO_SKIPS=$DATA/rego-skips-opa.json "$BIN/test_rego_conformance"
