#!/bin/sh
# Guest payload of `make profile`: one hsm-bench cell at a time under
# `perf record`, each followed by where its CPU time went, by thread and
# DSO, by symbol, and who called the hottest symbols.  Each report is
# framed by "hsm-profile: begin NAME" and "hsm-profile: end NAME" lines,
# which run-profile.sh cuts into files.
# hsm_profile=NAME[,NAME...] on the kernel command line picks some of them.
export TERM=dumb
# Kernel addresses resolved to symbols, and kernel samples recorded.
echo 0 >/proc/sys/kernel/kptr_restrict
echo -1 >/proc/sys/kernel/perf_event_paranoid
# The socket buffers guest-payload-bench.sh gives AF_ALG, for the same cells.
for b in wmem_max wmem_default rmem_max rmem_default optmem_max; do
	echo 16777216 >/proc/sys/net/core/$b
done

only=$(sed -n 's/.*hsm_profile=\([^ ]*\).*/,\1,/p' /proc/cmdline)
rc=0
# profile NAME OP SIZE COMPETITOR BATCH [-a]
# -a: the whole system, for cells whose work is also in another process
# (the worker, hsmd).
profile() {
	name=$1
	case $only in "" | *",$name,"*) ;; *) return 0 ;; esac
	echo "hsm-guest: begin profile $name" >/dev/kmsg
	echo "hsm-profile: begin $name"
	if ! perf record -q -g -F 2000 -e cpu-clock ${6:-} -o /tmp/perf.data -- \
		hsm-bench --only "$4" --op "$2" --size "$3" --batch "$5" --threads 1 \
		--warmup-ms 100 --time-ms 1500 >/tmp/bench.out 2>&1; then
		cat /tmp/bench.out
		echo "hsm-profile: $name: perf record or hsm-bench failed"
		rc=1
	fi
	grep -v '^how,\|^csv,op,' /tmp/bench.out
	# The benchmark's threads (its io-wq workers included), and with -a
	# every other thread's too, user and kernel, from set-up to exit.
	echo "--- by thread and DSO"
	perf report -i /tmp/perf.data --stdio --no-children --sort comm,dso \
		--percent-limit 0.5 -g none 2>/dev/null | grep -v '^#' | grep -v '^$'
	echo "--- by symbol"
	perf report -i /tmp/perf.data --stdio --no-children --sort dso,sym \
		--percent-limit 0.7 -g none 2>/dev/null | grep -v '^#' | grep -v '^$'
	echo "--- callers of the symbols above 2.5%"
	perf report -i /tmp/perf.data --stdio --no-children --sort sym \
		--percent-limit 2.5 -g caller,2,callee,function,percent \
		--max-stack 12 2>/dev/null | grep -v '^#' | grep -v '^$'
	echo "hsm-profile: end $name"
	rm -f /tmp/perf.data /tmp/bench.out
}

profile gcm-64-kcapi              aes-256-gcm  64      kcapi        1
profile gcm-64-kernel-bound       aes-256-gcm  64      kernel-bound 64
profile gcm-64-hsm-vector         aes-256-gcm  64      hsm-vector   64
profile gcm-64-libhsm-batch       aes-256-gcm  64      libhsm-batch 64
profile hmac-64-kcapi             hmac-sha-256 64      kcapi        1
profile hmac-64-kernel-bound      hmac-sha-256 64      kernel-bound 64
profile hmac-64-hsm-vector        hmac-sha-256 64      hsm-vector   64
profile hmac-64-libhsm-batch      hmac-sha-256 64      libhsm-batch 64
profile gcm-1m-kernel-bound       aes-256-gcm  1048576 kernel-bound 1
profile gcm-1m-libhsm-batch       aes-256-gcm  1048576 libhsm-batch 1
profile gcm-1m-kcapi              aes-256-gcm  1048576 kcapi        1
# Signing: the worker serves libhsm's requests; OpenSSL signs in-process.
. /worker.sh
start_worker || echo "hsm-profile: no worker: the libhsm signing cells will fail"
profile ecdsa-libhsm-batch        ecdsa-p256-sha256 64 libhsm-batch 64 -a
profile ecdsa-openssl             ecdsa-p256-sha256 64 openssl      1
profile ed25519-libhsm-batch      ed25519      64      libhsm-batch 64 -a
profile ed25519-openssl           ed25519      64      openssl      1
stop_worker
exit $rc
