#!/usr/bin/env bash
# test_rego_cli.sh BIN_DIR DATA_DIR - `rego eval` as users run `opa eval`:
# the seeds' policies with their data and evidence, data files merged, the
# output formats, --fail/--fail-defined exit codes, and named errors.
set -u
BIN=$1 P=$2/policy
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

run() { # run EXPECTED_RC ARGS... : leaves $out and $err
	local want=$1; shift
	"$BIN/rego" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out") err=$(cat "$tmp/err")
	if [[ $rc == "$want" ]]; then ok; else fail "rego $* exited $rc, want $want: $err"; fi
}

# The seed's SGX flow (verdict --test-opa-local-reference): reference
# values, evidence, decision.
cat >"$tmp/sgxData" <<'J'
{"mrEnclave": ["zqs/chEBBNrInHlSCDO+0eV/pnlAB5qieF3M0hKfekA="],
 "mrSigner": ["g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4="],
 "productId": 0, "svn": 0}
J
cp "$tmp/sgxData" "$tmp/sgxData.json"
cat >"$tmp/evidence.json" <<'J'
{"mrEnclave": "zqs/chEBBNrInHlSCDO+0eV/pnlAB5qieF3M0hKfekA=",
 "mrSigner": "g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4=", "productId": 0, "svn": 0}
J
run 0 eval -f raw -d "$P/verdictd_sgxPolicy.rego" -d "$tmp/sgxData.json" \
	-i "$tmp/evidence.json" data.policy.allow
expect "sgx allow" '^true$' "$out"
sed -i 's/zqs/ZQS/' "$tmp/evidence.json"
run 0 eval -f raw -d "$P/verdictd_sgxPolicy.rego" -d "$tmp/sgxData.json" \
	-i "$tmp/evidence.json" data.policy.allow
expect "sgx deny" '^false$' "$out"
# --explain: why, on stderr; stdout stays what opa eval prints
run 0 eval -f raw --explain -d "$P/verdictd_sgxPolicy.rego" -d "$tmp/sgxData.json" \
	-i "$tmp/evidence.json" data.policy.allow
expect "explain keeps stdout" '^false$' "$out"
expect "explain" '^data.policy.allow is false
  allow \([^)]*verdictd_sgxPolicy.rego:7\): mrEnclave_is_grant is undefined \([^)]*:8:5\)
    mrEnclave_is_grant \([^)]*:14\): count\(data.mrEnclave\) \(1\) == 0 \(0\) is false \([^)]*:15:5\)
    mrEnclave_is_grant \([^)]*:17\): input.mrEnclave \("ZQS/chEBBNrInHlSCDO\+0eV/pnlAB5qieF3M0hKfekA="\) == data.mrEnclave\[_\] \("zqs/chEBBNrInHlSCDO\+0eV/pnlAB5qieF3M0hKfekA="\) is false \([^)]*:19:5\)
  default allow \([^)]*:5\): false$' "$err"
run 0 eval --explain -d "$P/verdictd_sgxPolicy.rego" -d "$tmp/sgxData.json" \
	-i "$tmp/evidence.json" data.policy.allow
expect "explain, result set" '^\{"result":\[\{"expressions":\[\{"value":false\}\]\}\]\}$' "$out"
run 0 eval --explain -d "$P/verdictd_sgxPolicy.rego" -d "$tmp/sgxData.json" \
	-i "$tmp/evidence.json" 'data.policy.mrSigner_is_grant'
[[ -z $err ]] && ok || fail "a true query explained: $err"
run 0 eval --explain -d "$P/verdictd_sgxPolicy.rego" -d "$tmp/sgxData.json" \
	-i "$tmp/evidence.json" 'data.policy.nothing'
expect "explain undefined" '^data.policy.nothing is undefined$' "$err"
run 2 eval --explain --inputs "$tmp/evidence.json" -d "$P/verdictd_sgxPolicy.rego" data.policy.allow
expect "explain with --inputs" 'explain explains one input \(-i\), not --inputs' "$err"

