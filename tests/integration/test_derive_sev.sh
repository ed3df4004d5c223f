#!/usr/bin/env bash
# test_derive_sev.sh BIN_DIR - `verdict --derive sev` and `--derive csv`
# against independent implementations: IBM's sev-snp-measure from PyPI
# (--mode sev) and sev_digest.py, written in this test tree from the
# published algorithm with its own pure-Python SM3, on Debian's OVMF images
# (Debian 12's ovmf, unstable's ovmf-amdsev). Seed 000's calculate_hash.py
# command line, given to verdict, prints its "Firmware Digest" line. Each
# refusal is named. The merge into verdictd's stored csvData adds, never
# drops, and --replace overwrites.
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
vdpid=""
trap '[ -n "$vdpid" ] && kill -9 $vdpid 2>/dev/null; rm -rf "$tmp"' EXIT
. "$here/lib.sh"
need_pypi "sev-snp-measure"
need_firmware OVMF.amdsev.fd
ssm=$(dirname "$py")/sev-snp-measure
AMDSEV=$fw/OVMF.amdsev.fd
PLAIN=/usr/share/ovmf/OVMF.fd           # Debian 12: no hashes-table area
NOMETA=/usr/share/OVMF/OVMF_CODE_4M.fd  # Debian 12: no SEV metadata
cd "$tmp" || exit 1

head -c 1000000 /dev/urandom >kernel
head -c 300000 /dev/urandom >initrd
head -c 70000 /dev/urandom >kernel2
echo "console=ttyS0 root=/dev/vda1 quiet" >cmdline
# the last 64 KiB of the AmdSev image keep its footer table: a small image
# for the pure-Python SM3
tail -c 65536 "$AMDSEV" >small.fd

json_first() { # json_first KEY FILE: the first value of KEY's list
	python3 -c 'import json,sys; print(json.load(open(sys.argv[2]))[sys.argv[1]][0])' "$1" "$2"
}
derive() { # derive EXPECTED_RC ARGS...: leaves $out (stdout file), $err
	local want=$1; shift
	"$BIN/verdict" --derive "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	err=$(cat "$tmp/err")
	if [[ $rc == "$want" ]]; then ok; else fail "verdict --derive $* exited $rc, want $want: $err"; fi
}
same() { # same NAME OURS THEIRS
	if [[ -n $2 && $2 == "$3" ]]; then ok; else fail "$1: ours '$2', theirs '$3'"; fi
}

# --- sev against sev-snp-measure --mode sev, every input combination
for img in "$AMDSEV" "$PLAIN"; do
	derive 0 sev --ovmf "$img"
	same "sev, no kernel, $(basename "$img")" "$(json_first launch_digest out)" \
		"$("$ssm" --mode sev --ovmf "$img" --output-format base64)"
done
for k in kernel kernel2; do
	for i in "" initrd; do
		for a in "" "console=ttyS0 quiet" "a b=c d"; do
			args=(--ovmf "$AMDSEV" --kernel "$k" ${i:+--initrd "$i"} ${a:+--append "$a"})
			derive 0 sev "${args[@]}"
			same "sev ${args[*]}" "$(json_first launch_digest out)" \
				"$("$ssm" --mode sev "${args[@]}" --output-format base64)"
		done
	done
done
# simple-kbs's --cmdline STRING is the same as --append
derive 0 sev --ovmf "$AMDSEV" --kernel kernel --initrd initrd --cmdline "console=ttyS0 quiet"
same "sev --cmdline STRING" "$(json_first launch_digest out)" \
	"$("$ssm" --mode sev --ovmf "$AMDSEV" --kernel kernel --initrd initrd --append "console=ttyS0 quiet" --output-format base64)"
expect "sev prints the digest in hex too" "launch digest: [0-9a-f]{64}" "$err"

# --- sev and csv against sev_digest.py (its own table, its own SM3)
printf 'console=ttyS0 quiet\0' >cl.bin
derive 0 sev --ovmf "$AMDSEV" --kernel kernel --initrd initrd --append "console=ttyS0 quiet"
same "sev against sev_digest.py" "$(json_first launch_digest out)" \
	"$(python3 "$here/sev_digest.py" sha256 "$AMDSEV" kernel initrd cl.bin)"
# calculate_hash.py's --cmdline FILE: its newline becomes the NUL
printf 'console=ttyS0 root=/dev/vda1 quiet\0' >cl2.bin
derive 0 csv --ovmf small.fd --kernel kernel --initrd initrd --cmdline cmdline
csv1=$(json_first measure out)
same "csv --cmdline FILE against sev_digest.py sm3" "$csv1" \
	"$(python3 "$here/sev_digest.py" sm3 small.fd kernel initrd cl2.bin)"
[[ $err == *"Firmware Digest:  $csv1"* ]] && ok || fail "csv does not print calculate_hash.py's line: $err"
derive 0 csv --ovmf small.fd --kernel kernel2 --append "console=ttyS0 quiet"
same "csv --append, no initrd, against sev_digest.py sm3" "$(json_first measure out)" \
	"$(python3 "$here/sev_digest.py" sm3 small.fd kernel2 - cl.bin)"
# the whole 4 MiB image once (the pure-Python SM3 takes ~20 s on it)
derive 0 csv --ovmf "$AMDSEV" --kernel kernel --initrd initrd --cmdline cmdline
same "csv, the whole AmdSev image, against sev_digest.py sm3" "$(json_first measure out)" \
	"$(python3 "$here/sev_digest.py" sm3 "$AMDSEV" kernel initrd cl2.bin)"
