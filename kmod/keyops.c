// SPDX-License-Identifier: GPL-2.0
/*
 * The key commands: make a key (GENERATE, IMPORT, DERIVE, AGREE, UNWRAP),
 * carry one out (EXPORT, WRAP, PUBLIC), list and release them.  Every new
 * key passes hsm_key_create()'s attribute rules and may_inherit() here.
 */
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "alg.h"
#include "asym/asym.h"
#include "asym/ecdh.h"
#include "cmdtab.h"
#include "conn.h"
#include "crypto.h"
#include "key.h"
#include "keyops.h"
#include "shm.h"
#include "validate.h"

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
	memcpy(p, hsm_shm_ptr(shm, &op->params), sizeof(*p));
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

	key = hsm_key_create(alg, material, len, p->perms, p->flags);
	if (IS_ERR(key))
		return PTR_ERR(key);
	return hsm_key_publish(&conn->res, key, id);
}

/*
 * KEY_GENERATE and KEY_IMPORT: returns 0 and the new ID in *id.  Not
 * key_create(), which later kernels' <linux/key.h> declare (6.12 does).
 */
static int key_new(struct hsm_call *c, bool import)
{
	struct hsm_conn *conn = c->conn;
	const struct hsm_op *op = c->op;
	u64 *id = &c->value;
	const struct hsm_shm *shm = &conn->shm;
	const struct hsm_alg *alg;
	struct hsm_key_params p;
	u8 *material;
	u32 len;
	int ret;

	ret = key_params(shm, op, &p, &alg, &len);
	if (ret)
		return ret;
	/* A key the module made, and only such a key, says so. */
	if (!import)
		p.flags |= HSM_KEY_F_LOCAL;
	if (alg->type == HSM_ALG_ASYM)
		return hsm_asym_new(c, &p, alg, import);
	if (op->flags)
		return -EINVAL;
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
		memcpy(material, hsm_shm_ptr(shm, &op->in), len);
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

long hsm_key_generate(struct hsm_call *c)
{
	return key_new(c, false);
}

long hsm_key_import(struct hsm_call *c)
{
	return key_new(c, true);
}

/*
 * KEY_DERIVE: a new key from a base key with a KDF.  in = KDF name,
 * iv = salt (HKDF), aad = info (HKDF) or fixed input data (SP800-108).
 */
long hsm_key_derive(struct hsm_call *c)
{
	struct hsm_conn *conn = c->conn;
	const struct hsm_op *op = c->op;
	const struct hsm_shm *shm = &conn->shm;
	const struct hsm_alg *alg, *kdf;
	struct hsm_key_params p;
	struct hsm_key *base;
	u8 *material;
	u32 len;
	int ret;

	kdf = hsm_alg_named(hsm_shm_ptr(shm, &op->in), op->in.len, &ret);
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
	ret = hsm_crypto_kdf(kdf, base, hsm_shm_ptr(shm, &op->iv), op->iv.len,
			     hsm_shm_ptr(shm, &op->aad), op->aad.len, material, len);
	if (!ret)
		ret = key_add(conn, alg, material, len, &p, &c->value);
	kfree_sensitive(material);
out_put:
	hsm_key_put(base);
	return ret;
}

/* The shared secret of priv and peer, from the kernel or else the worker. */
static long agree_secret(const struct hsm_call *c, struct hsm_key *priv,
			 const u8 *peer_shm, u32 peer_len, u8 *secret, u32 n)
{
	u8 *peer;
	long ret;

	/* One read of the caller's point: the worker gets the checked one. */
	peer = kmemdup(peer_shm, peer_len, GFP_KERNEL);
	if (!peer)
		return -ENOMEM;
	ret = hsm_crypto_kpp(priv, peer, peer_len, secret, n);
	if (ret == -EDOM)
		ret = hsm_ecdh_worker_agree(priv, peer, peer_len, secret, n,
					    c->deadline_ns);
	kfree(peer);
	return ret;
}

/*
 * KEY_AGREE: a new key whose material is the shared secret of the private
 * key `handle` and the peer public key `in`.
 */
long hsm_key_agree(struct hsm_call *c)
{
	struct hsm_conn *conn = c->conn;
	const struct hsm_op *op = c->op;
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
	ret = agree_secret(c, priv, hsm_shm_ptr(shm, &op->in), op->in.len,
			   secret, n);
	if (!ret)
		ret = key_add(conn, alg, secret, n, &p, &c->value);
	kfree_sensitive(secret);
out_put:
	hsm_key_put(priv);
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
	long ret;

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
		memcpy(hsm_shm_ptr(shm, &op->out), buf, n);
	kfree(buf);
	return ret ?: n;
}

/* KEY_WRAP: an exportable key, encrypted under a wrapping key, into out. */
long hsm_key_wrap(struct hsm_call *c)
{
	struct hsm_conn *conn = c->conn;
	const struct hsm_op *op = c->op;
	const struct hsm_shm *shm = &conn->shm;
	struct hsm_wrap_params p;
	struct hsm_key *wk, *target;
	long ret;

	if (op->params.len != sizeof(p))
		return -EINVAL;
	memcpy(&p, hsm_shm_ptr(shm, &op->params), sizeof(p));
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
	ret = hsm_crypto_aead_buf(wk, true, hsm_shm_ptr(shm, &op->iv), op->iv.len,
				  hsm_shm_ptr(shm, &op->aad), op->aad.len,
				  target->material, hsm_shm_ptr(shm, &op->out),
				  target->len, hsm_shm_ptr(shm, &op->tag), op->tag.len);
	if (!ret)
		ret = target->len;
out:
	hsm_key_put(target);
out_wk:
	hsm_key_put(wk);
	return ret;
}

/* KEY_UNWRAP: a new key from material wrapped by KEY_WRAP. */
long hsm_key_unwrap(struct hsm_call *c)
{
	struct hsm_conn *conn = c->conn;
	const struct hsm_op *op = c->op;
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
		u8 *in = kmemdup(hsm_shm_ptr(shm, &op->in), op->in.len, GFP_KERNEL);

		ret = in ? hsm_crypto_kw(wk, false, in, op->in.len, material) :
			   -ENOMEM;
		kfree(in);
	} else {
		ret = hsm_crypto_aead_buf(wk, false, hsm_shm_ptr(shm, &op->iv),
					  op->iv.len, hsm_shm_ptr(shm, &op->aad),
					  op->aad.len, hsm_shm_ptr(shm, &op->in),
					  material, klen, hsm_shm_ptr(shm, &op->tag),
					  op->tag.len);
	}
	if (!ret)
		ret = alg->type == HSM_ALG_ASYM ?
		      hsm_asym_unwrapped(c, &p, alg, material, klen) :
		      key_add(conn, alg, material, klen, &p, &c->value);
	kfree_sensitive(material);
out:
	hsm_key_put(wk);
	return ret;
}

