// SPDX-License-Identifier: GPL-2.0
/*
 * hsm.ko: a kernel-resident virtual HSM exposed as /dev/hsm.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "crypto/rng.h"
#include "dev.h"
#include "params.h"
#include "platform.h"
#include "quota.h"
#include "selftest.h"
#include "slot.h"
#include "snp/snp.h"
#include "tdx/tdx.h"
#include "worker/worker.h"

static int __init hsm_init(void)
{
	int ret;

	ret = hsm_params_check();
	if (ret)
		return ret;

	ret = hsm_crypto_init();
	if (ret)
		return ret;

	ret = hsm_selftest_run();
	if (ret < 0)
		goto err_crypto;
	pr_info("self-test: %d known-answer tests passed\n", ret);

	ret = hsm_snp_init();
	if (ret)
		goto err_crypto;

	ret = hsm_tdx_init();
	if (ret)
		goto err_snp;

	ret = hsm_dev_init();
	if (ret)
		goto err_tdx;

	pr_info("version %s loaded, platform %s, SEV-SNP requests: %s, TDX requests: %s\n",
		HSM_MODULE_VERSION, hsm_platform_name(hsm_platform_detect()),
		hsm_platform_path_name(hsm_snp_path()),
		hsm_platform_path_name(hsm_tdx_path()));
	return 0;

err_tdx:
	hsm_tdx_exit();
err_snp:
	hsm_snp_exit();
err_crypto:
	hsm_crypto_exit();
	return ret;
}

static void __exit hsm_exit(void)
{
	hsm_dev_exit();
	hsm_worker_exit();
	hsm_slot_exit();
	hsm_quota_exit();
	hsm_tdx_exit();
	hsm_snp_exit();
	hsm_crypto_exit();
	pr_info("unloaded\n");
}

module_init(hsm_init);
module_exit(hsm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel-resident virtual HSM for confidential VMs");
MODULE_VERSION(HSM_MODULE_VERSION);
