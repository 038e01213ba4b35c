// SPDX-License-Identifier: GPL-2.0
/*
 * RSASSA-PKCS1-v1_5 signatures: the message is hashed here, in place in
 * the region; pkcs1pad() adds the DigestInfo and runs RSA on kernel
 * buffers.  Note that 6.1's mpi_powm is not constant-time in the private
 * exponent.
 */
#include <crypto/akcipher.h>
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "../alg.h"
#include "../key.h"
#include "../shm.h"
#include "hash.h"
#include "rsa.h"

/* The message in the region, hashed with the key's hash. */
static int rsa_digest(struct hsm_key *key, const struct hsm_shm *shm,
		      const struct hsm_ref *in, u8 *digest, u32 *len)
{
	const struct hsm_alg *hash = hsm_alg_find(key->alg->hash);
	struct crypto_shash *tfm;

	if (!hash)
		return -EINVAL;
	tfm = hsm_crypto_hash_tfm(hash);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	*len = hash->out_len;
	return hsm_crypto_shash_region(tfm, shm, in, digest);
}

static int rsa_run(struct hsm_key *key, bool sign, u8 *buf, u32 src_len,
		   u32 dst_len)
{
	struct akcipher_request *req;
	struct scatterlist src, dst;
	DECLARE_CRYPTO_WAIT(wait);
	int ret;

	req = akcipher_request_alloc(key->tfm.akcipher, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	akcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				      CRYPTO_TFM_REQ_MAY_BACKLOG,
				      crypto_req_done, &wait);
	if (sign) {
		/* buf: the digest in, the signature out after it. */
		sg_init_one(&src, buf, src_len);
		sg_init_one(&dst, buf + src_len, dst_len);
		akcipher_request_set_crypt(req, &src, &dst, src_len, dst_len);
		ret = crypto_wait_req(crypto_akcipher_sign(req), &wait);
	} else {
		/* buf: the signature, then the digest; no destination. */
		sg_init_one(&src, buf, src_len + dst_len);
		akcipher_request_set_crypt(req, &src, NULL, src_len, dst_len);
		ret = crypto_wait_req(crypto_akcipher_verify(req), &wait);
	}
	akcipher_request_free(req);
	return ret;
}

/* The signature (key->sig_len bytes) of a digest of the key's hash. */
int hsm_crypto_rsa_sign_digest(struct hsm_key *key, const u8 *digest,
			       u32 dlen, u8 *sig)
{
	u32 n = key->sig_len;
	u8 *buf;
	int ret;

	if (key->public_only)
		return -EPERM;
	buf = kmalloc(dlen + n, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, digest, dlen);
	ret = rsa_run(key, true, buf, dlen, n);
	if (!ret)
		memcpy(sig, buf + dlen, n);
	kfree_sensitive(buf);
	return ret;
}

/* 0 if sig is a valid signature of the digest, else EBADMSG. */
int hsm_crypto_rsa_verify_digest(struct hsm_key *key, const u8 *sig,
				 u32 sig_len, const u8 *digest, u32 dlen)
{
	u32 n = key->sig_len;
	u8 *buf;
	int ret;

	/* A signature is exactly as long as the modulus. */
	if (sig_len != n)
		return -EBADMSG;
	buf = kmalloc(n + dlen, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, sig, n);
	memcpy(buf + n, digest, dlen);
	ret = rsa_run(key, false, buf, n, dlen);
	/* Every way a signature can fail to verify is one answer. */
	if (ret == -EKEYREJECTED || ret == -EBADMSG || ret == -EINVAL)
		ret = -EBADMSG;
	kfree(buf);
	return ret;
}

long hsm_crypto_rsa_sign(struct hsm_key *key, const struct hsm_shm *shm,
			 const struct hsm_op *op)
{
	u8 digest[HASH_MAX_DIGESTSIZE];
	u32 dlen;
	long ret;

	if (key->public_only)
		return -EPERM;
	if (op->out.len < key->sig_len)
		return -EOVERFLOW;
	ret = rsa_digest(key, shm, &op->in, digest, &dlen) ?:
	      hsm_crypto_rsa_sign_digest(key, digest, dlen,
					 hsm_shm_ptr(shm, &op->out));
	memzero_explicit(digest, sizeof(digest));
	return ret ?: key->sig_len;
}

long hsm_crypto_rsa_verify(struct hsm_key *key, const struct hsm_shm *shm,
			   const struct hsm_op *op)
{
	u8 digest[HASH_MAX_DIGESTSIZE], *sig;
	u32 dlen;
	int ret;

	if (op->tag.len != key->sig_len)
		return -EBADMSG;
	/* The signature is read once, out of the caller's reach. */
	sig = kmemdup(hsm_shm_ptr(shm, &op->tag), op->tag.len, GFP_KERNEL);
	if (!sig)
		return -ENOMEM;
	ret = rsa_digest(key, shm, &op->in, digest, &dlen) ?:
	      hsm_crypto_rsa_verify_digest(key, sig, op->tag.len, digest, dlen);
	kfree(sig);
	return ret;
}
