// SPDX-License-Identifier: GPL-2.0
/*
 * Data-plane commands: keys and one-shot operations.  The command arrives
 * as a private copy; its refs are checked against the region, then the
 * command runs and, if asked, its completion record is written.
 */
#include <linux/err.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/ktime.h>

#include "alg.h"
#include "conn.h"
#include "crypto.h"
#include "ctx.h"
#include "key.h"
#include "op.h"
#include "params.h"
#include "slot.h"
#include "snp/snp.h"
#include "validate.h"

static void *region(const struct hsm_shm *shm, const struct hsm_ref *ref)
{
	return shm->base + ref->off;
}

/*
 * Read and check the parameters of a key to create; *len is the key size
 * they ask for (0 when only the material to import can tell).
 */
static int key_params(const struct hsm_shm *shm, const struct hsm_op *op,
		      struct hsm_key_params *p, const struct hsm_alg **alg,
		      u32 *len)
{
	if (op->params.len != sizeof(*p))
		return -EINVAL;
	memcpy(p, region(shm, &op->params), sizeof(*p));
	if (hsm_check_alg_name(p->alg, sizeof(p->alg)) ||
	    memchr_inv(p->reserved, 0, sizeof(p->reserved)) ||
	    p->flags & ~HSM_KEY_F_ALL || p->perms & ~HSM_PERM_ALL)
		return -EINVAL;
	*alg = hsm_alg_find(p->alg);
	if (!*alg)
		return -EOPNOTSUPP;
	if (!(*alg)->key_max || hsm_alg_check_attrs(*alg, p->perms, p->flags))
		return -EINVAL;
	*len = p->key_len ?: hsm_alg_fixed_key_len(*alg);
	if (*len && (*len < (*alg)->key_min || *len > (*alg)->key_max))
		return -EINVAL;
	return 0;
}

/*
 * A key made from another (derived, agreed, unwrapped) is exportable only
 * if that one is: else exporting the new key would carry the old one's
 * secret, or what it protects, out of the module.
 */
static int may_inherit(const struct hsm_key *base,
		       const struct hsm_key_params *p)
{
	return p->flags & HSM_KEY_F_EXPORTABLE &&
	       !(base->flags & HSM_KEY_F_EXPORTABLE) ? -EPERM : 0;
}

/* Put a new key with this material into the connection's table. */
static int key_add(struct hsm_conn *conn, const struct hsm_alg *alg,
		   const u8 *material, u32 len, const struct hsm_key_params *p,
		   u64 *id)
{
	struct hsm_key *key;
	int ret;

	key = hsm_key_create(alg, material, len, p->perms, p->flags);
	if (IS_ERR(key))
		return PTR_ERR(key);
	ret = hsm_restable_add(&conn->res, &key->res);
	if (ret) {
		hsm_key_put(key);
		return ret;
	}
	pr_debug("key %llx created (%s)\n", key->res.id, alg->name);
	*id = key->res.id;
	return 0;
}

/* KEY_GENERATE and KEY_IMPORT: returns 0 and the new ID in *id. */
static int key_create(struct hsm_conn *conn, const struct hsm_op *op,
		      bool import, u64 *id)
{
	const struct hsm_shm *shm = &conn->shm;
	const struct hsm_alg *alg;
	struct hsm_key_params p;
	u8 *material;
	u32 len;
	int ret;

	ret = key_params(shm, op, &p, &alg, &len);
	if (ret)
		return ret;
	if (import) {
		if ((len && op->in.len != len) || op->in.len < alg->key_min ||
		    op->in.len > alg->key_max)
			return -EINVAL;
		len = op->in.len;
	} else if (alg->type == HSM_ALG_RSA) {
		/* The 6.1 crypto API cannot generate RSA keys. */
		return -EOPNOTSUPP;
	} else if (!len) {
		return -EINVAL;
	}

	material = kmalloc(len, GFP_KERNEL);
	if (!material)
		return -ENOMEM;
	if (import) {
		memcpy(material, region(shm, &op->in), len);
		ret = key_add(conn, alg, material, len, &p, id);
	} else {
		/*
		 * A random NIST scalar is out of range with probability
		 * about 2^-32 (P-256); draw again rather than fail.
		 */
		int tries = alg->type == HSM_ALG_KPP ? 8 : 1;

		do {
			ret = hsm_crypto_random(material, len) ?:
			      key_add(conn, alg, material, len, &p, id);
		} while (ret == -EINVAL && --tries);
	}
	kfree_sensitive(material);
	return ret;
}

