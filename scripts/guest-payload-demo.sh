#!/bin/sh
# Guest payload of `make demo`: what the loaded module reports.
set -e
echo "hsm-guest: begin demo" >/dev/kmsg
echo '$ hsmctl info    # before the worker starts'
hsmctl info | grep '^worker'
echo
# As hsmd.service starts it on a VM: root starts it, it drops to its user.
echo '$ hsmd --pidfile /run/hsmd.pid &    # what systemctl start hsmd does'
hsmd --pidfile /run/hsmd.pid &
i=0
while ! hsmctl info | grep -q 'worker: *attached' && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
echo
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
echo
kill "$(cat /run/hsmd.pid)"
while [ -d "/proc/$(cat /run/hsmd.pid)" ]; do sleep 0.1; done
echo '$ hsmctl info    # after the worker stopped'
hsmctl info | grep '^worker'
