#!/usr/bin/env bash
# rego-vs-peers.sh [BUILD] - bench-rego beside the same cases on OPA 1.22.4
# (bench/peers/opa, Go: PrepareForEval once, Eval per input) and on
# regorus 0.14.1 (bench/peers/regorus, Rust: one engine, a new input per
# evaluation), in the same run, each pinned to the same core (GOMAXPROCS=1
# for Go). Prints each engine's evaluations per second per case and our
# ratio to each. Needs Go >= 1.26 and cargo; builds the peers under
# BUILD/peers (default build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
n=${N:-200000}
core=${CORE:-1}
mkdir -p "$build/peers"
(cd "$here/peers/opa" && go build -o "$build/peers/bench-opa" .)
(cd "$here/peers/regorus" && cargo build -q --release --target-dir "$build/peers/regorus")
cd "$root"
ours=$(taskset -c "$core" "$build/bin/bench-rego" -n "$n")
opa=$(GOMAXPROCS=1 taskset -c "$core" "$build/peers/bench-opa" -n "$((n / 4))")
reg=$(taskset -c "$core" "$build/peers/regorus/release/bench-regorus" -n "$((n / 4))")
rate() { echo "$1" | awk -v c="$2 $3" '$1 " " $2 == c { print $3 }'; }
printf '%-10s %12s %12s %12s %8s %8s\n' case ours opa regorus "x opa" "x regorus"
for c in "sgx allow" "sgx deny" "csv allow" "csv deny"; do
	set -- $c
	o=$(rate "$ours" "$1" "$2") p=$(rate "$opa" "$1" "$2") r=$(rate "$reg" "$1" "$2")
	awk -v c="$c" -v o="$o" -v p="$p" -v r="$r" \
		'BEGIN { printf "%-10s %12s %12s %12s %8.1f %8.1f\n", c, o, p, r, o / p, o / r }'
done
