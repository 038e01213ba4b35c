/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CRYPTO_H
#define HSM_CRYPTO_H

#include <linux/types.h>
#include <uapi/linux/hsm.h>

/* RFC 3394: the integrity value that wrapping adds. */
#define HSM_KW_ICV_LEN	8

struct crypto_shash;
struct kvec;
struct shash_desc;
struct hsm_alg;
struct hsm_key;
struct hsm_shm;

int hsm_crypto_init(void);
void hsm_crypto_exit(void);

int hsm_crypto_random(void *buf, size_t len);
int hsm_crypto_shash_update(struct shash_desc *desc, const u8 *data, u64 len);
int hsm_crypto_digest_parts(const char *kname, const u8 *key, u32 key_len,
			    const struct kvec *parts, unsigned int n, u8 *out);
long hsm_crypto_digest(const struct hsm_alg *alg, const struct hsm_shm *shm,
		       const struct hsm_op *op);
long hsm_crypto_mac(struct hsm_key *key, const struct hsm_shm *shm,
		    const struct hsm_op *op);
long hsm_crypto_mac_verify(struct hsm_key *key, const struct hsm_shm *shm,
			   const struct hsm_op *op);
long hsm_crypto_aead(struct hsm_key *key, bool encrypt,
		     const struct hsm_shm *shm, const struct hsm_op *op);
int hsm_crypto_kdf(const struct hsm_alg *kdf, const struct hsm_key *base,
		   const u8 *salt, u32 salt_len, const u8 *info, u32 info_len,
		   u8 *out, u32 out_len);
int hsm_crypto_kpp(struct hsm_key *key, const u8 *peer, u32 peer_len, u8 *out,
		   u32 out_len);
struct crypto_shash *hsm_crypto_hash_tfm(const struct hsm_alg *alg);
int hsm_crypto_cipher_iv(struct hsm_key *key, bool encrypt,
			 const struct hsm_shm *shm, const struct hsm_ref *in,
			 const struct hsm_ref *out, u8 *iv);
long hsm_crypto_rsa_sign(struct hsm_key *key, const struct hsm_shm *shm,
			 const struct hsm_op *op);
long hsm_crypto_rsa_verify(struct hsm_key *key, const struct hsm_shm *shm,
			   const struct hsm_op *op);
int hsm_crypto_aead_buf(struct hsm_key *key, bool encrypt, const u8 *iv,
			u32 iv_len, const u8 *aad, u32 aad_len, const u8 *in,
			u8 *out, u32 len, u8 *tag, u32 tag_len);
int hsm_crypto_aead_inplace(struct hsm_key *key, bool encrypt, const u8 *iv,
			    u32 iv_len, u8 *buf, u32 aad_len, u32 len,
			    u32 tag_len);
int hsm_crypto_rsa_sign_digest(struct hsm_key *key, const u8 *digest,
			       u32 dlen, u8 *sig);
int hsm_crypto_rsa_verify_digest(struct hsm_key *key, const u8 *sig,
				 u32 sig_len, const u8 *digest, u32 dlen);
int hsm_crypto_kw(struct hsm_key *key, bool wrap, const u8 *in, u32 in_len,
		  u8 *out);
long hsm_crypto_cipher(struct hsm_key *key, bool encrypt,
		       const struct hsm_shm *shm, const struct hsm_op *op);

#endif /* HSM_CRYPTO_H */
