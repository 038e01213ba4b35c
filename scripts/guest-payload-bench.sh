#!/bin/sh
# Guest payload of `make bench`: hsm-bench over the whole matrix (or the
# quick one when the kernel command line says hsm_bench=quick), with the
# worker, hsmd, attached for the signing rows.
export TERM=dumb
args=""
grep -q 'hsm_bench=quick' /proc/cmdline && args="--quick"
# hsm_bench_args=--op,ed25519: more options (run-bench.sh's HSM_BENCH_ARGS).
args="$args $(sed -n 's/.*hsm_bench_args=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')"
# AF_ALG holds a whole AEAD message in the socket's send buffer and maps
# the whole answer within its receive buffer: let both take 1 MiB payloads
# (with the default 208 KiB, libkcapi blocks, or gets EINVAL; with the
# default optmem_max, ENOMEM).
for b in wmem_max wmem_default rmem_max rmem_default optmem_max; do
	echo 16777216 >/proc/sys/net/core/$b
done

# start_worker and stop_worker: hsmd, as its unit starts it.
. /worker.sh

# Without the worker the signing rows fail, and with them the run: say so
# here, once, rather than only in each row.
start_worker || echo "hsm-guest: no worker: libhsm's signing rows will fail"
echo "hsm-guest: begin hsm-bench" >/dev/kmsg
rc=0
hsm-bench $args || rc=$?
stop_worker
exit $rc
