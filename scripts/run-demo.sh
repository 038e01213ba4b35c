#!/bin/bash
# Boot the guest and show the HSM doing its job (scripts/guest-payload-demo.sh):
# hsm.ko with its worker, the PKCS#11 module under pkcs11-tool and a TLS
# server, a file sealed, the attestation report verified, slots saved and
# restored.  The module is built with its test hooks: under TCG the only
# PSP is the simulated one.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
kver=$("$top/scripts/kver.sh")
libdir=/usr/lib/x86_64-linux-gnu

mkdir -p "$build/guest" "$build/logs/demo"
"$top/scripts/build-kmod.sh" "$kver" "$build/kmod/$kver" WERROR=1 HSM_TESTING=1 \
	>"$build/logs/demo/build.log" 2>&1 || { cat "$build/logs/demo/build.log"; exit 1; }
"$top/scripts/mkinitramfs.sh" -o "$build/guest/initramfs-demo.cpio.gz" -k "$kver" \
	-m "$build/kmod/$kver/kmod/hsm.ko" -p "$top/scripts/guest-payload-demo.sh" \
	-b "$build/hsmctl" -b "$build/hsmd" -b "$build/tests/guest/examples/hsm-encrypt-file" \
	-b /usr/bin/pkcs11-tool -b /usr/bin/openssl \
	-P "$build/libhsm-pkcs11.so" -L "$libdir/engines-3/pkcs11.so"
"$top/scripts/run-guest.sh" -k "$kver" -i "$build/guest/initramfs-demo.cpio.gz" \
	-l "$build/logs/demo"
