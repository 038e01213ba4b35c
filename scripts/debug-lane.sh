#!/bin/bash
# The debug lane's steps, sourced by run-tests.sh --debug: the debug kernel
# (scripts/build-debug-kernel.sh, cached), hsm.ko built against it with
# KCOV and GCOV, libhsm and the suites built with ASan and UBSan, and the
# figures the lane prints after the guest has run.
# Expects $top, $build and $logs; sets kver, kernel, modroot, module,
# suites, hsmctl and pkcs11.

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
	mkdir -p "$d"
	ln -sfn "$top/include" "$d/include"
	ln -sfn "$top/scripts" "$d/scripts"
	ln -sfn "$top/VERSION" "$d/VERSION"
	# The sources, every subdirectory included, without what a build left.
	rm -rf "$d/kmod"
	mkdir -p "$d/kmod"
	tar -C "$top/kmod" -cf - --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.gcno' --exclude='*.gcda' \
		--exclude=compat-probes.h --exclude=modules.order --exclude=Module.symvers \
		--exclude='.tmp*' . | tar -C "$d/kmod" -xf -
	# HSM_PLANT=NAME puts a known bug (tests/planted/NAME.patch) in this
	# copy only, to show that the lane catches it: such a run must fail.
	if [ -n "${HSM_PLANT:-}" ]; then
		patch -p1 -s -d "$d" <"$top/tests/planted/$HSM_PLANT.patch" ||
			{ echo "debug lane: cannot plant '$HSM_PLANT'" >&2; return 1; }
		echo "==> planted in hsm.ko: $HSM_PLANT (tests/planted/$HSM_PLANT.patch)"
	fi
	make -C "$d/kmod" -s KVER="$kver" KDIR="$kdir" WERROR=1 HSM_TESTING=1 HSM_COVERAGE=1 >/dev/null
	module=$d/kmod/hsm.ko
	echo "==> hsm.ko built against $kver with KCOV and GCOV"
}

# libhsm, hsmctl, the PKCS#11 module and every suite with ASan and UBSan
# (any report ends the process: the suite fails).  Flags go through the
# environment so that the Makefiles still add their own.
debug_userspace() {
	local san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
	CFLAGS="-O1 -g $san" CXXFLAGS="-O1 -g $san" LDFLAGS="$san" \
		make -C "$top" -s userspace tests BUILD="$debug_dir/asan" WERROR=1
	suites=$debug_dir/asan/tests/guest
	hsmctl=$debug_dir/asan/hsmctl
	pkcs11=$debug_dir/asan/libhsm-pkcs11.so
	echo "==> libhsm, hsmctl and the suites built with ASan and UBSan"
}

# Every guest's test output: one guest logs into $logs, several into
# $logs/guest-N (run-guests.sh).
debug_outputs() {
	ls "$logs"/guest-output.log "$logs"/guest-*/guest-output.log 2>/dev/null
}

# Line coverage of kmod/ from the .gcda files the guests sent (between
# HSM-GCOV-BEGIN and HSM-GCOV-END on their consoles), summed over guests
# with gcov-tool, one line per file and a total, into $logs/coverage.txt.
debug_coverage() {
	local gdir=$debug_dir/gcov olog src obj i=0 sum=""
	rm -rf "$gdir"
	mkdir -p "$gdir"
	for olog in $(debug_outputs); do
		i=$((i + 1))
		mkdir -p "$gdir/$i"
		sed -n '/^HSM-GCOV-BEGIN/,/^HSM-GCOV-END/p' "$olog" | tr -d '\r' |
			sed '1d;$d' | base64 -d | tar -C "$gdir/$i" -xzf - ||
			{ echo "coverage: ${olog#"$logs"/} has no GCOV data"; return 1; }
		# The kernel keeps the counts under the objects' absolute build
		# path: keep only the part below kmod/ (its directories included).
		(cd "$gdir/$i" && find . -name '*.gcda') | while read -r f; do
			mkdir -p "$(dirname "$gdir/k$i/${f#*/kmod/}")"
			cp "$gdir/$i/$f" "$gdir/k$i/${f#*/kmod/}"
		done
		if [ -z "$sum" ]; then
			sum=$gdir/k$i
		else
			gcov-tool merge -o "$gdir/sum$i" "$sum" "$gdir/k$i" >/dev/null
			sum=$gdir/sum$i
		fi
	done
	[ -n "$sum" ] || { echo "coverage: no guest output"; return 1; }
	obj=$debug_dir/mod/kmod
	# Each count file goes beside its object.
	(cd "$sum" && find . -name '*.gcda') | while read -r f; do
		cp "$sum/$f" "$obj/$f"
	done
	(
		cd "$obj"
		# Every directory of the module (a probe has no counts: no line).
		for src in *.c */*.c; do
			[ "$src" != hsm.mod.c ] || continue
			gcov -n -o "$(dirname "$src")" "$src" 2>/dev/null |
				awk -v f="$src" '/^File .*'"$(basename "$src")"'/ { getline; print f, $0; exit }'
		done
	) | awk '
		# FILE Lines executed:PCT% of N
		{ pct = $3; sub(/.*:/, "", pct); sub(/%/, "", pct); n = $NF
		  hit = int(pct * n / 100 + 0.5); th += hit; tn += n
		  printf "  %-22s %6.1f%% of %4d lines\n", $1, pct, n }
		END { printf "  %-22s %6.1f%% of %4d lines\n", "kmod/ total", tn ? 100 * th / tn : 0, tn }
	' | tee "$logs/coverage.txt"
}

# What the lane proves, from the guest's logs.
debug_summary() {
	local ologs
	ologs=$(debug_outputs)
	echo "==> debug lane summary"
	# shellcheck disable=SC2086 # one path per guest, none with spaces
	grep -h '^kmemleak .*suspects' $ologs | sed 's/^/  /' || true
	# shellcheck disable=SC2086
	grep -h '^hsm-fuzz: .*findings' $ologs | sed 's/^/  /' || true
	# shellcheck disable=SC2086
	grep -h '^hsm-fuzz: faults: .*points tried' $ologs | sed 's/^/  /' || true
	grep -h 'lifetime audit' "$logs/run-guest.log" 2>/dev/null | sed 's/^/  /' || true
	echo "  kmod line coverage:"
	debug_coverage || return 1
}
