// SPDX-License-Identifier: GPL-2.0
/*
 * The platform layer: which confidential-computing guest this is, and
 * the names of who serves its requests.
 */
#include <linux/cc_platform.h>
#include <asm/cpufeature.h>

#include "platform.h"

enum hsm_platform hsm_platform_detect(void)
{
	if (cc_platform_has(CC_ATTR_GUEST_SEV_SNP))
		return HSM_PLATFORM_SEV_SNP;
	if (boot_cpu_has(X86_FEATURE_TDX_GUEST))
		return HSM_PLATFORM_TDX;
	if (cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT))
		return HSM_PLATFORM_SEV;
	return HSM_PLATFORM_NONE;
}

const char *hsm_platform_name(enum hsm_platform platform)
{
	switch (platform) {
	case HSM_PLATFORM_NONE:
		return "none";
	case HSM_PLATFORM_SEV:
		return "sev";
	case HSM_PLATFORM_SEV_SNP:
		return "sev-snp";
	case HSM_PLATFORM_TDX:
		return "tdx";
	}
	return "unknown";
}

/* Who answers one platform's requests, for the load-time line. */
const char *hsm_platform_path_name(enum hsm_platform_path path)
{
	switch (path) {
	case HSM_PATH_NONE:
		return "not served";
	case HSM_PATH_OWN_VMPCK:
		return "own VMPCK";
	case HSM_PATH_KERNEL:
		return "kernel exports";
	case HSM_PATH_SIMULATED:
		return "simulated";
	case HSM_PATH_TAKEN:
		return "taken by another driver";
	case HSM_PATH_UNSUPPORTED:
		return "unsupported by this kernel";
	}
	return "unknown";
}
