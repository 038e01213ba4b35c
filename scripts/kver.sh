#!/bin/sh
# Print the release of the installed Debian cloud kernel (e.g. 6.1.0-56-cloud-amd64):
# the one linux-image-cloud-amd64 depends on, else the newest one installed
# with both an image and a build tree.
set -eu

rel=$(dpkg-query -W -f='${Depends}' linux-image-cloud-amd64 2>/dev/null |
	tr ',' '\n' | sed -n 's/^ *linux-image-\([^ ]*-cloud-amd64\).*/\1/p' | head -n 1)
if [ -n "$rel" ] && [ -e "/boot/vmlinuz-$rel" ] && [ -d "/lib/modules/$rel/build" ]; then
	echo "$rel"
	exit 0
fi

for d in $(ls -d /lib/modules/*-cloud-amd64 2>/dev/null | sort -V -r); do
	r=$(basename "$d")
	if [ -e "/boot/vmlinuz-$r" ] && [ -d "$d/build" ]; then
		echo "$r"
		exit 0
	fi
done

echo "kver: no cloud kernel with headers installed (run scripts/install-deps.sh)" >&2
exit 1
