#!/bin/sh
# Guest payload of `make demo`: what the loaded module reports.
set -e
echo "hsm-guest: begin demo" >/dev/kmsg
echo '$ hsmctl info'
hsmctl info
echo
echo '$ hsmctl info --json'
hsmctl info --json
echo
echo '$ hsmctl algs'
hsmctl algs
echo
echo '$ hsmctl selftest'
hsmctl selftest
echo
echo '$ hsmctl stats'
hsmctl stats
