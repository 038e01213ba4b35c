// SPDX-License-Identifier: GPL-2.0
/*
 * Key derivation from a secret key: HKDF (RFC 5869) and SP 800-108 in
 * counter mode, both over the kernel's HMAC.  Each derivation keys a
 * transform of its own and writes its output a block at a time, with a
 * scheduling point between blocks (work.h), so that the longest output a
 * secret may have costs no caller a stall.
 */
#include <crypto/hash.h>
#include <crypto/kdf_sp800108.h>
#include <linux/err.h>
#include <linux/string.h>

#include "../alg.h"
#include "../key.h"
#include "../work.h"
#include "kdf.h"

/*
 * The output blocks both KDFs share, each an HMAC under desc's key, with
 * a scheduling point between them:
 *   feedback (HKDF):          T(i) = HMAC(T(i-1) | info | u8 i)
 *   counter (SP 800-108):     K(i) = HMAC(be32 i | info)
 */
static int kdf_expand(struct shash_desc *desc, bool feedback, const u8 *info,
		      u32 info_len, u8 *out, u32 out_len)
{
	u32 hash_len = crypto_shash_digestsize(desc->tfm), done = 0, n, i;
	u8 t[HASH_MAX_DIGESTSIZE];
	int ret = 0;

	for (i = 1; !ret && done < out_len; i++) {
		__be32 ctr = cpu_to_be32(i);
		u8 c = i;

		ret = crypto_shash_init(desc) ?:
		      (!feedback ? crypto_shash_update(desc, (u8 *)&ctr, sizeof(ctr)) :
		       i > 1 ? crypto_shash_update(desc, t, hash_len) : 0) ?:
		      crypto_shash_update(desc, info, info_len) ?:
		      (feedback ? crypto_shash_update(desc, &c, 1) : 0) ?:
		      crypto_shash_final(desc, t);
		if (ret)
			break;
		n = min(hash_len, out_len - done);
		memcpy(out + done, t, n);
		done += n;
		ret = hsm_work_yield();
	}
	memzero_explicit(t, sizeof(t));
	return ret;
}

/*
 * HKDF (RFC 5869) from the kernel's HMAC: PRK = HMAC(salt, IKM), then the
 * feedback blocks under PRK.  An empty salt is HMAC's zero key, which
 * equals the RFC's string of HashLen zeros.
 */
static int hkdf(struct crypto_shash *tfm, const u8 *ikm, u32 ikm_len,
		const u8 *salt, u32 salt_len, const u8 *info, u32 info_len,
		u8 *out, u32 out_len)
{
	u32 hash_len = crypto_shash_digestsize(tfm);
	u8 prk[HASH_MAX_DIGESTSIZE];
	SHASH_DESC_ON_STACK(desc, tfm);
	int ret;

	if (out_len > 255 * hash_len)
		return -EINVAL;
	desc->tfm = tfm;
	ret = crypto_shash_setkey(tfm, salt, salt_len) ?:
	      crypto_shash_digest(desc, ikm, ikm_len, prk) ?:
	      crypto_shash_setkey(tfm, prk, hash_len) ?:
	      kdf_expand(desc, true, info, info_len, out, out_len);
	shash_desc_zero(desc);
	memzero_explicit(prk, sizeof(prk));
	return ret;
}

/*
 * SP 800-108 counter mode over HMAC, no salt, as the kernel's
 * crypto_kdf108_ctr_generate() computes it but with scheduling points;
 * the key checks are the kernel's.
 */
static int kdf108(struct crypto_shash *tfm, const u8 *key, u32 key_len,
		  const u8 *info, u32 info_len, u8 *out, u32 out_len)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	int ret;

	desc->tfm = tfm;
	ret = crypto_kdf108_setkey(tfm, key, key_len, NULL, 0) ?:
	      kdf_expand(desc, false, info, info_len, out, out_len);
	shash_desc_zero(desc);
	return ret;
}

int hsm_crypto_kdf(const struct hsm_alg *kdf, const struct hsm_key *base,
		   const u8 *salt, u32 salt_len, const u8 *info, u32 info_len,
		   u8 *out, u32 out_len)
{
	bool is_hkdf = !strncmp(kdf->name, "hkdf-", 5);
	struct crypto_shash *tfm;
	int ret;

	if (!is_hkdf && salt_len)
		return -EINVAL;
	/* A transform of its own: the KDF keys it. */
	tfm = crypto_alloc_shash(kdf->kname, 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm) == -ENOENT ? -EOPNOTSUPP : PTR_ERR(tfm);
	if (is_hkdf)
		ret = hkdf(tfm, base->material, base->len, salt, salt_len, info,
			   info_len, out, out_len);
	else
		ret = kdf108(tfm, base->material, base->len, info, info_len, out,
			     out_len);
	crypto_free_shash(tfm);
	return ret;
}
