#!/bin/bash
# OPAQUE interop: the library (userspace/keyserver/opaque), through
# $BUILD/tests/opaque_peer, against @serenity-kit/opaque, installed with
# npm ci at the version package-lock.json pins (see interop.js).  Works
# offline once npm's cache holds the package; without node or npm it
# fails, it does not skip.  Exits non-zero on any mismatch.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
build=${BUILD:-$top/build}
peer=$build/tests/opaque_peer
# npm ci replaces node_modules wholesale: keep it in the build tree.
work=$build/interop/opaque

for tool in node npm; do
	command -v "$tool" >/dev/null ||
		{ echo "interop/opaque: $tool missing: install it (make deps)" >&2; exit 1; }
done
[ -x "$peer" ] || { echo "interop/opaque: ${peer#"$top"/} missing: build it (make all)" >&2; exit 1; }

mkdir -p "$work"
# keyserver.js goes with it: test_keyserver runs it in the guest.
cp "$here/package.json" "$here/package-lock.json" "$here/interop.js" "$here/keyserver.js" "$work/"
(cd "$work" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null) ||
	{ echo "interop/opaque: npm ci failed (offline, with nothing in npm's cache?)" >&2; exit 1; }
node "$work/interop.js" "$peer"
