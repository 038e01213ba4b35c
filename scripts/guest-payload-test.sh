#!/bin/sh
# Guest payload of `make test`: run every test binary in /tests, in sorted
# order, marking the kernel log before and after each so that a kernel
# warning can be traced to the suite that caused it.  Exits non-zero if any
# failed.
# Criterion colours its output on a tty, and ttyS1 is one.
export TERM=dumb

failed=""
for t in /tests/*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	name=${t##*/}
	echo "hsm-guest: begin $name" >/dev/kmsg
	echo "==> $name"
	rc=0
	# One test at a time: suites check module-wide counters.
	"$t" --jobs=1 || rc=$?
	echo "hsm-guest: end $name rc=$rc" >/dev/kmsg
	[ $rc -eq 0 ] || failed="$failed $name(rc=$rc)"
done
if [ -n "$failed" ]; then
	echo "hsm-guest: failed:$failed"
	exit 1
fi
