// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel crypto API worker.  Payloads stay in the connection's region:
 * hashes read it through its vmalloc address, ciphers through scatterlists
 * over its pages.  Only IVs are copied (the API writes back into them).
 */
#include <crypto/aead.h>
#include <crypto/akcipher.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <crypto/kdf_sp800108.h>
#include <crypto/internal/ecc.h>
#include <crypto/kpp.h>
#include <crypto/rng.h>
#include <crypto/skcipher.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#include "alg.h"
#include "crypto.h"
#include "key.h"
#include "shm.h"
#include "work.h"

/* Keyless hash transforms, shared by every connection (state is per desc). */
struct hash_tfm {
	const struct hsm_alg *alg;
	struct crypto_shash *tfm;
};

enum { HASH_TFMS = 8 };

static DEFINE_MUTEX(hash_lock);
static struct hash_tfm hash_tfms[HASH_TFMS];

int hsm_crypto_init(void)
{
	return crypto_get_default_rng();
}

void hsm_crypto_exit(void)
{
	unsigned int i;

	for (i = 0; i < HASH_TFMS; i++)
		crypto_free_shash(hash_tfms[i].tfm);
	crypto_put_default_rng();
}

/* Random bytes from the kernel's DRBG (crypto_default_rng, "stdrng"). */
int hsm_crypto_random(void *buf, size_t len)
{
	return crypto_rng_get_bytes(crypto_default_rng, buf, len);
}

struct crypto_shash *hsm_crypto_hash_tfm(const struct hsm_alg *alg)
{
	struct crypto_shash *tfm = ERR_PTR(-ENOSPC);
	unsigned int i;

	for (i = 0; i < HASH_TFMS; i++) {
		/* Pairs with the release below: tfm is set before alg. */
		if (smp_load_acquire(&hash_tfms[i].alg) == alg)
			return hash_tfms[i].tfm;
	}

	mutex_lock(&hash_lock);
	for (i = 0; i < HASH_TFMS; i++) {
		if (hash_tfms[i].alg == alg) {
			tfm = hash_tfms[i].tfm;
			break;
		}
		if (!hash_tfms[i].alg) {
			tfm = crypto_alloc_shash(alg->kname, 0, 0);
			if (IS_ERR(tfm))
				break;
			hash_tfms[i].tfm = tfm;
			/* Publish tfm to the lock-free readers above. */
			smp_store_release(&hash_tfms[i].alg, alg);
			break;
		}
	}
	mutex_unlock(&hash_lock);
	return tfm;
}

static void *region(const struct hsm_shm *shm, const struct hsm_ref *ref)
{
	return shm->base + ref->off;
}

/*
 * crypto_shash_update() over len bytes in chunks, with a scheduling point
 * between them: a long message neither holds the CPU (the x86 SHA glue
 * runs each update with preemption off) nor keeps a killed caller alive
 * (EINTR).
 */
int hsm_crypto_shash_update(struct shash_desc *desc, const u8 *data, u64 len)
{
	int ret;

	if (!len)
		return 0;
	for (;;) {
		u32 n = min_t(u64, len, HSM_WORK_CHUNK);

		ret = crypto_shash_update(desc, data, n);
		len -= n;
		data += n;
		if (ret || !len)
			return ret;
		ret = hsm_work_yield();
		if (ret)
			return ret;
	}
}

/*
 * One digest (a MAC when key is given) with the kernel's kname over the
 * parts in order: the module's own constructions (the sealing key, bound
 * platform reports and keys) are each one such call.
 */
int hsm_crypto_digest_parts(const char *kname, const u8 *key, u32 key_len,
			    const struct kvec *parts, unsigned int n, u8 *out)
{
	struct crypto_shash *tfm;
	unsigned int i;
	int ret;

	tfm = crypto_alloc_shash(kname, 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ret = key ? crypto_shash_setkey(tfm, key, key_len) : 0;
	if (!ret) {
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		ret = crypto_shash_init(desc);
		for (i = 0; !ret && i < n; i++)
			ret = crypto_shash_update(desc, parts[i].iov_base,
						  parts[i].iov_len);
		if (!ret)
			ret = crypto_shash_final(desc, out);
		shash_desc_zero(desc);
	}
	crypto_free_shash(tfm);	/* kfree_sensitive: the key goes with it */
	return ret;
}

/*
 * Hash `in` with desc's transform into buf (crypto_shash_digestsize
 * bytes): all but the last slice in slices, the last with finup, so that
 * a short message costs what crypto_shash_digest() does (one pass, one
 * FPU section).
 */
static int shash_region(struct crypto_shash *tfm, const struct hsm_shm *shm,
			const struct hsm_ref *in, u8 *buf)
{
	u32 head = in->len ? rounddown(in->len - 1, HSM_WORK_CHUNK) : 0;
	const u8 *data = region(shm, in);
	SHASH_DESC_ON_STACK(desc, tfm);
	int ret;

	desc->tfm = tfm;
	ret = crypto_shash_init(desc) ?:
	      hsm_crypto_shash_update(desc, data, head) ?:
	      (head ? hsm_work_yield() : 0) ?:
	      crypto_shash_finup(desc, data + head, in->len - head, buf);
	shash_desc_zero(desc);
	return ret;
}

long hsm_crypto_digest(const struct hsm_alg *alg, const struct hsm_shm *shm,
		       const struct hsm_op *op)
{
	struct crypto_shash *tfm = hsm_crypto_hash_tfm(alg);
	u8 buf[HASH_MAX_DIGESTSIZE];
	long ret;

	if (IS_ERR(tfm))
		return PTR_ERR(tfm) == -ENOENT ? -EOPNOTSUPP : PTR_ERR(tfm);
	if (op->out.len < alg->out_len)
		return -EOVERFLOW;
	ret = shash_region(tfm, shm, &op->in, buf);
	if (!ret)
		memcpy(region(shm, &op->out), buf, alg->out_len);
	memzero_explicit(buf, sizeof(buf));
	return ret ?: alg->out_len;
}

long hsm_crypto_mac(struct hsm_key *key, const struct hsm_shm *shm,
		    const struct hsm_op *op)
{
	u32 n = key->alg->out_len;
	u8 buf[HASH_MAX_DIGESTSIZE];
	long ret;

	if (op->out.len < n) {
		if (!(op->flags & HSM_OP_F_TRUNCATE) ||
		    op->out.len < HSM_MAC_MIN_TAG)
			return -EOVERFLOW;
		n = op->out.len;
	}
	ret = shash_region(key->tfm.shash, shm, &op->in, buf);
	if (!ret)
		memcpy(region(shm, &op->out), buf, n);
	memzero_explicit(buf, sizeof(buf));
	return ret ?: n;
}

long hsm_crypto_mac_verify(struct hsm_key *key, const struct hsm_shm *shm,
			   const struct hsm_op *op)
{
	u8 buf[HASH_MAX_DIGESTSIZE], tag[HASH_MAX_DIGESTSIZE];
	u32 n = op->tag.len;
	int ret;

	if (n < HSM_MAC_MIN_TAG || n > key->alg->out_len)
		return -EINVAL;
	/* Copy the expected tag once: userspace may change it meanwhile. */
	memcpy(tag, region(shm, &op->tag), n);
	ret = shash_region(key->tfm.shash, shm, &op->in, buf);
	if (!ret && crypto_memneq(buf, tag, n))
		ret = -EBADMSG;
	memzero_explicit(buf, sizeof(buf));
	return ret;
}

/* Scatterlist entries that cover [off, off + len) of the region. */
static unsigned int sg_count(const struct hsm_ref *ref)
{
	if (!ref->len)
		return 0;
	return ((ref->off & ~PAGE_MASK) + ref->len + PAGE_SIZE - 1) >> PAGE_SHIFT;
}

static struct scatterlist *sg_add(struct scatterlist *sg,
				  const struct hsm_shm *shm,
				  const struct hsm_ref *ref)
{
	u64 off = ref->off;
	u32 left = ref->len;

	while (left) {
		u32 in_page = offset_in_page(off);
		u32 n = min_t(u32, left, PAGE_SIZE - in_page);

		sg_set_page(sg++, hsm_shm_page(shm, off), n, in_page);
		off += n;
		left -= n;
	}
	return sg;
}

/*
 * Scatterlist entries a small operation finds on the stack: three refs
 * under a page each, one of them crossing a page boundary.
 */
#define SG_ON_STACK 4

/* Source and destination tables of one request. */
struct sg_pair {
	struct scatterlist *src, *dst;
	struct scatterlist stack[2][SG_ON_STACK];
};

/* A table over the refs, in order: in stack when it fits, else kmalloc()ed. */
static struct scatterlist *sg_build(const struct hsm_shm *shm,
				    const struct hsm_ref *const *refs,
				    unsigned int nrefs, struct scatterlist *stack)
{
	struct scatterlist *sg, *p;
	unsigned int i, n = 0;

	for (i = 0; i < nrefs; i++)
		n += sg_count(refs[i]);
	if (n <= SG_ON_STACK) {
		sg = stack;
	} else {
		/* A large region's table is large: it may be vmalloc()ed. */
		sg = kvmalloc_array(n, sizeof(*sg), GFP_KERNEL);
		if (!sg)
			return NULL;
	}
	sg_init_table(sg, max(n, 1U));
	if (!n) {
		/* Nothing to cover: the API still wants a list. */
		sg_set_page(sg, ZERO_PAGE(0), 0, 0);
		return sg;
	}
	p = sg;
	for (i = 0; i < nrefs; i++)
		p = sg_add(p, shm, refs[i]);
	return sg;
}

static void sg_pair_free(struct sg_pair *sgp)
{
	if (sgp->dst != sgp->src && sgp->dst != sgp->stack[1])
		kvfree(sgp->dst);
	if (sgp->src != sgp->stack[0])
		kvfree(sgp->src);
}

/*
 * Source and destination tables over the refs; in place (dst == src) when
 * the output is the input.  sg_pair_free() them.
 */
static int sg_pair(const struct hsm_shm *shm, const struct hsm_ref *const *src_refs,
		   const struct hsm_ref *const *dst_refs, unsigned int nrefs,
		   bool inplace, struct sg_pair *sgp)
{
	sgp->dst = NULL;
	sgp->src = sg_build(shm, src_refs, nrefs, sgp->stack[0]);
	if (!sgp->src)
		return -ENOMEM;
	if (inplace) {
		sgp->dst = sgp->src;
		return 0;
	}
	sgp->dst = sg_build(shm, dst_refs, nrefs, sgp->stack[1]);
	if (!sgp->dst) {
		sg_pair_free(sgp);
		return -ENOMEM;
	}
	return 0;
}

long hsm_crypto_aead(struct hsm_key *key, bool encrypt,
		     const struct hsm_shm *shm, const struct hsm_op *op)
{
	const struct hsm_ref *src_refs[3] = { &op->aad, &op->in, &op->tag };
	const struct hsm_ref *dst_refs[3] = { &op->aad, &op->out, &op->tag };
	bool inplace = op->in.off == op->out.off && op->in.len == op->out.len;
	struct aead_request *req;
	struct crypto_aead *tfm;
	struct sg_pair sgp;
	u8 iv[16];
	DECLARE_CRYPTO_WAIT(wait);
	long ret;

	if (op->iv.len != key->alg->iv_len || op->out.len != op->in.len)
		return -EINVAL;
	if (op->aad.len > HSM_AAD_MAX)
		return -E2BIG;
	tfm = hsm_key_aead(key, op->tag.len);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);

	ret = sg_pair(shm, src_refs, dst_refs, 3, inplace, &sgp);
	if (ret)
		return ret;
	req = hsm_key_aead_req_get(key, op->tag.len, tfm);
	if (!req) {
		ret = -ENOMEM;
		goto err_sg;
	}
	memcpy(iv, region(shm, &op->iv), op->iv.len);

	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				  CRYPTO_TFM_REQ_MAY_BACKLOG, crypto_req_done, &wait);
	aead_request_set_ad(req, op->aad.len);
	aead_request_set_crypt(req, sgp.src, sgp.dst,
			       op->in.len + (encrypt ? 0 : op->tag.len), iv);
	ret = crypto_wait_req(encrypt ? crypto_aead_encrypt(req) :
				      crypto_aead_decrypt(req), &wait);
	if (ret == -EBADMSG)
		/* GCM decrypts before it checks: leave no unverified plaintext. */
		memset(region(shm, &op->out), 0, op->out.len);

	memzero_explicit(iv, sizeof(iv));
	hsm_key_aead_req_put(key, op->tag.len, req);
err_sg:
	sg_pair_free(&sgp);
	return ret ?: op->in.len;
}

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
	struct sg_pair sgp;
	DECLARE_CRYPTO_WAIT(wait);
	int ret;

	ret = sg_pair(shm, in_refs, out_refs, 1, inplace, &sgp);
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
	sg_pair_free(&sgp);
	return ret;
}

long hsm_crypto_cipher(struct hsm_key *key, bool encrypt,
		       const struct hsm_shm *shm, const struct hsm_op *op)
{
	u8 iv[16];
	long ret;

	if (op->iv.len != key->alg->iv_len || op->out.len != op->in.len)
		return -EINVAL;
	if (key->alg->steals ? op->in.len < key->alg->block_len :
	    op->in.len % key->alg->block_len)
		return -EINVAL;
	if (key->alg->block_len > 1 && !op->in.len)
		return -EINVAL;

	memcpy(iv, region(shm, &op->iv), op->iv.len);
	ret = hsm_crypto_cipher_iv(key, encrypt, shm, &op->in, &op->out, iv);
	memzero_explicit(iv, sizeof(iv));
	return ret ?: op->in.len;
}

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

/*
 * Key agreement: the shared secret with peer's public key, or (peer ==
 * NULL) the key's own public key.  Buffers are kernel copies: the peer key
 * is read once, and the secret reaches only the caller's buffer.  An
 * all-zero X25519 result (a low-order peer point) is refused.
 */
static int ecdh_nist(struct hsm_key *key, const u8 *peer, u32 peer_len,
		     u8 *out, u32 out_len)
{
	u64 *pub, *secret;
	int ret = -ENOMEM;

	if (!peer) {
		memcpy(out, key->pub, out_len);
		return 0;
	}
	pub = kmemdup(peer, peer_len, GFP_KERNEL);
	secret = kmalloc(out_len, GFP_KERNEL);
	if (pub && secret) {
		/* Checks that the peer point is on the curve. */
		ret = crypto_ecdh_shared_secret(key->alg->curve,
						key->len / sizeof(u64),
						(const u64 *)key->material, pub,
						secret);
		/* -EFAULT: the product is the point at infinity. */
		if (ret == -EFAULT)
			ret = -EINVAL;
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

/*
 * RSASSA-PKCS1-v1_5: the message is hashed here, in place in the region;
 * pkcs1pad() adds the DigestInfo and runs RSA on kernel buffers.  Note
 * that 6.1's mpi_powm is not constant-time in the private exponent.
 */
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
	return shash_region(tfm, shm, in, digest);
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
					 region(shm, &op->out));
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
	sig = kmemdup(region(shm, &op->tag), op->tag.len, GFP_KERNEL);
	if (!sig)
		return -ENOMEM;
	ret = rsa_digest(key, shm, &op->in, digest, &dlen) ?:
	      hsm_crypto_rsa_verify_digest(key, sig, op->tag.len, digest, dlen);
	kfree(sig);
	return ret;
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
	u32 total = aad_len + len + tag_len, i, nents;
	struct aead_request *req;
	struct crypto_aead *tfm;
	struct scatterlist *sg;
	u8 ivb[16];
	DECLARE_CRYPTO_WAIT(wait);
	int ret;

	if (iv_len != key->alg->iv_len || iv_len > sizeof(ivb))
		return -EINVAL;
	tfm = hsm_key_aead(key, tag_len);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);

	nents = is_vmalloc_addr(buf) ?
		(offset_in_page(buf) + total + PAGE_SIZE - 1) >> PAGE_SHIFT : 1;
	sg = kvmalloc_array(nents, sizeof(*sg), GFP_KERNEL);
	if (!sg)
		return -ENOMEM;
	if (!is_vmalloc_addr(buf)) {
		sg_init_one(sg, buf, total);
	} else {
		u8 *p = buf;
		u32 left = total;

		sg_init_table(sg, nents);
		for (i = 0; i < nents; i++) {
			u32 n = min_t(u32, left, PAGE_SIZE - offset_in_page(p));

			sg_set_page(&sg[i], vmalloc_to_page(p), n,
				    offset_in_page(p));
			p += n;
			left -= n;
		}
	}
	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!req) {
		kvfree(sg);
		return -ENOMEM;
	}
	memcpy(ivb, iv, iv_len);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				  CRYPTO_TFM_REQ_MAY_BACKLOG, crypto_req_done, &wait);
	aead_request_set_ad(req, aad_len);
	aead_request_set_crypt(req, sg, sg, len + (encrypt ? 0 : tag_len), ivb);
	ret = crypto_wait_req(encrypt ? crypto_aead_encrypt(req) :
				      crypto_aead_decrypt(req), &wait);
	aead_request_free(req);
	memzero_explicit(ivb, sizeof(ivb));
	kvfree(sg);
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
	buf = kvmalloc(aad_len + len + tag_len, GFP_KERNEL);
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

/*
 * AES key wrap (RFC 3394) through the kernel's kw(aes).  Wrapping in_len
 * bytes writes in_len + 8: the integrity value the transform leaves in
 * its IV, then the wrapped blocks.  Unwrapping in_len bytes writes
 * in_len - 8, or fails with EBADMSG when the integrity check fails.
 * Kernel buffers only (the key material is small).
 */
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
