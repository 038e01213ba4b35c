// SPDX-License-Identifier: GPL-2.0
/*
 * Contexts: Init -> Update* -> Final -> Reset, with misuse reported as
 * EBADFD (HSM_STATUS_INVALID_STATE) whatever the algorithm.
 */
#include <crypto/aes.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <linux/err.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/ktime.h>
#include <linux/vmalloc.h>

#include "alg.h"
#include "asym/asym.h"
#include "conn.h"
#include "crypto/aead.h"
#include "crypto/cipher.h"
#include "crypto/hash.h"
#include "crypto/rsa.h"
#include "ctx.h"
#include "key.h"
#include "cmdtab.h"
#include "params.h"
#include "quota.h"
#include "shm.h"
#include "stats.h"
#include "validate.h"
#include "work.h"

static bool is_aead(const struct hsm_ctx *ctx)
{
	return ctx->op == HSM_CTX_SEAL || ctx->op == HSM_CTX_OPEN;
}

static bool is_cipher(const struct hsm_ctx *ctx)
{
	return ctx->op == HSM_CTX_ENCRYPT || ctx->op == HSM_CTX_DECRYPT;
}

/* Drop what an AEAD context holds between Init and Final. */
static void stream_free(struct hsm_ctx *ctx)
{
	kvfree_sensitive(ctx->stream, ctx->stream_cap);
	hsm_account_uncharge(ctx->acct, HSM_QUOTA_STREAM, ctx->stream_cap);
	ctx->stream = NULL;
	ctx->stream_cap = 0;
	ctx->aad_len = 0;
	ctx->data_len = 0;
}

/*
 * Room for `more` bytes of data and the largest tag after what the
 * stream holds: ENOSPC past max_stream (nothing changed), else it grows
 * by doubling.  What it grows by is charged first: ENOSPC past the
 * connection's max_conn_stream, EDQUOT past its user's share.
 */
static int stream_reserve(struct hsm_ctx *ctx, u32 more)
{
	u64 used = (u64)ctx->aad_len + ctx->data_len;
	u64 need = used + more + HSM_AEAD_TAG_MAX;
	u32 cap;
	u8 *p;
	int ret;

	if (used + more > hsm_max_stream)
		return -ENOSPC;
	if (need <= ctx->stream_cap)
		return 0;
	cap = max_t(u64, need, min_t(u64, 2ULL * ctx->stream_cap,
				     (u64)hsm_max_stream + HSM_AEAD_TAG_MAX));
	cap = max_t(u32, cap, 256);
	ret = hsm_account_charge(ctx->acct, HSM_QUOTA_STREAM, cap - ctx->stream_cap);
	if (ret)
		return ret;
	/* A size the caller chose: ENOMEM to it, no kernel warning. */
	p = kvmalloc(cap, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!p) {
		hsm_account_uncharge(ctx->acct, HSM_QUOTA_STREAM, cap - ctx->stream_cap);
		return -ENOMEM;
	}
	if (ctx->stream)
		memcpy(p, ctx->stream, used);
	kvfree_sensitive(ctx->stream, ctx->stream_cap);
	ctx->stream = p;
	ctx->stream_cap = cap;
	return 0;
}

static void ctx_free(struct hsm_res *res)
{
	struct hsm_ctx *ctx = container_of(res, struct hsm_ctx, res);

	/* Only a context that was ever in a table was logged as created. */
	if (res->id)
		pr_debug("context %llx destroyed\n", res->id);
	if (ctx->desc) {
		shash_desc_zero(ctx->desc);
		kfree(ctx->desc);
	}
	if (ctx->key)
		hsm_key_put(ctx->key);
	memzero_explicit(ctx->iv, sizeof(ctx->iv));
	stream_free(ctx);
	kfree(ctx);
	hsm_stats_ctx_alive(-1);
}

