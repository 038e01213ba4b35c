// SPDX-License-Identifier: GPL-2.0
/*
 * AES key wrap (RFC 3394) through the kernel's kw(aes).  Wrapping in_len
 * bytes writes in_len + 8: the integrity value the transform leaves in
 * its IV, then the wrapped blocks.  Unwrapping in_len bytes writes
 * in_len - 8, or fails with EBADMSG when the integrity check fails.
 * Kernel buffers only (the key material is small).
 */
#include <crypto/skcipher.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "../key.h"
#include "kw.h"

int hsm_crypto_kw(struct hsm_key *key, bool wrap, const u8 *in, u32 in_len,
		  u8 *out)
{
	struct crypto_skcipher *tfm = key->tfm.skcipher;
	u32 len = wrap ? in_len : in_len - HSM_KW_ICV_LEN;
	struct skcipher_request *req;
	u8 iv[HSM_KW_ICV_LEN], *buf;
	struct scatterlist sg;
	DECLARE_CRYPTO_WAIT(wait);
	int ret;

	if (len < 2 * HSM_KW_ICV_LEN || len % HSM_KW_ICV_LEN)
		return -EINVAL;
	buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	req = skcipher_request_alloc(tfm, GFP_KERNEL);
	if (!req) {
		kfree(buf);
		return -ENOMEM;
	}
	if (wrap) {
		memcpy(buf, in, len);
	} else {
		memcpy(iv, in, HSM_KW_ICV_LEN);
		memcpy(buf, in + HSM_KW_ICV_LEN, len);
	}
	sg_init_one(&sg, buf, len);
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				      CRYPTO_TFM_REQ_MAY_BACKLOG,
				      crypto_req_done, &wait);
	skcipher_request_set_crypt(req, &sg, &sg, len, iv);
	ret = crypto_wait_req(wrap ? crypto_skcipher_encrypt(req) :
				     crypto_skcipher_decrypt(req), &wait);
	skcipher_request_free(req);
	if (!ret && wrap) {
		memcpy(out, iv, HSM_KW_ICV_LEN);
		memcpy(out + HSM_KW_ICV_LEN, buf, len);
	} else if (!ret) {
		memcpy(out, buf, len);
	}
	memzero_explicit(iv, sizeof(iv));
	kfree_sensitive(buf);
	return ret;
}