long hsm_key_export(struct hsm_call *c)
{
	const struct hsm_key *key = c->key;
	/* A worker key's private part; its public part is KEY_PUBLIC's. */
	u32 len = key->alg->type == HSM_ALG_ASYM && key->priv_len ?
		  key->priv_len : key->len;

	if (!(key->flags & HSM_KEY_F_EXPORTABLE) ||
	    !(key->perms & HSM_PERM_EXPORT))
		return -EPERM;
	if (c->op->out.len < len)
		return -EOVERFLOW;
	memcpy(hsm_shm_ptr(&c->conn->shm, &c->op->out), key->material, len);
	return len;
}

/* KEY_PUBLIC: the public key of a key-agreement or worker key, into out. */
long hsm_key_public(struct hsm_call *c)
{
	u32 n = c->key->alg->pub_len;
	long ret;

	if (c->key->alg->type == HSM_ALG_ASYM)
		return hsm_asym_public(c);
	if (c->key->alg->type != HSM_ALG_KPP || c->op->flags)
		return -EINVAL;

	if (c->op->out.len < n)
		return -EOVERFLOW;
	ret = hsm_crypto_kpp(c->key, NULL, 0,
			     hsm_shm_ptr(&c->conn->shm, &c->op->out), n);
	return ret ?: n;
}

long hsm_key_release(struct hsm_call *c)
{
	return hsm_restable_remove(&c->conn->res, c->op->handle, HSM_RES_KEY);
}

/* KEY_LIST's cursor over one or every connection's table. */
struct key_lister {
	const struct hsm_conn *caller;
	const struct hsm_conn *owner;	/* of the table being walked */
	struct hsm_key_info *out;
	u32 room;
	u32 n;
};

/* One key into out[n], if it fits; IDs are shown to their own connection. */
static void list_key(struct hsm_res *res, void *arg)
{
	struct key_lister *l = arg;
	struct hsm_key_info info;

	if (l->n < l->room) {
		hsm_key_describe(container_of(res, struct hsm_key, res), &info);
		info.connection = l->owner->id;
		info.id = l->owner == l->caller ? res->id : 0;
		memcpy(&l->out[l->n], &info, sizeof(info));
	}
	l->n++;
}

static void list_conn(struct hsm_conn *conn, void *arg)
{
	struct key_lister *l = arg;

	l->owner = conn;
	hsm_restable_for_each(&conn->res, HSM_RES_KEY, list_key, l);
}

/* KEY_LIST: key metadata, never material; returns how many keys there are. */
long hsm_key_list(struct hsm_call *c)
{
	struct key_lister l = {
		.caller = c->conn,
		.out = hsm_shm_ptr(&c->conn->shm, &c->op->out),
		.room = c->op->out.len / sizeof(struct hsm_key_info),
	};

	if (!(c->op->flags & HSM_OP_F_ALL_CONNECTIONS))
		list_conn(c->conn, &l);
	else if (c->conn->who.admin)
		hsm_conn_for_each(list_conn, &l);
	else
		return -EPERM;
	return l.n;
}

/* KEY_INFO: one key's metadata, as KEY_LIST shows it, never material. */
long hsm_key_show(struct hsm_call *c)
{
	struct hsm_key_info info;

	if (c->op->out.len < sizeof(info))
		return -EOVERFLOW;
	hsm_key_describe(c->key, &info);
	info.connection = c->conn->id;
	info.id = c->op->handle;
	info.users--;	/* not the reference this call holds */
	memcpy(hsm_shm_ptr(&c->conn->shm, &c->op->out), &info, sizeof(info));
	return sizeof(info);
}
