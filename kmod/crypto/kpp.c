// SPDX-License-Identifier: GPL-2.0
/*
 * Key agreement: the shared secret with peer's public key, or (peer ==
 * NULL) the key's own public key.  Buffers are kernel copies: the peer key
 * is read once, and the secret reaches only the caller's buffer.  An
 * all-zero X25519 result (a low-order peer point) is refused.
 */
#include <crypto/internal/ecc.h>
#include <crypto/kpp.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../alg.h"
#include "../key.h"
#include "ecc.h"
#include "kpp.h"

/*
 * NIST curves go to the ECC library directly, with the public key that
 * key.c made when the key was created.
 */
static int ecdh_nist(struct hsm_key *key, const u8 *peer, u32 peer_len,
		     u8 *out, u32 out_len)
{
	unsigned int ndigits = key->len / sizeof(u64);
	u64 *pub, *secret, d[ECC_MAX_DIGITS];
	int ret = -ENOMEM;

	if (!peer) {
		memcpy(out, key->pub, out_len);
		return 0;
	}
	pub = kmemdup(peer, peer_len, GFP_KERNEL);
	secret = kmalloc(out_len, GFP_KERNEL);
	if (pub && secret) {
		hsm_ecc_priv_to_kernel(key->material, d, ndigits);
		/* Checks that the peer point is on the curve. */
		ret = crypto_ecdh_shared_secret(key->alg->curve, ndigits, d,
						pub, secret);
		memzero_explicit(d, sizeof(d));
		/*
		 * -EFAULT: the product is the point at infinity.  The peer
		 * point passed the library's check (on the curve, so of
		 * prime order n) and 0 < d < n, so the true product never
		 * is: this is the ladder's degenerate case, not bad input.
		 */
		if (ret == -EFAULT)
			ret = -EDOM;
		if (!ret)
			memcpy(out, secret, out_len);
	}
	kfree(pub);
	kfree_sensitive(secret);
	return ret;
}

int hsm_crypto_kpp(struct hsm_key *key, const u8 *peer, u32 peer_len, u8 *out,
		   u32 out_len)
{
	struct kpp_request *req;
	struct scatterlist sin, sout;
	u8 *in = NULL, *buf;
	DECLARE_CRYPTO_WAIT(wait);
	int ret = -ENOMEM;

	if (key->alg->curve != HSM_CURVE_X25519)
		return ecdh_nist(key, peer, peer_len, out, out_len);

	buf = kzalloc(out_len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	req = kpp_request_alloc(key->tfm.kpp, GFP_KERNEL);
	if (!req)
		goto err_buf;
	if (peer) {
		in = kmemdup(peer, peer_len, GFP_KERNEL);
		if (!in)
			goto err_req;
		sg_init_one(&sin, in, peer_len);
		kpp_request_set_input(req, &sin, peer_len);
	} else {
		kpp_request_set_input(req, NULL, 0);
	}
	sg_init_one(&sout, buf, out_len);
	kpp_request_set_output(req, &sout, out_len);
	kpp_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP, crypto_req_done,
				 &wait);
	ret = crypto_wait_req(peer ? crypto_kpp_compute_shared_secret(req) :
				   crypto_kpp_generate_public_key(req), &wait);
	if (!ret && peer && !memchr_inv(buf, 0, out_len))
		ret = -EINVAL;
	if (!ret)
		memcpy(out, buf, out_len);
	kfree(in);
err_req:
	kpp_request_free(req);
err_buf:
	kfree_sensitive(buf);
	return ret;
}
