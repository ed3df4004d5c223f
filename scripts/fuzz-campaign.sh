#!/usr/bin/env bash
# fuzz-campaign.sh SAN_BUILD CPU_SECONDS [TARGET...] - a long libFuzzer run
# per target (all by default), one after another on one core, each
# stopped after CPU_SECONDS of its own CPU time (user + system, its
# children's included, read from /proc, so a run beside other work is not
# cut short by the clock). Each
# starts from the smoke tests' seeds plus the corpus kept in
# fuzz/corpus/TARGET; what it reaches is minimized back into
# fuzz/corpus/TARGET (-merge=1). Each run's statistics and CPU time go to
# fuzz/logs/TARGET.log for docs/fuzzing.md; crashes stay in
# fuzz/crashes/TARGET/. Several campaigns may run at once on different
# targets.
#
#   make check-san    # builds SAN_BUILD with the fuzz targets and seeds
#   nice -n 19 scripts/fuzz-campaign.sh build-san 1800
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
san=$(cd "$1" && pwd)
cpu=$2
shift 2
seeds=$san/fuzz/seeds data=$here/tests/data
tick=$(getconf CLK_TCK)

# target -> seed directories (the same as fuzz/CMakeLists.txt's smoke runs)
seeds_of() {
	case $1 in
	fuzz_evidence_ext | fuzz_sample_report | fuzz_cert_verify) echo "$seeds/$1" ;;
	fuzz_intel_quote | fuzz_intel_collateral) echo "$data/intel $data/intel/pcs-50806f000000" ;;
	fuzz_tdx_qgs) echo "" ;;
	fuzz_rego_lex) echo "$data/policy" ;;
	fuzz_rego_policy) echo "$data/policy $data/rego-seeds" ;;
	fuzz_rego_input | fuzz_jcs) echo "$data/rego-inputs" ;;
	fuzz_kbs) echo "$data/kbs-seeds" ;;
	fuzz_vd_eaa) echo "$data/eaa-requests" ;;
	fuzz_aa_ocicrypt) echo "$data/ocicrypt" ;;
	fuzz_aa_agent) echo "$data/agent-inputs" ;;
	fuzz_img_policy) echo "$data/img-policy" ;;
	fuzz_img_unpack) echo "$data/img-layers" ;;
	fuzz_snp_report) echo "$data/snp-seeds" ;;
	fuzz_csv_report) echo "$data/csv-seeds" ;;
	fuzz_tpm_quote) echo "$data/tpm-seeds" ;;
	fuzz_tpm_enrol) echo "$data/tpm-enrol-seeds" ;;
	fuzz_tpm_eventlog) echo "$data/tpm-eventlog-seeds" ;;
	fuzz_ccel) echo "$data/ccel-seeds" ;;
	fuzz_jose) echo "$data/jose-seeds" ;;
	fuzz_toml) echo "$data/toml/valid $data/toml/invalid $data/toml/differ" ;;
	fuzz_initdata) echo "$data/toml/valid" ;;
	fuzz_grpc_server) echo "$data/grpc-seeds" ;;
	fuzz_json_fast) echo "$data/rego-inputs $data/eaa-requests $data/agent-inputs" ;;
	*) echo "fuzz-campaign: unknown target $1" >&2; return 1 ;;
	esac
}

# CPU seconds used so far by process $1: its own (utime + stime) and its
# waited-for children's (cutime + cstime), where LeakSanitizer's checks run
# when libFuzzer suspects a leak; 0 once it is gone
cpu_of() {
	local f
	f=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	f=${f##*) }
	set -- $f
	echo $(((${12} + ${13} + ${14} + ${15}) / tick))
}

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(fuzz_vd_eaa fuzz_aa_agent fuzz_evidence_ext fuzz_cert_verify
	fuzz_intel_quote fuzz_snp_report fuzz_csv_report fuzz_tpm_quote fuzz_tpm_eventlog
	fuzz_tpm_enrol fuzz_aa_ocicrypt fuzz_img_policy fuzz_img_unpack fuzz_intel_collateral
	fuzz_sample_report fuzz_tdx_qgs fuzz_rego_lex fuzz_rego_policy fuzz_rego_input fuzz_jcs fuzz_kbs
	fuzz_jose fuzz_ccel fuzz_toml fuzz_initdata fuzz_grpc_server fuzz_json_fast)
export EAA_FUZZ_TRUST=$seeds/trust.pem
# libFuzzer's -timeout is a unit's wall time: at nice 19 on a loaded
# machine a unit of a few milliseconds can wait tens of seconds for a core
# (fuzz_rego_lex's first run reported a 40 s "timeout" on an input that
# runs in 0.02 s), so the bound is generous; a hang still ends the run.
unit_timeout=${FUZZ_UNIT_TIMEOUT:-120}
mkdir -p "$here/fuzz/logs"
for t in "${targets[@]}"; do
	s=$(seeds_of "$t")
	work=$(mktemp -d)
	kept=$here/fuzz/corpus/$t
	log=$here/fuzz/logs/$t.log
	mkdir -p "$kept" "$here/fuzz/crashes/$t"
	start=$(date +%s)
	# shellcheck disable=SC2086
	"$san/bin/$t" -timeout="$unit_timeout" -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$here/fuzz/crashes/$t/" "$work" "$kept" $s >"$log" 2>&1 &
	pid=$!
	used=0
	while kill -0 "$pid" 2>/dev/null; do
		used=$(cpu_of "$pid")
		if ((used >= cpu)); then
			kill -INT "$pid"
			break
		fi
		sleep 5
	done
	wait "$pid" || true
	echo "campaign: $t: $used CPU seconds in $(($(date +%s) - start)) s" >>"$log"
	# keep the smallest corpus that covers what the run reached
	new=$(mktemp -d)
	"$san/bin/$t" -merge=1 -timeout="$unit_timeout" -rss_limit_mb=2048 "$new" "$kept" "$work" \
		>/dev/null 2>&1 || true
	rm -rf "$kept" && mv "$new" "$kept"
	rm -rf "$work"
	rmdir "$here/fuzz/crashes/$t" 2>/dev/null || true
	echo "$t: $(grep -E '^#[0-9]+' "$log" | tail -1) ($used CPU s)"
done
