#!/bin/bash
# Run the guest's steps over N guests side by side, each booted by
# run-guest.sh with its share of the steps (guest-plan.sh split), and
# return one verdict.  A step is a suite's binary name, hsm-fuzz or
# hsm-fuzz-faults; each guest runs its own steps one at a time, on its own
# kernel and module, so no step sees another's module-wide counters.
#
#   run-guests.sh -n N -w TIMES -l LOGDIR [run-guest.sh options] -- STEP...
#
# With N = 1 the one guest logs into LOGDIR itself; otherwise guest I logs
# into LOGDIR/guest-I and its run-guest.sh output goes to
# LOGDIR/guest-I/run-guest.log, printed when it ends.  TIMES (how long each
# step took, guest-plan.sh times) is read for the split and updated from
# this run's kernel logs.  Exits 0 when every guest passed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
n=1 times="" logdir="" extra="" pass=()
while getopts "n:w:l:k:K:i:T:a:" opt; do
	case $opt in
	n) n=$OPTARG ;;
	w) times=$OPTARG ;;
	l) logdir=$OPTARG ;;
	a) extra=$OPTARG ;;
	k | K | i | T) pass+=("-$opt" "$OPTARG") ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ -z "$times" ] || [ -z "$logdir" ] || [ $# -eq 0 ]; then
	echo "usage: $0 -n N -w TIMES -l LOGDIR [run-guest.sh options] -- STEP..." >&2
	exit 2
fi

mapfile -t plan < <("$here/guest-plan.sh" split "$n" "$times" "$@")

# Every step's time from this run, and the earlier time of any step this
# run did not reach, for the next split.
keep_times() {
	local new
	new=$("$here/guest-plan.sh" times "$@")
	{
		echo "$new"
		[ ! -r "$times" ] || awk 'NR == FNR { seen[$1] = 1; next } !($1 in seen)' <(echo "$new") "$times"
	} | awk 'NF && !seen[$1]++' >"$times.new"
	mv "$times.new" "$times"
}

if [ ${#plan[@]} -eq 1 ]; then
	rc=0
	"$here/run-guest.sh" "${pass[@]}" -l "$logdir" -a "$extra hsm_suites=${plan[0]}" || rc=$?
	keep_times "$logdir/guest-kernel.log"
	exit $rc
fi

pids=()
for i in "${!plan[@]}"; do
	d=$logdir/guest-$((i + 1))
	mkdir -p "$d"
	echo "guest $((i + 1)) of ${#plan[@]}: ${plan[$i]//,/ }"
	"$here/run-guest.sh" "${pass[@]}" -l "$d" -a "$extra hsm_suites=${plan[$i]}" >"$d/run-guest.log" 2>&1 &
	pids+=($!)
done
# A guest that has ended is marked "-" in pids.
trap 'for p in "${pids[@]}"; do [ "$p" = - ] || kill "$p" 2>/dev/null || true; done' INT TERM EXIT

# Report each guest as it ends, not in launch order.
failed=0
left=${#pids[@]}
while [ "$left" -gt 0 ]; do
	sleep 2
	for i in "${!pids[@]}"; do
		p=${pids[$i]}
		if [ "$p" = - ] || kill -0 "$p" 2>/dev/null; then
			continue
		fi
		rc=0
		wait "$p" || rc=$?
		pids[i]=-
		left=$((left - 1))
		echo "==> guest $((i + 1)): $([ $rc -eq 0 ] && echo PASS || echo FAIL)"
		sed 's/^/  /' "$logdir/guest-$((i + 1))/run-guest.log"
		[ $rc -eq 0 ] || failed=1
	done
done
trap - INT TERM EXIT
keep_times "$logdir"/guest-*/guest-kernel.log
exit $failed
