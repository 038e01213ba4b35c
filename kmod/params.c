// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters: every limit of the module, with its default.  They are
 * read-only once loaded (0444), so the rest of the module reads them without
 * locking.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/sizes.h>

#include "params.h"

enum {
	DEFAULT_MAX_CONNECTIONS		= 1024,
	LIMIT_MAX_CONNECTIONS		= 1 << 20,
	DEFAULT_MAX_KEYS		= 4096,
	DEFAULT_TIMEOUT_MS		= 30000,
	LIMIT_MAX_KEYS			= 1 << 24,
	DEFAULT_MAX_INFLIGHT		= 1024,
	LIMIT_MAX_INFLIGHT		= 1 << 20,
};

#define DEFAULT_MAX_STREAM		(16U * SZ_1M)
#define LIMIT_MAX_STREAM		(1U * SZ_1G)

#define DEFAULT_MAX_REGION_SIZE		(256UL * SZ_1M)
#define LIMIT_MAX_REGION_SIZE		(1UL * SZ_1G)
#define DEFAULT_MAX_REGION_TOTAL	(1UL * SZ_1G)

unsigned int hsm_max_connections = DEFAULT_MAX_CONNECTIONS;
module_param_named(max_connections, hsm_max_connections, uint, 0444);
MODULE_PARM_DESC(max_connections,
		 "Open connections (file descriptors of /dev/hsm) allowed at once");

unsigned long hsm_max_region_size = DEFAULT_MAX_REGION_SIZE;
module_param_named(max_region_size, hsm_max_region_size, ulong, 0444);
MODULE_PARM_DESC(max_region_size,
		 "Largest shared region of one connection, in bytes (page multiple)");

unsigned long hsm_max_region_total = DEFAULT_MAX_REGION_TOTAL;
module_param_named(max_region_total, hsm_max_region_total, ulong, 0444);
MODULE_PARM_DESC(max_region_total,
		 "Bytes of shared regions all connections may hold together");

unsigned int hsm_max_keys = DEFAULT_MAX_KEYS;
module_param_named(max_keys, hsm_max_keys, uint, 0444);
MODULE_PARM_DESC(max_keys, "Keys one connection may hold at once");

unsigned int hsm_max_contexts = DEFAULT_MAX_KEYS;
module_param_named(max_contexts, hsm_max_contexts, uint, 0444);
MODULE_PARM_DESC(max_contexts, "Contexts one connection may hold at once");

unsigned int hsm_max_slots = 256;
module_param_named(max_slots, hsm_max_slots, uint, 0444);
MODULE_PARM_DESC(max_slots, "Persistent key slots, module-wide");

unsigned int hsm_max_inflight = DEFAULT_MAX_INFLIGHT;
module_param_named(max_inflight, hsm_max_inflight, uint, 0444);
MODULE_PARM_DESC(max_inflight,
		 "Data-plane commands one connection may have running or waiting");

unsigned int hsm_max_stream = DEFAULT_MAX_STREAM;
module_param_named(max_stream, hsm_max_stream, uint, 0444);
MODULE_PARM_DESC(max_stream,
		 "Bytes (AAD and data) an AEAD context may hold before Final");

/*
 * A connection's AEAD contexts together, and each user's shares (quota.c).
 * 0 at load means "derived from the limits above": a user may hold a
 * quarter of the connections and region bytes, half the slots, and four
 * connections' worth of keys, contexts and stream bytes; a connection's
 * contexts together may hold sixteen full streams.  The derived value
 * replaces the 0, so that sysfs shows what is in force.
 */
unsigned long hsm_max_conn_stream;
module_param_named(max_conn_stream, hsm_max_conn_stream, ulong, 0444);
MODULE_PARM_DESC(max_conn_stream,
		 "Bytes the AEAD contexts of one connection may hold together (0: 16 x max_stream)");

unsigned int hsm_uid_max_connections;
module_param_named(uid_max_connections, hsm_uid_max_connections, uint, 0444);
MODULE_PARM_DESC(uid_max_connections,
		 "Connections one user may have open (0: max_connections / 4)");

unsigned long hsm_uid_max_region_total;
module_param_named(uid_max_region_total, hsm_uid_max_region_total, ulong, 0444);
MODULE_PARM_DESC(uid_max_region_total,
		 "Bytes of shared regions one user may hold (0: max_region_total / 4, at least max_region_size)");

unsigned int hsm_uid_max_slots;
module_param_named(uid_max_slots, hsm_uid_max_slots, uint, 0444);
MODULE_PARM_DESC(uid_max_slots, "Persistent slots one user may store (0: max_slots / 2)");

unsigned int hsm_uid_max_keys;
module_param_named(uid_max_keys, hsm_uid_max_keys, uint, 0444);
MODULE_PARM_DESC(uid_max_keys,
		 "Keys one user's connections may hold together (0: 4 x max_keys)");

unsigned int hsm_uid_max_contexts;
module_param_named(uid_max_contexts, hsm_uid_max_contexts, uint, 0444);
MODULE_PARM_DESC(uid_max_contexts,
		 "Contexts one user's connections may hold together (0: 4 x max_contexts)");

