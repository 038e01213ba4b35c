#!/bin/bash
# Boot the guest, run hsm-bench there (every competitor in one boot), and
# turn its output into build/bench/results.{csv,md} and PNG plots.
#   HSM_BENCH_QUICK=1  a small matrix, for a quick look
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
kver=$("$top/scripts/kver.sh")
logs=$build/logs/bench
out=$build/bench-results

# Regions large enough for a batch of 8 MiB-sized payloads.  The emulated
# CPU's TSC is steady, but the kernel cannot tell under TCG and would fall
# back to the HPET, whose every read (each clock_gettime and ktime_get) is
# an emulated MMIO exit: tsc=reliable keeps the clock a real VM would have.
params="hsm.max_region_size=67108864 hsm.max_region_total=536870912 tsc=reliable"
[ -z "${HSM_BENCH_QUICK:-}" ] || params="$params hsm_bench=quick"

rm -rf "$logs"
mkdir -p "$build/guest" "$logs" "$out"
"$top/scripts/mkinitramfs.sh" -o "$build/guest/initramfs-bench.cpio.gz" -k "$kver" \
	-m "$top/kmod/hsm.ko" -p "$top/scripts/guest-payload-bench.sh" \
	-b "$build/hsm-bench" -b "$build/hsmctl"
HSM_TCG_THREAD=${HSM_TCG_THREAD:-multi} "$top/scripts/run-guest.sh" -k "$kver" -i "$build/guest/initramfs-bench.cpio.gz" \
	-l "$logs" -T 900 -a "$params"
python3 "$top/bench/report.py" "$logs/guest-output.log" "$out"
echo "bench: results in ${out#"$top"/}/results.md (CSV, PNG plots beside it)"
