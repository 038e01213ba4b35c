/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CRYPTO_CIPHER_H
#define HSM_CRYPTO_CIPHER_H

#include <linux/types.h>

struct hsm_key;
struct hsm_op;
struct hsm_ref;
struct hsm_shm;

int hsm_crypto_cipher_iv(struct hsm_key *key, bool encrypt,
			 const struct hsm_shm *shm, const struct hsm_ref *in,
			 const struct hsm_ref *out, u8 *iv);
long hsm_crypto_cipher(struct hsm_key *key, bool encrypt,
		       const struct hsm_shm *shm, const struct hsm_op *op);

#endif /* HSM_CRYPTO_CIPHER_H */
