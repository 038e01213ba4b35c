#!/bin/bash
# Build the guest's initramfs (gzip'd newc cpio): busybox, kmod's modprobe,
# the installed kernel's crypto modules, hsm.ko, a payload script, extra
# binaries and test binaries, each with the shared libraries it needs.
#
#   mkinitramfs.sh -o OUT.cpio.gz -k KVER -m hsm.ko -p PAYLOAD [-r MODROOT]
#       [-D DKMS_HSM.ko] [-b BIN]... [-P PKCS11.so]... [-L LIB]... [-R PATH]... [-t TESTDIR] [-d DATADIR]
#
# DKMS_HSM.ko, the module DKMS built (scripts/dkms-check.sh; hsm.ko.xz where
# the kernel compresses its modules), goes to /dkms under its own name,
# outside the module tree: the guest loads it by path and checks it before
# it loads the module under test (scripts/guest-init.sh).
# The kernel's modules come from MODROOT/lib/modules/KVER (MODROOT: / by
# default; the debug lane's kernel keeps its own).  DATADIR is copied whole
# to /data (test vectors).
# Each PKCS11.so, a PKCS#11 module, goes where p11-kit looks for modules
# (/usr/lib/x86_64-linux-gnu/pkcs11/), with the libraries it needs, and is
# registered with p11-kit by a file of its own in
# /usr/share/p11-kit/modules: libhsm-pkcs11.so by hsm.module ("module:
# libhsm-pkcs11.so").  Each LIB, a library a program dlopen()s (an OpenSSL
# engine), goes to its own path, with the libraries it needs.
#
# Quiet unless something fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

usage() {
	echo "usage: $0 -o OUT.cpio.gz -k KVER -m hsm.ko -p PAYLOAD [-r MODROOT] [-D DKMS_HSM.ko] [-b BIN]... [-P PKCS11.so]... [-L LIB]... [-R PATH]... [-t TESTDIR] [-d DATADIR]" >&2
	exit 2
}

die() {
	echo "mkinitramfs: $*" >&2
	exit 1
}

out="" kver="" module="" payload="" testdir="" datadir="" modroot="" dkms_module=""
bins=() pkcs11=() libs=() trees=()
while getopts "o:k:m:p:r:D:b:P:L:R:t:d:" opt; do
	case $opt in
	o) out=$OPTARG ;;
	k) kver=$OPTARG ;;
	m) module=$OPTARG ;;
	p) payload=$OPTARG ;;
	r) modroot=$OPTARG ;;
	D) dkms_module=$OPTARG ;;
	b) bins+=("$OPTARG") ;;
	P) pkcs11+=("$OPTARG") ;;
	L) libs+=("$OPTARG") ;;
	R) trees+=("$OPTARG") ;;
	t) testdir=$OPTARG ;;
	d) datadir=$OPTARG ;;
	*) usage ;;
	esac
