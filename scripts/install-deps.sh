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
opensc
libengine-pkcs11-openssl
gnutls-bin
openssh-client
libwrap0
gnuplot-nox
python3
dkms
groff-base
libseccomp-dev
libsodium-dev
libargon2-dev
libsqlite3-dev
libpq-dev
postgresql
"
# postgresql: initdb and pg_ctl, with which test_ks_store runs a cluster of
# its own; the cluster the package sets up is not used.
# The OPAQUE interop test (tests/interop/opaque) runs node and npm:
# Debian's, unless both commands are there already (from Debian or not).
{ command -v node && command -v npm; } >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
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

# Packages whose programs only the guest runs, unpacked (dpkg-deb -x) under
# $UNPACKED instead of installed, so that nothing starts here: sshd, which
# test_pkcs11_apps logs in to.  Their libraries are in PKGS.
UNPACK="openssh-server"
UNPACKED=/var/cache/hsm-deps/root

# Unpacks each of UNPACK not unpacked yet (its version in a stamp file).
unpack() {
	local p dir
	for p in $UNPACK; do
		[ ! -e "$UNPACKED/.$p" ] || continue
		[ "$(id -u)" -eq 0 ] || { echo "install-deps: run as root to unpack $p" >&2; exit 1; }
		dir=$(mktemp -d)
		(cd "$dir" && apt-get download -qq "$p" >/dev/null 2>&1) ||
			{ apt-get update -qq && (cd "$dir" && apt-get download -qq "$p" >/dev/null); }
		mkdir -p "$UNPACKED"
		dpkg-deb -x "$dir"/"$p"_*.deb "$UNPACKED"
		basename "$dir"/"$p"_*.deb >"$UNPACKED/.$p"
		rm -rf "$dir"
		echo "install-deps: unpacked $p under $UNPACKED"
	done
}

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	unpack
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
unpack
echo "install-deps: done"
