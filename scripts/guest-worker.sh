# Sourced by the guest payloads (/worker.sh in the image): the worker,
# hsmd, started as systemd starts it on a VM (hsmd.service): root starts
# it, it attaches, then serves as its own user.  Suites that need it find
# it through /run/hsmd.pid (test_worker stops and restarts it).  It must be
# gone before init unloads hsm.ko.
start_worker() {
	/usr/bin/hsmd --pidfile /run/hsmd.pid 2>>/tmp/hsmd.log &
	i=0
	while ! grep -q attached /tmp/hsmd.log 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 100 ] || { echo "hsm-guest: hsmd did not attach:"; cat /tmp/hsmd.log; return 1; }
		sleep 0.1
	done
}

stop_worker() {
	[ -f /run/hsmd.pid ] || return 0
	pid=$(cat /run/hsmd.pid)
	kill "$pid" 2>/dev/null
	# Its ring lets go of /dev/hsm once the module has seen it go.
	i=0
	while [ -d "/proc/$pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	rm -f /run/hsmd.pid
}
