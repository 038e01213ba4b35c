/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CRYPTO_AEAD_H
#define HSM_CRYPTO_AEAD_H

#include <linux/types.h>

struct hsm_key;
struct hsm_op;
struct hsm_shm;

long hsm_crypto_aead(struct hsm_key *key, bool encrypt,
		     const struct hsm_shm *shm, const struct hsm_op *op);
int hsm_crypto_aead_inplace(struct hsm_key *key, bool encrypt, const u8 *iv,
			    u32 iv_len, u8 *buf, u32 aad_len, u32 len,
			    u32 tag_len);
int hsm_crypto_aead_buf(struct hsm_key *key, bool encrypt, const u8 *iv,
			u32 iv_len, const u8 *aad, u32 aad_len, const u8 *in,
			u8 *out, u32 len, u8 *tag, u32 tag_len);

#endif /* HSM_CRYPTO_AEAD_H */
