/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CRYPTO_HASH_H
#define HSM_CRYPTO_HASH_H

#include <linux/types.h>

struct crypto_shash;
struct kvec;
struct shash_desc;
struct hsm_alg;
struct hsm_key;
struct hsm_op;
struct hsm_ref;
struct hsm_shm;

struct crypto_shash *hsm_crypto_hash_tfm(const struct hsm_alg *alg);
void hsm_crypto_hash_exit(void);
int hsm_crypto_shash_update(struct shash_desc *desc, const u8 *data, u64 len);
int hsm_crypto_shash_region(struct crypto_shash *tfm,
			    const struct hsm_shm *shm,
			    const struct hsm_ref *in, u8 *out);
int hsm_crypto_digest_parts(const char *kname, const u8 *key, u32 key_len,
			    const struct kvec *parts, unsigned int n, u8 *out);
long hsm_crypto_digest(const struct hsm_alg *alg, const struct hsm_shm *shm,
		       const struct hsm_op *op);
long hsm_crypto_mac(struct hsm_key *key, const struct hsm_shm *shm,
		    const struct hsm_op *op);
long hsm_crypto_mac_verify(struct hsm_key *key, const struct hsm_shm *shm,
			   const struct hsm_op *op);

#endif /* HSM_CRYPTO_HASH_H */
