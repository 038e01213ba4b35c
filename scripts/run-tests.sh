#!/bin/bash
# Run every test: the native unit tests and fuzzers, then the guest suites
# in a QEMU guest booted from each kernel of the matrix (scripts/kver.sh
# --all: Debian's 6.1 and 6.12 cloud kernels), each with its own hsm.ko.
# Prints Criterion's summary for every suite, a verdict line per kernel and
# one overall; exits non-zero on any failure.  Logs go to $BUILD/logs, the
# guest's to $BUILD/logs/<kernel release>.
#
#   run-tests.sh           the release lane (`make test`)
#   run-tests.sh --debug   the debug lane (`make test-debug`): the same
#                          suites, built with ASan and UBSan, on a kernel
#                          with KASAN, lockdep, kmemleak, UBSAN and fault
#                          injection (scripts/debug-lane.sh), a longer
#                          fuzzer run, every allocation failure tried, and
#                          kmod/'s line coverage
#
# HSM_SUITES="test_keys hsm-fuzz" runs only the named guest steps (a suite's
# binary name, hsm-fuzz, hsm-fuzz-faults): a quick lane to chase one bug.
# Such a run says so on its verdict line; it is not a full pass.
# HSM_PLANT=NAME (debug lane) builds hsm.ko with a known bug from
# tests/planted/, to show the lane catches it: such a run must FAIL.
# HSM_GUESTS=N splits each kernel's steps over N guests run side by side
# (scripts/run-guests.sh): one per CPU by default.
# HSM_KERNELS="6.12" runs the guest on only the named series of the matrix
# (release lane); such a run says so too.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
lane=release
case ${1:-} in
"") ;;
--debug) lane=debug ;;
*) echo "usage: $0 [--debug]" >&2; exit 2 ;;
esac
logs=$build/logs
[ $lane = release ] || logs=$build/logs/debug
start=$(date +%s)

# What the guest boots and runs: every kernel of the matrix, each with an
# hsm.ko built for it (scripts/build-kmod.sh, in $build/kmod/<release>), and
# the suites of `make all`; or the debug lane's kernel, module and suites.
# The release lane also has DKMS build and install the production module
# for each kernel, as `make install` does (scripts/dkms-check.sh, in
# $build/dkms/<release>), and each guest loads, checks and unloads that
# module before the suites (scripts/guest-init.sh).
kvers=$("$top/scripts/kver.sh" --all)
modroot=""
suites=$build/tests/guest
hsmctl=$build/hsmctl
# test_pkcs11 drives the PKCS#11 module (userspace/pkcs11) in the guest,
# itself and through OpenSC's pkcs11-tool; test_pkcs11_apps through the
# programs users point at it: OpenSSL (its pkcs11 engine), GnuTLS, OpenSSH.
pkcs11=$build/libhsm-pkcs11.so
pkcs11_tool=/usr/bin/pkcs11-tool
p11_apps=(/usr/bin/openssl /usr/bin/gnutls-serv /usr/bin/gnutls-cli /usr/bin/p11tool
	/usr/bin/ssh /usr/bin/ssh-keygen /var/cache/hsm-deps/root/usr/sbin/sshd)
