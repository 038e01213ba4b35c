/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_SNP_SIM_SIGN_H
#define HSM_SNP_SIM_SIGN_H

#include <crypto/sha2.h>
#include <linux/types.h>

/* A P-384 scalar or coordinate, big-endian. */
enum { HSM_SNP_SIM_P384_BYTES = 48 };

int hsm_snp_sim_keygen(u8 priv[HSM_SNP_SIM_P384_BYTES]);
bool hsm_snp_sim_key_valid(const u8 priv[HSM_SNP_SIM_P384_BYTES]);
int hsm_snp_sim_sign(const u8 priv[HSM_SNP_SIM_P384_BYTES],
		     const u8 digest[SHA384_DIGEST_SIZE],
		     u8 r[HSM_SNP_SIM_P384_BYTES],
		     u8 s[HSM_SNP_SIM_P384_BYTES]);

#endif /* HSM_SNP_SIM_SIGN_H */