/* What a context's operation needs: key type and permission. */
static int ctx_check(enum hsm_ctx_op op, const struct hsm_alg *alg,
		     const struct hsm_key *key)
{
	switch (op) {
	case HSM_CTX_HASH:
		return alg->type == HSM_ALG_HASH && !key ? 0 : -EINVAL;
	case HSM_CTX_MAC:
		return hsm_key_may(key, HSM_ALG_MAC, HSM_PERM_SIGN);
	case HSM_CTX_MAC_VERIFY:
		return hsm_key_may(key, HSM_ALG_MAC, HSM_PERM_VERIFY);
	case HSM_CTX_ENCRYPT:
	case HSM_CTX_DECRYPT:
		/* Streams chain through the IV: CBC and CTR only. */
		if (!alg->chains)
			return -EINVAL;
		return hsm_key_may(key, HSM_ALG_CIPHER, op == HSM_CTX_ENCRYPT ?
				   HSM_PERM_ENCRYPT : HSM_PERM_DECRYPT);
	case HSM_CTX_SEAL:
		return hsm_key_may(key, HSM_ALG_AEAD, HSM_PERM_ENCRYPT);
	case HSM_CTX_OPEN:
		return hsm_key_may(key, HSM_ALG_AEAD, HSM_PERM_DECRYPT);
	case HSM_CTX_SIGN:
	case HSM_CTX_VERIFY:
		/* Hash as you go, sign the digest: not pure Ed25519. */
		if (!alg->hash)
			return -EINVAL;
		/* A public key cannot sign: refuse it now, not at Final. */
		if (op == HSM_CTX_VERIFY)
			return hsm_key_may(key, HSM_ALG_SIGNER, HSM_PERM_VERIFY);
		return hsm_key_may(key, HSM_ALG_SIGNER, HSM_PERM_SIGN) ?:
		       (key->public_only ? -EPERM : 0);
	}
	return -EINVAL;
}

long hsm_ctx_create(struct hsm_call *c)
{
	struct hsm_conn *conn = c->conn;
	const struct hsm_op *op = c->op;
	const struct hsm_shm *shm = &conn->shm;
	struct crypto_shash *tfm = NULL;
	struct hsm_ctx_params p;
	const struct hsm_alg *alg;
	struct hsm_key *key = NULL;
	struct hsm_ctx *ctx;
	int ret;

	if (op->params.len != sizeof(p))
		return -EINVAL;
	memcpy(&p, hsm_shm_ptr(shm, &op->params), sizeof(p));
	if (hsm_check_alg_name(p.alg, sizeof(p.alg)) || p.flags ||
	    memchr_inv(p.reserved, 0, sizeof(p.reserved)))
		return -EINVAL;
	if (p.op < HSM_CTX_HASH || p.op > HSM_CTX_VERIFY)
		return -EINVAL;
	alg = hsm_alg_find(p.alg);
	if (!alg)
		return -EOPNOTSUPP;

	if (p.op != HSM_CTX_HASH) {
		key = hsm_key_get(&conn->res, op->handle);
		if (!key)
			return -ENOENT;
		ret = -EINVAL;
		if (key->alg != alg)
			goto err_key;
	} else if (op->handle) {
		return -EINVAL;
	}
	ret = ctx_check(p.op, alg, key);
	if (ret)
		goto err_key;

	ret = -ENOMEM;
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		goto err_key;
	hsm_res_init(&ctx->res, HSM_RES_CTX, ctx_free);
	hsm_stats_ctx_alive(1);
	init_waitqueue_head(&ctx->wq);
	ctx->acct = &conn->acct;	/* contexts never outlive their connection */
	ctx->state = HSM_CTX_CREATED;
	ctx->op = p.op;
	ctx->alg = alg;
	ctx->key = key;		/* the context's reference now */

	if (p.op == HSM_CTX_HASH)
		tfm = hsm_crypto_hash_tfm(alg);
	else if (alg->type == HSM_ALG_MAC)
		tfm = key->tfm.shash;
	else if (alg->type == HSM_ALG_RSA || alg->type == HSM_ALG_ASYM)
		/* Signature contexts hash as they go, and sign at Final. */
		tfm = hsm_crypto_hash_tfm(hsm_alg_find(alg->hash));
	if (IS_ERR(tfm)) {
		ret = PTR_ERR(tfm) == -ENOENT ? -EOPNOTSUPP : PTR_ERR(tfm);
		goto err_ctx;
	}
	if (tfm) {
		ctx->desc = kzalloc(sizeof(*ctx->desc) + crypto_shash_descsize(tfm),
				    GFP_KERNEL_ACCOUNT);
		if (!ctx->desc)
			goto err_ctx;
		ctx->desc->tfm = tfm;
	}

	ret = hsm_restable_add(&conn->res, &ctx->res);
	if (ret)
		goto err_ctx;
	pr_debug("context %llx created (%s)\n", ctx->res.id, alg->name);
	c->value = ctx->res.id;
	return 0;

err_ctx:
	hsm_res_put(&ctx->res);	/* drops the key too */
	return ret;
err_key:
	if (key)
		hsm_key_put(key);
	return ret;
}

