// SPDX-License-Identifier: GPL-2.0
/*
 * Worker keys: the module holds them and checks every rule; the worker
 * only computes.  Each operation sends the worker the part of the key it
 * needs (the PKCS#8 to sign, the SPKI to verify) and the caller's input,
 * and takes back the signature, or the new key's material.
 */
#include <crypto/sha2.h>
#include <linux/err.h>
#include <linux/uio.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../alg.h"
#include "../cmdtab.h"
#include "../conn.h"
#include "../crypto/hash.h"
#include "../key.h"
#include "../shm.h"
#include "../worker/worker.h"
#include "asym.h"
#include "der.h"

/* The longest signature: RSA-4096; an ECDSA P-384 DER signature is 104. */
#define SIG_MAX		512

static const u8 *spki_of(const struct hsm_key *key)
{
	return key->material + key->priv_len;
}

static u32 spki_len(const struct hsm_key *key)
{
	return key->len - key->priv_len;
}

static bool is_ecdsa(const struct hsm_alg *alg)
{
	return !strncmp(alg->name, "ecdsa-", 6);
}

static bool is_rsa(const struct hsm_alg *alg)
{
	return !strncmp(alg->name, "rsa-", 4);
}

/* An RSA key that signs: PSS, or PKCS#1 v1.5 when the call asks. */
static bool is_rsa_signer(const struct hsm_alg *alg)
{
	return !strncmp(alg->name, "rsa-pss-", 8);
}

/* The longest signature the key makes, in the form the flags ask for. */
static u32 sig_max(const struct hsm_key *key, u32 flags)
{
	return flags & HSM_OP_F_RAW && is_ecdsa(key->alg) ? key->alg->out_len
							  : key->sig_len;
}

/*
 * Check the material's parts, and learn the signature size: ECDSA's DER
 * is two INTEGERs of the field's size, each perhaps a byte longer, in a
 * SEQUENCE; RSA's is the modulus.
 */
/*
 * The names the worker's cache gives the key's parts: SHA-256 of the
 * PKCS#8 (zero for a public key) and of the SPKI, the bytes requests
 * carry them in.
 */
static int evict_id(struct hsm_key *key)
{
	const u32 half = HSM_WORKER_EVICT_LEN / 2;
	struct kvec part;
	int ret = 0;

	BUILD_BUG_ON(HSM_WORKER_EVICT_LEN != 2 * SHA256_DIGEST_SIZE);
	if (key->priv_len) {
		part = (struct kvec){ key->material, key->priv_len };
		ret = hsm_crypto_digest_parts("sha256", NULL, 0, &part, 1,
					      key->evict_id);
	}
	part = (struct kvec){ (void *)spki_of(key), spki_len(key) };
	return ret ?: hsm_crypto_digest_parts("sha256", NULL, 0, &part, 1,
					      key->evict_id + half);
}

int hsm_asym_key_init(struct hsm_key *key)
{
	const u8 *pub;
	u32 pub_len, n;

	if (hsm_der_split_key(key->material, key->len, &key->priv_len) ||
	    hsm_der_spki_key(spki_of(key), spki_len(key), &pub, &pub_len))
		return -EINVAL;
	key->public_only = !key->priv_len;
	if (key->public_only && (key->perms & HSM_PERM_SIGN))
		return -EINVAL;
	if (is_rsa(key->alg)) {
		if (hsm_der_rsa_modulus_len(pub, pub_len, &n) ||
		    (n != 256 && n != 384 && n != 512))
			return -EINVAL;
		key->sig_len = n;
	} else if (is_ecdsa(key->alg)) {
		key->sig_len = 2 * (key->alg->out_len / 2 + 3) + 2;
	} else {
		key->sig_len = key->alg->out_len;
	}
	return evict_id(key);
}

/* The key goes: the worker forgets what it parsed of it. */
void hsm_asym_key_exit(struct hsm_key *key)
{
	if (memchr_inv(key->evict_id, 0, sizeof(key->evict_id)))
		hsm_worker_evict(key->evict_id);
}

/*
 * A new key from what the worker made (GENERATE) or checked (IMPORT of in,
 * with flags): the module keeps its PKCS#8 and SPKI.
 */
