/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ECDSA signing for the simulators (the SEV-SNP PSP's VCEK, the TDX
 * quoting enclave's attestation and PCK keys).  Scalars, coordinates and
 * signature halves are big-endian, hsm_sim_curve_bytes() long; the digest
 * is as long too (SHA-256 for P-256, SHA-384 for P-384).
 */
#ifndef HSM_SIM_ECDSA_H
#define HSM_SIM_ECDSA_H

#include <linux/types.h>

enum hsm_sim_curve {
	HSM_SIM_P256,
	HSM_SIM_P384,
};

/* The longest scalar of any curve above. */
enum { HSM_SIM_ECC_MAX_BYTES = 48 };

unsigned int hsm_sim_curve_bytes(enum hsm_sim_curve curve);
int hsm_sim_ecdsa_keygen(enum hsm_sim_curve curve, u8 *priv);
bool hsm_sim_ecdsa_key_valid(enum hsm_sim_curve curve, const u8 *priv);
int hsm_sim_ecdsa_public(enum hsm_sim_curve curve, const u8 *priv, u8 *xy);
int hsm_sim_ecdsa_sign(enum hsm_sim_curve curve, const u8 *priv,
		       const u8 *digest, u8 *r, u8 *s);

#endif /* HSM_SIM_ECDSA_H */
