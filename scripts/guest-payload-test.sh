#!/bin/sh
# Guest payload of `make test`: run every test binary in /tests, in order,
# marking the kernel log before and after each so that a kernel warning can
# be traced to the suite that caused it.
failed=""
for t in /tests/*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	echo "==> guest/$name"
	echo "hsm-guest: begin $name" >/dev/kmsg
	# One test at a time: suites check module-wide counters.
	"$t" --jobs=1 --color=never
	rc=$?
	echo "hsm-guest: end $name rc=$rc" >/dev/kmsg
	[ $rc -eq 0 ] || failed="$failed $name"
done
if [ -n "$failed" ]; then
	echo "hsm-guest: failed:$failed"
	exit 1
fi
