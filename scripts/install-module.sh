#!/bin/sh
# `make install` and `make uninstall` for what is not a file under PREFIX:
# hsm.ko's DKMS source tree, the udev rule for /dev/hsm, DKMS's builds of
# the module and the group hsm.
#
#   install-module.sh install|uninstall
#
# Files go below DESTDIR: the source tree to $DESTDIR/usr/src/hsm-VERSION
# (where dkms looks), the rule to $DESTDIR$UDEVRULESDIR (default
# /etc/udev/rules.d).  With DESTDIR set only the files are written; dkms,
# groupadd and udevadm are left to the package's install step.  Without
# it (as root): `dkms add`, then `dkms install` for every kernel whose
# headers are installed, the system group hsm if missing, and udev told of
# the rule.  Uninstall removes the module from every kernel and the files,
# and leaves the group: files elsewhere may belong to it.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
destdir=${DESTDIR:-}
rulesdir=${UDEVRULESDIR:-/etc/udev/rules.d}
rule=$destdir$rulesdir/60-hsm.rules
src=$destdir/usr/src/hsm-$version

# dkms's make must not take this make's flags or test switches: the module
# it builds is the production one (dkms.conf.in).
unset MAKEFLAGS MFLAGS MAKELEVEL HSM_TESTING HSM_COVERAGE DEBUG WERROR

die() {
	echo "install: $*" >&2
	exit 1
}

# Whether dkms knows hsm at this version.
registered() {
	[ -n "$(dkms status -m hsm -v "$version" 2>/dev/null)" ]
}

udev_reload() {
	command -v udevadm >/dev/null && [ -d /run/udev ] || return 0
	udevadm control --reload-rules || true
	udevadm trigger --subsystem-match=misc --sysname-match=hsm || true
}

install_files() {
	echo "install: hsm.ko's DKMS source tree: $("$top/scripts/dkms-source.sh" "$destdir/usr/src")"
	install -D -m 0644 "$top/udev/60-hsm.rules" "$rule"
	echo "install: udev rule: $rule"
}

do_install() {
	if [ -z "$destdir" ]; then
		[ "$(id -u)" -eq 0 ] || die "run as root, or set DESTDIR to stage the files"
		command -v dkms >/dev/null ||
			die "dkms missing (apt-get install dkms; or make -C kmod install for one kernel without DKMS)"
	fi
	install_files
	if [ -n "$destdir" ]; then
		echo "install: dkms add/install, the group hsm and udev's reload are left to the package's install step"
		return 0
	fi
	getent group hsm >/dev/null || { groupadd --system hsm && echo "install: created the system group hsm"; }
	# hsmd serves as a user of its own, with no home and no shell.
	getent passwd hsmd >/dev/null || { useradd --system --user-group --no-create-home \
		--home-dir /nonexistent --shell /usr/sbin/nologin hsmd && echo "install: created the system user hsmd"; }
	# The tree was just replaced: register it afresh.
	! registered || dkms remove -m hsm -v "$version" --all
	dkms add -m hsm -v "$version"
	n=0
	for d in /lib/modules/*/build; do
		[ -d "$d" ] || continue
		k=${d%/build}
		k=${k##*/}
		dkms install -m hsm -v "$version" -k "$k" || die "dkms install for $k failed (its make.log is named above)"
		n=$((n + 1))
	done
	[ $n -gt 0 ] || echo "install: no kernel headers installed: DKMS builds hsm.ko when they are (apt-get install linux-headers-$(uname -r))"
	udev_reload
	echo "install: modprobe hsm loads it; members of the group hsm may open /dev/hsm"
}

do_uninstall() {
	if [ -z "$destdir" ] && command -v dkms >/dev/null && registered; then
		dkms remove -m hsm -v "$version" --all
	fi
	rm -rf "$src"
	rm -f "$rule"
	[ -n "$destdir" ] || udev_reload
	echo "install: removed hsm $version's module source${destdir:+ (in $destdir)} and udev rule; the group hsm is left"
}

case ${1:-} in
install) do_install ;;
uninstall) do_uninstall ;;
*) echo "usage: $0 install|uninstall" >&2; exit 2 ;;
esac
