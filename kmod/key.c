// SPDX-License-Identifier: GPL-2.0
/*
 * Keys: material in kernel memory, a transform keyed once, wiped on free.
 */
#include <crypto/aead.h>
#include <crypto/akcipher.h>
#include <crypto/ecc_curve.h>
#include <crypto/ecdh.h>
#include <crypto/hash.h>
#include <crypto/internal/ecc.h>
#include <crypto/kpp.h>
#include <crypto/skcipher.h>
#include <linux/err.h>
#include <linux/slab.h>

#include "alg.h"
#include "asym/asym.h"
#include "asym/ecdh.h"
#include "crypto/ecc.h"
#include "key.h"
#include "stats.h"

static void key_free(struct hsm_res *res)
{
	struct hsm_key *key = container_of(res, struct hsm_key, res);
	unsigned int i;

	/* Only a key that was ever in a table was logged as created. */
	if (res->id)
		pr_debug("key %llx destroyed\n", res->id);
	for (i = 0; i <= HSM_AEAD_TAG_MAX; i++) {
		aead_request_free(key->aead_req[i]);
		crypto_free_aead(key->aead[i]);
	}
	switch (key->alg->type) {
	case HSM_ALG_MAC:
		crypto_free_shash(key->tfm.shash);
		break;
	case HSM_ALG_CIPHER:
	case HSM_ALG_KW:
		crypto_free_skcipher(key->tfm.skcipher);
		break;
	case HSM_ALG_KPP:
		crypto_free_kpp(key->tfm.kpp);
		break;
	case HSM_ALG_RSA:
		crypto_free_akcipher(key->tfm.akcipher);
		break;
	case HSM_ALG_ASYM:
		hsm_asym_key_exit(key);
		break;
	default:
		break;
	}
	mutex_destroy(&key->aead_lock);
	kfree_sensitive(key);	/* wipes the material */
	hsm_stats_key_alive(-1);
}

static struct crypto_aead *aead_create(struct hsm_key *key, unsigned int tag_len)
{
	struct crypto_aead *tfm;
	int ret;

	tfm = crypto_alloc_aead(key->alg->kname, 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	ret = crypto_aead_setkey(tfm, key->material, key->len) ?:
	      crypto_aead_setauthsize(tfm, tag_len);
	if (ret) {
		crypto_free_aead(tfm);
		return ERR_PTR(ret);
	}
	return tfm;
}

/*
 * The AEAD transform for a tag length, made on first use: a transform's
 * authsize cannot change while other requests use it.
 */
struct crypto_aead *hsm_key_aead(struct hsm_key *key, unsigned int tag_len)
{
	struct crypto_aead *tfm;

	if (tag_len > HSM_AEAD_TAG_MAX)
		return ERR_PTR(-EINVAL);
	/* Pairs with the release below: a keyed transform, or NULL. */
	tfm = smp_load_acquire(&key->aead[tag_len]);
	if (tfm)
		return tfm;

	mutex_lock(&key->aead_lock);
	tfm = key->aead[tag_len];
	if (!tfm) {
		tfm = aead_create(key, tag_len);
		if (!IS_ERR(tfm)) {
			/* Publish only after setkey and setauthsize are done. */
			smp_store_release(&key->aead[tag_len], tfm);
		}
	}
	mutex_unlock(&key->aead_lock);
	return tfm;
}

/*
 * A request for the key's AEAD transform of tag_len: the key's spare one
 * when no other operation holds it (the common case costs no allocation),
 * else a new one.  Each goes back through hsm_key_aead_req_put().
 */
struct aead_request *hsm_key_aead_req_get(struct hsm_key *key, unsigned int tag_len,
					  struct crypto_aead *tfm)
{
	struct aead_request *req = xchg(&key->aead_req[tag_len], NULL);

	if (!req)
		return aead_request_alloc(tfm, GFP_KERNEL);
	/* Wiped whole when it was put back. */
	aead_request_set_tfm(req, tfm);
	return req;
}

/*
 * Wipe what the operation left in the request's context (counters, GHASH
 * state) and keep it as the spare, or free it when there is one already.
 */
void hsm_key_aead_req_put(struct hsm_key *key, unsigned int tag_len,
			  struct aead_request *req)
{
	size_t size = sizeof(*req) + crypto_aead_reqsize(crypto_aead_reqtfm(req));

