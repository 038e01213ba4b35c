#!/bin/bash
# Boot the guest, load hsm.ko and show what it reports (hsmctl info).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
kver=$("$top/scripts/kver.sh")

mkdir -p "$build/guest" "$build/logs/demo"
"$top/scripts/mkinitramfs.sh" -o "$build/guest/initramfs-demo.cpio.gz" -k "$kver" \
	-m "$top/kmod/hsm.ko" -p "$top/scripts/guest-payload-demo.sh" -b "$build/hsmctl" -b "$build/hsmd"
"$top/scripts/run-guest.sh" -k "$kver" -i "$build/guest/initramfs-demo.cpio.gz" \
	-l "$build/logs/demo"
