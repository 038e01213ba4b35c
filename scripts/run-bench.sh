#!/bin/bash
# Boot a guest per kernel of the matrix (scripts/kver.sh --all), run
# hsm-bench there (every competitor in one boot, with an hsm.ko built for
# that kernel), and turn each kernel's output into
# build/bench-results/<release>/results.{csv,md} and PNG plots, then put the
# kernels' headline ratios side by side in build/bench-results/results.md.
# The image carries hsmd, the worker the signing rows need; the payload
# starts it before hsm-bench and stops it after.
#   HSM_BENCH_QUICK=1    a small matrix, for a quick look
#   HSM_KERNELS="6.12"   only the named series of the matrix
#   HSM_BENCH_ARGS="--threads 2 --batch 64"
#                        more hsm-bench options, to narrow the matrix
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
out=$build/bench-results

if [ -n "${HSM_KERNELS:-}" ]; then
	kvers=$("$top/scripts/kver.sh" --pick "$HSM_KERNELS")
else
	kvers=$("$top/scripts/kver.sh" --all)
fi

# Regions large enough for a batch of 8 MiB-sized payloads.  The emulated
# CPU's TSC is steady, but the kernel cannot tell under TCG and would fall
# back to the HPET, whose every read (each clock_gettime and ktime_get) is
# an emulated MMIO exit: tsc=reliable keeps the clock a real VM would have.
params="hsm.max_region_size=67108864 hsm.max_region_total=536870912 tsc=reliable"
[ -z "${HSM_BENCH_QUICK:-}" ] || params="$params hsm_bench=quick"
# On the kernel command line, commas stand for the spaces.
[ -z "${HSM_BENCH_ARGS:-}" ] || params="$params hsm_bench_args=$(echo $HSM_BENCH_ARGS | tr ' ' ,)"

mkdir -p "$build/guest" "$out"
logs_of=()
for kver in $kvers; do
	logs=$build/logs/bench/$kver
	rm -rf "$logs"
	mkdir -p "$logs"
	echo "==> bench $kver: building hsm.ko"
	# The benchmark's kernel-bound row is a test hook (HSM_IOC_BENCH).
	"$top/scripts/build-kmod.sh" "$kver" "$build/kmod/$kver" WERROR=1 HSM_TESTING=1 \
		>"$logs/build.log" 2>&1 || { cat "$logs/build.log"; exit 1; }
	initrd=$build/guest/initramfs-bench-$kver.cpio.gz
	"$top/scripts/mkinitramfs.sh" -o "$initrd" -k "$kver" \
		-m "$build/kmod/$kver/kmod/hsm.ko" -p "$top/scripts/guest-payload-bench.sh" \
		-b "$build/hsm-bench" -b "$build/hsmctl" -b "$build/hsmd" -P "$build/libhsm-pkcs11.so"
	echo "==> bench $kver: running in the guest"
	HSM_TCG_THREAD=${HSM_TCG_THREAD:-multi} "$top/scripts/run-guest.sh" -k "$kver" \
		-K "/boot/vmlinuz-$kver" -i "$initrd" -l "$logs" -T 900 -a "$params"
	python3 "$top/bench/report.py" "$logs/guest-output.log" "$out/$kver" >/dev/null
	logs_of+=("$kver=$logs/guest-output.log")
done
python3 "$top/bench/report.py" --compare "$out/results.md" "${logs_of[@]}"
echo "bench: results in ${out#"$top"/}/results.md (each kernel's tables and plots in ${out#"$top"/}/<release>/)"
