#!/bin/bash
# Split the guest's steps over guests that run side by side, and keep how
# long each step took for the next split.
#
#   guest-plan.sh split N TIMES STEP...   one line per guest that gets a
#                                         step: its steps, comma-separated
#   guest-plan.sh times KERNEL_LOG...     "step seconds" for every step the
#                                         logs mark as begun and ended
#
# The split is longest-first, each step to the guest with the least work so
# far, weighted by TIMES (the output of `times` from an earlier run; it may
# be missing).  A step never timed weighs as much as the longest known one,
# so a new suite is not what makes one guest finish last.
set -euo pipefail

split() {
	local n=$1 times=$2
	shift 2
	[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "guest-plan: N must be a positive count, not '$n'" >&2; exit 2; }
	[ -r "$times" ] || times=/dev/null
	printf '%s\n' "$@" | awk -v n="$n" -v times="$times" '
		BEGIN {
			while ((getline line < times) > 0) {
				split(line, f, " ")
				if (f[2] ~ /^[0-9.]+$/) { w[f[1]] = f[2]; if (f[2] > top) top = f[2] }
			}
			if (top == 0) top = 1
		}
		{ steps[++k] = $0; weight[$0] = ($0 in w) ? w[$0] : top }
		END {
			# Longest first: a simple selection sort, k is small.
			for (i = 1; i <= k; i++)
				for (j = i + 1; j <= k; j++)
					if (weight[steps[j]] > weight[steps[i]]) { t = steps[i]; steps[i] = steps[j]; steps[j] = t }
			for (i = 1; i <= k; i++) {
				best = 1
				for (g = 2; g <= n; g++) if (load[g] < load[best]) best = g
				load[best] += weight[steps[i]]
				list[best] = list[best] (list[best] == "" ? "" : ",") steps[i]
			}
			for (g = 1; g <= n; g++) if (list[g] != "") print list[g]
		}'
}

# Kernel-log markers from guest-payload-test.sh:
#   [  12.345678] hsm-guest: begin NAME
#   [  56.789012] hsm-guest: end NAME rc=0
times() {
	cat "$@" | tr -d '\r' | awk '
		/hsm-guest: (begin|end) / {
			t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t)
			s = $0; sub(/.*hsm-guest: (begin|end) /, "", s); sub(/ .*/, "", s)
			if ($0 ~ /hsm-guest: begin /) begun[s] = t
			else if (s in begun) printf "%s %d\n", s, t - begun[s] + 0.5
		}'
}

case ${1:-} in
split) shift; [ $# -ge 2 ] || { echo "usage: $0 split N TIMES STEP..." >&2; exit 2; }; split "$@" ;;
times) shift; times "$@" ;;
*) echo "usage: $0 split N TIMES STEP... | times KERNEL_LOG..." >&2; exit 2 ;;
esac