unsigned long hsm_uid_max_stream;
module_param_named(uid_max_stream, hsm_uid_max_stream, ulong, 0444);
MODULE_PARM_DESC(uid_max_stream,
		 "Bytes one user's AEAD contexts may hold together (0: 4 x max_conn_stream)");

int hsm_slot_group = -1;
module_param_named(slot_group, hsm_slot_group, int, 0444);
MODULE_PARM_DESC(slot_group,
		 "GID whose members share HSM_SLOT_F_GROUP slots (-1: none)");

int hsm_platform_group = -1;
module_param_named(platform_group, hsm_platform_group, int, 0444);
MODULE_PARM_DESC(platform_group,
		 "GID whose members may make raw platform requests (-1: CAP_SYS_ADMIN only)");

unsigned int hsm_default_timeout_ms = DEFAULT_TIMEOUT_MS;
module_param_named(default_timeout_ms, hsm_default_timeout_ms, uint, 0444);
MODULE_PARM_DESC(default_timeout_ms,
		 "Deadline of a new connection's commands, in ms (0: none)");

/* The per-user shares and max_conn_stream, once the limits they derive from are checked. */
static int shares_check(void)
{
	if (!hsm_max_conn_stream)
		hsm_max_conn_stream = 16UL * hsm_max_stream;
	if (hsm_max_conn_stream < hsm_max_stream) {
		pr_err("max_conn_stream must be at least max_stream\n");
		return -EINVAL;
	}
	if (!hsm_uid_max_connections)
		hsm_uid_max_connections = max(hsm_max_connections / 4, 1U);
	if (hsm_uid_max_connections > hsm_max_connections) {
		pr_err("uid_max_connections must be at most max_connections\n");
		return -EINVAL;
	}
	if (!hsm_uid_max_region_total)
		hsm_uid_max_region_total = max(hsm_max_region_total / 4,
					       hsm_max_region_size);
	if (!hsm_uid_max_slots)
		hsm_uid_max_slots = max(hsm_max_slots / 2, 1U);
	if (!hsm_uid_max_keys)
		hsm_uid_max_keys = min(4U * hsm_max_keys, (unsigned int)LIMIT_MAX_KEYS);
	if (hsm_uid_max_keys > LIMIT_MAX_KEYS) {
		pr_err("uid_max_keys must be at most %u\n", LIMIT_MAX_KEYS);
		return -EINVAL;
	}
	if (!hsm_uid_max_contexts)
		hsm_uid_max_contexts = min(4U * hsm_max_contexts,
					   (unsigned int)LIMIT_MAX_KEYS);
	if (hsm_uid_max_contexts > LIMIT_MAX_KEYS) {
		pr_err("uid_max_contexts must be at most %u\n", LIMIT_MAX_KEYS);
		return -EINVAL;
	}
	if (!hsm_uid_max_stream)
		hsm_uid_max_stream = 4 * hsm_max_conn_stream;
	return 0;
}

int hsm_params_check(void)
{
	if (!hsm_max_contexts || hsm_max_contexts > LIMIT_MAX_KEYS) {
		pr_err("max_contexts must be 1..%u\n", LIMIT_MAX_KEYS);
		return -EINVAL;
	}
	if (!hsm_max_keys || hsm_max_keys > LIMIT_MAX_KEYS) {
		pr_err("max_keys must be 1..%u\n", LIMIT_MAX_KEYS);
		return -EINVAL;
	}
	if (!hsm_max_connections || hsm_max_connections > LIMIT_MAX_CONNECTIONS) {
		pr_err("max_connections must be 1..%u\n", LIMIT_MAX_CONNECTIONS);
		return -EINVAL;
	}
	/* Results are lengths in an int (cqe->res, hsm_resp.result). */
	if (!hsm_max_region_size || !PAGE_ALIGNED(hsm_max_region_size) ||
	    hsm_max_region_size > LIMIT_MAX_REGION_SIZE) {
		pr_err("max_region_size must be a non-zero multiple of %lu, at most %lu\n",
		       PAGE_SIZE, LIMIT_MAX_REGION_SIZE);
		return -EINVAL;
	}
	if (!hsm_max_inflight || hsm_max_inflight > LIMIT_MAX_INFLIGHT) {
		pr_err("max_inflight must be 1..%u\n", LIMIT_MAX_INFLIGHT);
		return -EINVAL;
	}
	if (!hsm_max_stream || hsm_max_stream > LIMIT_MAX_STREAM) {
		pr_err("max_stream must be 1..%u\n", LIMIT_MAX_STREAM);
		return -EINVAL;
	}
	if (hsm_platform_group < -1) {
		pr_err("platform_group must be a GID or -1\n");
		return -EINVAL;
	}
	if (hsm_slot_group < -1) {
		pr_err("slot_group must be a GID or -1\n");
		return -EINVAL;
	}
	if (hsm_max_region_total < hsm_max_region_size) {
		pr_err("max_region_total must be at least max_region_size\n");
		return -EINVAL;
	}
	return shares_check();
}