# csv is not sev with another name: the digests differ
derive 0 sev --ovmf small.fd --kernel kernel --initrd initrd --cmdline "console=ttyS0 root=/dev/vda1 quiet"
[[ $(json_first launch_digest out) != "$csv1" ]] && ok || fail "csv and sev gave one digest"

# --- refusals, each named
derive 1 sev --ovmf "$PLAIN" --kernel kernel
expect "kernel into firmware without a hashes-table area" "keeps no area for the SEV hashes table \(base 0x0" "$err"
"$ssm" --mode sev --ovmf "$PLAIN" --kernel kernel >/dev/null 2>&1 && fail "sev-snp-measure measured a kernel into $PLAIN" || ok
head -c 4096 /dev/zero >zero.fd
derive 1 sev --ovmf zero.fd --kernel kernel
expect "no footer table" "no GUIDed footer table \(GUID 96b582de-1fb2-45f7-baea-a366c55a082d\)" "$err"
derive 1 sev --ovmf "$AMDSEV" --initrd initrd
expect "initrd without kernel" "only with --kernel" "$err"
derive 1 sev --ovmf "$AMDSEV" --kernel kernel --append x --cmdline y
expect "append and cmdline" "--append or --cmdline, not both" "$err"
derive 1 sev --kernel kernel
expect "no ovmf" "--ovmf FILE is required" "$err"
derive 1 sev --ovmf "$AMDSEV" --kernel "$tmp/none"
expect "missing kernel named" "kernel $tmp/none: No such file" "$err"
derive 1 sev --ovmf "$AMDSEV" --kernel /dev/zero
expect "a device is not an artifact" "kernel /dev/zero: not a regular file" "$err"
derive 1 csv --ovmf "$AMDSEV"
expect "csv without kernel" "--kernel FILE is required" "$err"
printf 'no newline' >cl-nonl
derive 1 csv --ovmf "$AMDSEV" --kernel kernel --cmdline cl-nonl
expect "cmdline file without its newline" "want one line of text ending with a newline" "$err"
derive 2 sev --ovmf "$AMDSEV" --vcpus 4
derive 2 sev --ovmf "$AMDSEV" --ovmf "$AMDSEV"
expect "an input given twice" "--ovmf given twice" "$err"
derive 2 sev --ovm "$AMDSEV"
expect "an abbreviated input is not taken for another" "unknown option --ovm" "$err"
derive 2 sev --ovmf "$AMDSEV" --repl
expect "nor an abbreviated option" "unknown option --repl" "$err"
derive 2 nosuchtee
expect "unknown TEE" "--derive nosuchtee: unknown TEE" "$err"
derive 2 sev --ovmf "$AMDSEV" --set-opa-reference sevData
expect "sev has no stored reference" "keeps no sev reference" "$err"
derive 2 csv --ovmf "$AMDSEV" --kernel kernel --set-opa-reference sgxData
expect "csv goes to csvData only" "gives csvData, not sgxData" "$err"
derive 2 csv --ovmf "$AMDSEV" --kernel kernel --replace
expect "--replace alone" "--replace goes with --set-opa-reference" "$err"
derive 0 sev --ovmf "$NOMETA"   # no kernel: the image is measured whole

# --- the merge into verdictd's csvData
start_verdictd_api
stored() { # the stored csvData's measure list, one per line
	(cd "$tmp" && "$BIN/verdict" "${vd[@]}" -p "$tmp" --export-opa-reference csvData >/dev/null) &&
		python3 -c 'import json; print("\n".join(json.load(open("csvData"))["measure"]))'
}
derive 0 csv --ovmf small.fd --kernel kernel --initrd initrd --cmdline cmdline \
	--set-opa-reference csvData "${vd[@]}"
expect "merge says where" "csv values merged into csvData" "$err"
[[ $(stored) == "$csv1" ]] && ok || fail "csvData after the first merge: $(stored)"
derive 0 csv --ovmf small.fd --kernel kernel2
csv2=$(json_first measure out)
derive 0 csv --ovmf small.fd --kernel kernel2 --set-opa-reference csvData "${vd[@]}"
[[ $(stored) == "$csv1"$'\n'"$csv2" ]] && ok || fail "csvData after the second merge: $(stored)"
derive 0 csv --ovmf small.fd --kernel kernel2 --set-opa-reference csvData "${vd[@]}"
[[ $(stored | wc -l) == 2 ]] && ok || fail "a value merged twice is listed twice: $(stored)"
derive 0 csv --ovmf small.fd --kernel kernel2 --set-opa-reference csvData --replace "${vd[@]}"
[[ $(stored) == "$csv2" ]] && ok || fail "--replace kept the old values: $(stored)"
# a stored member that is not a list is not silently replaced
printf '{"measure": "%s"}\n' "$csv1" >odd
"$BIN/verdict" "${vd[@]}" --set-opa-reference csvData odd >/dev/null 2>&1 || fail "could not store a test document"
derive 1 csv --ovmf small.fd --kernel kernel --set-opa-reference csvData "${vd[@]}"
expect "merge conflict named" "csvData: measure: the stored value and the derived one differ" "$err"
(cd "$tmp" && "$BIN/verdict" "${vd[@]}" -p "$tmp" --export-opa-reference csvData >/dev/null)
cmp -s odd csvData && ok || fail "a refused merge changed csvData"
# a wrong token: nothing stored
derive 1 csv --ovmf small.fd --kernel kernel --set-opa-reference csvData --client-api "$api" --token-file odd
finish
