// SPDX-License-Identifier: GPL-2.0
/*
 * Block and stream ciphers (CBC, CTR, XTS) through the key's skcipher
 * transform, over the region's pages, in place when the output is the
 * input: one-shot ENCRYPT and DECRYPT, and a streaming context's updates.
 */
#include <crypto/skcipher.h>
#include <linux/slab.h>

#include "../alg.h"
#include "../key.h"
#include "../shm.h"
#include "cipher.h"
#include "sg.h"

/*
 * Run in through the key's block or stream cipher into out, with the IV at
 * iv, which the API leaves as the next IV (CBC and CTR chain through it).
 */
int hsm_crypto_cipher_iv(struct hsm_key *key, bool encrypt,
			 const struct hsm_shm *shm, const struct hsm_ref *in,
			 const struct hsm_ref *out, u8 *iv)
{
	struct crypto_skcipher *tfm = key->tfm.skcipher;
	const struct hsm_ref *in_refs[1] = { in };
	const struct hsm_ref *out_refs[1] = { out };
	bool inplace = in->off == out->off;
	struct skcipher_request *req;
	struct hsm_sg_pair sgp;
	DECLARE_CRYPTO_WAIT(wait);
	int ret;

	ret = hsm_sg_pair(shm, in_refs, out_refs, 1, inplace, &sgp);
	if (ret)
		return ret;
	req = skcipher_request_alloc(tfm, GFP_KERNEL);
	if (!req) {
		ret = -ENOMEM;
		goto err_sg;
	}
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				      CRYPTO_TFM_REQ_MAY_BACKLOG,
				      crypto_req_done, &wait);
	skcipher_request_set_crypt(req, sgp.src, sgp.dst, in->len, iv);
	ret = crypto_wait_req(encrypt ? crypto_skcipher_encrypt(req) :
				      crypto_skcipher_decrypt(req), &wait);
	skcipher_request_free(req);
err_sg:
	hsm_sg_pair_free(&sgp);
	return ret;
}

long hsm_crypto_cipher(struct hsm_key *key, bool encrypt,
		       const struct hsm_shm *shm, const struct hsm_op *op)
{
	u8 iv[HSM_IV_MAX];
	long ret;

	if (op->iv.len != key->alg->iv_len || op->out.len != op->in.len)
		return -EINVAL;
	if (key->alg->steals ? op->in.len < key->alg->block_len :
	    op->in.len % key->alg->block_len)
		return -EINVAL;
	if (key->alg->block_len > 1 && !op->in.len)
		return -EINVAL;

	memcpy(iv, hsm_shm_ptr(shm, &op->iv), op->iv.len);
	ret = hsm_crypto_cipher_iv(key, encrypt, shm, &op->in, &op->out, iv);
	memzero_explicit(iv, sizeof(iv));
	return ret ?: op->in.len;
}