/* Wrapping keys are AEAD keys or AES-KW keys. */
static int wrap_type(const struct hsm_key *wk)
{
	return wk->alg->type == HSM_ALG_KW ? HSM_ALG_KW : HSM_ALG_AEAD;
}

/* KEY_WRAP with AES-KW: no iv, aad or tag; out gets len + 8 bytes. */
static long kw_wrap(struct hsm_key *wk, const struct hsm_key *target,
		    const struct hsm_shm *shm, const struct hsm_op *op)
{
	u32 n = target->len + HSM_KW_ICV_LEN;
	u8 *buf;
	int ret;

	if (op->iv.len || op->aad.len || op->tag.len)
		return -EINVAL;
	if (target->len < 2 * HSM_KW_ICV_LEN || target->len % HSM_KW_ICV_LEN)
		return -EINVAL;
	if (op->out.len < n)
		return -EOVERFLOW;
	buf = kmalloc(n, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = hsm_crypto_kw(wk, true, target->material, target->len, buf);
	if (!ret)
		memcpy(region(shm, &op->out), buf, n);
	kfree(buf);
	return ret ?: n;
}

/* KEY_WRAP: an exportable key, encrypted under a wrapping key, into out. */
static long key_wrap(struct hsm_conn *conn, const struct hsm_op *op)
{
	const struct hsm_shm *shm = &conn->shm;
	struct hsm_wrap_params p;
	struct hsm_key *wk, *target;
	long ret;

	if (op->params.len != sizeof(p))
		return -EINVAL;
	memcpy(&p, region(shm, &op->params), sizeof(p));
	if (memchr_inv(p.reserved, 0, sizeof(p.reserved)))
		return -EINVAL;
	wk = hsm_key_get(&conn->res, op->handle);
	if (!wk)
		return -ENOENT;
	target = hsm_key_get(&conn->res, p.key);
	ret = -ENOENT;
	if (!target)
		goto out_wk;
	ret = hsm_key_may(wk, wrap_type(wk), HSM_PERM_WRAP);
	if (ret)
		goto out;
	ret = -EPERM;
	if (!(target->flags & HSM_KEY_F_EXPORTABLE) ||
	    !(target->perms & HSM_PERM_EXPORT))
		goto out;
	if (wk->alg->type == HSM_ALG_KW) {
		ret = kw_wrap(wk, target, shm, op);
		goto out;
	}
	ret = -EOVERFLOW;
	if (op->out.len < target->len)
		goto out;
	ret = hsm_crypto_aead_buf(wk, true, region(shm, &op->iv), op->iv.len,
				  region(shm, &op->aad), op->aad.len,
				  target->material, region(shm, &op->out),
				  target->len, region(shm, &op->tag), op->tag.len);
	if (!ret)
		ret = target->len;
out:
	hsm_key_put(target);
out_wk:
	hsm_key_put(wk);
	return ret;
}

/* KEY_UNWRAP: a new key from material wrapped by KEY_WRAP. */
static int key_unwrap(struct hsm_conn *conn, const struct hsm_op *op, u64 *id)
{
	const struct hsm_shm *shm = &conn->shm;
	const struct hsm_alg *alg;
	struct hsm_key_params p;
	struct hsm_key *wk;
	u8 *material;
	u32 len, klen;
	int ret;

	ret = key_params(shm, op, &p, &alg, &len);
	if (ret)
		return ret;
	wk = hsm_key_get(&conn->res, op->handle);
	if (!wk)
		return -ENOENT;
	ret = hsm_key_may(wk, wrap_type(wk), HSM_PERM_UNWRAP) ?:
	      may_inherit(wk, &p);
	if (ret)
		goto out;
	/* The new key's length: all of in, less AES-KW's integrity value. */
	ret = -EINVAL;
	klen = op->in.len;
	if (wk->alg->type == HSM_ALG_KW) {
		if (op->iv.len || op->aad.len || op->tag.len ||
		    klen < 3 * HSM_KW_ICV_LEN || klen % HSM_KW_ICV_LEN)
			goto out;
		klen -= HSM_KW_ICV_LEN;
	}
	if ((len && klen != len) || klen < alg->key_min || klen > alg->key_max)
		goto out;
	ret = -ENOMEM;
	material = kmalloc(op->in.len, GFP_KERNEL);
	if (!material)
		goto out;
	if (wk->alg->type == HSM_ALG_KW) {
		/* A bounce copy: the region may change under the transform. */
		u8 *in = kmemdup(region(shm, &op->in), op->in.len, GFP_KERNEL);

		ret = in ? hsm_crypto_kw(wk, false, in, op->in.len, material) :
			   -ENOMEM;
		kfree(in);
	} else {
		ret = hsm_crypto_aead_buf(wk, false, region(shm, &op->iv),
					  op->iv.len, region(shm, &op->aad),
					  op->aad.len, region(shm, &op->in),
					  material, klen, region(shm, &op->tag),
					  op->tag.len);
	}
	if (!ret)
		ret = key_add(conn, alg, material, klen, &p, id);
	kfree_sensitive(material);
out:
	hsm_key_put(wk);
	return ret;
}

/*
 * The keys of c's table into out[start...], as far as room goes; returns
 * how many c has.  IDs are shown to their own connection only.
 */
static u32 list_table(const struct hsm_conn *caller, struct hsm_conn *c,
		      struct hsm_key_info *out, u32 room, u32 start)
{
	struct hsm_key_info info;
	struct hsm_res *res;
	unsigned long idx;
	u32 n = 0;

	xa_lock(&c->res.xa);
	xa_for_each(&c->res.xa, idx, res) {
		const struct hsm_key *key;

		if (res->type != HSM_RES_KEY)
			continue;
		key = container_of(res, struct hsm_key, res);
		if (start + n < room) {
			memset(&info, 0, sizeof(info));
			info.connection = c->id;
			info.id = c == caller ? res->id : 0;
			strscpy(info.alg, key->alg->name, sizeof(info.alg));
			info.perms = key->perms;
			info.flags = key->flags;
			info.key_len = key->len;
			info.users = kref_read(&res->ref) - 1;
			memcpy(&out[start + n], &info, sizeof(info));
		}
		n++;
	}
	xa_unlock(&c->res.xa);
	return n;
}

/* KEY_LIST: key metadata, never material. */
static long key_list(struct hsm_conn *conn, const struct hsm_op *op)
{
	struct hsm_key_info *out = region(&conn->shm, &op->out);
	u32 room = op->out.len / sizeof(*out), n = 0;
	struct hsm_conn *c;

	if (op->handle)
		return -EINVAL;
	if (!(op->flags & HSM_OP_F_ALL_CONNECTIONS))
		return list_table(conn, conn, out, room, 0);
	if (!conn->who.admin)
		return -EPERM;
	mutex_lock(&hsm_conns_lock);
	list_for_each_entry(c, &hsm_conns, node)
		n += list_table(conn, c, out, room, n);
	mutex_unlock(&hsm_conns_lock);
	return n;
}

/* KEY_PUBLIC: the public key of a key-agreement key, into out. */
static long key_public(struct hsm_key *key, const struct hsm_shm *shm,
		       const struct hsm_op *op)
{
	u32 n = key->alg->pub_len;
	int ret;

	if (key->alg->type != HSM_ALG_KPP)
		return -EINVAL;
	if (op->out.len < n)
		return -EOVERFLOW;
	ret = hsm_crypto_kpp(key, NULL, 0, region(shm, &op->out), n);
	return ret ?: n;
}

/*
 * KEY_AGREE: a new key whose material is the shared secret of the private
 * key `handle` and the peer public key `in`.
 */
static int key_agree(struct hsm_conn *conn, const struct hsm_op *op, u64 *id)
{
	const struct hsm_shm *shm = &conn->shm;
	const struct hsm_alg *alg;
	struct hsm_key_params p;
	struct hsm_key *priv;
	u8 *secret;
	u32 len, n;
	int ret;

	ret = key_params(shm, op, &p, &alg, &len);
	if (ret)
		return ret;
	priv = hsm_key_get(&conn->res, op->handle);
	if (!priv)
		return -ENOENT;
	ret = -EINVAL;
	if (priv->alg->type != HSM_ALG_KPP)
		goto out_put;
	ret = -EPERM;
	if (!(priv->perms & HSM_PERM_AGREE) || may_inherit(priv, &p))
		goto out_put;
	n = priv->alg->out_len;
	ret = -EINVAL;
	if (op->in.len != priv->alg->pub_len || (len && len != n) ||
	    n < alg->key_min || n > alg->key_max)
		goto out_put;
	ret = -ENOMEM;
	secret = kmalloc(n, GFP_KERNEL);
	if (!secret)
		goto out_put;
	ret = hsm_crypto_kpp(priv, region(shm, &op->in), op->in.len, secret, n);
	if (!ret)
		ret = key_add(conn, alg, secret, n, &p, id);
	kfree_sensitive(secret);
out_put:
	hsm_key_put(priv);
	return ret;
}

/* An algorithm name given as a ref: 1..HSM_ALG_NAME_LEN bytes, no NUL. */
static const struct hsm_alg *alg_ref(const struct hsm_shm *shm,
				     const struct hsm_ref *ref, int *err)
{
	char name[HSM_ALG_NAME_LEN + 1] = { 0 };
	const struct hsm_alg *alg;

	*err = -EINVAL;
	if (!ref->len || ref->len > HSM_ALG_NAME_LEN)
		return NULL;
	memcpy(name, region(shm, ref), ref->len);
	if (strlen(name) != ref->len)
		return NULL;
	alg = hsm_alg_find(name);
	if (!alg)
		*err = -EOPNOTSUPP;
	return alg;
}

/*
 * KEY_DERIVE: a new key from a base key with a KDF.  in = KDF name,
 * iv = salt (HKDF), aad = info (HKDF) or fixed input data (SP800-108).
 */
static int key_derive(struct hsm_conn *conn, const struct hsm_op *op, u64 *id)
{
	const struct hsm_shm *shm = &conn->shm;
	const struct hsm_alg *alg, *kdf;
	struct hsm_key_params p;
	struct hsm_key *base;
	u8 *material;
	u32 len;
	int ret;

	kdf = alg_ref(shm, &op->in, &ret);
	if (!kdf)
		return ret;
	if (kdf->type != HSM_ALG_KDF)
		return -EINVAL;
	/* Each output block hashes info again: bound the work. */
	if (op->iv.len > HSM_KDF_INPUT_MAX || op->aad.len > HSM_KDF_INPUT_MAX)
		return -E2BIG;
	ret = key_params(shm, op, &p, &alg, &len);
	if (ret)
		return ret;
	if (!len)
		return -EINVAL;

	base = hsm_key_get(&conn->res, op->handle);
	if (!base)
		return -ENOENT;
	ret = -EPERM;
	if (!(base->perms & HSM_PERM_DERIVE) || may_inherit(base, &p))
		goto out_put;
	ret = -ENOMEM;
	material = kmalloc(len, GFP_KERNEL);
	if (!material)
		goto out_put;
	ret = hsm_crypto_kdf(kdf, base, region(shm, &op->iv), op->iv.len,
			     region(shm, &op->aad), op->aad.len, material, len);
	if (!ret)
		ret = key_add(conn, alg, material, len, &p, id);
	kfree_sensitive(material);
out_put:
	hsm_key_put(base);
	return ret;
}

static long key_export(struct hsm_key *key, const struct hsm_shm *shm,
		       const struct hsm_op *op)
{
	if (!(key->flags & HSM_KEY_F_EXPORTABLE) ||
	    !(key->perms & HSM_PERM_EXPORT))
		return -EPERM;
	if (op->out.len < key->len)
		return -EOVERFLOW;
	memcpy(region(shm, &op->out), key->material, key->len);
	return key->len;
}

static long digest(const struct hsm_shm *shm, const struct hsm_op *op)
{
	const struct hsm_alg *alg;
	int err;

	alg = alg_ref(shm, &op->params, &err);
	if (!alg)
		return err;
	if (alg->type != HSM_ALG_HASH)
		return -EINVAL;
	return hsm_crypto_digest(alg, shm, op);
}

static long random_bytes(const struct hsm_shm *shm, const struct hsm_op *op)
{
	int ret = hsm_crypto_random(region(shm, &op->out), op->out.len);

	return ret ?: op->out.len;
}

/*
 * BENCH: DIGEST, MAC or SEAL run `iterations` times on the same payloads,
 * checked once like the real command; *value = the nanoseconds they took.
 */
static long bench(struct hsm_conn *conn, const struct hsm_op *op, u64 *value)
{
	const struct hsm_shm *shm = &conn->shm;
	const struct hsm_cmd_desc *desc;
	const struct hsm_alg *alg = NULL;
	struct hsm_key *key = NULL;
	struct hsm_bench_params p;
	struct hsm_op inner;
	u32 i;
	long ret;
	u64 t0;
	int err;

	if (op->params.len != sizeof(p))
		return -EINVAL;
	memcpy(&p, region(shm, &op->params), sizeof(p));
	if (memchr_inv(p.reserved, 0, sizeof(p.reserved)) || !p.iterations ||
	    p.iterations > HSM_BENCH_MAX_ITERATIONS)
		return -EINVAL;
	if (p.cmd != HSM_IOC_DIGEST && p.cmd != HSM_IOC_MAC &&
	    p.cmd != HSM_IOC_SEAL)
		return -EINVAL;
	desc = hsm_cmd_lookup(p.cmd, &err);
	if (!desc)
		return err;
	/* The refs as the real command would have them, and its checks. */
	inner = *op;
	inner.params = (struct hsm_ref){ 0, 0 };
	inner.resp_off = HSM_RESP_NONE;
	if (p.cmd == HSM_IOC_DIGEST) {
		if (hsm_check_alg_name(p.alg, sizeof(p.alg)) || op->handle)
			return -EINVAL;
		alg = hsm_alg_find(p.alg);
		if (!alg)
			return -EOPNOTSUPP;
		if (alg->type != HSM_ALG_HASH)
			return -EINVAL;
		/* DIGEST's params ref names the algorithm: keep it valid. */
		inner.params = op->params;
	} else if (memchr_inv(p.alg, 0, sizeof(p.alg))) {
		return -EINVAL;
	}
	ret = hsm_check_op(desc, &inner, hsm_conn_region_size(conn));
	if (ret)
		return ret;
	if (!alg) {
		key = hsm_key_get(&conn->res, op->handle);
		if (!key)
			return -ENOENT;
		ret = p.cmd == HSM_IOC_MAC ?
		      hsm_key_may(key, HSM_ALG_MAC, HSM_PERM_SIGN) :
		      hsm_key_may(key, HSM_ALG_AEAD, HSM_PERM_ENCRYPT);
		if (ret)
			goto out;
	}

	t0 = ktime_get_ns();
	for (i = 0; i < p.iterations; i++) {
		if (alg)
			ret = hsm_crypto_digest(alg, shm, &inner);
		else if (p.cmd == HSM_IOC_MAC)
			ret = hsm_crypto_mac(key, shm, &inner);
		else
			ret = hsm_crypto_aead(key, true, shm, &inner);
		if (ret < 0)
			goto out;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		cond_resched();
	}
	*value = ktime_get_ns() - t0;
	ret = p.iterations;
out:
	if (key)
		hsm_key_put(key);
	return ret;
}

/* Operations on a key: type and permission first, then the work. */
static long key_op(struct hsm_key *key, unsigned int cmd,
		   const struct hsm_shm *shm, const struct hsm_op *op)
{
	int ret;

	switch (cmd) {
	case HSM_IOC_KEY_EXPORT:
		return key_export(key, shm, op);
	case HSM_IOC_KEY_PUBLIC:
		return key_public(key, shm, op);
	case HSM_IOC_MAC:
		return hsm_key_may(key, HSM_ALG_MAC, HSM_PERM_SIGN) ?:
		       hsm_crypto_mac(key, shm, op);
	case HSM_IOC_MAC_VERIFY:
		return hsm_key_may(key, HSM_ALG_MAC, HSM_PERM_VERIFY) ?:
		       hsm_crypto_mac_verify(key, shm, op);
	case HSM_IOC_SEAL:
	case HSM_IOC_OPEN:
		ret = hsm_key_may(key, HSM_ALG_AEAD, cmd == HSM_IOC_SEAL ?
				  HSM_PERM_ENCRYPT : HSM_PERM_DECRYPT);
		return ret ?: hsm_crypto_aead(key, cmd == HSM_IOC_SEAL, shm, op);
	case HSM_IOC_SIGN:
		return hsm_key_may(key, HSM_ALG_RSA, HSM_PERM_SIGN) ?:
		       hsm_crypto_rsa_sign(key, shm, op);
	case HSM_IOC_VERIFY:
		return hsm_key_may(key, HSM_ALG_RSA, HSM_PERM_VERIFY) ?:
		       hsm_crypto_rsa_verify(key, shm, op);
	case HSM_IOC_ENCRYPT:
	case HSM_IOC_DECRYPT:
		ret = hsm_key_may(key, HSM_ALG_CIPHER, cmd == HSM_IOC_ENCRYPT ?
				  HSM_PERM_ENCRYPT : HSM_PERM_DECRYPT);
		return ret ?: hsm_crypto_cipher(key, cmd == HSM_IOC_ENCRYPT, shm, op);
	}
	return -ENOTTY;
}

static long dispatch(struct hsm_conn *conn, unsigned int cmd,
		     const struct hsm_op *op, u64 deadline_ns,
		     unsigned int flags, u64 *value)
{
	const struct hsm_shm *shm = &conn->shm;
	struct hsm_key *key;
	long ret;

	switch (cmd) {
	case HSM_IOC_KEY_GENERATE:
	case HSM_IOC_KEY_IMPORT:
		return key_create(conn, op, cmd == HSM_IOC_KEY_IMPORT, value);
	case HSM_IOC_KEY_DERIVE:
		return key_derive(conn, op, value);
	case HSM_IOC_KEY_AGREE:
		return key_agree(conn, op, value);
	case HSM_IOC_KEY_WRAP:
		return key_wrap(conn, op);
	case HSM_IOC_KEY_UNWRAP:
		return key_unwrap(conn, op, value);
	case HSM_IOC_KEY_LIST:
		return key_list(conn, op);
	case HSM_IOC_KEY_RELEASE:
		return hsm_restable_remove(&conn->res, op->handle, HSM_RES_KEY);
	case HSM_IOC_SLOT_STORE:
	case HSM_IOC_SLOT_OPEN:
	case HSM_IOC_SLOT_DELETE:
	case HSM_IOC_SLOT_LIST:
	case HSM_IOC_SLOT_SEAL:
	case HSM_IOC_SLOT_UNSEAL:
		return hsm_slot_call(conn, cmd, op, value);
	case HSM_IOC_SNP_REPORT:
	case HSM_IOC_SNP_EXT_REPORT:
	case HSM_IOC_SNP_DERIVE_KEY:
	case HSM_IOC_SNP_SIM_SETUP:
		return hsm_snp_call(conn, cmd, op, value);
	case HSM_IOC_CTX_CREATE:
		return hsm_ctx_create(conn, op, value);
	case HSM_IOC_CTX_INIT:
	case HSM_IOC_CTX_UPDATE:
	case HSM_IOC_CTX_FINAL:
	case HSM_IOC_CTX_RESET:
		return hsm_ctx_call(conn, cmd, op, deadline_ns, flags);
	case HSM_IOC_CTX_RELEASE:
		return hsm_restable_remove(&conn->res, op->handle, HSM_RES_CTX);
	case HSM_IOC_DIGEST:
		return op->handle ? -EINVAL : digest(shm, op);
	case HSM_IOC_RANDOM:
		return op->handle ? -EINVAL : random_bytes(shm, op);
	case HSM_IOC_BENCH:
		return bench(conn, op, value);
	}

	key = hsm_key_get(&conn->res, op->handle);
	if (!key)
		return -ENOENT;
	ret = key_op(key, cmd, shm, op);
	hsm_key_put(key);
	return ret;
}

long hsm_op_exec(struct hsm_conn *conn, const struct hsm_cmd_desc *desc,
		 const struct hsm_op *op, u64 deadline_ns, unsigned int flags)
{
	u64 value = 0;
	long ret;

	if (!(flags & HSM_EXEC_CHECKED)) {
		ret = hsm_check_op(desc, op, hsm_conn_region_size(conn));
		if (ret)
			return ret;
	}
	/*
	 * Data-plane commands only count against the limit (a GET_STATS
	 * polled meanwhile does not); past it a command is refused before
	 * it can wait for anything.
	 */
	if (atomic_inc_return(&conn->ops_inflight) > hsm_max_inflight) {
		ret = -EBUSY;
	} else if (deadline_ns && ktime_get_ns() >= deadline_ns) {
		/* Expired before it ran: a context it was for fails too. */
		ret = -ETIMEDOUT;
		if (_IOC_NR(desc->cmd) >= _IOC_NR(HSM_IOC_CTX_INIT) &&
		    _IOC_NR(desc->cmd) <= _IOC_NR(HSM_IOC_CTX_RESET))
			hsm_ctx_expire(conn, op->handle);
	} else {
		ret = dispatch(conn, desc->cmd, op, deadline_ns, flags, &value);
	}
	atomic_dec(&conn->ops_inflight);
	/* Not answered yet: it comes back from an io-wq worker. */
	if (ret == -EAGAIN && (flags & HSM_EXEC_NONBLOCK))
		return ret;
	hsm_op_answer(conn, op, ret, value);
	return ret;
}

/* Write op's completion record, if it asked for one. */
void hsm_op_answer(struct hsm_conn *conn, const struct hsm_op *op, long ret,
		   u64 value)
{
	struct hsm_resp *resp;

	if (op->resp_off == HSM_RESP_NONE)
		return;
	resp = conn->shm.base + op->resp_off;
	WRITE_ONCE(resp->value, value);
	WRITE_ONCE(resp->status, hsm_status_from_errno(ret));
	WRITE_ONCE(resp->reserved[0], 0);
	WRITE_ONCE(resp->reserved[1], 0);
	WRITE_ONCE(resp->result, ret);
}
