/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SEV-SNP platform requests as the rest of the module sees them: req.c's
 * backend choice at load, platform commands and sealing root.  What lies
 * below (msg.h the message layer, sim.h the simulated PSP, real.h the
 * hardware backend, bind.h the binding of reports and keys to their
 * caller) is for snp/ alone; the simulated PSP signs with sim/ecdsa.h.
 */
#ifndef HSM_SNP_H
#define HSM_SNP_H

#include <linux/types.h>
#include <uapi/linux/hsm.h>

struct hsm_call;

int hsm_snp_init(void);
void hsm_snp_exit(void);
enum hsm_backend hsm_snp_backend(void);
enum hsm_platform_path hsm_snp_path(void);
u64 hsm_snp_caps(void);
unsigned int hsm_snp_vmpck_id(void);
long hsm_snp_report(struct hsm_call *c);
int hsm_snp_report_of(const u8 data[HSM_SNP_REPORT_DATA], u32 vmpl,
		      u8 *report);
long hsm_snp_ext_report(struct hsm_call *c);
long hsm_snp_derive_key(struct hsm_call *c);
long hsm_snp_setup_sim(struct hsm_call *c);
/* A 32-byte key bound to the guest's policy and measurement, for sealing. */
int hsm_snp_seal_key(u8 key[HSM_SNP_DERIVED_KEY]);

#endif /* HSM_SNP_H */
