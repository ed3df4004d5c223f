# lib.sh - what the shell tests share: counting checks, matching output,
# the plain summary line, and reading an OCI layout's first layer.
# Source it; then end the test with `finish`.
passed=0 failed=0
ok()   { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
expect() { # expect NAME PATTERN TEXT
	if [[ $3 =~ $2 ]]; then ok; else fail "$1: '$3' does not match /$2/"; fi
}
finish() {
	echo "$passed passed, $failed failed"
	[[ $failed == 0 ]]
}
start_server() { # start_server ARGS...: rats-tls-server on a free port, sets
	# $port; needs $BIN, $tmp and the array pids (killed by the caller's trap)
	local fifo="$tmp/fifo.${#pids[@]}" line
	mkfifo "$fifo"
	"$BIN/rats-tls-server" "$@" -p 0 >"$fifo" 2>>"$tmp/server.err" &
	pids+=($!)
	exec 3<"$fifo"
	read -r line <&3 || line=""
	port=${line##*:}
	[[ $line == "listening on "* ]] || { fail "server did not start: $*"; port=1; }
}
layer_of() { # layer_of DIR: the first layer's digest and media type
	python3 -c "
import json, sys
d = sys.argv[1]
i = json.load(open(d + '/index.json'))['manifests'][0]['digest'].split(':')[1]
l = json.load(open(d + '/blobs/sha256/' + i))['layers'][0]
print(l['digest'], l['mediaType'])" "$1"
}
provider_encrypt() { # provider_encrypt SRC DST ROOT KID [DIGEST]: SRC's first
	# layer encrypted as ocicrypt does (AES-256-CTR + HMAC-SHA256), its
	# options (naming DIGEST, default the layer's own) wrapped under KID by
	# verdictd-keyprovider over ROOT's keys, as the keywrap message ocicrypt
	# would send; DST is the encrypted layout.
	local src=$1 dst=$2 root=$3 kid=$4 layer symkey nonce hmac opts named
	layer=$(layer_of "$src") layer=${layer%% *}
	named=${5:-$layer}
	symkey=$(openssl rand -hex 32) nonce=$(openssl rand -hex 16)
	openssl enc -aes-256-ctr -K "$symkey" -iv "$nonce" \
		-in "$src/blobs/sha256/${layer#sha256:}" -out "$dst.layer" || return 1
	hmac=$(openssl dgst -sha256 -mac HMAC -macopt hexkey:"$symkey" -binary "$dst.layer" | base64 -w0)
	b64hex() { python3 -c 'import base64, sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())' "$1"; }
	opts=$(printf '{"symkey":"%s","digest":"%s","cipheroptions":{"nonce":"%s"}}' \
		"$(b64hex "$symkey")" "$named" "$(b64hex "$nonce")")
	printf '{"op":"keywrap","keywrapparams":{"ec":{"Parameters":{"attestation-agent":["%s"]},"DecryptConfig":{"Parameters":{}}},"optsdata":"%s"}}' \
		"$(printf %s "$kid" | base64 -w0)" "$(printf '%s' "$opts" | base64 -w0)" |
		"$BIN/verdictd-keyprovider" --root "$root" >"$dst.wrap" || return 1
	python3 - "$src" "$dst" "$hmac" <<'PY'
import base64, hashlib, json, os, shutil, sys
src, dst, hmac = sys.argv[1:4]
shutil.copytree(src, dst)
ann = json.load(open(dst + ".wrap"))["keywrapresults"]["annotation"]
ann = base64.b64encode(bytes(ann)).decode()  # []byte, as ocicrypt reads it
pub = json.dumps({"cipher": "AES_256_CTR_HMAC_SHA256", "hmac": hmac, "cipheroptions": {}}).encode()
def put(data):
    h = hashlib.sha256(data).hexdigest()
    open(f"{dst}/blobs/sha256/{h}", "wb").write(data)
    return "sha256:" + h, len(data)
idx = json.load(open(dst + "/index.json"))
m = json.load(open(dst + "/blobs/sha256/" + idx["manifests"][0]["digest"][7:]))
l = m["layers"][0]
os.remove(dst + "/blobs/sha256/" + l["digest"][7:])
l["digest"], l["size"] = put(open(dst + ".layer", "rb").read())
l["mediaType"] += "+encrypted"
l["annotations"] = {"org.opencontainers.image.enc.keys.provider.attestation-agent": ann,
                    "org.opencontainers.image.enc.pubopts": base64.b64encode(pub).decode()}
idx["manifests"][0]["digest"], idx["manifests"][0]["size"] = put(json.dumps(m).encode())
json.dump(idx, open(dst + "/index.json", "w"))
PY
}
verdictd_root() { # verdictd_root DIR: a verdictd state directory with key
	# default/key/1 and a sample-TEE policy allowing svn >= data.svn (0)
	mkdir -p "$1/keys/default/key" "$1/opa"
	head -c 32 /dev/urandom >"$1/keys/default/key/1"
	chmod 600 "$1/keys/default/key/1"
	printf 'package policy\nimport rego.v1\ndefault allow := false\nallow if input.svn >= data.svn\n' \
		>"$1/opa/samplePolicy.rego"
	echo '{"svn": 0}' >"$1/opa/sampleData"
}
need_peer() { # need_peer NAME...: each pinned peer (scripts/install-peers.sh)
	# on PATH. Where one is missing: under CI=true a failure, elsewhere a
	# skip ("skipped: needs Go >= 1.26"); either way the test ends here.
	local name dir=${EAA_PEERS:-/opt/eaa-peers}/bin
	for name in "$@"; do
		[[ -x $dir/$name ]] && continue
		if [[ ${CI:-} == true ]]; then
			fail "peer $name is not installed in $dir (scripts/install-peers.sh); CI never skips it"
		else
			echo "skipped: needs Go >= 1.26 for the peer $name (scripts/install-peers.sh)"
		fi
		finish
		exit
	done
	PATH=$dir:$PATH
}
start_registry() { # start_registry: docker-registry on a free loopback port,
	# storage in $tmp/registry; sets $reg (HOST:PORT), adds its pid to pids
	local port
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	reg=127.0.0.1:$port
	printf 'version: 0.1\nlog: {level: info}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: %s}\n' \
		"$tmp/registry" "$reg" >"$tmp/registry.yml"
	: >"$tmp/registry.log"
	docker-registry serve "$tmp/registry.yml" >"$tmp/registry.log" 2>&1 &
	pids+=($!)
	timeout 30 tail -n +1 -f "$tmp/registry.log" | grep -q -m1 "listening on" && ok ||
		fail "docker-registry did not start"
}
need_pypi() { # need_pypi WHAT: the PyPI peers' python (scripts/install-peers.sh)
	# as $py, else as need_peer: a failure under CI=true, a skip elsewhere
	py=${EAA_PEERS:-/opt/eaa-peers}/venv/bin/python
	[[ -x $py ]] && return
	if [[ ${CI:-} == true ]]; then
		fail "$1 needs the PyPI peers (scripts/install-peers.sh); CI never skips it"
	else
		echo "skipped: needs the PyPI peers for $1 (scripts/install-peers.sh)"
	fi
	finish
	exit
}
need_firmware() { # need_firmware NAME...: firmware images scripts/install-peers.sh
	# fetched (ovmf-amdsev, ovmf-inteltdx) as $fw/NAME; as need_pypi where absent
	fw=${EAA_PEERS:-/opt/eaa-peers}/firmware
	local name
	for name in "$@"; do
		[[ -f $fw/$name ]] && continue
		if [[ ${CI:-} == true ]]; then
			fail "$fw/$name is missing (scripts/install-peers.sh); CI never skips it"
		else
			echo "skipped: needs $fw/$name (scripts/install-peers.sh)"
		fi
		finish
		exit
	done
}
start_verdictd_api() { # start_verdictd_api: verdictd (sample verifier, state in
	# $tmp/root) with its listener and client API on free loopback ports; sets
	# root, vdpid (the caller's trap kills it), api, and vd=(verdict's options
	# for that client API). Needs $BIN and $tmp.
	local l1 l2
	root=$tmp/root
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/vd-key.pem" 2>/dev/null
	openssl pkey -in "$tmp/vd-key.pem" -pubout -out "$tmp/vd-trust.pem"
	mkfifo "$tmp/vd-ready"
	"$BIN/verdictd" --root "$root" --listen 127.0.0.1:0 --client-api 127.0.0.1:0 \
		--verifier sample --attester nullattester --sample-trust "$tmp/vd-trust.pem" \
		--log-level off >"$tmp/vd-ready" 2>>"$tmp/verdictd.log" &
	vdpid=$!
	exec 3<"$tmp/vd-ready"
	read -r l1 <&3
	read -r l2 <&3
	exec 3<&-
	rm -f "$tmp/vd-ready"
	api=127.0.0.1:${l2##*:}
	vd=(--client-api "$api" --token-file "$root/client-api.token")
}
need_go() { # need_go MINOR WHAT: Go >= 1.MINOR for WHAT (test code in Go),
	# else as need_peer: a failure under CI=true, a skip elsewhere
	if command -v go >/dev/null 2>&1 &&
		go version | awk -v m="$1" '{ split($3, v, "."); exit !(v[1] == "go1" && v[2] + 0 >= m) }'; then
		return
	fi
	if [[ ${CI:-} == true ]]; then
		fail "$2 needs Go >= 1.$1; CI never skips it"
	else
		echo "skipped: needs Go >= 1.$1 for $2"
	fi
	finish
	exit
}
start_swtpm() { # a software TPM on $tmp/tpm.sock, its state in $tmp/state and pid
	# in $tmp/swtpm.pid (the caller's EXIT trap kills it); sets $tcti. swtpm
	# --daemon returns once its sockets listen (no sleep needed).
	mkdir -p "$tmp/state"
	swtpm socket --tpm2 --daemon --server type=unixio,path="$tmp/tpm.sock" \
		--ctrl type=unixio,path="$tmp/tpm.sock.ctrl" --tpmstate dir="$tmp/state" \
		--pid file="$tmp/swtpm.pid" --flags not-need-init,startup-clear ||
		{ fail "swtpm did not start"; finish; exit; }
	tcti="swtpm:path=$tmp/tpm.sock"
}
start_kbs() { # start_kbs NAME VERDICTD_ARGS...: verdictd with a KBS endpoint
	# (--kbs among the arguments), its stderr in $tmp/NAME.log; sets $kbs to
	# the endpoint's URL and $kbspid to verdictd's pid; a verdictd that does
	# not start ends the test
	local name=$1 line
	shift
	mkfifo "$tmp/$name.out"
	"$BIN/verdictd" "$@" >"$tmp/$name.out" 2>"$tmp/$name.log" &
	kbspid=$!
	pids+=($!)
	exec 7<"$tmp/$name.out"
	kbs=""
	while read -r line <&7; do
		[[ $line == "KBS on "* ]] && { kbs=${line#KBS on }; break; }
	done
	# keep reading verdictd's stdout so it never blocks
	cat <&7 >/dev/null &
	pids+=($!)
	exec 7<&-
	[[ -n $kbs ]] && ok || { fail "verdictd ($name) did not start its KBS endpoint: $(tail -3 "$tmp/$name.log")"; finish; exit; }
}
dead_port() { # dead_port N: the N-th loopback port below 1024 that refuses
	# connections. Tests bind only ephemeral ports, so none of them can take
	# it while a test counts on it being dead (a free ephemeral port can be)
	python3 - "$1" <<'PY'
import socket, sys
n = int(sys.argv[1])
for port in range(1, 1024):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
    except ConnectionRefusedError:
        n -= 1
        if n == 0:
            print(port)
            break
    except OSError:
        pass
    finally:
        s.close()
PY
}
