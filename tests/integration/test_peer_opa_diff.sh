#!/usr/bin/env bash
# test_peer_opa_diff.sh BIN_DIR DATA_DIR - our Rego engine beside OPA's
# (v1.22.4, through its Go API as a server uses it: PrepareForEval once,
# Eval per input; tests/peers/opadiff): the same policy, data and query
# (data.policy, the whole package) over 10,000 generated inputs per policy
# (every JSON type, missing fields, big numbers, unicode;
# gen_rego_inputs.py, fixed seeds), one answer line per input from each;
# every line must be equal. Policies: the seeds' SGX and CSV policies,
# verdictd's defaults (unconfigured and with reference values listed),
# trustee's test policies, and numbers_policy.rego (arithmetic, aggregates,
# format_int and sprintf on the inputs' numbers). A difference is a defect unless docs/rego.md
# lists it as a deliberate deviation.
set -u
BIN=$(cd "$1" && pwd) DATA=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/lib.sh"
N=${EAA_DIFF_INPUTS:-10000}
need_go 26 "OPA's Go API (tests/peers/opadiff)"
(cd "$here/../peers/opadiff" && go build -o "$tmp/opadiff" .) 2>"$tmp/build.err" &&
	ok || { fail "build the OPA harness: $(cat "$tmp/build.err")"; finish; exit; }

# verdictd's defaults, as it installs them
mkfifo "$tmp/vd"
"$BIN/verdictd" --listen 127.0.0.1:0 --attester nullattester --root "$tmp/vroot" --log-level off >"$tmp/vd" 2>/dev/null &
vd=$!
read -r _ <"$tmp/vd"
kill "$vd"; wait "$vd" 2>/dev/null
opa=$tmp/vroot/opa
# reference values listed, so that the allowing paths are reached too
echo '{"mrEnclave": ["UpToDate", "a"], "mrSigner": [], "productId": 0, "svn": 1, "tcbStatus": ["UpToDate"]}' >"$tmp/sgx-listed.json"
echo '{"measurements": {"mr_td": ["a", "UpToDate"], "rtmr0": []}, "settings": {"tcbStatus": ["UpToDate", "OutOfDate"]}}' >"$tmp/tdx-listed.json"
echo '{"measurements": {"measurement": ["a", ""]}, "minimum_tcb": {"snp": 2, "microcode": 7}}' >"$tmp/snp-listed.json"
echo '{"measure": ["a", "UpToDate"]}' >"$tmp/csv-listed.json"
echo '{"pcrs": {"pcr0": ["a", "1"], "pcr7": ["UpToDate"]}}' >"$tmp/tpm-listed.json"
echo '{"measurement": ["a"], "svn": 2}' >"$tmp/sample-listed.json"
echo '{"plugin": "resource", "resource-path": ["myrepo", "secret", "secret1"]}' >"$tmp/trustee.json"

# diff NAME SYNTAX POLICY DATA: both engines over the same generated inputs
diff_one() {
	local name=$1 syntax=$2 policy=$3 data=$4 seed v0=()
	seed=$((${#name} * 7919))
	[[ $syntax == v0 ]] && v0=(-v0)
	python3 "$here/gen_rego_inputs.py" "$policy" "$data" "$N" "$seed" >"$tmp/in.jsonl"
	"$BIN/rego" eval -d "$policy" -d "$data" --inputs "$tmp/in.jsonl" data.policy >"$tmp/ours" 2>"$tmp/ours.err" ||
		{ fail "$name: rego eval: $(cat "$tmp/ours.err")"; return; }
	"$tmp/opadiff" "${v0[@]}" -d "$policy" -d "$data" -inputs "$tmp/in.jsonl" >"$tmp/opa" 2>"$tmp/opa.err" ||
		{ fail "$name: OPA: $(cat "$tmp/opa.err")"; return; }
	local lines differ allowed
	lines=$(wc -l <"$tmp/ours")
	differ=$(paste -d '\n' "$tmp/ours" "$tmp/opa" | paste - - | awk -F '\t' '$1 != $2' | wc -l)
	allowed=$(grep -c '"allow":true' "$tmp/opa")
	echo "$name: $lines inputs, $differ differences, $allowed allowed by OPA" >&2
	if [[ $lines == "$N" && $differ == 0 ]]; then
		ok
	else
		fail "$name: $differ of $lines answers differ from OPA's; first:"
		paste -d '\n' "$tmp/in.jsonl" "$tmp/ours" "$tmp/opa" | paste - - - |
			awk -F '\t' '$2 != $3 { print "  input: " substr($1, 1, 300) "\n  ours:  " substr($2, 1, 300) "\n  OPA:   " substr($3, 1, 300); if (++n == 3) exit }' >&2
	fi
}
diff_one "seed sgxPolicy (verdictd's original)" v0 "$DATA/policy/verdictd_sgxPolicy.rego" "$DATA/policy/verdictd_sgxData.json"
diff_one "seed csvPolicy" v0 "$DATA/policy/seed_csvPolicy.rego" "$DATA/policy/seed_csvData.json"
for t in sgx csv; do
	diff_one "verdictd default $t" v0 "$opa/${t}Policy.rego" "$opa/${t}Data"
	diff_one "verdictd default $t, listed" v0 "$opa/${t}Policy.rego" "$tmp/$t-listed.json"
done
for t in tdx snp tpm sample; do
	diff_one "verdictd default $t" v1 "$opa/${t}Policy.rego" "$opa/${t}Data"
	diff_one "verdictd default $t, listed" v1 "$opa/${t}Policy.rego" "$tmp/$t-listed.json"
done
for i in 1 2 3 4 5; do
	diff_one "trustee policy $i" v1 "$DATA/policy/trustee_policy_$i.rego" "$tmp/trustee.json"
done
diff_one "numbers" v1 "$DATA/policy/numbers_policy.rego" "$DATA/policy/numbers_data.json"
finish
