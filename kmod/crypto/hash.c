// SPDX-License-Identifier: GPL-2.0
/*
 * Hashes and MACs.  Keyless hash transforms are made once per algorithm
 * and shared by every connection (the state is in each request's desc);
 * a MAC key has its own keyed transform (key.c).  Messages are read in
 * place in the connection's region through its vmalloc address, in
 * slices with a scheduling point between them (work.h).
 */
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/uio.h>

#include "../alg.h"
#include "../key.h"
#include "../shm.h"
#include "../work.h"
#include "hash.h"

/* A keyless hash transform, shared by every connection. */
struct hash_tfm {
	const struct hsm_alg *alg;
	struct crypto_shash *tfm;
};

enum { HASH_TFMS = 8 };

static DEFINE_MUTEX(hash_lock);
static struct hash_tfm hash_tfms[HASH_TFMS];

/*
 * The shared transform of a keyless hash, made on its first use; ENOSPC
 * once HASH_TFMS algorithms have one.
 */
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

/* Module unload: no operation is left to use the shared transforms. */
void hsm_crypto_hash_exit(void)
{
	unsigned int i;

	for (i = 0; i < HASH_TFMS; i++)
		crypto_free_shash(hash_tfms[i].tfm);
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
 * Hash `in` with the transform into out (crypto_shash_digestsize bytes):
 * all but the last slice in slices, the last with finup, so that a short
 * message costs what crypto_shash_digest() does (one pass, one FPU
 * section).
 */
int hsm_crypto_shash_region(struct crypto_shash *tfm,
			    const struct hsm_shm *shm,
			    const struct hsm_ref *in, u8 *out)
{
	u32 head = in->len ? rounddown(in->len - 1, HSM_WORK_CHUNK) : 0;
	const u8 *data = hsm_shm_ptr(shm, in);
	SHASH_DESC_ON_STACK(desc, tfm);
	int ret;

	desc->tfm = tfm;
	ret = crypto_shash_init(desc) ?:
	      hsm_crypto_shash_update(desc, data, head) ?:
	      (head ? hsm_work_yield() : 0) ?:
	      crypto_shash_finup(desc, data + head, in->len - head, out);
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
	ret = hsm_crypto_shash_region(tfm, shm, &op->in, buf);
	if (!ret)
		memcpy(hsm_shm_ptr(shm, &op->out), buf, alg->out_len);
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
	ret = hsm_crypto_shash_region(key->tfm.shash, shm, &op->in, buf);
	if (!ret)
		memcpy(hsm_shm_ptr(shm, &op->out), buf, n);
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
	memcpy(tag, hsm_shm_ptr(shm, &op->tag), n);
	ret = hsm_crypto_shash_region(key->tfm.shash, shm, &op->in, buf);
	if (!ret && crypto_memneq(buf, tag, n))
		ret = -EBADMSG;
	memzero_explicit(buf, sizeof(buf));
	return ret;
}
