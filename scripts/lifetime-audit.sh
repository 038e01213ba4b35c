#!/bin/bash
# Check a guest kernel log for objects hsm.ko created and never destroyed.
# The module logs (pr_debug, on with dyndbg=+p) "connection N created",
# "key ID created (alg)", "context ID created (alg)" and the matching
# "destroyed" lines; after the module is unloaded every object created must
# have been destroyed exactly once.  IDs can recur (a table slot reused
# with the same tag), so each (kind, ID) is a count, not a flag.
#
#   lifetime-audit.sh KERNEL_LOG
#
# Prints one summary line; exits 1 on an object left alive or destroyed
# twice, or when the log lost lines (the counts would mean nothing).
set -euo pipefail

log=${1:?usage: lifetime-audit.sh KERNEL_LOG}

if grep -q 'printk messages dropped' "$log"; then
	echo "lifetime audit: the kernel log dropped lines; raise log_buf_len" >&2
	exit 1
fi

awk '
	{ sub(/\r$/, "") }
	/ hsm: (connection|key|context) [0-9a-f]+ (created|destroyed)/ {
		for (i = 3; i <= NF; i++) {
			if ($i != "created" && $i != "destroyed")
				continue
			kind = $(i - 2); id = kind " " $(i - 1)
			if ($i == "created") { live[id]++; made[kind]++ }
			else if (--live[id] < 0) { twice[id] = 1 }
			break
		}
	}
	END {
		bad = 0
		for (id in live)
			if (live[id] > 0) {
				if (bad++ < 20) printf "  never destroyed: %s (x%d)\n", id, live[id]
			}
		for (id in twice)
			if (bad++ < 20) printf "  destroyed more often than created: %s\n", id
		printf "lifetime audit: %d connections, %d keys, %d contexts created; ",
			made["connection"], made["key"], made["context"]
		if (bad) { printf "%d not balanced\n", bad; exit 1 }
		print "every one destroyed once"
	}' "$log"
