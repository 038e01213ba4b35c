/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CRYPTO_RSA_H
#define HSM_CRYPTO_RSA_H

#include <linux/types.h>

struct hsm_key;
struct hsm_op;
struct hsm_shm;

long hsm_crypto_rsa_sign(struct hsm_key *key, const struct hsm_shm *shm,
			 const struct hsm_op *op);
long hsm_crypto_rsa_verify(struct hsm_key *key, const struct hsm_shm *shm,
			   const struct hsm_op *op);
int hsm_crypto_rsa_sign_digest(struct hsm_key *key, const u8 *digest,
			       u32 dlen, u8 *sig);
int hsm_crypto_rsa_verify_digest(struct hsm_key *key, const u8 *sig,
				 u32 sig_len, const u8 *digest, u32 dlen);

#endif /* HSM_CRYPTO_RSA_H */
