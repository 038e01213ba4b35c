// SPDX-License-Identifier: GPL-2.0
/*
 * HSM_IOC_GET_INFO: what this module is, can do, and allows.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "alg.h"
#include "conn.h"
#include "info.h"
#include "params.h"
#include "platform.h"
#include "shm.h"
#include "snp/snp.h"
#include "tdx/tdx.h"
#include "worker/worker.h"

static u32 conn_flags(const struct hsm_principal *who)
{
	return (who->admin ? HSM_CONN_F_ADMIN : 0) |
	       (who->platform ? HSM_CONN_F_PLATFORM : 0) |
	       (who->slot_group ? HSM_CONN_F_SLOT_GROUP : 0);
}

/* Every platform's requests this module serves. */
static u64 platform_caps(void)
{
	return hsm_snp_caps() | hsm_tdx_caps();
}

/*
 * The backend of the platform this is: SEV-SNP's where it has one (the
 * simulator's off any TEE, as before TDX was served), else TDX's.
 */
static u32 platform_backend(void)
{
	return hsm_snp_backend() != HSM_BACKEND_NONE ? hsm_snp_backend() :
	       hsm_tdx_backend();
}

long hsm_info_get(const struct hsm_conn *conn, const struct hsm_get_info *c)
{
	void __user *uptr = u64_to_user_ptr(c->info_ptr);
	struct hsm_info info = {
		.size			= sizeof(info),
		.abi_version		= HSM_ABI_VERSION,
		.features		= HSM_FEAT_SHM | HSM_FEAT_URING_CMD | HSM_FEAT_KEYS |
					  (platform_caps() ? HSM_FEAT_PLATFORM : 0) |
					  (IS_ENABLED(CONFIG_HSM_TESTING) ?
					   HSM_FEAT_TEST_HOOKS : 0),
		.platform		= hsm_platform_detect(),
		.platform_backend	= platform_backend(),
		.platform_caps		= platform_caps(),
		.page_size		= PAGE_SIZE,
		.max_connections	= hsm_max_connections,
		.max_region_size	= hsm_max_region_size,
		.connections		= hsm_conn_count(),
		.max_region_total	= hsm_max_region_total,
		.region_total		= hsm_shm_total(),
		.max_keys		= hsm_max_keys,
		.max_contexts		= hsm_max_contexts,
		.default_timeout_ms	= hsm_default_timeout_ms,
		.max_slots		= hsm_max_slots,
		.max_inflight		= hsm_max_inflight,
		.max_stream		= hsm_max_stream,
		.slot_group		= (u32)hsm_slot_group,
		.conn_flags		= conn_flags(&conn->who),
		.uid_max_connections	= hsm_uid_max_connections,
		.uid_max_slots		= hsm_uid_max_slots,
		.uid_max_region_total	= hsm_uid_max_region_total,
		.uid_max_keys		= hsm_uid_max_keys,
		.uid_max_contexts	= hsm_uid_max_contexts,
		.uid_max_stream		= hsm_uid_max_stream,
		.max_conn_stream	= hsm_max_conn_stream,
		.snp_backend		= hsm_snp_backend(),
		.snp_path		= hsm_snp_path(),
		.tdx_backend		= hsm_tdx_backend(),
		.tdx_path		= hsm_tdx_path(),
	};
	size_t n = min_t(size_t, c->info_size, sizeof(info));

	hsm_worker_describe(&info.worker_slots, &info.worker_pid);

	strscpy(info.module_version, HSM_MODULE_VERSION,
		sizeof(info.module_version));

	if (copy_to_user(uptr, &info, n))
		return -EFAULT;
	if (c->info_size > n && clear_user(uptr + n, c->info_size - n))
		return -EFAULT;
	return n;
}

long hsm_info_algs(const struct hsm_get_algs *c)
{
	struct hsm_alg_info __user *uptr = u64_to_user_ptr(c->algs_ptr);
	unsigned int n = hsm_alg_count(), i;
	bool worker = hsm_worker_attached();
	struct hsm_alg_info a;

	for (i = 0; i < n && i < c->count; i++) {
		hsm_alg_describe(i, worker, &a);
		if (copy_to_user(&uptr[i], &a, sizeof(a)))
			return -EFAULT;
	}
	return n;
}
