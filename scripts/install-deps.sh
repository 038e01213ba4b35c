#!/bin/sh
# Install every build and test dependency of hsm from Debian's packages.
# Idempotent: packages already present are left alone, and apt is not
# touched at all when nothing is missing.  Must run as root on Debian 12.
#
#   install-deps.sh [profile|debug]
#
# "profile" adds what `make profile` needs beyond the rest (perf); "debug"
# what `make test-debug` needs to build a kernel: the linux-source package
# of the cloud kernel's series and the kernel's build tools.
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
liburing-dev
libssl-dev
libkcapi-dev
libcriterion-dev
nlohmann-json3-dev
softhsm2
libp11-kit-dev
gnuplot-nox
python3
dkms
groff-base
libseccomp-dev
"
# Every kernel of the test matrix, with its headers (scripts/kver.sh).
PKGS="$PKGS $("$(dirname "$0")/kver.sh" --packages | tr '\n' ' ')"
[ "${1:-}" != profile ] || PKGS="$PKGS linux-perf"
if [ "${1:-}" = debug ]; then
	# The series of the cloud kernel linux-image-cloud-amd64 pulls in
	# (6.1 on Debian 12): the lane's kernel is built from the same source.
	"$0" || exit 1
	series=$("$(dirname "$0")/kver.sh" | sed -n 's/^\([0-9]*\.[0-9]*\)\..*/\1/p')
	PKGS="$PKGS linux-source-$series bc bison flex libelf-dev xz-utils patch"
fi

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
