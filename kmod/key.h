/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_KEY_H
#define HSM_KEY_H

#include <linux/mutex.h>
#include <linux/types.h>

#include <uapi/linux/hsm.h>

#include "restable.h"

struct crypto_aead;
struct aead_request;
struct crypto_akcipher;
struct crypto_kpp;
struct crypto_shash;
struct crypto_skcipher;
struct hsm_alg;
struct hsm_key_info;

/* The longest public key kept with a private key (P-384: x || y). */
#define HSM_KEY_PUB_MAX		96

/* GCM tags are 4, 8 or 12..16 bytes. */
#define HSM_AEAD_TAG_MAX	16

/*
 * struct hsm_key - a key in kernel memory.  Immutable once in a resource
 * table, except for the per-tag-length AEAD transforms made on first use.
 */
struct hsm_key {
	struct hsm_res res;
	const struct hsm_alg *alg;
	u64 perms;
	u32 flags;
	u32 len;
	union {
		struct crypto_shash *shash;
		struct crypto_skcipher *skcipher;
		struct crypto_kpp *kpp;
		struct crypto_akcipher *akcipher;
	} tfm;
	u32 sig_len;		/* RSA: modulus bytes; ASYM: longest signature */
	u32 priv_len;		/* ASYM: the PKCS#8 before the SPKI (0: none) */
	bool public_only;	/* RSA, ASYM: a public key, which only verifies */
	/* ASYM: the digests the worker's cache knows it by (HSM_WORKER_EVICT) */
	u8 evict_id[HSM_WORKER_EVICT_LEN];
	struct mutex aead_lock;	/* creates aead[] entries */
	struct crypto_aead *aead[HSM_AEAD_TAG_MAX + 1];	/* by tag length */
	struct aead_request *aead_req[HSM_AEAD_TAG_MAX + 1];	/* one spare each */
	u8 pub[HSM_KEY_PUB_MAX];	/* NIST ECDH: the public key, x || y */
	u8 material[] __aligned(8);
};

int __must_check hsm_key_publish(struct hsm_restable *t, struct hsm_key *key,
				 u64 *id);
int hsm_key_may(const struct hsm_key *key, int type, u64 perm);
void hsm_key_describe(const struct hsm_key *key, struct hsm_key_info *info);
struct hsm_key *hsm_key_create(const struct hsm_alg *alg, const u8 *material,
			       u32 len, u64 perms, u32 flags);
struct crypto_aead *hsm_key_aead(struct hsm_key *key, unsigned int tag_len);
struct aead_request *hsm_key_aead_req_get(struct hsm_key *key, unsigned int tag_len,
					  struct crypto_aead *tfm);
void hsm_key_aead_req_put(struct hsm_key *key, unsigned int tag_len,
			  struct aead_request *req);

static inline void hsm_key_put(struct hsm_key *key)
{
	hsm_res_put(&key->res);
}

static inline struct hsm_key *hsm_key_get(struct hsm_restable *t, u64 id)
{
	struct hsm_res *res = hsm_restable_get(t, id, HSM_RES_KEY);

	return res ? container_of(res, struct hsm_key, res) : NULL;
}

#endif /* HSM_KEY_H */