p11_engine=/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
# ssh loads PKCS#11 modules in a helper process of its own.
p11_ssh_helper=/usr/lib/openssh/ssh-pkcs11-helper
# test_keyserver runs PostgreSQL in the guest: the newest installed, its
# server, initdb and pg_ctl, the modules initdb loads, its share files.
pg_dir=$(ls -d /usr/lib/postgresql/*/ 2>/dev/null | sort -V | tail -n 1)
pg_ver=$(basename "${pg_dir:-none}")
pg_files=("${pg_dir}bin/postgres" "${pg_dir}bin/initdb" "${pg_dir}bin/pg_ctl" "${pg_dir}lib/plpgsql.so"
	"${pg_dir}lib/dict_snowball.so" "/usr/share/postgresql/$pg_ver" /usr/share/zoneinfo/UTC)
# ... and node with @serenity-kit/opaque (tests/interop/opaque, installed by
# its run.sh below, before the image is made) as a client of the server.
node_bin=$(command -v node || echo /usr/bin/node)
# The suites take about five minutes on an idle 2-core machine under TCG;
# the limit leaves room for a loaded one and still ends a hung guest.
timeout=1200
lane_params=""
# A guest's two vCPUs share one host thread (run-guest.sh), so one guest
# keeps one CPU busy: one guest per CPU halves the suites' time on this
# 2-CPU machine.  Each guest boots its own kernel and module, so no suite
# sees another's module-wide counters.
guests=${HSM_GUESTS:-$(nproc)}
if [ $lane = debug ]; then
	. "$top/scripts/debug-lane.sh"
	debug_kernel
	debug_module
	debug_userspace
	kvers=$kver
	# KASAN, lockdep and the sanitizers make every step several times
	# slower; the fuzzer runs ten minutes and every fault point is tried.
	timeout=10800
	# The kernel's own crypto self-tests would take minutes at boot under
	# KASAN and TCG; hsm.ko still runs its known-answer tests at load.
	# Bounds on how soon something must happen grow by the same factor.
	lane_params="cryptomgr.notests=1 HSM_TEST_TIME_SCALE=10 hsm_fuzz_seconds=600 hsm_faults=1"
fi

# The guest's steps: every suite, then the fuzzer (and, in the debug lane,
# its fault injection), or the ones HSM_SUITES names.
suites_only=$(tr -s ' ,' '  ' <<<"${HSM_SUITES:-}" | sed 's/^ //; s/ $//')
if [ -n "$suites_only" ]; then
	read -r -a steps <<<"$suites_only"
else
	steps=()
	for t in "$suites"/*; do
		[ -f "$t" ] && [ -x "$t" ] && steps+=("${t##*/}")
	done
	steps+=(hsm-fuzz)
	[ $lane = release ] || steps+=(hsm-fuzz-faults)
fi

[ -f "$pkcs11" ] || { echo "run-tests: ${pkcs11#"$top"/} missing: build it (make all)" >&2; exit 1; }
for p in "$pkcs11_tool" "${p11_apps[@]}" "$p11_engine" "$p11_ssh_helper" "${pg_files[@]}" "$node_bin"; do
	[ -e "$p" ] || { echo "run-tests: $p missing: install the packages (make deps)" >&2; exit 1; }
done

kernels_only=""
if [ $lane = release ] && [ -n "${HSM_KERNELS:-}" ]; then
	kernels_only=$(tr -s ' ,' '  ' <<<"$HSM_KERNELS" | sed 's/^ //; s/ $//')
	kvers=$("$top/scripts/kver.sh" --pick "$HSM_KERNELS")
fi

# Small limits in the guest, so that tests can reach every one of them.
guest_params="hsm.max_connections=256 hsm.max_region_size=8388608 hsm.max_region_total=67108864 hsm.max_keys=64 hsm.max_contexts=64 hsm.max_slots=16 hsm.max_stream=1048576 hsm.max_inflight=64 hsm.slot_group=4242"
# Small per-user shares too, below the limits above; the suites that run as
# root are exempt from them (test_attacks_limits runs as other users).
guest_params+=" hsm.uid_max_connections=8 hsm.uid_max_region_total=16777216 hsm.uid_max_slots=4 hsm.uid_max_keys=128 hsm.uid_max_contexts=128 hsm.max_conn_stream=4194304 hsm.uid_max_stream=8388608"

# A fresh log directory; the release lane's holds the debug lane's, which
# it leaves alone.
mkdir -p "$logs" "$build/guest"
find "$logs" -mindepth 1 -maxdepth 1 ! -name debug -exec rm -rf {} +

