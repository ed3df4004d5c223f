#!/usr/bin/env bash
# test_img_unpack.sh BIN_DIR - eaa-image unpack: layers (gzip, zstd, plain)
# with OCI whiteouts applied in order, and every escape refused with the
# entry named, no root file system and nothing outside it touched: "../",
# absolute names, writing through a symlink, hard links out, whiteouts
# through a symlink. A tampered layer fails its digest; the policy is
# checked before anything is unpacked.
set -u
BIN=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
cd "$tmp"
printf '{"default":[{"type":"insecureAcceptAnything"}]}' >any.json
mkdir outside
echo precious >outside/victim

unpack() { # unpack IMAGE ROOTFS: eaa-image's verdict; its message in $out
	out=$("$BIN/eaa-image" unpack --policy any.json "oci:$1" "$2" 2>&1)
}
refused() { # refused NAME PATTERN IMAGE LAYER...: built, refused, nothing left
	local name=$1 pattern=$2 img=$3
	shift 3
	python3 "$here/make_image.py" "$img" "$@" >/dev/null
	unpack "$img" "root-$img" && fail "$name: unpacked" || ok
	expect "$name" "$pattern" "$out"
	[[ ! -e root-$img ]] && ok || fail "$name: the root exists"
	compgen -G "root-$img.staging-*" >/dev/null && fail "$name: staging left behind" || ok
	[[ $(ls outside) == victim && $(cat outside/victim) == precious ]] && ok ||
		fail "$name: something outside changed: $(ls outside)"
}

# Three layers, three compressions, whiteouts of both kinds.
python3 "$here/make_image.py" good \
	'gz:d:a,f:a/x=1,f:a/y=2,d:b,f:b/z=3,d:d,f:d/keep=4,l:d/link>../a/y' \
	'zst:f:a/.wh.x=,f:b/new=5,d:c,f:c/file=6,f:b/.wh..wh..opq=' \
	'raw:f:c/file=7,f:d/.wh.link=' >/dev/null
unpack good root && ok || fail "good image: $out"
expect "unpacked" '^oci:good: unpacked into root$' "$out"
[[ ! -e root/a/x && $(cat root/a/y) == 2 ]] && ok || fail "whiteout .wh.x"
[[ $(ls root/b) == new ]] && ok || fail "opaque whiteout kept: $(ls root/b)"
[[ $(cat root/c/file) == 7 && $(cat root/d/keep) == 4 ]] && ok || fail "later layers win"
[[ ! -L root/d/link && ! -e root/d/link ]] && ok || fail "whiteout of a symlink"
unpack good root && fail "unpacked over an existing root" || ok
expect "existing root" 'root exists; not pulling over it' "$out"

refused "dotdot" 'entry "../outside/victim" leaves the root' dotdot 'f:../outside/victim=pwned'
refused "dotdot inside" 'entry "a/../../outside/x" leaves the root' dotdot2 'd:a,f:a/../../outside/x=1'
refused "absolute" "entry \"$tmp/outside/victim\" leaves the root" abs "f:$tmp/outside/victim=pwned"
refused "through symlink" 'entry "link/victim" goes through a symlink' symlink \
	"l:link>$tmp/outside,f:link/victim=pwned"
refused "relative symlink" 'entry "l2/x" goes through a symlink' symlink2 \
	'd:a,l:l2>../../outside,f:l2/x=pwned'
refused "symlink in a lower layer" 'entry "link/victim" goes through a symlink' symlink3 \
	"l:link>$tmp/outside" 'f:link/victim=pwned'
refused "hard link out" 'hard link to "../outside/victim" leaves the root' hard \
	'h:h>../outside/victim'
refused "whiteout through symlink" 'whiteout "link/.wh.victim" goes through a symlink' wh \
	"l:link>$tmp/outside" 'f:link/.wh.victim='
refused "opaque through symlink" 'goes through a symlink' opq \
	"l:link>$tmp/outside" 'f:link/.wh..wh..opq='
# A file over a lower layer's symlink replaces the symlink, not its target.
python3 "$here/make_image.py" over "l:f>$tmp/outside/victim" 'f:f=new' >/dev/null
unpack over root-over && ok || fail "file over a symlink: $out"
[[ ! -L root-over/f && $(cat root-over/f) == new && $(cat outside/victim) == precious ]] && ok ||
	fail "a file was written through a lower layer's symlink"
# A symlink whose target is absolute is kept as it is, pointing inside.
python3 "$here/make_image.py" abslink 'l:etc-link>/etc' >/dev/null
unpack abslink root-abslink && ok || fail "absolute symlink target: $out"
[[ $(readlink root-abslink/etc-link) == /etc ]] && ok || fail "symlink target changed"

# A layer changed after the manifest named it: its digest fails.
digests=$(python3 "$here/make_image.py" tampered 'f:a=1' 'f:b=2')
second=${digests#* }
blob=tampered/blobs/sha256/${second#sha256:}
python3 - "$blob" <<'PY'
import gzip, sys
p = sys.argv[1]
raw = bytearray(gzip.decompress(open(p, "rb").read()))
raw[512] ^= 1   # the file's content
open(p, "wb").write(gzip.compress(bytes(raw), mtime=0))
PY
unpack tampered root-t && fail "tampered layer unpacked" || ok
expect "digest" "layer 2 \(sha256:[0-9a-f]{12}\): the blob's digest is sha256:[0-9a-f]{64}, not $second" "$out"
[[ ! -e root-t ]] && ok || fail "tampered: the root exists"
# Not a tar at all.
python3 "$here/make_image.py" junk 'f:a=1' >/dev/null
d=$(python3 -c "import json;print(json.load(open('junk/blobs/sha256/'+json.load(open('junk/index.json'))['manifests'][0]['digest'][7:]))['layers'][0]['digest'][7:])")
head -c 100 /dev/urandom >junk/blobs/sha256/$d
unpack junk root-j && fail "junk unpacked" || ok
expect "junk" 'not a (valid )?tar' "$out"

# The policy comes first: a refused image is not unpacked.
printf '{"default":[{"type":"reject"}]}' >reject.json
"$BIN/eaa-image" unpack --policy reject.json oci:good root-r 2>err && fail "refused image unpacked" || ok
expect "policy first" 'rejected by reject.json \(the default\): default\[0\]: type reject' "$(cat err)"
[[ ! -e root-r ]] && ok || fail "refused image: the root exists"

finish
