#!/bin/sh
# /init of the test guest (busybox sh): check the DKMS-built hsm.ko if the
# image has one, load hsm.ko, run /payload, unload hsm.ko, print one verdict
# line and power off.  The kernel console is the
# first serial port; everything this script and the payload print goes to
# the second one, ttyS1.
#
# Debian's busybox sh runs its own applets before searching PATH, so a bare
# "modprobe" here would be busybox's: kmod's tools are called by path.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

# kmemleak and GCOV, where the kernel has them (the debug lane).
. /debug.sh

mount_all() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mkdir -p /dev/shm /dev/pts
	mount -t devpts devpts /dev/pts
	mount -t tmpfs -o mode=1777 tmpfs /tmp
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
}

# Print the verdict as the very last line, then power off; the runner reads
# only this line from the guest.
verdict() {
	echo "HSM-GUEST-VERDICT: $1"
	sync
	poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 60
}

mark() {
	echo "hsm-guest: $*" >/dev/kmsg
}

load_module() {
	mark "begin modprobe"
	# modprobe also applies hsm.* options from the kernel command line.
	/sbin/modprobe hsm dyndbg=+p || verdict "FAIL (modprobe hsm)"
	i=0
	while [ ! -c /dev/hsm ]; do
		i=$((i + 1))
		[ $i -le 50 ] || verdict "FAIL (/dev/hsm did not appear)"
		sleep 0.1
	done
	mark "end modprobe"
}

unload_module() {
	mark "begin rmmod"
	if ! /sbin/rmmod hsm; then
		/sbin/lsmod
		verdict "FAIL (rmmod hsm: still in use, a connection was not released)"
	fi
	mark "end rmmod"
}

# The module DKMS built, as `make install` has it built (/dkms/hsm.ko, or
# hsm.ko.xz: mkinitramfs.sh -D): it must load, answer as a production module (no test
# hooks), pass its known-answer tests again and unload, before the module
# under test takes its place.  A kernel warning meanwhile is put down to
# the step "dkms" (run-guest.sh).
check_dkms_module() {
	ko=$(ls /dkms/hsm.ko* 2>/dev/null | head -n 1)
	[ -n "$ko" ] || return 0
	mark "begin dkms"
	echo "==> DKMS-built ${ko#/dkms/} $(/sbin/modinfo -F version "$ko")"
	deps=$(/sbin/modinfo -F depends "$ko" | tr ',' ' ')
	[ -z "$deps" ] || /sbin/modprobe -a $deps || verdict "FAIL (DKMS-built hsm.ko: its dependencies $deps did not load)"
	/sbin/insmod "$ko" || verdict "FAIL (DKMS-built hsm.ko: insmod failed)"
	i=0
	while [ ! -c /dev/hsm ]; do
		i=$((i + 1))
		[ $i -le 50 ] || verdict "FAIL (DKMS-built hsm.ko: /dev/hsm did not appear)"
		sleep 0.1
	done
	info=$(hsmctl info) || verdict "FAIL (DKMS-built hsm.ko: hsmctl info failed)"
	echo "$info" | grep -E '^(module version|features):'
	! echo "$info" | grep '^features:' | grep -qw test_hooks ||
		verdict "FAIL (DKMS-built hsm.ko has the test hooks: not a production build)"
	hsmctl selftest || verdict "FAIL (DKMS-built hsm.ko: hsmctl selftest failed)"
	if ! /sbin/rmmod hsm; then
		/sbin/lsmod
		verdict "FAIL (DKMS-built hsm.ko: rmmod failed)"
	fi
	mark "end dkms rc=0"
}

mount_all
# The kernel's request_module() runs this helper.
echo /sbin/modprobe >/proc/sys/kernel/modprobe
# What udev's coldplug does on a real system: load the modules that match
# the CPU's features (sha256-ssse3, ghash-clmulni...), so the crypto API
# picks the same accelerated drivers here as there.
/sbin/modprobe -q -a "$(cat /sys/devices/system/cpu/modalias)" 2>/dev/null || true
# The serial line would turn \n into \r\n in the logs.
stty -F /dev/ttyS1 -onlcr 2>/dev/null
exec >/dev/ttyS1 2>&1 </dev/null

echo "hsm-guest: kernel $(uname -r)"
kmemleak_baseline
check_dkms_module
load_module
rc=0
/payload || rc=$?
kmemleak_check "with hsm.ko loaded" || verdict "FAIL (kmemleak: hsm.ko leaked memory)"
unload_module
kmemleak_check "after rmmod" || verdict "FAIL (kmemleak: hsm.ko leaked memory it never freed)"
gcov_send
[ $rc -eq 0 ] || verdict "FAIL (payload exited $rc)"
verdict PASS