done
[ $OPTIND -gt $# ] || usage
[ -n "$out" ] && [ -n "$kver" ] && [ -n "$module" ] && [ -n "$payload" ] || usage
# Where the modules are read from, and where the guest finds them.
mods=/lib/modules/$kver
src_mods=$modroot$mods
[ -f "$src_mods/modules.dep" ] || die "$src_mods/modules.dep: no such kernel installed"
[ -f "$module" ] || die "$module: module not built"
[ -z "$dkms_module" ] || [ -f "$dkms_module" ] || die "$dkms_module: module not built"
[ -f "$payload" ] || die "$payload: no such payload"
[ -x /bin/busybox ] || die "/bin/busybox missing (apt-get install busybox-static)"
[ -x /usr/bin/kmod ] || die "/usr/bin/kmod missing (apt-get install kmod)"
for b in "${bins[@]}"; do
	[ -f "$b" ] && [ -x "$b" ] || die "$b: not an executable"
done
for so in "${pkcs11[@]}"; do
	[ -f "$so" ] || die "$so: no such PKCS#11 module"
done
for so in "${libs[@]}"; do
	[ -f "$so" ] || die "$so: no such library"
done
for t in "${trees[@]}"; do
	[ -e "$t" ] || die "$t: no such file or directory"
done
[ -z "$testdir" ] || [ -d "$testdir" ] || die "$testdir: no such directory"
[ -z "$datadir" ] || [ -d "$datadir" ] || die "$datadir: no such directory"

root=$(mktemp -d "${TMPDIR:-/tmp}/hsm-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

# The same merged-/usr layout as the host, so that any path ldd or the
# dynamic loader names resolves in the guest as it does here.
make_skeleton() {
	# mktemp made it 0700, which would lock unprivileged test users out of /.
	chmod 0755 "$root"
	mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{etc,proc,sys,dev,run,tmp,root,tests}
	ln -s usr/bin "$root/bin"
	ln -s usr/sbin "$root/sbin"
	ln -s usr/lib "$root/lib"
	ln -s usr/lib64 "$root/lib64"
	mkdir -p "$root/dev/shm"
	chmod 1777 "$root/tmp" "$root/dev/shm"
	# hsmd, the worker, serves as a system user of its own, as installed.
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
		'hsmd:x:998:998:hsm worker:/nonexistent:/bin/false' \
		'postgres:x:997:997:PostgreSQL:/nonexistent:/bin/sh' \
		'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
	printf '%s\n' 'root:x:0:' 'hsmd:x:998:' 'postgres:x:997:' 'nogroup:x:65534:' >"$root/etc/group"
}

# Copy a file to the same path in the image (following symlinks).
copy_file() {
	local src=$1 dest=${2:-$1}
	[ -e "$root$dest" ] && return 0
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$src" "$root$dest"
}

# The shared libraries a dynamic executable needs, and the dynamic loader;
# ldd already resolves them recursively.  Prints nothing for static ones.
shared_libs() {
	local lines
	lines=$(ldd "$1" 2>/dev/null) || return 0
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$lines"
	if grep -q 'not found' <<<"$lines"; then
		die "$1: $(grep 'not found' <<<"$lines" | head -n 1 | tr -d '\t')"
	fi
}

# An executable at DEST in the image, with everything it links against.
copy_exe() {
	copy_file "$1" "$2"
	chmod 0755 "$root$2"
	copy_libs "$1"
}

# The shared libraries SRC (an executable or a library) links against.
copy_libs() {
	local libs lib
	libs=$(shared_libs "$1")
	for lib in $libs; do
		copy_file "$lib"
		# A library from the build tree (an rpath) is also put where the
		# loader looks by default: the guest mounts a tmpfs on /tmp, which
		# would hide a tree checked out there.
		case $lib in
		/lib/* | /lib64/* | /usr/lib/* | /usr/lib64/*) ;;
		*) copy_file "$lib" "/usr/lib/$(basename "$lib")" ;;
		esac
	done
}

install_busybox() {
	local a
	copy_file /bin/busybox /usr/bin/busybox
	for a in $(/bin/busybox --list); do
		# Debian's busybox lists itself among its applets.
		[ "$a" = busybox ] || ln -sf busybox "$root/usr/bin/$a"
	done
}

# kmod's modprobe, also for the kernel's request_module(), which runs
# /sbin/modprobe (and the init points /proc/sys/kernel/modprobe there).
install_kmod() {
	local a
	copy_exe /usr/bin/kmod /usr/bin/kmod
	for a in modprobe insmod rmmod lsmod depmod modinfo; do
		rm -f "$root/usr/bin/$a" "$root/usr/sbin/$a"
		ln -s ../bin/kmod "$root/usr/sbin/$a"
	done
}

# glibc dlopen()s libgcc_s for thread cancellation and unwinding, which
# ldd cannot see.
install_dlopened() {
	local lib
	for lib in /lib/x86_64-linux-gnu/libgcc_s.so.1; do
		[ ! -e "$lib" ] || copy_file "$lib"
	done
}

# Paths (relative to $mods) of the crypto modules, of the modules named as
# arguments, and of what they depend on, per the host's modules.dep.
# Unknown names are skipped: they are built in, or aliases.
module_closure() {
	awk -F: -v want=" $* " '
		{
			n = $1; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n); gsub(/-/, "_", n)
			if (index(want, " " n " ") || $1 ~ /^kernel\/(crypto|arch\/x86\/crypto|lib\/crypto)\//) {
				print $1
				k = split($2, d, " ")
				for (i = 1; i <= k; i++) print d[i]
			}
		}' "$src_mods/modules.dep" | sort -u
}

# Modules that hsm.ko (and the DKMS-built one) name as hard or soft
# dependencies.
module_deps() {
	local m
	for m in "$module" ${dkms_module:+"$dkms_module"}; do
		modinfo -F depends "$m" | tr ',' '\n'
		modinfo -F softdep "$m" | tr ' ' '\n' | { grep -v ':$' || true; }
	done | sed '/^$/d; s/-/_/g' | sort -u
}

# The kernel's crypto modules (and whatever hsm.ko itself depends on),
# hsm.ko as extra/hsm.ko, and a depmod run over the result.
install_modules() {
	local m f
	for m in $(module_closure $(module_deps)); do
		copy_file "$src_mods/$m" "$mods/$m"
	done
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ ! -e "$src_mods/$f" ] || copy_file "$src_mods/$f" "$mods/$f"
	done
	mkdir -p "$root$mods/extra"
	cp "$module" "$root$mods/extra/hsm.ko"
	depmod -b "$root" "$kver" || die "depmod failed"
	if [ -n "$dkms_module" ]; then
		mkdir -p "$root/dkms"
		cp "$dkms_module" "$root/dkms/"
	fi
}

install_payload() {
	install -m 0755 "$here/guest-init.sh" "$root/init"
	install -m 0644 "$here/guest-debug.sh" "$root/debug.sh"
	install -m 0644 "$here/guest-worker.sh" "$root/worker.sh"
	install -m 0755 "$payload" "$root/payload"
	local b t
	for b in "${bins[@]}"; do
		copy_exe "$b" "/usr/bin/$(basename "$b")"
	done
	if [ -n "$datadir" ]; then
		mkdir -p "$root/data"
		cp -r "$datadir/." "$root/data/"
	fi
	[ -n "$testdir" ] || return 0
	for t in "$testdir"/*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		copy_exe "$t" "/tests/$(basename "$t")"
	done
	# Programs the suites run (not suites themselves): /tests/examples.
	for t in "$testdir"/examples/*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		copy_exe "$t" "/tests/examples/$(basename "$t")"
	done
	# Programs the payload runs after the suites (the ABI fuzzer): /tests/tools.
	for t in "$testdir"/tools/*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		copy_exe "$t" "/tests/tools/$(basename "$t")"
	done
}

# p11-kit's module path and configuration directory (p11-kit-1.pc on
# Debian amd64); a relative "module:" is found in the module path.
p11_modules=/usr/lib/x86_64-linux-gnu/pkcs11
p11_configs=/usr/share/p11-kit/modules

# Each PKCS#11 module (a library: mode 0644) and its p11-kit registration,
# named after it: libhsm-pkcs11.so -> hsm.module.
install_pkcs11() {
	local so base name
	for so in "${pkcs11[@]}"; do
		base=$(basename "$so")
		name=$(sed 's/^lib//; s/\.so$//; s/-pkcs11$//' <<<"$base")
		copy_file "$so" "$p11_modules/$base"
		chmod 0644 "$root$p11_modules/$base"
		copy_libs "$so"
		mkdir -p "$root$p11_configs"
		echo "module: $base" >"$root$p11_configs/$name.module"
	done
}

# Each dlopen()ed library at its own path, with what it links against.
install_libs() {
	local so
	for so in "${libs[@]}"; do
		copy_file "$so"
		copy_libs "$so"
	done
}

# Files and directories at their own paths (a program's data, as
# PostgreSQL's), with the libraries their executables and modules need.
install_trees() {
	local t f
	for t in "${trees[@]}"; do
		while IFS= read -r f; do
			copy_file "$f"
			case $(head -c 4 "$f" | od -An -c | tr -d ' ') in
			177ELF) copy_libs "$f" ;;
			esac
		done < <(find "$t" -type f)
	done
}

write_cpio() {
	mkdir -p "$(dirname "$out")"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -6) >"$out.tmp"
	mv "$out.tmp" "$out"
}

make_skeleton
install_busybox
install_kmod
install_dlopened
install_modules
install_payload
install_pkcs11
install_libs
install_trees
write_cpio
