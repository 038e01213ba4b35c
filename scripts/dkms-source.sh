#!/bin/sh
# Write hsm.ko's DKMS source tree: what dkms builds the module from.
#
#   dkms-source.sh DIR    makes DIR/hsm-VERSION and prints its path
#
# The tree holds dkms.conf (from dkms.conf.in, VERSION filled in), VERSION,
# kmod/'s sources (never objects or probe results), the ABI header and the
# compat-probe script: the layout kmod/Makefile expects, so the module
# builds there as it does here.  An earlier tree of the same version is
# replaced.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
dest=$1/hsm-$version

rm -rf "$dest"
mkdir -p "$dest/kmod" "$dest/include/uapi/linux" "$dest/scripts"
sed "s|\"@VERSION@\"|\"$version\"|" "$top/dkms.conf.in" >"$dest/dkms.conf"
cp "$top/VERSION" "$dest/VERSION"
cp "$top/include/uapi/linux/hsm.h" "$dest/include/uapi/linux/hsm.h"
cp "$top/scripts/compat-probes.sh" "$dest/scripts/compat-probes.sh"
(cd "$top/kmod" && find . \( -name '*.c' -o -name '*.h' -o -name Kbuild -o -name Makefile \) \
	! -name compat-probes.h ! -name '*.mod.c' -print0 |
	xargs -0 tar -cf - --no-same-owner --) | tar -C "$dest/kmod" -xf - --no-same-owner
# Readable by everyone, as /usr/src is; writable by its owner only.
chmod -R u=rwX,go=rX "$dest"
echo "$dest"
