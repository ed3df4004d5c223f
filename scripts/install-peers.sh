#!/usr/bin/env bash
# install-peers.sh - the programs our users run beside us, built from their
# Go modules (and Python packages from PyPI, a crate from crates.io) at
# pinned versions, for the peer tests (docs/peers.md): they
# prove our protocols against theirs. Test code only; nothing of theirs is
# linked into EAA.
#
#   scripts/install-peers.sh        # into $EAA_PEERS (default /opt/eaa-peers)/bin
#
# skopeo signs with gpgme (cgo; libgpgme-dev from scripts/install-deps.sh):
# the pure-Go containers_image_openpgp build cannot sign at all.
#
# Each tool is built with `go install` inside a small module of its own
# that requires the pinned version (`go install PKG@VERSION` cannot be
# used: it asks the module proxy for the module's version list, which the
# proxy refuses for skopeo). Idempotent: a tool already installed at its
# pinned version is skipped. One line per tool. Without a Go toolchain
# (>= 1.26, which OPA 1.22 requires) it says so and installs nothing; the peer tests then skip,
# except under CI=true, where a missing peer is a failure.
set -euo pipefail
SKOPEO=v1.16.1 COSIGN=v2.6.5 OPA=v1.22.4
# Python peers from PyPI, in a virtual environment of their own
PYPI_PEERS="rfc8785==0.1.4 jwcrypto==1.6.1 sev-snp-measure==0.0.13 virt-firmware==26.10"
# Rust peers from crates.io (cargo install --locked: the crate's own lock)
SGXS_TOOLS=0.10.0
dir=${EAA_PEERS:-/opt/eaa-peers}

# PyPI peers: $dir/venv/bin/python has them (tests: need_pypi in lib.sh)
pypi_peers() {
	local py=$dir/venv/bin/python t0
	if [[ -x $py ]] && [[ $(cat "$dir/venv.pins" 2>/dev/null) == "$PYPI_PEERS" ]]; then
		echo "peers: PyPI $PYPI_PEERS: already installed in $dir/venv"
		return
	fi
	t0=$(date +%s)
	mkdir -p "$dir"
	rm -rf "$dir/venv"
	python3 -m venv "$dir/venv" >"$dir/venv.log" 2>&1 &&
		# shellcheck disable=SC2086
		"$py" -m pip install --disable-pip-version-check -q $PYPI_PEERS >>"$dir/venv.log" 2>&1 ||
		{ echo "peers: PyPI $PYPI_PEERS: install failed, see $dir/venv.log" >&2; return 1; }
	printf '%s' "$PYPI_PEERS" >"$dir/venv.pins"
	echo "peers: PyPI $PYPI_PEERS: installed in $dir/venv ($(($(date +%s) - t0)) s)"
}
if python3 -m venv --help >/dev/null 2>&1; then
	pypi_peers
else
	echo "peers: PyPI: skipped: needs python3 with venv"
fi