# DKMS's builds, one kernel after the other, run beside the unit tests and
# the fuzzers, which use one CPU of the machine; niced, so the fuzzers' time
# is theirs.  Each kernel's guest waits for them.
dkms_pid=""
if [ $lane = release ]; then
	echo "==> DKMS: dkms add, build, install of hsm $(cat "$top/VERSION") for $(echo $kvers), in the background"
	for kver in $kvers; do
		mkdir -p "$logs/$kver"
	done
	(
		for kver in $kvers; do
			dstart=$(date +%s)
			rc=0
			nice -n 10 "$top/scripts/dkms-check.sh" "$kver" "$build/dkms/$kver" \
				>"$logs/$kver/dkms.log" 2>&1 || rc=$?
			echo "$rc $(( $(date +%s) - dstart ))" >"$logs/$kver/dkms.status"
		done
	) &
	dkms_pid=$!
fi

# The man pages: groff, with every warning on, must have nothing to say.
echo "==> man pages"
for m in "$top"/man/*.[1-8]; do
	w=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$m" 2>&1)
	[ -z "$w" ] || echo "${m#"$top"/}: $w"
done | tee "$logs/man.log"
unit_rc=0
[ ! -s "$logs/man.log" ] || unit_rc=1
for t in "$build"/tests/unit/test_*; do
	echo "==> unit/$(basename "$t")"
	"$t" 2>&1 | tee -a "$logs/unit.log" || unit_rc=1
done
# Interop with implementations no one here wrote: tests/interop/*/run.sh.
for t in "$top"/tests/interop/*/run.sh; do
	echo "==> interop/$(basename "$(dirname "$t")")"
	BUILD="$build" "$t" 2>&1 | tee -a "$logs/unit.log" || unit_rc=1
done

# The libFuzzer targets, about a minute over their corpus: any finding
# fails the run.
fuzz_rc=0
BUILD="$build" "$top/scripts/run-fuzz.sh" 2>&1 | tee "$logs/fuzz.log" || fuzz_rc=1

# Criterion ends each binary with:
#   [====] Synthesis: Tested: T | Passing: P | Failing: F | Crashing: C
# Prints "PASSED FAILED" summed over the logs named.
count() {
	cat "$@" 2>/dev/null |
		sed 's/\x1b\[[0-9;]*m//g' | sed -n 's/.*Synthesis: Tested: *\([0-9]*\) | Passing: *\([0-9]*\) | Failing: *\([0-9]*\) | Crashing: *\([0-9]*\).*/\2 \3 \4/p' |
		awk '{ p += $1; f += $2 + $3 } END { print p + 0, f + 0 }'
}

