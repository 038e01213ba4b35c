#!/bin/bash
# Boot the guest and profile the benchmark's headline cells with perf (see
# guest-payload-profile.sh): where the CPU time of 64 B AES-256-GCM and
# HMAC-SHA-256 and of 1 MiB AES-256-GCM goes, for libhsm, the raw VECTOR
# path, the in-kernel bound and AF_ALG.  One report per cell in
# build/profile/NAME.txt.
#
#   run-profile.sh [NAME...]     only these cells (names as in the payload)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
kver=$("$top/scripts/kver.sh")
logs=$build/logs/profile
out=$build/profile

perf=$(command -v perf) || { echo "run-profile: perf missing (apt-get install linux-perf)" >&2; exit 1; }

# The same parameters as run-bench.sh's, for the same reasons.
params="hsm.max_region_size=67108864 hsm.max_region_total=536870912 tsc=reliable"
[ $# -eq 0 ] || params="$params hsm_profile=$(IFS=,; echo "$*")"
rm -rf "$logs" "$out"
mkdir -p "$build/guest" "$logs" "$out"
"$top/scripts/mkinitramfs.sh" -o "$build/guest/initramfs-profile.cpio.gz" -k "$kver" \
	-m "$top/kmod/hsm.ko" -p "$top/scripts/guest-payload-profile.sh" \
	-b "$build/hsm-bench" -b "$perf"
echo "profile: booting the guest; about two minutes"
HSM_TCG_THREAD=${HSM_TCG_THREAD:-multi} "$top/scripts/run-guest.sh" -k "$kver" -i "$build/guest/initramfs-profile.cpio.gz" \
	-l "$logs" -T 900 -a "$params" >/dev/null || {
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
echo "profile: reports in ${out#"$top"/}/"
