#!/usr/bin/env bash
# decrypt-vs-skopeo.sh [BUILD] - eaa-decrypt beside the real skopeo
# (scripts/install-peers.sh) on the same encrypted layer: a 512 MiB gzip
# layer encrypted by skopeo (ocicrypt's AES-256-CTR + HMAC-SHA256, its key
# wrapped by verdictd-keyprovider), then decrypted to an OCI layout by
# each, one after another in the same run, pinned to the
# same core, with the same `cmd` key provider (verdictd-keyprovider, so the
# unwrapping costs both the same). Each verifies the layer's HMAC and its
# plain digest. Prints MiB/s for each, and the CPU bound from `openssl
# speed` in the same run: 1 / (1/AES-256-CTR + 2/SHA-256) (one AES pass,
# one SHA-256 pass for the HMAC, one for the plain digest).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
skopeo=${EAA_PEERS:-/opt/eaa-peers}/bin/skopeo
size=${SIZE_MIB:-512}
core=${CORE:-1}
# on tmpfs: the disk of a virtual machine would measure itself, not us
tmp=$(mktemp -d -p "${BENCH_TMP:-/dev/shm}")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

# a gzip layer (what images carry; skopeo would gzip a plain tar itself
# before encrypting it): SIZE_MIB of random bytes in a tar, gzip -1
head -c "$((size << 20))" /dev/urandom >big.bin
tar --mtime=@0 --owner=0 --group=0 -cf layer.tar big.bin
rm big.bin
gzip -1 -n layer.tar
python3 - <<'PY'
import hashlib, json, os, shutil
os.makedirs("plain/blobs/sha256")
def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open(f"plain/blobs/sha256/{d}", "wb").write(data)
    return "sha256:" + d, len(data)
ld, lsize = digest("layer.tar.gz"), os.path.getsize("layer.tar.gz")
shutil.move("layer.tar.gz", f"plain/blobs/sha256/{ld}")
cfg, csize = blob(json.dumps({"architecture": "amd64", "os": "linux",
    "rootfs": {"type": "layers", "diff_ids": []}}).encode())
man, msize = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg, "size": csize},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + ld,
                "size": lsize}]}).encode())
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": man, "size": msize, "annotations": {"org.opencontainers.image.ref.name": "latest"}}]},
    open("plain/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open("plain/oci-layout", "w"))
PY
mkdir -p vroot/keys/default/key
head -c 32 /dev/urandom >vroot/keys/default/key/1
printf '{"key-providers": {"attestation-agent": {"cmd": {"path": "%s/bin/verdictd-keyprovider", "args": ["--root", "%s/vroot"]}}}}\n' \
	"$build" "$tmp" >ocicrypt.conf
export OCICRYPT_KEYPROVIDER_CONFIG=$tmp/ocicrypt.conf
"$skopeo" --insecure-policy copy --quiet --encryption-key provider:attestation-agent:default/key/1 \
	oci:plain:latest oci:enc:latest

# best of three: wall seconds and CPU seconds (user + system)
best() { # best DIR CMD...: runs CMD (which writes DIR) three times
	local dir=$1 t r u s w=999999 c=0
	shift
	for _ in 1 2 3; do
		rm -rf "$dir"
		t=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1; } 2>&1 ) ||
			{ echo "$* failed" >&2; exit 1; }
		read -r r u s <<<"$t"
		if awk -v r="$r" -v w="$w" 'BEGIN { exit !(r < w) }'; then
			w=$r c=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
		fi
	done
	echo "$w $c"
}
read -r t_sk c_sk <<<"$(best dec-skopeo taskset -c "$core" "$skopeo" --insecure-policy copy --quiet \
	--decryption-key provider:attestation-agent oci:enc:latest oci:dec-skopeo:latest)"
read -r t_ea c_ea <<<"$(best dec-eaa taskset -c "$core" "$build/bin/eaa-decrypt" \
	--decryption-key provider:attestation-agent --keyprovider-config ocicrypt.conf enc dec-eaa)"
# both wrote the original layer back
layer=$(find plain/blobs/sha256 -size +1M -printf '%f\n')
for d in dec-skopeo dec-eaa; do
	[[ -f $d/blobs/sha256/$layer ]] || { echo "$d lacks the plain layer" >&2; exit 1; }
done
speed() { taskset -c "$core" openssl speed -seconds 3 -bytes 16384 -evp "$1" 2>/dev/null |
	awk -v a="$1" 'tolower($1) == tolower(a) { v = $NF; sub(/k$/, "", v); print v * 1000 / 1048576 }'; }
aes=$(speed aes-256-ctr) sha=$(speed sha256)
awk -v cores="$core" -v size="$size" -v sk="$t_sk" -v ea="$t_ea" -v csk="$c_sk" -v cea="$c_ea" -v aes="$aes" \
	-v sha="$sha" 'BEGIN {
	bound = 1 / (1 / aes + 2 / sha)
	printf "layer %d MiB, cores %s, best of three\n", size, cores
	printf "skopeo       %8.1f MiB/s (%.2f s, CPU %.2f s)\n", size / sk, sk, csk
	printf "eaa-decrypt  %8.1f MiB/s (%.2f s, CPU %.2f s)\n", size / ea, ea, cea
	printf "openssl      AES-256-CTR %.1f MiB/s, SHA-256 %.1f MiB/s, bound %.1f MiB/s\n", aes, sha, bound
	printf "eaa-decrypt / skopeo %.2f, eaa-decrypt / bound %.2f\n", sk / ea, (size / ea) / bound
}'
