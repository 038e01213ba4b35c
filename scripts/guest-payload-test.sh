#!/bin/sh
# Guest payload of `make test`: run every test binary in /tests, in sorted
# order, then the ABI fuzzer, marking the kernel log before and after each
# so that a kernel warning can be traced to the step that caused it.
# Exits non-zero if any failed.
#
# From the kernel command line (run-guest.sh -a), as init's environment:
#   hsm_fuzz_seconds=S   how long the fuzzer runs (default 60)
#   hsm_fuzz_seed=N      its seed (default: from the time; it prints it)
#   hsm_faults=1         also run its fault injection (needs a kernel with
#                        CONFIG_FAULT_INJECTION)
#   hsm_suites=a,b       run only these steps (suite binary names, hsm-fuzz,
#                        hsm-fuzz-faults); default all
# Criterion colours its output on a tty, and ttyS1 is one.
export TERM=dumb
# The simulated AMD root and signing keys (RSA-4096) are made once per
# boot, not once per suite (userspace/sim/snp_sim.cpp).
export HSM_SNP_SIM_KEYS=/tmp/snp-sim-keys

failed=""
ran=0

# Whether hsm_suites names step $1, or names nothing.
wanted() {
	[ -z "${hsm_suites:-}" ] && return 0
	case ",$hsm_suites," in *",$1,"*) return 0 ;; esac
	return 1
}

# Run one marked step: NAME COMMAND...
step() {
	name=$1
	shift
	wanted "$name" || return 0
	ran=$((ran + 1))
	echo "hsm-guest: begin $name" >/dev/kmsg
	echo "==> $name"
	rc=0
	"$@" || rc=$?
	echo "hsm-guest: end $name rc=$rc" >/dev/kmsg
	[ $rc -eq 0 ] || failed="$failed $name(rc=$rc)"
}

# start_worker and stop_worker: hsmd, as its unit starts it.
. /worker.sh

if [ -x /usr/bin/hsmd ]; then
	start_worker || failed="$failed hsmd(start)"
fi

for t in /tests/*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	# One test at a time: suites check module-wide counters.
	step "${t##*/}" "$t" --jobs=1
done

fuzz=/tests/tools/hsm-fuzz
if [ -x $fuzz ]; then
	step hsm-fuzz $fuzz fuzz --seconds "${hsm_fuzz_seconds:-60}" \
		${hsm_fuzz_seed:+--seed "$hsm_fuzz_seed"}
	[ "${hsm_faults:-0}" != 1 ] || step hsm-fuzz-faults $fuzz faults
fi
stop_worker
if [ $ran -eq 0 ]; then
	echo "hsm-guest: no step is named by hsm_suites=$hsm_suites"
	exit 1
fi
if [ -n "$failed" ]; then
	echo "hsm-guest: failed:$failed"
	exit 1
fi
