#!/bin/sh
# Install every build and test dependency of hsm from Debian's packages.
# Idempotent: packages already present are left alone, and apt is not
# touched at all when nothing is missing.  Must run as root on Debian 12.
#
#   install-deps.sh [profile]
#
# "profile" adds what `make profile` needs beyond the rest (perf).
set -eu

PKGS="
build-essential
clang
libclang-rt-dev
pkg-config
kmod
cpio
gzip
busybox-static
qemu-system-x86
linux-headers-cloud-amd64
linux-image-cloud-amd64
liburing-dev
libssl-dev
libkcapi-dev
libcriterion-dev
nlohmann-json3-dev
softhsm2
libp11-kit-dev
gnuplot-nox
python3
"
[ "${1:-}" != profile ] || PKGS="$PKGS linux-perf"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root (or install them) to continue" >&2
	exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done"
