#!/bin/sh
# The kernels hsm is built and tested against: the one definition of the
# kernel matrix, and the installed releases that fill it.
#
#   kver.sh              the default kernel's release (e.g. 6.1.0-57-cloud-amd64):
#                        the one linux-image-cloud-amd64 depends on, else the
#                        newest cloud kernel installed with an image and a
#                        build tree; what `make`, the demo, the benchmark and
#                        the debug lane use
#   kver.sh --all        one release per series of the matrix, the newest
#                        installed of each, one a line; fails when a series
#                        has none installed
#   kver.sh --series R   the series (e.g. 6.12) of release R
#   kver.sh --packages   the Debian packages that install every kernel of the
#                        matrix and its headers (scripts/install-deps.sh)
#   kver.sh --pick LIST  of --all's releases, those LIST names by series or
#                        release ("6.12", "6.1 6.12", comma or space
#                        separated); fails when it names none
set -eu

# The matrix: a kernel series, then the packages that install its newest
# cloud kernel and headers on Debian 12 (6.12 comes from bookworm-security).
# Releases are found at run time; never name one here.
MATRIX="
6.1	linux-image-cloud-amd64 linux-headers-cloud-amd64
6.12	linux-image-6.12-cloud-amd64 linux-headers-6.12-cloud-amd64
"

usable() {
	[ -e "/boot/vmlinuz-$1" ] && [ -d "/lib/modules/$1/build" ]
}

series_of() {
	echo "$1" | sed -n 's/^\([0-9]*\.[0-9]*\)[.-].*/\1/p'
}

# Installed cloud kernels with an image and a build tree, newest first.
installed() {
	for d in $(ls -d /lib/modules/*-cloud-amd64 2>/dev/null | sort -V -r); do
		r=${d##*/}
		! usable "$r" || echo "$r"
	done
}

case ${1:-} in
--packages)
	echo "$MATRIX" | awk 'NF { for (i = 2; i <= NF; i++) print $i }'
	exit 0
	;;
--series)
	[ $# -eq 2 ] || { echo "usage: $0 --series RELEASE" >&2; exit 2; }
	series_of "$2"
	exit 0
	;;
--pick)
	[ $# -eq 2 ] || { echo "usage: $0 --pick LIST" >&2; exit 2; }
	all=$("$0" --all) || exit 1
	want=" $(echo "$2" | tr -s ', ' '  ') "
	picked=""
	for r in $all; do
		case $want in
		*" $(series_of "$r") "* | *" $r "*) picked="$picked $r" ;;
		esac
	done
	[ -n "$picked" ] || { echo "kver: '$2' names no kernel of the matrix ($(echo $all))" >&2; exit 2; }
	echo $picked | tr ' ' '\n'
	exit 0
	;;
--all)
	rc=0
	for s in $(echo "$MATRIX" | awk 'NF { print $1 }'); do
		r=""
		for c in $(installed); do
			if [ "$(series_of "$c")" = "$s" ]; then
				r=$c
				break
			fi
		done
		if [ -n "$r" ]; then
			echo "$r"
		else
			pkgs=$(echo "$MATRIX" | awk -v s="$s" '$1 == s { $1 = ""; print }')
			echo "kver: no $s cloud kernel with headers installed (apt-get install$pkgs)" >&2
			rc=1
		fi
	done
	exit $rc
	;;
"") ;;
*)
	echo "usage: $0 [--all | --pick LIST | --series RELEASE | --packages]" >&2
	exit 2
	;;
esac

rel=$(dpkg-query -W -f='${Depends}' linux-image-cloud-amd64 2>/dev/null |
	tr ',|' '\n\n' | sed -n 's/^ *linux-image-\([^ ]*-cloud-amd64\).*/\1/p' | head -n 1) || rel=""
if [ -n "$rel" ] && usable "$rel"; then
	echo "$rel"
	exit 0
fi

r=$(installed | head -n 1)
if [ -n "$r" ]; then
	echo "$r"
	exit 0
fi

if [ -n "$rel" ]; then
	echo "kver: linux-image-cloud-amd64 wants $rel, but /boot/vmlinuz-$rel or /lib/modules/$rel/build is missing (install linux-headers-cloud-amd64)" >&2
else
	echo "kver: no Debian cloud kernel with headers installed (apt-get install linux-image-cloud-amd64 linux-headers-cloud-amd64)" >&2
fi
exit 1
