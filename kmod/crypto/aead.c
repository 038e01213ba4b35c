// SPDX-License-Identifier: GPL-2.0
/*
 * AEAD (GCM, ChaCha20-Poly1305): one-shot SEAL and OPEN over the region's
 * pages, and in place over a kernel buffer for what the module encrypts
 * itself (key wrapping, streaming contexts).  A key keeps one transform
 * per tag length (key.c); only the IV is copied, because the API writes
 * into it.
 */
#include <crypto/aead.h>
#include <linux/err.h>
#include <linux/slab.h>

#include "../alg.h"
#include "../key.h"
#include "../shm.h"
#include "aead.h"
#include "sg.h"

long hsm_crypto_aead(struct hsm_key *key, bool encrypt,
		     const struct hsm_shm *shm, const struct hsm_op *op)
{
	const struct hsm_ref *src_refs[3] = { &op->aad, &op->in, &op->tag };
	const struct hsm_ref *dst_refs[3] = { &op->aad, &op->out, &op->tag };
	bool inplace = op->in.off == op->out.off && op->in.len == op->out.len;
	struct aead_request *req;
	struct crypto_aead *tfm;
	struct hsm_sg_pair sgp;
	u8 iv[HSM_IV_MAX];
	DECLARE_CRYPTO_WAIT(wait);
	long ret;

	if (op->iv.len != key->alg->iv_len || op->out.len != op->in.len)
		return -EINVAL;
	if (op->aad.len > HSM_AAD_MAX)
		return -E2BIG;
	tfm = hsm_key_aead(key, op->tag.len);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);

	ret = hsm_sg_pair(shm, src_refs, dst_refs, 3, inplace, &sgp);
	if (ret)
		return ret;
	req = hsm_key_aead_req_get(key, op->tag.len, tfm);
	if (!req) {
		ret = -ENOMEM;
		goto err_sg;
	}
	memcpy(iv, hsm_shm_ptr(shm, &op->iv), op->iv.len);

	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				  CRYPTO_TFM_REQ_MAY_BACKLOG,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, op->aad.len);
	aead_request_set_crypt(req, sgp.src, sgp.dst,
			       op->in.len + (encrypt ? 0 : op->tag.len), iv);
	ret = crypto_wait_req(encrypt ? crypto_aead_encrypt(req) :
				      crypto_aead_decrypt(req), &wait);
	/* GCM decrypts before it checks: leave no unverified plaintext. */
	if (ret == -EBADMSG)
		memset(hsm_shm_ptr(shm, &op->out), 0, op->out.len);

	memzero_explicit(iv, sizeof(iv));
	hsm_key_aead_req_put(key, op->tag.len, req);
err_sg:
	hsm_sg_pair_free(&sgp);
	return ret ?: op->in.len;
}

/*
 * AEAD in place over buf = AAD | data | tag space, a kmalloc() or
 * kvmalloc() buffer of aad_len + len + tag_len bytes.  Encrypting writes
 * the ciphertext over the data and the tag after it; decrypting takes the
 * tag from there and returns EBADMSG when it does not verify.
 */
int hsm_crypto_aead_inplace(struct hsm_key *key, bool encrypt, const u8 *iv,
			    u32 iv_len, u8 *buf, u32 aad_len, u32 len,
			    u32 tag_len)
{
	struct scatterlist stack[HSM_SG_ON_STACK], *sg;
	u32 total = aad_len + len + tag_len;
	struct aead_request *req;
	struct crypto_aead *tfm;
	u8 ivb[HSM_IV_MAX];
	DECLARE_CRYPTO_WAIT(wait);
	int ret;

	if (iv_len != key->alg->iv_len || iv_len > sizeof(ivb))
		return -EINVAL;
	tfm = hsm_key_aead(key, tag_len);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);

	sg = hsm_sg_buf(buf, total, stack);
	if (!sg)
		return -ENOMEM;
	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!req) {
		ret = -ENOMEM;
		goto err_sg;
	}
	memcpy(ivb, iv, iv_len);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				  CRYPTO_TFM_REQ_MAY_BACKLOG,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, aad_len);
	aead_request_set_crypt(req, sg, sg, len + (encrypt ? 0 : tag_len), ivb);
	ret = crypto_wait_req(encrypt ? crypto_aead_encrypt(req) :
				      crypto_aead_decrypt(req), &wait);
	aead_request_free(req);
	memzero_explicit(ivb, sizeof(ivb));
err_sg:
	hsm_sg_free(sg, stack);
	return ret;
}

/*
 * AEAD between kernel buffers (key wrapping): in and out may be region
 * addresses, which the bounce buffer keeps away from the scatterlist.
 */
int hsm_crypto_aead_buf(struct hsm_key *key, bool encrypt, const u8 *iv,
			u32 iv_len, const u8 *aad, u32 aad_len, const u8 *in,
			u8 *out, u32 len, u8 *tag, u32 tag_len)
{
	u8 *buf;
	int ret;

	if (aad_len > HSM_AAD_MAX)
		return -E2BIG;
	/* A size the caller chose: ENOMEM to it, no kernel warning. */
	buf = kvmalloc(aad_len + len + tag_len, GFP_KERNEL | __GFP_NOWARN);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, aad, aad_len);
	memcpy(buf + aad_len, in, len);
	if (!encrypt)
		memcpy(buf + aad_len + len, tag, tag_len);
	ret = hsm_crypto_aead_inplace(key, encrypt, iv, iv_len, buf, aad_len,
				      len, tag_len);
	if (!ret) {
		memcpy(out, buf + aad_len, len);
		if (encrypt)
			memcpy(tag, buf + aad_len + len, tag_len);
	}
	kvfree_sensitive(buf, aad_len + len + tag_len);
	return ret;
}
