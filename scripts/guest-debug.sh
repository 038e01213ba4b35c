#!/bin/sh
# The test guest's checks that need the debug lane's kernel, sourced by
# /init (scripts/guest-init.sh): kmemleak before hsm.ko loads, while it is
# loaded and after it is gone, and hsm.ko's GCOV counts sent to the host.
# On a kernel without kmemleak or GCOV (Debian's cloud kernel) each
# function does nothing.

KMEMLEAK=/sys/kernel/debug/kmemleak
GCOV=/sys/kernel/debug/gcov

# The kernel's own suspects from boot, marked as known so that every
# later report is about something that happened after this point.
kmemleak_baseline() {
	[ -w $KMEMLEAK ] || return 0
	echo scan >$KMEMLEAK
	echo clear >$KMEMLEAK
}

# kmemleak_check WHEN: scan, print every suspect, and fail on any whose
# allocation ran through hsm.ko: "[hsm]" frames while it is loaded, raw
# module-area addresses once it is gone.  An object is reported once it
# is older than five seconds and unreferenced in a scan, hence the wait
# and the second scan.  Clears the list afterwards, so that the next check
# reports only what is new.
kmemleak_check() {
	[ -w $KMEMLEAK ] || return 0
	sleep 6
	echo scan >$KMEMLEAK
	echo scan >$KMEMLEAK
	cat $KMEMLEAK >/tmp/kmemleak
	echo clear >$KMEMLEAK
	awk -v when="$1" '
		/^unreferenced object/ { n++; obj = $0; hsm_obj = 0; next }
		/\[hsm\]|\] 0xffffffff[a-f][0-9a-f]+$/ { if (!hsm_obj) { hsm_obj = 1; h++ } }
		{ if (n) print "kmemleak: " $0 }
		END {
			printf "kmemleak %s: %d suspects, %d in hsm\n", when, n, h
			exit h != 0
		}' /tmp/kmemleak
}

# hsm.ko's .gcda files (kept by the kernel after rmmod), as a base64 tar
# between two marker lines on the test console; the host turns them into
# per-file line coverage.  debugfs reports them as empty files, so they
# are copied with cat before tar sees them.
gcov_send() {
	[ -d $GCOV ] || return 0
	out=/tmp/gcov
	find $GCOV -name '*.gcda' | while read -r f; do
		rel=${f#"$GCOV"/}
		mkdir -p "$out/$(dirname "$rel")"
		cat "$f" >"$out/$rel"
	done
	[ -d $out ] || { echo "gcov: no counts for hsm.ko"; return 0; }
	echo "HSM-GCOV-BEGIN"
	tar -C $out -cf - . | gzip -c | base64
	echo "HSM-GCOV-END"
}