static int asym_make(struct hsm_call *c, const struct hsm_key_params *p,
		     const struct hsm_alg *alg, u32 worker_op, u32 flags,
		     const u8 *in, u32 in_len)
{
	const bool import = worker_op == HSM_WORKER_IMPORT;
	struct hsm_wreq r = {
		.hdr = { .op = worker_op, .flags = flags, .in_len = in_len,
			 .out_max = HSM_WORKER_KEY_MAX },
		.in = in,
	};
	struct hsm_key *key;
	u32 priv_len;
	long len;
	u8 *m;

	strscpy(r.hdr.alg, alg->name, sizeof(r.hdr.alg));
	r.hdr.bits = import ? 0 : p->key_len * 8;
	m = kmalloc(HSM_WORKER_KEY_MAX, GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	r.out = m;
	len = hsm_worker_call(&r, c->deadline_ns);
	/* A public key asked for must be one (the worker says so too). */
	if (len >= 0 && (flags & HSM_OP_F_PUBLIC) &&
	    !hsm_der_split_key(m, len, &priv_len) && priv_len)
		len = -EIO;
	if (len >= 0) {
		key = hsm_key_create(alg, m, len, p->perms, p->flags);
		/* What the worker made must hold; else it is the worker's fault. */
		len = IS_ERR(key) ? PTR_ERR(key) : hsm_key_publish(&c->conn->res,
								  key, &c->value);
		if (len == -EINVAL && !import)
			len = -EIO;
	}
	kfree_sensitive(m);
	return len;
}

/* KEY_GENERATE and KEY_IMPORT of a worker key. */
int hsm_asym_new(struct hsm_call *c, const struct hsm_key_params *p,
		 const struct hsm_alg *alg, bool import)
{
	const struct hsm_op *op = c->op;

	if (import ? p->key_len || !op->in.len || op->in.len > HSM_WORKER_KEY_MAX
		   : is_rsa(alg) != !!p->key_len)
		return -EINVAL;
	if (!import && is_rsa(alg) && p->key_len != 256 && p->key_len != 384 &&
	    p->key_len != 512)
		return -EINVAL;
	if (!import)
		return asym_make(c, p, alg, HSM_WORKER_GENERATE, op->flags, NULL, 0);
	return asym_make(c, p, alg, HSM_WORKER_IMPORT, op->flags,
			 hsm_shm_ptr(&c->conn->shm, &op->in), op->in.len);
}

/*
 * KEY_UNWRAP of a worker key: m is the PKCS#8 and SPKI a KEY_WRAP carried
 * out.  The worker imports the PKCS#8 alone and derives the public key
 * from it again, so that no unwrapped SPKI can name another key than the
 * one that signs (which KEY_PUBLIC and KEY_ATTEST would then vouch for).
 */
int hsm_asym_unwrapped(struct hsm_call *c, const struct hsm_key_params *p,
		       const struct hsm_alg *alg, const u8 *m, u32 len)
{
	u32 priv_len;

	if (hsm_der_split_key(m, len, &priv_len))
		return -EINVAL;
	if (!priv_len)
		return asym_make(c, p, alg, HSM_WORKER_IMPORT, HSM_OP_F_PUBLIC,
				 m, len);
	return asym_make(c, p, alg, HSM_WORKER_IMPORT, 0, m, priv_len);
}

/* The key's SubjectPublicKeyInfo, for KEY_ATTEST's statement. */
const u8 *hsm_asym_spki(const struct hsm_key *key, u32 *len)
{
	*len = spki_len(key);
	return spki_of(key);
}

/*
 * The checks SIGN and VERIFY share; the hash length a digest must have.
 * RAW is ECDSA's r || s, or with PKCS1 the DigestInfo to pad (whose
 * length the worker checks against the modulus).
 */
static int sig_args(const struct hsm_key *key, const struct hsm_op *op)
{
	const struct hsm_alg *hash = key->alg->hash ? hsm_alg_find(key->alg->hash)
						    : NULL;
	bool pkcs1 = op->flags & HSM_OP_F_PKCS1;

	if (pkcs1 && !is_rsa_signer(key->alg))
		return -EINVAL;
	if ((op->flags & HSM_OP_F_RAW) && !is_ecdsa(key->alg) && !pkcs1)
		return -EINVAL;
	if (pkcs1 && (op->flags & HSM_OP_F_RAW) &&
	    (op->flags & HSM_OP_F_PREHASHED))
		return -EINVAL;
	if (op->flags & HSM_OP_F_PREHASHED) {
		if (!hash || op->in.len != hash->out_len)
			return -EINVAL;
	}
	return op->in.len > HSM_WORKER_MSG_MAX ? -E2BIG : 0;
}

/* The worker's signature of in (a message, or a digest), into out. */
static long worker_sign(const struct hsm_key *key, u32 flags, const u8 *in,
			u32 in_len, u8 *out, u32 out_len, u64 deadline_ns)
{
	struct hsm_wreq r = {
		.hdr = { .op = HSM_WORKER_SIGN, .flags = flags,
			 .key_len = key->priv_len, .in_len = in_len,
			 .out_max = min_t(u32, out_len, SIG_MAX) },
		.key = key->material, .in = in, .out = out,
	};

	if (key->public_only)
		return -EPERM;
	if (out_len < sig_max(key, flags))
		return -EOVERFLOW;
	strscpy(r.hdr.alg, key->alg->name, sizeof(r.hdr.alg));
	return hsm_worker_call(&r, deadline_ns);
}

/* The worker's check of sig over in: 0 or EBADMSG. */
static long worker_verify(const struct hsm_key *key, u32 flags, const u8 *in,
			  u32 in_len, const u8 *sig, u32 sig_len, u64 deadline_ns)
{
	struct hsm_wreq r = {
		.hdr = { .op = HSM_WORKER_VERIFY, .flags = flags,
			 .key_len = spki_len(key), .in_len = in_len,
			 .in2_len = sig_len },
		.key = spki_of(key), .in = in, .in2 = sig,
	};
	long ret;

	/* No signature of this key is that long: it cannot verify. */
	if (!sig_len || sig_len > SIG_MAX)
		return -EBADMSG;
	strscpy(r.hdr.alg, key->alg->name, sizeof(r.hdr.alg));
	ret = hsm_worker_call(&r, deadline_ns);
	return ret > 0 ? -EIO : ret;
}

long hsm_asym_sign(struct hsm_call *c)
{
	const struct hsm_op *op = c->op;
	const struct hsm_shm *shm = &c->conn->shm;
	int ret = c->key->public_only ? -EPERM : sig_args(c->key, op);

	if (ret)
		return ret;
	return worker_sign(c->key, op->flags, hsm_shm_ptr(shm, &op->in),
			   op->in.len, hsm_shm_ptr(shm, &op->out), op->out.len,
			   c->deadline_ns);
}

long hsm_asym_verify(struct hsm_call *c)
{
	const struct hsm_op *op = c->op;
	const struct hsm_shm *shm = &c->conn->shm;
	int ret = sig_args(c->key, op);

	if (ret)
		return ret;
	return worker_verify(c->key, op->flags, hsm_shm_ptr(shm, &op->in),
			     op->in.len, hsm_shm_ptr(shm, &op->tag), op->tag.len,
			     c->deadline_ns);
}

/* A signature context's Final: the digest it hashed, signed (DER). */
long hsm_asym_sign_digest(const struct hsm_key *key, const u8 *digest,
			  u32 dlen, u8 *out, u32 out_len, u64 deadline_ns)
{
	return worker_sign(key, HSM_OP_F_PREHASHED, digest, dlen, out, out_len,
			   deadline_ns);
}

long hsm_asym_verify_digest(const struct hsm_key *key, const u8 *digest,
			    u32 dlen, const u8 *sig, u32 sig_len,
			    u64 deadline_ns)
{
	return worker_verify(key, HSM_OP_F_PREHASHED, digest, dlen, sig,
			     sig_len, deadline_ns);
}

/* KEY_PUBLIC: the SPKI, or the raw key inside it; no worker needed. */
long hsm_asym_public(struct hsm_call *c)
{
	const struct hsm_key *key = c->key;
	const struct hsm_op *op = c->op;
	const u8 *pub = spki_of(key);
	u32 len = spki_len(key);

	if ((op->flags & HSM_OP_F_RAW) &&
	    hsm_der_spki_key(spki_of(key), spki_len(key), &pub, &len))
		return -EIO;
	if (op->out.len < len)
		return -EOVERFLOW;
	memcpy(hsm_shm_ptr(&c->conn->shm, &op->out), pub, len);
	return len;
}

/* RSAES-OAEP with SHA-256: 2 hash lengths and 2 bytes of every block. */
#define OAEP_OVERHEAD	(2 * 32 + 2)

/* What ENCRYPT and DECRYPT share: no IV; the label, bounded. */
static int oaep_args(const struct hsm_op *op)
{
	if (op->iv.len)
		return -EINVAL;
	return op->aad.len > HSM_WORKER_LABEL_MAX ? -E2BIG : 0;
}

static long oaep_call(struct hsm_call *c, u32 worker_op, const u8 *key,
		      u32 key_len, u32 out_max)
{
	const struct hsm_op *op = c->op;
	const struct hsm_shm *shm = &c->conn->shm;
	struct hsm_wreq r = {
		.hdr = { .op = worker_op, .key_len = key_len, .in_len = op->in.len,
			 .in2_len = op->aad.len, .out_max = out_max },
		.key = key,
		.in = hsm_shm_ptr(shm, &op->in),
		.in2 = hsm_shm_ptr(shm, &op->aad),
		.out = hsm_shm_ptr(shm, &op->out),
	};

	strscpy(r.hdr.alg, c->key->alg->name, sizeof(r.hdr.alg));
	return hsm_worker_call(&r, c->deadline_ns);
}

long hsm_asym_encrypt(struct hsm_call *c)
{
	const struct hsm_key *key = c->key;
	const struct hsm_op *op = c->op;
	long ret = oaep_args(op);

	if (ret)
		return ret;
	if (op->in.len > key->sig_len - OAEP_OVERHEAD)
		return -EINVAL;
	if (op->out.len < key->sig_len)
		return -EOVERFLOW;
	return oaep_call(c, HSM_WORKER_ENCRYPT, spki_of(key), spki_len(key),
			 key->sig_len);
}

long hsm_asym_decrypt(struct hsm_call *c)
{
	const struct hsm_key *key = c->key;
	const struct hsm_op *op = c->op;
	long ret = oaep_args(op);

	if (ret)
		return ret;
	if (key->public_only)
		return -EPERM;
	/* Only a whole block can decrypt; any other is as bad as a wrong one. */
	if (op->in.len != key->sig_len)
		return -EBADMSG;
	if (op->out.len < key->sig_len - OAEP_OVERHEAD)
		return -EOVERFLOW;
	return oaep_call(c, HSM_WORKER_DECRYPT, key->material, key->priv_len,
			 key->sig_len - OAEP_OVERHEAD);
}