static int ctx_init(struct hsm_ctx *ctx, const struct hsm_shm *shm,
		    const struct hsm_op *op)
{
	bool with_iv = is_cipher(ctx) || is_aead(ctx);
	int ret;

	if (ctx->state != HSM_CTX_CREATED)
		return -EBADFD;
	if (op->iv.len != (with_iv ? ctx->alg->iv_len : 0))
		return -EINVAL;
	if (op->aad.len && !is_aead(ctx))
		return -EINVAL;
	if (op->aad.len > HSM_AAD_MAX)
		return -E2BIG;
	if (is_aead(ctx)) {
		ret = stream_reserve(ctx, op->aad.len);
		if (ret)
			return ret;
		memcpy(ctx->stream, hsm_shm_ptr(shm, &op->aad), op->aad.len);
		ctx->aad_len = op->aad.len;
	}
	if (with_iv) {
		memcpy(ctx->iv, hsm_shm_ptr(shm, &op->iv), op->iv.len);
		return 0;
	}
	return crypto_shash_init(ctx->desc);
}

static int ctx_update(struct hsm_ctx *ctx, const struct hsm_shm *shm,
		      const struct hsm_op *op)
{
	bool partial;
	int ret;

	if (ctx->state != HSM_CTX_INITIALIZED && ctx->state != HSM_CTX_UPDATING)
		return -EBADFD;
	if (is_aead(ctx)) {
		/* The transform takes the message whole: keep it until Final. */
		if (op->out.len)
			return -EINVAL;
		ret = stream_reserve(ctx, op->in.len);
		if (ret)
			return ret;
		memcpy(ctx->stream + ctx->aad_len + ctx->data_len,
		       hsm_shm_ptr(shm, &op->in), op->in.len);
		ctx->data_len += op->in.len;
		return op->in.len;
	}
	if (!is_cipher(ctx)) {
		if (op->out.len)
			return -EINVAL;
		ret = hsm_crypto_shash_update(ctx->desc,
					      hsm_shm_ptr(shm, &op->in),
					      op->in.len);
		return ret ?: op->in.len;
	}

	if (op->out.len != op->in.len)
		return -EINVAL;
	partial = op->in.len % AES_BLOCK_SIZE;
	if (partial && ctx->alg->block_len > 1)
		return -EINVAL;
	ret = hsm_crypto_cipher_iv(ctx->key, ctx->op == HSM_CTX_ENCRYPT, shm,
				   &op->in, &op->out, ctx->iv);
	if (!ret && partial)
		ctx->state = HSM_CTX_TAIL;
	return ret ?: op->in.len;
}

/*
 * SEAL and OPEN: the whole message at once, in the context's buffer, so
 * that OPEN writes plaintext to the region only once the tag verified.
 */
