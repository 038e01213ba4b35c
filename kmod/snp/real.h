/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_SNP_REAL_H
#define HSM_SNP_REAL_H

int hsm_snp_real_init(void);
void hsm_snp_real_exit(void);

#endif /* HSM_SNP_REAL_H */
