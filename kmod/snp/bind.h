/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_SNP_BIND_H
#define HSM_SNP_BIND_H

#include <linux/types.h>
#include <linux/uidgid.h>
#include <uapi/linux/hsm.h>

int hsm_snp_bind_report(kuid_t uid, const u8 data[HSM_SNP_REPORT_DATA],
			u8 out[HSM_SNP_REPORT_DATA]);
int hsm_snp_bind_key(kuid_t uid, const u8 *label, u32 len,
		     const struct hsm_key_params *key,
		     const u8 derived[HSM_SNP_DERIVED_KEY],
		     u8 out[HSM_SNP_DERIVED_KEY]);

#endif /* HSM_SNP_BIND_H */