# One guest run per kernel: its own module, initramfs and log directory.
guest_rc=0
verdicts=()
for kver in $kvers; do
	kstart=$(date +%s)
	klogs=$logs/$kver
	[ $lane = release ] || klogs=$logs
	mkdir -p "$klogs"
	krc=0
	why=""
	dkms_module=""
	if [ $lane = release ]; then
		kernel=/boot/vmlinuz-$kver
		module=$build/kmod/$kver/kmod/hsm.ko
		echo "==> guest $kver: building hsm.ko"
		"$top/scripts/build-kmod.sh" "$kver" "$build/kmod/$kver" WERROR=1 \
			HSM_TESTING="${HSM_TESTING:-1}" >"$klogs/build.log" 2>&1 ||
			{ cat "$klogs/build.log"; krc=1; }
	fi
	if [ $lane = release ] && [ $krc -eq 0 ]; then
		wstart=$(date +%s)
		[ -z "$dkms_pid" ] || wait "$dkms_pid" || true
		dkms_pid=""
		drc=1 dsecs='?'
		[ ! -r "$klogs/dkms.status" ] || read -r drc dsecs <"$klogs/dkms.status"
		if [ "$drc" -eq 0 ]; then
			# hsm.ko.xz where the kernel compresses its modules (6.12).
			dkms_module=$(ls "$build/dkms/$kver/lib/modules/$kver/updates/dkms"/hsm.ko* | head -n 1)
			echo "==> guest $kver: DKMS: installed ${dkms_module#"$top"/} (built in $dsecs s; waited $(( $(date +%s) - wstart )) s)"
		else
			cat "$klogs/dkms.log"
			krc=1
			why="DKMS could not build or install hsm.ko"
		fi
	fi
	if [ $krc -eq 0 ]; then
		echo "==> guest $kver: building initramfs"
		initrd=$build/guest/initramfs-test-$lane-$kver.cpio.gz
		"$top/scripts/mkinitramfs.sh" -o "$initrd" -k "$kver" ${modroot:+-r "$modroot"} \
			${dkms_module:+-D "$dkms_module"} \
			-m "$module" -p "$top/scripts/guest-payload-test.sh" \
			-b "$hsmctl" -b "$build/hsmd" -b "$build/hsm-keyserver" -b "$build/hsm-keyserver-load" -b "$pkcs11_tool" -P "$pkcs11" \
			$(printf -- '-R %s ' "${pg_files[@]}") -b "$node_bin" -R "$build/interop/opaque" \
			$(printf -- '-b %s ' "${p11_apps[@]}") -L "$p11_engine" -L "$p11_ssh_helper" \
			-t "$suites" -d "$top/tests/data" || krc=1
	fi
	if [ $krc -eq 0 ]; then
		# A fresh clone splits by the times this tree ships; later runs by
		# their own.
		times=$build/guest/step-seconds-$kver
		[ -s "$times" ] || cp "$top/scripts/guest-step-seconds" "$times"
		"$top/scripts/run-guests.sh" -n "$guests" -w "$times" \
			-k "$kver" -K "$kernel" -i "$initrd" -l "$klogs" -T "$timeout" \
			-a "$guest_params $lane_params" -- "${steps[@]}" | tee "$klogs/run-guest.log" || krc=1
	fi
	if [ $lane = debug ]; then
		# debug_summary reads $logs/run-guest.log, as it always has.
		debug_summary || krc=1
	fi
	read -r kp kf < <(count "$klogs"/guest-output.log "$klogs"/guest-*/guest-output.log)
	if [ -z "$why" ] && grep -qs '^HSM-GUEST-VERDICT: FAIL (DKMS' \
		"$klogs"/guest-output.log "$klogs"/guest-*/guest-output.log; then
		why="the DKMS-built hsm.ko failed its check in the guest"
	fi
	kv=PASS
	if [ $krc -ne 0 ] || [ "$kf" -ne 0 ]; then
		kv=FAIL
		guest_rc=1
	fi
	verdicts+=("$kv: $kver: $kp passed, $kf failed in the guest ($(( $(date +%s) - kstart )) s)${why:+; $why}")
done

# DKMS's builds, if no guest waited for them.
[ -z "$dkms_pid" ] || wait "$dkms_pid" || true

outputs=("$logs/unit.log")
for kver in $kvers; do
	klogs=$logs/$kver
	[ $lane = release ] || klogs=$logs
	outputs+=("$klogs"/guest-output.log "$klogs"/guest-*/guest-output.log)
done
read -r passed failed < <(count "${outputs[@]}")

verdict=PASS
if [ "$unit_rc" -ne 0 ] || [ "$fuzz_rc" -ne 0 ] || [ "$guest_rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
	verdict=FAIL
	# A guest that died or logged a kernel warning fails even if no
	# Criterion test did.
	[ "$failed" -ne 0 ] || failed=1
fi
echo "==> logs in ${logs#"$top"/}/ ($(( $(date +%s) - start )) s)"
printf '%s\n' "${verdicts[@]}"
only=$suites_only
[ -z "$kernels_only" ] || only="${only:+$only; }kernels $kernels_only"
echo "$verdict: $passed passed, $failed failed${only:+ (only: $only)}${HSM_PLANT:+ (planted: $HSM_PLANT)}"
[ "$verdict" = PASS ]
