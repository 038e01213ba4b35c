#!/bin/sh
# Build and install hsm.ko for one kernel the way `make install` has DKMS
# do it (dkms add, build, install from dkms.conf.in), but inside OUTDIR:
# the host's DKMS state (/var/lib/dkms, /usr/src), its /lib/modules and its
# module-signing key are left alone.
#
#   dkms-check.sh KVER OUTDIR
#
# The module DKMS installed is OUTDIR/lib/modules/KVER/updates/dkms/hsm.ko,
# compressed as the kernel's own modules are (hsm.ko.xz on 6.12); the guest
# loads it before the suites (scripts/guest-init.sh).  Quiet on
# success; on any failure prints "dkms-check: KVER: dkms STEP failed" and
# the step's output (with dkms's make.log), and exits 1.
set -eu

[ $# -eq 2 ] || { echo "usage: $0 KVER OUTDIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
kver=$1 out=$2
command -v dkms >/dev/null || { echo "dkms-check: dkms missing (apt-get install dkms)" >&2; exit 1; }

version=$(cat "$top/VERSION")
rm -rf "$out"
mkdir -p "$out/src" "$out/tree" "$out/lib/modules/$kver" "$out/key"
"$top/scripts/dkms-source.sh" "$out/src" >/dev/null

# Everything dkms reads or writes, below OUTDIR; without depmod, which would
# rewrite the host's modules.dep.  A throwaway key signs the module (dkms
# would otherwise make /var/lib/dkms/mok.key); the guest kernel does not
# enforce signatures.  Nothing of the caller's make leaks into the build.
export mok_signing_key="$out/key/mok.key" mok_certificate="$out/key/mok.pub"
unset MAKEFLAGS MFLAGS MAKELEVEL HSM_TESTING HSM_COVERAGE DEBUG WERROR
trees="--dkmstree $out/tree --sourcetree $out/src --installtree $out/lib/modules"

for step in add build install; do
	log=$out/$step.log
	# shellcheck disable=SC2086
	if ! dkms $step -m hsm -v "$version" -k "$kver" $trees --no-depmod >"$log" 2>&1; then
		echo "dkms-check: $kver: dkms $step failed:" >&2
		sed 's/^/  /' "$log" >&2
		mlog=$out/tree/hsm/$version/build/make.log
		[ ! -f "$mlog" ] || { echo "dkms-check: $mlog:" >&2; tail -n 40 "$mlog" | sed 's/^/  /' >&2; }
		exit 1
	fi
done

dir=$out/lib/modules/$kver/updates/dkms
ko=$(find "$dir" -maxdepth 1 -name 'hsm.ko*' 2>/dev/null | head -n 1)
[ -n "$ko" ] || { echo "dkms-check: $kver: dkms install put no hsm.ko in $dir" >&2; exit 1; }
[ "$(modinfo -F version "$ko")" = "$version" ] ||
	{ echo "dkms-check: $kver: $ko is version $(modinfo -F version "$ko"), not $version" >&2; exit 1; }
[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$kver" ] ||
	{ echo "dkms-check: $kver: $ko was built for $(modinfo -F vermagic "$ko" | cut -d' ' -f1)" >&2; exit 1; }
