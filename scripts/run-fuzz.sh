#!/bin/bash
# Run the libFuzzer targets (tests/fuzz, built by `make -C tests fuzz`),
# one after the other, each over its corpus for a bounded time.  Prints
# one line per target (executions, coverage, corpus, findings) and exits
# non-zero on any finding: a crash, a sanitizer report, a broken
# invariant, a leak, a timeout or running out of memory.
#
#   run-fuzz.sh [-t TARGET]... [-m] [SECONDS_PER_TARGET]
#
# By default the targets share about a minute; a long run gives each
# more (run-fuzz.sh 600).  -t runs only the targets named.  -m, after a
# clean run, merges into the tree's corpus (tests/fuzz/corpus) the new
# inputs that reach code it does not, to be reviewed and committed.
#
# The tree's corpus is only read: the fuzzers add their inputs to a
# scratch copy in $BUILD/fuzz-corpus/TARGET.  Findings go to
# $BUILD/fuzz-artifacts/TARGET/, logs to $BUILD/logs/fuzz-TARGET.log.
# The seed is fixed and printed (HSM_FUZZ_SEED sets another), so that a
# run can be repeated; a time bound still ends it wherever it is.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
bin=$build/tests/fuzz
corpus=$top/tests/fuzz/corpus
logs=$build/logs
seed=${HSM_FUZZ_SEED:-1}
# Seconds the targets share by default: with their start-up, about a minute.
total=48

targets=()
merge=0
while getopts "t:m" opt; do
	case $opt in
	t) targets+=("$OPTARG") ;;
	m) merge=1 ;;
	*) echo "usage: $0 [-t TARGET]... [-m] [SECONDS_PER_TARGET]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ ${#targets[@]} -eq 0 ]; then
	for d in "$corpus"/*/; do
		targets+=("$(basename "$d")")
	done
fi
secs=${1:-$(( total / ${#targets[@]} ))}
[ "$secs" -ge 1 ] || secs=1

for t in "${targets[@]}"; do
	if [ ! -x "$bin/$t" ] || [ ! -d "$corpus/$t" ]; then
		echo "run-fuzz: no $t in ${bin#"$top"/} or ${corpus#"$top"/} (make -C tests fuzz)" >&2
		exit 2
	fi
done
mkdir -p "$logs"

# The value of "name: N" in libFuzzer's final statistics, or of a key in
# its last status line ("cov: N"), else "?".
final() { sed -n "s/^stat::$2: *\([0-9]*\).*/\1/p" "$1" | tail -n 1 | grep . || echo '?'; }
status() { grep -o " $2: [0-9]*" "$1" | tail -n 1 | sed 's/.*: //' | grep . || echo '?'; }

# Runs target $1 for secs seconds; prints its line, returns its findings.
fuzz() {
	local t=$1 scratch=$build/fuzz-corpus/$1 art=$build/fuzz-artifacts/$1
	local log=$logs/fuzz-$1.log rc=0 found

	rm -rf "$scratch" "$art"
	mkdir -p "$scratch" "$art"
	cp "$corpus/$t"/* "$scratch"/
	"$bin/$t" -seed="$seed" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" "$scratch" >"$log" 2>&1 || rc=$?
	found=$(find "$art" -type f | wc -l)
	[ "$rc" -eq 0 ] || [ "$found" -gt 0 ] || found=1
	printf '%-16s %10s execs %6s/s  cov %5s  ft %6s  corpus %4s (%s new)  findings %s\n' \
		"$t" "$(final "$log" number_of_executed_units)" "$(final "$log" average_exec_per_sec)" \
		"$(status "$log" cov)" "$(status "$log" ft)" "$(find "$scratch" -type f | wc -l)" \
		"$(final "$log" new_units_added)" "$found"
	if [ "$found" -gt 0 ]; then
		grep -m 3 -E 'invariant broken|ERROR: |SUMMARY: |runtime error' "$log" | sed 's/^/    /' || true
		find "$art" -type f | sed "s|^|    reproduce: $bin/$t |"
		echo "    log: ${log#"$top"/}"
	fi
	return "$found"
}

echo "==> fuzz: ${#targets[@]} target(s), $secs s each, -seed=$seed"
findings=0
for t in "${targets[@]}"; do
	fuzz "$t" || findings=$((findings + $?))
done

if [ "$merge" -eq 1 ] && [ "$findings" -eq 0 ]; then
	for t in "${targets[@]}"; do
		before=$(find "$corpus/$t" -type f | wc -l)
		# A small set of inputs that reach every edge the scratch copy
		# reaches (-use_counters=0: edges, not how often they are taken).
		"$bin/$t" -set_cover_merge=1 -use_counters=0 "$corpus/$t" "$build/fuzz-corpus/$t" \
			>>"$logs/fuzz-$t.log" 2>&1
		after=$(find "$corpus/$t" -type f | wc -l)
		echo "==> merged into ${corpus#"$top"/}/$t: $before -> $after inputs"
	done
fi

if [ "$findings" -gt 0 ]; then
	echo "fuzz: FAIL: $findings finding(s) (-seed=$seed)"
	exit 1
fi
echo "fuzz: PASS: no findings in ${#targets[@]} target(s) (-seed=$seed)"
