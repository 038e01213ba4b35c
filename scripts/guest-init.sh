#!/bin/sh
# /init of the test guest: load hsm.ko, run /payload, unload hsm.ko, print
# one verdict line and power off.  Test output goes to the second serial
# port; the first one carries the kernel console.
export PATH=/sbin:/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/shm /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
echo /sbin/modprobe >/proc/sys/kernel/modprobe
exec >/dev/ttyS1 2>&1 </dev/null

verdict() {
	echo "HSM-GUEST-VERDICT: $1"
	sync
	poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 60
}

echo "hsm-guest: kernel $(uname -r), $(nproc) CPUs"
echo "hsm-guest: begin modprobe" >/dev/kmsg
# modprobe also applies hsm.* options from the kernel command line.
modprobe hsm dyndbg=+p || verdict "FAIL (modprobe hsm)"
i=0
while [ ! -c /dev/hsm ]; do
	i=$((i + 1))
	[ $i -le 50 ] || verdict "FAIL (/dev/hsm did not appear)"
	sleep 0.1
done

rc=0
/payload || rc=$?

echo "hsm-guest: begin rmmod" >/dev/kmsg
if ! rmmod hsm; then
	lsmod
	verdict "FAIL (rmmod hsm: connections left open)"
fi
[ $rc -eq 0 ] || verdict "FAIL (payload exited $rc)"
verdict PASS
