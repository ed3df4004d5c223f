#!/usr/bin/env bash
# install-peers.sh - the programs our users run beside us, built from their
# Go modules (and Python packages from PyPI) at pinned versions, for the
# peer tests (docs/peers.md): they
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
PYPI_PEERS="rfc8785==0.1.4 jwcrypto==1.6.1"
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
