#!/bin/bash
# The debug lane's steps, sourced by run-tests.sh --debug: the debug kernel
# (scripts/build-debug-kernel.sh, cached), hsm.ko built against it with
# KCOV and GCOV, libhsm and the suites built with ASan and UBSan, and the
# figures the lane prints after the guest has run.
# Expects $top, $build and $logs; sets kver, kernel, modroot, module and
# suites.

debug_dir=$build/debug

# The kernel: built once per source version and config, then cached.
debug_kernel() {
	local entry
	entry=$("$top/scripts/build-debug-kernel.sh")
	kver=$(cat "$entry/release")
	kernel=$entry/bzImage
	modroot=$entry/root
	kdir=$entry/build
	echo "==> debug kernel $kver ($(cat "$entry/build-seconds") s to build, cached in $entry)"
}

# hsm.ko against the debug kernel, in a copy of kmod/ under $debug_dir, so
# the release build in kmod/ stays as it was.
debug_module() {
	local d=$debug_dir/mod
	mkdir -p "$d/kmod"
	ln -sfn "$top/include" "$d/include"
	ln -sfn "$top/scripts" "$d/scripts"
	ln -sfn "$top/VERSION" "$d/VERSION"
	cp -a "$top"/kmod/{Kbuild,Makefile,*.c,*.h,crypto,snp,probes} "$d/kmod/"
	find "$d/kmod" -name '*.o' -delete
	rm -f "$d/kmod/compat-probes.h"
	make -C "$d/kmod" -s KVER="$kver" KDIR="$kdir" WERROR=1 HSM_TESTING=1 HSM_COVERAGE=1 >/dev/null
	module=$d/kmod/hsm.ko
	echo "==> hsm.ko built against $kver with KCOV and GCOV"
}

# libhsm, hsmctl and every suite with ASan and UBSan (any report ends the
# process: the suite fails).  Flags go through the environment so that the
# Makefiles still add their own.
debug_userspace() {
	local san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
	CFLAGS="-O1 -g $san" CXXFLAGS="-O1 -g $san" LDFLAGS="$san" \
		make -C "$top" -s userspace tests BUILD="$debug_dir/asan" WERROR=1
	suites=$debug_dir/asan/tests/guest
	hsmctl=$debug_dir/asan/hsmctl
	echo "==> libhsm, hsmctl and the suites built with ASan and UBSan"
}

# Line coverage of kmod/ from the .gcda files the guest sent (between
# HSM-GCOV-BEGIN and HSM-GCOV-END on its console), one line per file and
# a total, into $logs/coverage.txt.
debug_coverage() {
	local olog=$logs/guest-output.log gdir=$debug_dir/gcov src obj
	rm -rf "$gdir"
	mkdir -p "$gdir"
	sed -n '/^HSM-GCOV-BEGIN/,/^HSM-GCOV-END/p' "$olog" | tr -d '\r' |
		sed '1d;$d' | base64 -d | tar -C "$gdir" -xzf - ||
		{ echo "coverage: the guest sent no GCOV data"; return 1; }
	obj=$debug_dir/mod/kmod
	# The kernel keeps the counts under the objects' absolute build path:
	# each goes beside its object (crypto/ and snp/ included).
	(cd "$gdir" && find . -name '*.gcda') | while read -r f; do
		cp "$gdir/$f" "$obj/${f#*/kmod/}"
	done
	(
		cd "$obj"
		for src in *.c crypto/*.c snp/*.c; do
			[ "$src" != hsm.mod.c ] || continue
			gcov -n -o "$(dirname "$src")" "$src" 2>/dev/null |
				awk -v f="$src" '/^File .*'"$(basename "$src")"'/ { getline; print f, $0; exit }'
		done
	) | awk '
		{ pct = $2; sub(/.*:/, "", pct); sub(/%/, "", pct); n = $NF
		  hit = int(pct * n / 100 + 0.5); th += hit; tn += n
		  printf "  %-22s %6.1f%% of %4d lines\n", $1, pct, n }
		END { printf "  %-22s %6.1f%% of %4d lines\n", "kmod/ total", tn ? 100 * th / tn : 0, tn }
	' | tee "$logs/coverage.txt"
}

# What the lane proves, from the guest's logs.
debug_summary() {
	local olog=$logs/guest-output.log
	echo "==> debug lane summary"
	grep -h '^kmemleak .*suspects' "$olog" | sed 's/^/  /' || true
	grep -h '^hsm-fuzz: .*findings' "$olog" | sed 's/^/  /' || true
	grep -h '^hsm-fuzz: faults: .*points tried' "$olog" | sed 's/^/  /' || true
	grep -h 'lifetime audit' "$logs/run-guest.log" 2>/dev/null | sed 's/^/  /' || true
	echo "  kmod line coverage:"
	debug_coverage || return 1
}
