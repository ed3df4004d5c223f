#!/bin/sh
# Install the Debian 12 packages EAA needs to build, test and run its demo.
set -eu
PKGS="build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev \
  libssl-dev openssl curl libjansson-dev libcbor-dev libcurl4-openssl-dev libpcre2-dev python3 python3-venv \
  libgpgme-dev gnupg libgrpc-dev libnghttp2-dev nghttp2-client python3-grpcio skopeo libyaml-dev \
  libarchive-dev docker-registry zstd libtss2-dev libtss2-tcti-swtpm0 swtpm swtpm-tools gdb \
  libmicrohttpd-dev python3-prometheus-client libpq-dev postgresql ovmf \
  libxml2-dev libxmlsec1-dev"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi
