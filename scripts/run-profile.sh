#!/bin/bash
# Boot the guest and profile the benchmark's headline cells with perf (see
# guest-payload-profile.sh): where the CPU time of 64 B AES-256-GCM and
# HMAC-SHA-256 and of 1 MiB AES-256-GCM goes, for libhsm, the raw VECTOR
# path, the in-kernel bound and AF_ALG; and of ECDSA P-256 and Ed25519
# signing, for libhsm with the worker and for OpenSSL in-process.  One
# report per cell in build/profile/<release>/NAME.txt.
#
#   run-profile.sh [NAME...]     only these cells (names as in the payload)
#   HSM_KERNELS="6.12"           the named series of the matrix instead of
#                                the default kernel (scripts/kver.sh)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
if [ -n "${HSM_KERNELS:-}" ]; then
	kvers=$("$top/scripts/kver.sh" --pick "$HSM_KERNELS")
else
	kvers=$("$top/scripts/kver.sh")
fi

perf=$(command -v perf) || { echo "run-profile: perf missing (apt-get install linux-perf)" >&2; exit 1; }

# The same parameters as run-bench.sh's, for the same reasons.
params="hsm.max_region_size=67108864 hsm.max_region_total=536870912 tsc=reliable"
[ $# -eq 0 ] || params="$params hsm_profile=$(IFS=,; echo "$*")"
for kver in $kvers; do
	logs=$build/logs/profile/$kver
	out=$build/profile/$kver
	rm -rf "$logs" "$out"
	mkdir -p "$build/guest" "$logs" "$out"
	"$top/scripts/build-kmod.sh" "$kver" "$build/kmod/$kver" WERROR=1 HSM_TESTING=1 \
		>"$logs/build.log" 2>&1 || { cat "$logs/build.log"; exit 1; }
	initrd=$build/guest/initramfs-profile-$kver.cpio.gz
	"$top/scripts/mkinitramfs.sh" -o "$initrd" -k "$kver" \
		-m "$build/kmod/$kver/kmod/hsm.ko" -p "$top/scripts/guest-payload-profile.sh" \
		-b "$build/hsm-bench" -b "$build/hsmd" -b "$perf"
	echo "profile $kver: booting the guest; a few minutes"
	HSM_TCG_THREAD=${HSM_TCG_THREAD:-multi} "$top/scripts/run-guest.sh" -k "$kver" \
		-K "/boot/vmlinuz-$kver" -i "$initrd" -l "$logs" -T 900 -a "$params" >/dev/null || {
		echo "run-profile: the guest failed; see $logs" >&2
		exit 1
	}
	awk -v out="$out" '
		{ sub(/\r$/, "") }
		/^hsm-profile: begin / { f = out "/" $3 ".txt"; next }
		/^hsm-profile: end / { close(f); f = ""; next }
		f != "" { print > f }
	' "$logs/guest-output.log"
	for f in "$out"/*.txt; do
		printf '%-28s %s\n' "$(basename "$f" .txt)" \
			"$(grep -m1 '^bench:' "$f" | sed 's/.*: //')"
	done
	echo "profile $kver: reports in ${out#"$top"/}/"
done