# Firmware images `verdict --derive` is checked on (docs/reference-values.md)
# that Debian 12's ovmf lacks: edk2's AmdSev build (an SEV hashes table
# the VMM can fill) and its TDX build, from Debian unstable's ovmf-amdsev
# and ovmf-inteltdx, pinned by SHA-256. unstable drops old versions from
# its pool: when the pinned one is gone, the version its index lists now
# is taken, checked against the SHA-256 that index gives, and said.
FIRMWARE_DEBS="ovmf-amdsev_2026.08+ds-2_all.deb=92c9b6d15e4eeb371938c3f99080c1a8fc057dfd6bc0509d37f8b615e9edebfb
ovmf-inteltdx_2026.08+ds-2_all.deb=87123a9bf4dc1af7bbc48257a9b3db5933ff695167476d4fa48b705da1011fb1"
firmware() {
	local fw=$dir/firmware pool=http://deb.debian.org/debian/pool/main/e/edk2 line deb sum pkg tmp
	if [[ -f $fw/pins ]] && [[ $(cat "$fw/pins") == "$FIRMWARE_DEBS" ]]; then
		echo "peers: firmware images: already in $fw"
		return
	fi
	mkdir -p "$fw"
	tmp=$(mktemp -d)
	while read -r line; do
		deb=${line%%=*} sum=${line#*=} pkg=${line%%_*}
		if ! curl -fsS -o "$tmp/$deb" "$pool/$deb"; then
			local idx
			idx=$(curl -fsS http://deb.debian.org/debian/dists/sid/main/binary-all/Packages.xz | xz -dc |
				awk -v p="$pkg" '$0=="Package: "p{f=1} f&&/^Filename:/{n=$2} f&&/^SHA256:/{s=$2} f&&/^$/{f=0; if (!o++) print n" "s}')
			deb=${idx%% *} deb=${deb##*/} sum=${idx#* }
			echo "peers: firmware: the pinned $pkg is gone from unstable; taking $deb"
			curl -fsS -o "$tmp/$deb" "$pool/$deb" || { rm -rf "$tmp"; echo "peers: firmware: cannot fetch $deb" >&2; return 1; }
		fi
		echo "$sum  $tmp/$deb" | sha256sum -c --quiet - ||
			{ rm -rf "$tmp"; echo "peers: firmware: $deb: SHA-256 differs" >&2; return 1; }
		dpkg-deb -x "$tmp/$deb" "$tmp/x"
	done <<<"$FIRMWARE_DEBS"
	find "$tmp/x" -name '*.fd' -type f -exec cp {} "$fw/" \;
	rm -rf "$tmp"
	printf '%s' "$FIRMWARE_DEBS" >"$fw/pins"
	echo "peers: firmware images: $(cd "$fw" && ls ./*.fd | tr '\n' ' ')in $fw"
}
firmware

# crates.io peers: $dir/bin/sgxs-sign (Fortanix's SIGSTRUCT signer, for
# test_derive_sgx.sh). Built with 2 jobs: the machines have 2 cores.
crate_peer() { # crate_peer CRATE VERSION BIN
	local crate=$1 version=$2 bin=$3 t0
	if [[ -x $dir/bin/$bin ]] && [[ $(cat "$dir/$bin.pin" 2>/dev/null) == "$crate $version" ]]; then
		echo "peers: $crate $version: already installed in $dir/bin"
		return
	fi
	t0=$(date +%s)
	mkdir -p "$dir/bin"
	cargo install --quiet --locked --jobs 2 --root "$dir/cargo" --version "$version" \
		--bin "$bin" "$crate" >"$dir/$bin.log" 2>&1 &&
		ln -sf "$dir/cargo/bin/$bin" "$dir/bin/$bin" ||
		{ echo "peers: $crate $version: build failed, see $dir/$bin.log" >&2; return 1; }
	printf '%s' "$crate $version" >"$dir/$bin.pin"
	echo "peers: $crate $version: installed in $dir/bin ($(($(date +%s) - t0)) s)"
}
if command -v cargo >/dev/null 2>&1; then
	crate_peer sgxs-tools "$SGXS_TOOLS" sgxs-sign
else
	echo "peers: crates: skipped: needs cargo"
fi

if ! command -v go >/dev/null 2>&1 ||
	! go version | grep -Eq 'go1\.(2[6-9]|[3-9][0-9])'; then
	echo "peers: skipped: needs Go >= 1.26 (found: $(command -v go >/dev/null && go version || echo none))"
	exit 0
fi
mkdir -p "$dir/bin" "$dir/src"
export GOBIN=$dir/bin GOFLAGS=-mod=mod

# peer NAME MODULE@VERSION PACKAGE "VERSION-COMMAND" WANT [BUILD TAGS]
peer() {
	local name=$1 mod=$2 pkg=$3 probe=$4 want=$5 tags=${6:-} src=$dir/src/$1 t0
	if [[ -x $dir/bin/$name ]] && $probe 2>/dev/null | grep -qF "$want" &&
		[[ $(cat "$src.tags" 2>/dev/null) == "$tags" ]]; then
		echo "peers: $name ${mod##*@}: already installed in $dir/bin"
		return
	fi
	t0=$(date +%s)
	rm -rf "$src" && mkdir -p "$src"
	(
		cd "$src"
		go mod init "eaa-peer-$name" >/dev/null 2>&1
		go get "$pkg@${mod##*@}" >"$src/build.log" 2>&1
		go install ${tags:+-tags "$tags"} "$pkg" >>"$src/build.log" 2>&1
	) || { echo "peers: $name ${mod##*@}: build failed, see $src/build.log" >&2; return 1; }
	$probe 2>/dev/null | grep -qF "$want" ||
		{ echo "peers: $name: built, but does not say $want" >&2; return 1; }
	printf '%s' "$tags" >"$src.tags"
	echo "peers: $name ${mod##*@}: installed in $dir/bin ($(($(date +%s) - t0)) s)"
}

peer skopeo "github.com/containers/skopeo@$SKOPEO" github.com/containers/skopeo/cmd/skopeo \
	"$dir/bin/skopeo --version" "skopeo version ${SKOPEO#v}" \
	"exclude_graphdriver_btrfs exclude_graphdriver_devicemapper"
peer cosign "github.com/sigstore/cosign/v2@$COSIGN" github.com/sigstore/cosign/v2/cmd/cosign \
	"$dir/bin/cosign version" "$COSIGN"
peer opa "github.com/open-policy-agent/opa@$OPA" github.com/open-policy-agent/opa \
	"$dir/bin/opa version" "Version: ${OPA#v}"