static long aead_final(struct hsm_ctx *ctx, const struct hsm_shm *shm,
		       const struct hsm_op *op)
{
	bool seal = ctx->op == HSM_CTX_SEAL;
	u32 n = ctx->data_len;
	u8 *data, *tag;
	long ret;

	struct crypto_aead *tfm;

	/* A tag length the algorithm refuses changes nothing (EINVAL). */
	tfm = hsm_key_aead(ctx->key, op->tag.len);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	if (op->out.len < n)
		return -EOVERFLOW;
	/* Init left room for the largest tag (stream_reserve). */
	if (!ctx->stream) {
		ret = stream_reserve(ctx, 0);
		if (ret)
			return ret;
	}
	data = ctx->stream + ctx->aad_len;
	tag = data + n;
	if (!seal)
		memcpy(tag, hsm_shm_ptr(shm, &op->tag), op->tag.len);
	ret = hsm_crypto_aead_inplace(ctx->key, seal, ctx->iv, ctx->alg->iv_len,
				      ctx->stream, ctx->aad_len, n, op->tag.len);
	if (!ret) {
		memcpy(hsm_shm_ptr(shm, &op->out), data, n);
		if (seal)
			memcpy(hsm_shm_ptr(shm, &op->tag), tag, op->tag.len);
	} else if (ret == -EBADMSG) {
		memset(hsm_shm_ptr(shm, &op->out), 0, op->out.len);
	}
	stream_free(ctx);
	return ret ?: n;
}

/*
 * A worker key's Final: the digest, signed (DER) or checked by the
 * worker.  Any signature length is an answer, as for RSA.
 */
static long asym_final(struct hsm_ctx *ctx, const struct hsm_shm *shm,
		       const struct hsm_op *op, u64 deadline_ns)
{
	u32 dlen = crypto_shash_digestsize(ctx->desc->tfm);
	u8 digest[HASH_MAX_DIGESTSIZE];
	long ret;

	if (ctx->op == HSM_CTX_SIGN ? op->tag.len : op->out.len)
		return -EINVAL;
	if (ctx->op == HSM_CTX_SIGN && op->out.len < ctx->key->sig_len)
		return -EOVERFLOW;
	ret = crypto_shash_final(ctx->desc, digest);
	if (!ret && ctx->op == HSM_CTX_SIGN)
		ret = hsm_asym_sign_digest(ctx->key, digest, dlen,
					   hsm_shm_ptr(shm, &op->out),
					   op->out.len, deadline_ns);
	else if (!ret)
		ret = hsm_asym_verify_digest(ctx->key, digest, dlen,
					     hsm_shm_ptr(shm, &op->tag),
					     op->tag.len, deadline_ns);
	memzero_explicit(digest, sizeof(digest));
	return ret;
}

/* SIGN and VERIFY: the digest so far, signed or checked. */
static long sign_final(struct hsm_ctx *ctx, const struct hsm_shm *shm,
		       const struct hsm_op *op)
{
	u32 n = ctx->key->sig_len, dlen = crypto_shash_digestsize(ctx->desc->tfm);
	u8 digest[HASH_MAX_DIGESTSIZE], *sig = NULL;
	long ret;

	if (ctx->op == HSM_CTX_SIGN) {
		if (op->tag.len)
			return -EINVAL;
		if (op->out.len < n)
			return -EOVERFLOW;
	} else {
		if (op->out.len)
			return -EINVAL;
		/*
		 * Any length is an answer, EBADMSG unless it is the modulus':
		 * only that one is copied, so a huge tag costs nothing.
		 */
		if (op->tag.len == n) {
			sig = kmemdup(hsm_shm_ptr(shm, &op->tag), n, GFP_KERNEL);
			if (!sig)
				return -ENOMEM;
		}
	}
	ret = crypto_shash_final(ctx->desc, digest);
	if (!ret && ctx->op == HSM_CTX_SIGN)
		/* Not `?: n`: an int error and a u32 length make an unsigned. */
		ret = hsm_crypto_rsa_sign_digest(ctx->key, digest, dlen,
						 hsm_shm_ptr(shm, &op->out)) ?: (long)n;
	else if (!ret)
		ret = sig ? hsm_crypto_rsa_verify_digest(ctx->key, sig, n,
							 digest, dlen) :
			    -EBADMSG;
	memzero_explicit(digest, sizeof(digest));
	kfree(sig);
	return ret;
}

