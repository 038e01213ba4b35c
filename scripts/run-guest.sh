#!/bin/bash
# Boot the installed cloud kernel (or the image -K names) in QEMU with an
# initramfs from mkinitramfs.sh, stream the guest's test output, and return
# its verdict.
#
#   run-guest.sh -k KVER -i INITRAMFS -l LOGDIR [-K BZIMAGE] [-T TIMEOUT_S] [-a "CMDLINE"]
#
# The guest's kernel console (ttyS0) goes to LOGDIR/guest-kernel.log; its
# test output (ttyS1) to stdout and LOGDIR/guest-output.log.  FAIL when the
# guest prints no PASS verdict (a timeout included), when its kernel log
# has a BUG, WARNING, Oops, GPF, lockdep, KASAN, UBSAN, kmemleak, hung-task,
# soft-lockup, Call Trace or panic line, or when the module was unloaded
# with an object it created still alive (scripts/lifetime-audit.sh).  TCG
# by default; HSM_KVM=1 uses KVM.  Exits 0 on PASS, 1 on FAIL.
set -euo pipefail

usage() {
	echo "usage: $0 -k KVER -i INITRAMFS -l LOGDIR [-K BZIMAGE] [-T TIMEOUT_S] [-a CMDLINE]" >&2
	exit 2
}

kver="" kernel="" initrd="" logdir="" timeout=600 extra=""
while getopts "k:K:i:l:T:a:" opt; do
	case $opt in
	k) kver=$OPTARG ;;
	K) kernel=$OPTARG ;;
	i) initrd=$OPTARG ;;
	l) logdir=$OPTARG ;;
	T) timeout=$OPTARG ;;
	a) extra=$OPTARG ;;
	*) usage ;;
	esac
done
[ $OPTIND -gt $# ] || usage
[ -n "$kver" ] && [ -n "$initrd" ] && [ -n "$logdir" ] || usage
[[ $timeout =~ ^[1-9][0-9]*$ ]] || { echo "run-guest: -T wants seconds, not '$timeout'" >&2; exit 2; }
kernel=${kernel:-/boot/vmlinuz-$kver}
[ -r "$kernel" ] || { echo "run-guest: $kernel: not readable" >&2; exit 1; }
[ -r "$initrd" ] || { echo "run-guest: $initrd: no such initramfs" >&2; exit 1; }

mkdir -p "$logdir"
klog=$logdir/guest-kernel.log
olog=$logdir/guest-output.log
qlog=$logdir/qemu.log
: >"$klog"
: >"$olog"

# TCG's "max" CPU boots this kernel fine and gives it every feature TCG
# emulates (AES-NI, PCLMUL, AVX2...), so the x86 crypto drivers load too.
# One host thread runs both vCPUs: with a thread each (MTTCG), 6.12 died
# at boot in one of three runs with "Oops: int3" in
# sched_clock_idle_wakeup_event(), an int3 the kernel had already patched
# away when it flipped the sched_clock_stable key while the other vCPU ran
# that code.  Cross-modifying code is safe only when TCG runs the vCPUs in
# turn.  HSM_TCG_THREAD=multi gives each vCPU a thread again: the
# benchmark and the profile want two CPUs that really run at once.
tcg_thread=${HSM_TCG_THREAD:-single}
case $tcg_thread in
single | multi) ;;
*) echo "run-guest: HSM_TCG_THREAD wants single or multi, not '$tcg_thread'" >&2; exit 2 ;;
esac
accel=(-accel "tcg,thread=$tcg_thread" -cpu max)
if [ "${HSM_KVM:-0}" = 1 ]; then
	accel=(-enable-kvm -cpu host)
fi

# -nodefaults: no NIC, VGA or disks to probe; the two serial ports are
# files, so QEMU never reads the host's stdin (CI has none).
qemu=(qemu-system-x86_64 -machine q35 "${accel[@]}" -smp 2 -m 2G
	-nodefaults -nographic -monitor none -no-reboot
	-kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 ignore_loglevel log_buf_len=16M panic=-1 $extra"
	-serial "file:$klog" -serial "file:$olog")

# Kernel-log lines that fail the run, each after the suite it happened in:
# the last "hsm-guest: begin NAME" marker before it.
splats() {
	awk '
		{ sub(/\r$/, "") }
		/hsm-guest: begin / { suite = $0; sub(/.*hsm-guest: begin /, "", suite); next }
		/[Cc]ommand line:/ { next }
		# A debug kernel announcing its checks at boot is not a finding.
		/RCU lockdep checking is enabled/ { next }
		# In the step that injects allocation failures, the kernel reports
		# a failed vmalloc with warn_alloc() and a stack: that is the
		# injection working.  Only that report and its stack are skipped.
		suite == "hsm-fuzz-faults" && /(page allocation failure|vmalloc error): / { injected = 1; next }
		injected && /Call Trace:/ { injected = 0; next }
		/^(\[[^]]*\] *)*(BUG:|WARNING:|Oops|general protection fault|kernel BUG at|INFO: |rcu: INFO: |UBSAN:|Call Trace:|Kernel panic)/ ||
		/KASAN|lockdep|possible circular locking|kernel panic|kmemleak: .*new suspected memory leak|soft lockup|blocked for more than/ {
			printf "  [%s] %s\n", suite == "" ? "boot" : suite, $0
		}
	' "$klog"
}

start=$(date +%s)
qrc=0
timeout --kill-after=10 "$timeout" "${qemu[@]}" </dev/null >"$qlog" 2>&1 &
qpid=$!
trap 'kill "$qpid" 2>/dev/null || true' INT TERM EXIT
tail -n +1 -f --pid="$qpid" "$olog" &
wait "$qpid" || qrc=$?
wait || true
trap - INT TERM EXIT
elapsed=$(( $(date +%s) - start ))

fail=""
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	fail="timeout after ${timeout} s: no verdict"
elif grep -q '^HSM-GUEST-VERDICT: FAIL' "$olog"; then
	fail=$(grep -m1 '^HSM-GUEST-VERDICT: FAIL' "$olog" | tr -d '\r' |
		sed 's/^HSM-GUEST-VERDICT: FAIL *//; s/^(\(.*\))$/\1/')
	fail=${fail:-"guest verdict FAIL"}
elif ! grep -q '^HSM-GUEST-VERDICT: PASS' "$olog"; then
	fail="guest stopped without a verdict (qemu exit $qrc, see $qlog)"
fi

found=$(splats)
if [ -n "$found" ]; then
	n=$(wc -l <<<"$found")
	echo "guest: kernel log has $n BUG/WARNING/Oops lines ([suite] line):"
	head -n 40 <<<"$found"
	[ "$n" -le 40 ] || echo "  ... $((n - 40)) more in $klog"
	fail=${fail:+$fail; }"kernel log has warnings"
fi

# After rmmod, every connection, key and context hsm.ko logged as created
# must have been destroyed.
if grep -q 'hsm-guest: end rmmod' "$klog"; then
	audit=$("$(dirname "$0")/lifetime-audit.sh" "$klog") || fail=${fail:+$fail; }"objects outlived the module"
	echo "guest: $audit" | sed '2,$s/^/guest: /'
fi

if [ -n "$fail" ]; then
	echo "guest: FAIL: $fail (${elapsed} s)"
	echo "guest: logs: $olog $klog"
	exit 1
fi
echo "guest: PASS (${elapsed} s)"
echo "guest: logs: $olog $klog"