	memzero_explicit(req, size);
	if (cmpxchg(&key->aead_req[tag_len], NULL, req))
		aead_request_free(req);
}

static_assert(HSM_CURVE_P256 == ECC_CURVE_NIST_P256);
static_assert(HSM_KEY_PUB_MAX >= 2 * 6 * sizeof(u64));	/* P-384 */
static_assert(HSM_CURVE_P384 == ECC_CURVE_NIST_P384);

/* A NIST private key is a big-endian scalar d with 0 < d < n. */
static int ec_scalar_check(const struct hsm_key *key)
{
	const struct ecc_curve *curve = ecc_get_curve(key->alg->curve);
	unsigned int ndigits = key->len / sizeof(u64);
	u64 d[ECC_MAX_DIGITS];
	int ret = 0;

	if (!curve || curve->g.ndigits != ndigits)
		return -EINVAL;
	ecc_swap_digits(key->material, d, ndigits);
	if (vli_is_zero(d, ndigits) || vli_cmp(d, curve->n, ndigits) >= 0)
		ret = -EINVAL;
	memzero_explicit(d, sizeof(d));
	return ret;
}

/*
 * Key agreement keys.  X25519 uses the kpp transform.  NIST curves use the
 * ECC library underneath ecdh-nist-*: 6.1's ecdh set_secret range-checks
 * the big-endian scalar as if it were little-endian digits, refusing some
 * valid keys, so the scalar is checked here and the public key is made,
 * and checked in full, once.  Where the library's ladder fails on a valid
 * scalar, the worker makes it (asym/ecdh.c).
 */
static int kpp_init(struct hsm_key *key)
{
	unsigned int ndigits = key->len / sizeof(u64);
	struct crypto_kpp *tfm;
	u64 d[ECC_MAX_DIGITS];
	int ret;

	if (key->alg->curve != HSM_CURVE_X25519) {
		ret = ec_scalar_check(key);
		if (ret)
			return ret;
		hsm_ecc_priv_to_kernel(key->material, d, ndigits);
		ret = ecc_make_pub_key(key->alg->curve, ndigits, d,
				       (u64 *)key->pub);
		memzero_explicit(d, sizeof(d));
		/*
		 * -EAGAIN: d*G came out as the point at infinity, which for
		 * 0 < d < n it is not; the ladder's degenerate case.
		 */
		if (ret == -EAGAIN)
			ret = hsm_ecdh_worker_public(key, key->pub);
		return ret;
	}
	tfm = crypto_alloc_kpp(key->alg->kname, 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	key->tfm.kpp = tfm;
	return crypto_kpp_set_secret(tfm, key->material, key->len);
}

/*
 * RSA keys are DER: an RSAPrivateKey signs and verifies, an RSAPublicKey
 * only verifies.  Moduli of 2048, 3072 and 4096 bits.
 */
static int rsa_init(struct hsm_key *key)
{
	struct crypto_akcipher *tfm;
	int ret;

	tfm = crypto_alloc_akcipher(key->alg->kname, 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	key->tfm.akcipher = tfm;
	/* Running out of memory says nothing about the key: not EINVAL. */
	ret = crypto_akcipher_set_priv_key(tfm, key->material, key->len);
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		ret = crypto_akcipher_set_pub_key(tfm, key->material, key->len);
		if (ret)
			return ret == -ENOMEM ? ret : -EINVAL;
		if (key->perms & HSM_PERM_SIGN)
			return -EINVAL;
		key->public_only = true;
	}
	key->sig_len = crypto_akcipher_maxsize(tfm);
	if (key->sig_len != 256 && key->sig_len != 384 && key->sig_len != 512)
		return -EINVAL;
	return 0;
}

static int key_tfm_init(struct hsm_key *key)
{
	struct crypto_aead *aead;
	int ret;

	switch (key->alg->type) {
	case HSM_ALG_MAC:
		key->tfm.shash = crypto_alloc_shash(key->alg->kname, 0, 0);
		if (IS_ERR(key->tfm.shash)) {
			ret = PTR_ERR(key->tfm.shash);
			key->tfm.shash = NULL;
			return ret;
		}
		return crypto_shash_setkey(key->tfm.shash, key->material, key->len);
	case HSM_ALG_CIPHER:
	case HSM_ALG_KW:
		key->tfm.skcipher = crypto_alloc_skcipher(key->alg->kname, 0, 0);
		if (IS_ERR(key->tfm.skcipher)) {
			ret = PTR_ERR(key->tfm.skcipher);
			key->tfm.skcipher = NULL;
			return ret;
		}
		/* Refuse weak keys (XTS with equal halves) outside FIPS mode too. */
		crypto_skcipher_set_flags(key->tfm.skcipher,
					  CRYPTO_TFM_REQ_FORBID_WEAK_KEYS);
		return crypto_skcipher_setkey(key->tfm.skcipher, key->material,
					      key->len);
	case HSM_ALG_AEAD:
		/* The full-length tag is the common case: key it now. */
		aead = hsm_key_aead(key, HSM_AEAD_TAG_MAX);
		return PTR_ERR_OR_ZERO(aead);
	case HSM_ALG_SECRET:
		/* Material only: KDFs key their own transforms. */
		return 0;
	case HSM_ALG_KPP:
		return kpp_init(key);
	case HSM_ALG_RSA:
		return rsa_init(key);
	case HSM_ALG_ASYM:
		/* No transform: the worker computes. */
		return hsm_asym_key_init(key);
	case HSM_ALG_HASH:
	case HSM_ALG_KDF:
	case HSM_ALG_SIGNER:
	case HSM_ALG_ENCRYPTER:
		break;
	}
	return -EINVAL;
}

/*
 * Put a new key into a connection's table, which takes the caller's
 * reference: 0 and the key's ID in *id, or the table's error (ENOSPC,
 * EDQUOT) with the key dropped.  Every key a connection can name goes
 * in here, so that each logs its creation as key_free() logs its end.
 */
int hsm_key_publish(struct hsm_restable *t, struct hsm_key *key, u64 *id)
{
	int ret;

	/* Once in the table another call may destroy it: hold it to log. */
	kref_get(&key->res.ref);
	ret = hsm_restable_add(t, &key->res);
	if (ret) {
		hsm_key_put(key);	/* the table did not take it */
	} else {
		*id = key->res.id;
		pr_debug("key %llx created (%s)\n", *id, key->alg->name);
	}
	hsm_key_put(key);
	return ret;
}

/* What KEY_LIST shows of a key: its attributes and users, never material. */
void hsm_key_describe(const struct hsm_key *key, struct hsm_key_info *info)
{
	memset(info, 0, sizeof(*info));
	strscpy(info->alg, key->alg->name, sizeof(info->alg));
	info->perms = key->perms;
	info->flags = key->flags;
	info->key_len = key->len;
	/* Beyond the table's own reference. */
	info->users = kref_read(&key->res.ref) - 1;
}

/*
 * May this key be used for an operation on keys of `type` that needs
 * `perm`?  EINVAL for the wrong kind of key, EPERM for a missing permission.
 * 0 for either asks nothing of it (a command table row that checks only
 * one, or neither).
 */
int hsm_key_may(const struct hsm_key *key, int type, u64 perm)
{
	/* A worker key signs or encrypts, as its algorithm says. */
	bool asym_signs = key->alg->type == HSM_ALG_ASYM &&
			  (key->alg->perms & HSM_PERM_SIGN);
	bool asym_encrypts = key->alg->type == HSM_ALG_ASYM &&
			     (key->alg->perms & HSM_PERM_ENCRYPT);

	if (type == HSM_ALG_SIGNER) {
		if (key->alg->type != HSM_ALG_RSA && !asym_signs)
			return -EINVAL;
	} else if (type == HSM_ALG_ENCRYPTER) {
		if (key->alg->type != HSM_ALG_CIPHER && !asym_encrypts)
			return -EINVAL;
	} else if (type && key->alg->type != type) {
		return -EINVAL;
	}
	return !perm || key->perms & perm ? 0 : -EPERM;
}

/*
 * A new key with one reference, or an ERR_PTR.  Every path that makes a
 * key ends here, so the rules on its attributes are checked here once:
 * EINVAL for permissions or flags its algorithm forbids, or a length it
 * does not take.
 */
struct hsm_key *hsm_key_create(const struct hsm_alg *alg, const u8 *material,
			       u32 len, u64 perms, u32 flags)
{
	struct hsm_key *key;
	int ret;

	/* LOCAL is the module's mark, checked by every caller-facing path. */
	ret = hsm_alg_check_attrs(alg, perms, flags & ~HSM_KEY_F_LOCAL);
	if (ret)
		return ERR_PTR(ret);
	if (!alg->key_max || len < alg->key_min || len > alg->key_max)
		return ERR_PTR(-EINVAL);
	key = kzalloc(struct_size(key, material, len), GFP_KERNEL_ACCOUNT);
	if (!key)
		return ERR_PTR(-ENOMEM);
	hsm_res_init(&key->res, HSM_RES_KEY, key_free);
	hsm_stats_key_alive(1);
	mutex_init(&key->aead_lock);
	key->alg = alg;
	key->perms = perms;
	key->flags = flags;
	key->len = len;
	memcpy(key->material, material, len);

	ret = key_tfm_init(key);
	if (ret) {
		/* A weak or malformed key (e.g. XTS halves equal) is EINVAL. */
		key_free(&key->res);
		return ERR_PTR(ret == -ENOENT ? -EOPNOTSUPP : ret);
	}
	return key;
}
