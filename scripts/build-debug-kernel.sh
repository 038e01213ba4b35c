#!/bin/bash
# Build the debug lane's kernel from Debian's linux-source package of the
# guest's release: Debian's cloud config, modules outside the crypto
# directories dropped and the crypto ones built in, plus
# scripts/debug-kernel.config (KASAN, lockdep, kmemleak, UBSAN, fault
# injection, KCOV, GCOV).  The result is cached outside the tree, keyed by
# the source package's version and a hash of the config inputs, so only the
# first run pays for the build (HSM_CACHE moves the cache).  Prints the cache entry's directory, which
# holds:
#   bzImage              the kernel
#   release              its `uname -r`
#   build/               the kernel tree hsm.ko is built against (KDIR)
#   root/lib/modules/R/  modules.builtin and friends, for depmod
#
#   build-debug-kernel.sh [KVER]     KVER: the cloud kernel whose config to
#                                    start from (default: scripts/kver.sh)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kver=${1:-$("$top/scripts/kver.sh")}
base_config=/boot/config-$kver
fragment=$top/scripts/debug-kernel.config
cache=${HSM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hsm}

die() {
	echo "build-debug-kernel: $*" >&2
	exit 1
}

[ -r "$base_config" ] || die "$base_config: no config for $kver"
# 6.1.0-57-cloud-amd64 comes from linux-source-6.1.
series=$(sed -n 's/^\([0-9]*\.[0-9]*\)\..*/\1/p' <<<"$kver")
pkg=linux-source-$series
tarball=/usr/src/$pkg.tar.xz
srcver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) || srcver=""
[ -n "$srcver" ] && [ -r "$tarball" ] || die "$pkg is not installed (apt-get install $pkg)"
# The image must be the release the guest boots, not an older source.
imgver=$(dpkg-query -W -f='${Version}' "linux-image-$kver" 2>/dev/null) || imgver=""
[ -z "$imgver" ] || [ "$imgver" = "$srcver" ] ||
	die "$pkg is $srcver but linux-image-$kver is $imgver: install the same version"

# The config that goes in: Debian's cloud config and the fragment.
key=$(cat "$base_config" "$fragment" | sha256sum | cut -c1-12)
entry=$cache/debug-kernel/$srcver-$key
if [ -f "$entry/ok" ]; then
	echo "$entry"
	exit 0
fi

rm -rf "$entry"
mkdir -p "$entry"
start=$(date +%s)
echo "build-debug-kernel: building $pkg $srcver ($key) in $entry" >&2
tar -C "$entry" -xf "$tarball"
mv "$entry/$pkg" "$entry/build"
src=$entry/build

# Every symbol a crypto Kconfig defines: those stay, built in.
crypto_syms() {
	find "$src/crypto" "$src/lib/crypto" "$src/arch/x86/crypto" -name 'Kconfig*' -print0 2>/dev/null |
		xargs -0 sed -n 's/^\(menu\)\?config \([A-Z0-9_]*\).*/CONFIG_\2/p' | sort -u
}

# Debian's cloud config with its modules resolved: crypto ones built in,
# the rest off.
write_config() {
	awk 'NR == FNR { keep[$1] = 1; next }
		/=m$/ { n = $0; sub(/=m$/, "", n)
			if (n in keep) print n "=y"; else print "# " n " is not set"
			next }
		{ print }' <(crypto_syms) "$base_config" >"$src/.config"
	"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$fragment" >/dev/null
	make -C "$src" -s olddefconfig
}

# Every option of the fragment must have survived olddefconfig: a
# dependency that silently drops one would make the lane prove less.
check_config() {
	local line sym want got bad=""
	while read -r line; do
		case $line in
		CONFIG_*=*) sym=${line%%=*} want=$line ;;
		"# CONFIG_"*" is not set") sym=${line#\# } sym=${sym%% *} want="" ;;
		*) continue ;;
		esac
		got=$(grep -E "^$sym=" "$src/.config" || true)
		[ "$got" = "$want" ] || bad="$bad ${want:-$sym=n}(got ${got:-n})"
	done <"$fragment"
	[ -z "$bad" ] || die "config options not applied:$bad"
}

write_config
check_config
make -C "$src" -s -j"$(nproc)" bzImage modules
make -C "$src" -s INSTALL_MOD_PATH="$entry/root" modules_install
make -C "$src" -s kernelrelease >"$entry/release"
cp "$src/arch/x86/boot/bzImage" "$entry/bzImage"
echo "$(( $(date +%s) - start ))" >"$entry/build-seconds"
touch "$entry/ok"
echo "build-debug-kernel: built in $(cat "$entry/build-seconds") s" >&2
echo "$entry"