# The result set, as opa eval prints it.
run 0 eval -d "$P/seed_csvPolicy.rego" -d "$P/seed_csvData.json" data.policy.allow
expect "result set" '^\{"result":\[\{"expressions":\[\{"value":false\}\]\}\]\}$' "$out"
run 0 eval -f pretty -d "$P/seed_csvPolicy.rego" -d "$P/seed_csvData.json" 'x := data.measure[_]'
expect "bindings" '"bindings": \{' "$out"
expect "binding value" '"x": "OJXIhq3P' "$out"

# A directory of policies and data.
mkdir "$tmp/dir"
cp "$P/trustee_policy_5.rego" "$tmp/dir/"
echo '{"resource-path": ["myrepo", "secret", "secret1"], "plugin": "resource"}' >"$tmp/dir/data.json"
echo '{"submods": {"cpu0": {"ear.veraison.annotated-evidence": {"sample": {"svn": 2}}}}}' >"$tmp/in.json"
run 0 eval -f raw -d "$tmp/dir" -i "$tmp/in.json" data.policy.allow
expect "directory" '^true$' "$out"

# Data files merge into one document, read by our JSON reader: integers
# past 64 bits keep their digits, and compute exactly.
echo '{"ref": {"big": 18446744073709551617, "list": [1]}, "a": 1}' >"$tmp/d1.json"
echo '{"ref": {"list": [2], "x": 1.50}, "b": 2}' >"$tmp/d2.json"
run 0 eval -f raw -d "$tmp/d1.json" -d "$tmp/d2.json" 'data'
expect "merged data" '^\{"a":1,"b":2,"ref":\{"big":18446744073709551617,"list":\[2\],"x":1.50\}\}$' "$out"
run 0 eval -d "$tmp/d1.json" 'x := data.ref.big + 1'
expect "big integer" '"x":18446744073709551618' "$out"
echo '[1]' >"$tmp/d3.json"
run 1 eval -d "$tmp/d3.json" data
expect "data not an object" 'd3.json: data: the document must be a JSON object' "$err"

# Undefined and --fail / --fail-defined.
run 0 eval -d "$P/seed_csvPolicy.rego" data.policy.nothing
expect "undefined" '^\{\}$' "$out"
run 1 eval --fail -d "$P/seed_csvPolicy.rego" data.policy.nothing
run 1 eval --fail-defined -d "$P/seed_csvPolicy.rego" data.policy.allow
run 0 eval --fail -d "$P/seed_csvPolicy.rego" data.policy.allow

# Errors name the file and place, and never print a result.
printf 'package p\nallow if {\n  contain(input.a, "x")\n}\n' >"$tmp/bad.rego"
run 1 eval -d "$tmp/bad.rego" data.p.allow
expect "unknown built-in" 'bad.rego:3:3: unknown function contain' "$err"
expect "no result" '^$' "$out"
printf 'package p\nallow if {\n  input.a ==\n}\n' >"$tmp/parse.rego"
run 1 eval -d "$tmp/parse.rego" data.p.allow
expect "parse error" 'parse.rego:4:1: unexpected \}, expected a term' "$err"
echo '{"a": ' >"$tmp/bad.json"
run 1 eval -d "$P/seed_csvPolicy.rego" -i "$tmp/bad.json" data.policy.allow
expect "bad input" 'input: JSON at line' "$err"
run 1 eval -d "$P/seed_csvPolicy.rego" 'data.policy.allow ==='
expect "bad query" '<query>:1:' "$err"
printf 'package p\nr := count([x | some x in numbers.range(1, 100000000)])\n' >"$tmp/big.rego"
run 1 eval -d "$tmp/big.rego" data.p.r
expect "limit" 'eval_limit_error' "$err"
run 1 eval --strict-builtin-errors -d "$P/seed_csvPolicy.rego" 'x := 1 / 0'
expect "strict" 'eval_builtin_error: .*div: divide by zero' "$err"
run 0 eval -f raw -d "$P/seed_csvPolicy.rego" 'x := 1 / 0'

# Usage errors, and the built-in list.
run 2 eval
run 2 frobnicate x
run 2 eval -f yaml data
run 0 builtins
expect "builtins" $'count/1\n' "$out"
expect "builtins" 'regex.match/2' "$out"

finish