static long ctx_final(struct hsm_ctx *ctx, const struct hsm_shm *shm,
		      const struct hsm_op *op, u64 deadline_ns)
{
	u8 buf[HASH_MAX_DIGESTSIZE], tag[HASH_MAX_DIGESTSIZE];
	u32 n = ctx->alg->out_len;
	long ret;

	if (ctx->state != HSM_CTX_INITIALIZED && ctx->state != HSM_CTX_UPDATING &&
	    ctx->state != HSM_CTX_TAIL)
		return -EBADFD;

	switch (ctx->op) {
	case HSM_CTX_HASH:
	case HSM_CTX_MAC:
		if (op->tag.len)
			return -EINVAL;
		if (op->out.len < n)
			return -EOVERFLOW;
		ret = crypto_shash_final(ctx->desc, buf);
		if (!ret)
			memcpy(hsm_shm_ptr(shm, &op->out), buf, n);
		memzero_explicit(buf, sizeof(buf));
		return ret ?: n;
	case HSM_CTX_MAC_VERIFY:
		if (op->out.len || op->tag.len < HSM_MAC_MIN_TAG || op->tag.len > n)
			return -EINVAL;
		memcpy(tag, hsm_shm_ptr(shm, &op->tag), op->tag.len);
		ret = crypto_shash_final(ctx->desc, buf);
		if (!ret && crypto_memneq(buf, tag, op->tag.len))
			ret = -EBADMSG;
		memzero_explicit(buf, sizeof(buf));
		return ret;
	case HSM_CTX_ENCRYPT:
	case HSM_CTX_DECRYPT:
		return op->out.len || op->tag.len ? -EINVAL : 0;
	case HSM_CTX_SEAL:
	case HSM_CTX_OPEN:
		return aead_final(ctx, shm, op);
	case HSM_CTX_SIGN:
	case HSM_CTX_VERIFY:
		if (ctx->alg->type == HSM_ALG_ASYM)
			return asym_final(ctx, shm, op, deadline_ns);
		return sign_final(ctx, shm, op);
	}
	return -EINVAL;
}

static void ctx_reset(struct hsm_ctx *ctx)
{
	if (ctx->desc) {
		struct crypto_shash *tfm = ctx->desc->tfm;

		shash_desc_zero(ctx->desc);
		ctx->desc->tfm = tfm;
	}
	memzero_explicit(ctx->iv, sizeof(ctx->iv));
	stream_free(ctx);
	ctx->state = HSM_CTX_CREATED;
}

static bool try_claim(struct hsm_ctx *ctx)
{
	return atomic_cmpxchg_acquire(&ctx->busy, 0, 1) == 0;
}

/*
 * Own the context, waiting at most until deadline_ns (0: no deadline);
 * EINTR for a caller being killed, ECANCELED for a call io_uring canceled.
 */
static int ctx_claim(struct hsm_ctx *ctx, u64 deadline_ns)
{
	long timeout = MAX_SCHEDULE_TIMEOUT, left;
	u64 now;

	if (try_claim(ctx))
		return 0;
	if (deadline_ns) {
		now = ktime_get_ns();
		if (now >= deadline_ns)
			return -ETIMEDOUT;
		timeout = nsecs_to_jiffies(deadline_ns - now) + 1;
	}
	left = hsm_work_wait_timeout(ctx->wq, try_claim(ctx), timeout);
	if (left < 0)
		return hsm_work_stopped();
	return left ? 0 : -ETIMEDOUT;
}

static void ctx_unclaim(struct hsm_ctx *ctx)
{
	atomic_set_release(&ctx->busy, 0);
	wake_up(&ctx->wq);
}

/*
 * A call for the context expired before it could run: like a waiter that
 * gave up, it leaves the context to fail at its next call.
 */
