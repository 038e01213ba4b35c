#!/bin/bash
# Build the guest's initramfs: busybox, kmod's modprobe, the installed
# kernel's crypto modules, hsm.ko, a payload script, extra binaries and test
# binaries, each with the shared libraries it needs.
#
#   mkinitramfs.sh -o OUT.cpio.gz -k KVER -m hsm.ko -p PAYLOAD [-b BIN]... [-t TESTDIR]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out="" kver="" module="" payload="" testdir=""
bins=()
while getopts "o:k:m:p:b:t:" opt; do
	case $opt in
	o) out=$OPTARG ;;
	k) kver=$OPTARG ;;
	m) module=$OPTARG ;;
	p) payload=$OPTARG ;;
	b) bins+=("$OPTARG") ;;
	t) testdir=$OPTARG ;;
	*) echo "usage: $0 -o OUT -k KVER -m hsm.ko -p PAYLOAD [-b BIN]... [-t TESTDIR]" >&2; exit 2 ;;
	esac
done
for v in out kver module payload; do
	[ -n "${!v}" ] || { echo "mkinitramfs: -${v:0:1} is required" >&2; exit 2; }
done
[ -f "$module" ] || { echo "mkinitramfs: $module: not built" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,tests,lib64}

# Copy an executable or library to the same path in the image, with every
# shared library it needs (ldd resolves them recursively).
copy_with_libs() {
	local f=$1 dest=${2:-$1}
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$f" "$root$dest"
	ldd "$f" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' |
	while read -r lib; do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# busybox provides the shell and the tools; kmod provides modprobe, which the
# kernel also calls for request_module().
cp /bin/busybox "$root/bin/busybox"
for a in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
copy_with_libs /usr/bin/kmod /bin/kmod
for a in modprobe insmod rmmod lsmod depmod modinfo; do
	rm -f "$root/bin/$a" "$root/sbin/$a"
	ln -s ../bin/kmod "$root/sbin/$a"
done

# The kernel's crypto modules (and what they depend on), then hsm.ko.
mods=/lib/modules/$kver
mkdir -p "$root$mods/extra"
cp "$mods"/modules.order "$mods"/modules.builtin "$mods"/modules.builtin.modinfo "$root$mods/"
awk -F: '$1 ~ /^kernel\/(crypto|arch\/x86\/crypto|lib\/crypto)\// {
	print $1; n = split($2, d, " "); for (i = 1; i <= n; i++) print d[i] }' \
	"$mods/modules.dep" | sort -u | while read -r m; do
	mkdir -p "$root$mods/$(dirname "$m")"
	cp "$mods/$m" "$root$mods/$m"
done
cp "$module" "$root$mods/extra/hsm.ko"
depmod -b "$root" "$kver"

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

install -m 0755 "$here/guest-init.sh" "$root/init"
install -m 0755 "$payload" "$root/payload"
for b in "${bins[@]}"; do
	copy_with_libs "$b" "/bin/$(basename "$b")"
done
if [ -n "$testdir" ]; then
	for t in "$testdir"/*; do
		[ -f "$t" ] && [ -x "$t" ] && copy_with_libs "$t" "/tests/$(basename "$t")"
	done
fi

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
