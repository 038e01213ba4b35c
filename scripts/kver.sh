#!/bin/sh
# Print the release of the installed Debian cloud kernel (e.g. 6.1.0-56-cloud-amd64):
# the one linux-image-cloud-amd64 depends on, else the newest one installed
# with both an image and a build tree.
set -eu

usable() {
	[ -e "/boot/vmlinuz-$1" ] && [ -d "/lib/modules/$1/build" ]
}

rel=$(dpkg-query -W -f='${Depends}' linux-image-cloud-amd64 2>/dev/null |
	tr ',|' '\n\n' | sed -n 's/^ *linux-image-\([^ ]*-cloud-amd64\).*/\1/p' | head -n 1) || rel=""
if [ -n "$rel" ] && usable "$rel"; then
	echo "$rel"
	exit 0
fi

for d in $(ls -d /lib/modules/*-cloud-amd64 2>/dev/null | sort -V -r); do
	r=${d##*/}
	if usable "$r"; then
		echo "$r"
		exit 0
	fi
done

if [ -n "$rel" ]; then
	echo "kver: linux-image-cloud-amd64 wants $rel, but /boot/vmlinuz-$rel or /lib/modules/$rel/build is missing (install linux-headers-cloud-amd64)" >&2
else
	echo "kver: no Debian cloud kernel with headers installed (apt-get install linux-image-cloud-amd64 linux-headers-cloud-amd64)" >&2
fi
exit 1