void hsm_ctx_expire(struct hsm_conn *conn, u64 id)
{
	struct hsm_res *res = hsm_restable_get(&conn->res, id, HSM_RES_CTX);

	if (!res)
		return;
	atomic_set(&container_of(res, struct hsm_ctx, res)->expired, 1);
	hsm_res_put(res);
}

long hsm_ctx_release(struct hsm_call *c)
{
	return hsm_restable_remove(&c->conn->res, c->op->handle, HSM_RES_CTX);
}

/* Calls that take long enough not to run in io_uring's submission path. */
static bool ctx_call_is_long(const struct hsm_ctx *ctx, unsigned int cmd)
{
	return cmd == HSM_IOC_CTX_FINAL &&
	       (ctx->op == HSM_CTX_SIGN || ctx->op == HSM_CTX_VERIFY ||
		is_aead(ctx));
}

/* CTX_INIT, CTX_UPDATE, CTX_FINAL and CTX_RESET: one call on a context. */
long hsm_ctx_call(struct hsm_call *c)
{
	struct hsm_conn *conn = c->conn;
	const struct hsm_op *op = c->op;
	unsigned int cmd = c->desc->cmd;
	const struct hsm_shm *shm = &conn->shm;
	struct hsm_res *res;
	struct hsm_ctx *ctx;
	long ret = -EINVAL;

	res = hsm_restable_get(&conn->res, op->handle, HSM_RES_CTX);
	if (!res)
		return -ENOENT;
	ctx = container_of(res, struct hsm_ctx, res);

	if (c->flags & HSM_EXEC_NONBLOCK) {
		/* Never sleep in the submitter's io_uring_enter(). */
		ret = -EAGAIN;
		if (!try_claim(ctx)) {
			hsm_res_put(res);
			return ret;
		}
		if (ctx_call_is_long(ctx, cmd)) {
			ctx_unclaim(ctx);
			hsm_res_put(res);
			return ret;
		}
		ret = 0;
	} else {
		ret = ctx_claim(ctx, c->deadline_ns);
	}
	if (ret) {
		/* Whoever owns it now, the caller's operation is broken. */
		if (ret == -ETIMEDOUT)
			atomic_set(&ctx->expired, 1);
		hsm_res_put(res);
		return ret;
	}
	if (atomic_xchg(&ctx->expired, 0))
		ctx->state = HSM_CTX_FAILED;

	ret = -EINVAL;
	switch (cmd) {
	case HSM_IOC_CTX_INIT:
		ret = ctx_init(ctx, shm, op);
		if (!ret)
			ctx->state = HSM_CTX_INITIALIZED;
		break;
	case HSM_IOC_CTX_UPDATE:
		ret = ctx_update(ctx, shm, op);
		if (ret >= 0 && ctx->state == HSM_CTX_INITIALIZED)
			ctx->state = HSM_CTX_UPDATING;
		break;
	case HSM_IOC_CTX_FINAL:
		ret = ctx_final(ctx, shm, op, c->deadline_ns);
		/* A failed verification still ends the operation. */
		if (ret >= 0 || ret == -EBADMSG)
			ctx->state = HSM_CTX_FINALIZED;
		break;
	case HSM_IOC_CTX_RESET:
		ret = -EBADFD;
		if (ctx->state == HSM_CTX_CREATED ||
		    ctx->state == HSM_CTX_FINALIZED ||
		    ctx->state == HSM_CTX_FAILED) {
			ctx_reset(ctx);
			ret = 0;
		}
		break;
	}
	/*
	 * A failure in the middle of an operation leaves state no one can
	 * trust; misuse (EBADFD) and malformed calls (EINVAL, EOVERFLOW)
	 * are refused before anything changed and leave the state alone.
	 */
	if (ret < 0 && ret != -EBADFD && ret != -EINVAL && ret != -EOVERFLOW &&
	    ret != -ENOSPC && ret != -E2BIG && ret != -EDQUOT &&
	    ret != -EBADMSG &&
	    cmd != HSM_IOC_CTX_RESET)
		ctx->state = HSM_CTX_FAILED;
	ctx_unclaim(ctx);
	hsm_res_put(res);
	return ret;
}
