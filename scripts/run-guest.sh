#!/bin/bash
# Boot the installed cloud kernel in QEMU with an initramfs from
# mkinitramfs.sh, stream the guest's test output, and return its verdict.
#
#   run-guest.sh -k KVER -i INITRAMFS -l LOGDIR [-T TIMEOUT_S] [-a "CMDLINE"]
#
# FAIL when the guest prints no PASS verdict (including a timeout), or when
# its kernel log has a BUG, WARNING, Oops, GPF, lockdep, KASAN or UBSAN line.
# TCG by default; HSM_KVM=1 uses KVM (a KVM guest hangs on some hosts).
set -euo pipefail

kver="" initrd="" logdir="" timeout=600 extra=""
while getopts "k:i:l:T:a:" opt; do
	case $opt in
	k) kver=$OPTARG ;;
	i) initrd=$OPTARG ;;
	l) logdir=$OPTARG ;;
	T) timeout=$OPTARG ;;
	a) extra=$OPTARG ;;
	*) echo "usage: $0 -k KVER -i INITRAMFS -l LOGDIR [-T S] [-a CMDLINE]" >&2; exit 2 ;;
	esac
done
[ -n "$kver" ] && [ -n "$initrd" ] && [ -n "$logdir" ] || { echo "run-guest: -k, -i and -l are required" >&2; exit 2; }

mkdir -p "$logdir"
klog=$logdir/guest-kernel.log
olog=$logdir/guest-output.log
: >"$klog"
: >"$olog"

accel=(-accel tcg -cpu max)
if [ "${HSM_KVM:-0}" = 1 ]; then
	accel=(-accel kvm -cpu host)
fi

start=$(date +%s)
qemu-system-x86_64 -machine q35 "${accel[@]}" -smp 2 -m 2G \
	-display none -monitor none -no-reboot \
	-kernel "/boot/vmlinuz-$kver" -initrd "$initrd" \
	-append "console=ttyS0 ignore_loglevel panic=-1 $extra" \
	-serial "file:$klog" -serial "file:$olog" </dev/null >"$logdir/qemu.log" 2>&1 &
qemu=$!

tail -n +1 -f --pid="$qemu" "$olog" &
tailer=$!

timed_out=0
while kill -0 "$qemu" 2>/dev/null; do
	if [ $(( $(date +%s) - start )) -ge "$timeout" ]; then
		timed_out=1
		kill "$qemu" 2>/dev/null || true
		break
	fi
	sleep 0.5
done
wait "$qemu" 2>/dev/null || true
wait "$tailer" 2>/dev/null || true
elapsed=$(( $(date +%s) - start ))

fail=""
if [ $timed_out = 1 ]; then
	fail="timeout after ${timeout}s: no verdict"
elif ! grep -q '^HSM-GUEST-VERDICT: PASS' "$olog"; then
	fail=$(grep -m1 '^HSM-GUEST-VERDICT:' "$olog" || echo "guest stopped without a verdict")
fi

# Kernel splats, each with the suite it happened in (the last marker before it).
splats=$(awk '
	/hsm-guest: begin / { sub(/.*hsm-guest: begin /, ""); suite = $0; next }
	/\] (BUG:|WARNING:|Oops|general protection|kernel BUG|Kernel panic|INFO: possible|possible circular locking|UBSAN:|Call Trace:)/ ||
	/KASAN|lockdep|BUG: KASAN/ { printf "  [%s] %s\n", suite ? suite : "boot", $0 }
' "$klog")
if [ -n "$splats" ]; then
	echo "guest: kernel log has warnings:"
	echo "$splats" | head -n 20
	n=$(echo "$splats" | wc -l)
	[ "$n" -le 20 ] || echo "  ... $((n - 20)) more lines in $klog"
	fail=${fail:+$fail; }"kernel log has warnings"
fi

if [ -n "$fail" ]; then
	echo "guest: FAIL: $fail (${elapsed} s); logs: $olog $klog"
	exit 1
fi
echo "guest: PASS (${elapsed} s)"
