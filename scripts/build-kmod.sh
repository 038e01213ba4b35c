#!/bin/sh
# Build hsm.ko for one installed kernel in a directory of its own, so that
# every kernel of the matrix keeps its objects and its compat-probes.h:
#
#   build-kmod.sh KVER OUTDIR [make arguments...]
#
# kmod/'s sources are copied to OUTDIR/kmod with their times, so a second
# run rebuilds only what changed; the module is OUTDIR/kmod/hsm.ko.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 KVER OUTDIR [make args...]" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
kver=$1 out=$2
shift 2

mkdir -p "$out/kmod"
ln -sfn "$top/include" "$out/include"
ln -sfn "$top/scripts" "$out/scripts"
ln -sfn "$top/VERSION" "$out/VERSION"
# Sources only: never another kernel's objects or probe results.
(cd "$top/kmod" && find . \( -name '*.c' -o -name '*.h' -o -name Kbuild -o -name Makefile \) \
	! -name compat-probes.h ! -name '*.mod.c' -print0 |
	xargs -0 tar -cf - --) | tar -C "$out/kmod" -xf -
make -C "$out/kmod" -s KVER="$kver" "$@"
