// SPDX-License-Identifier: GPL-2.0
/*
 * The algorithm table: every name the ABI accepts, mapped to one kernel
 * crypto transform.  Pure data and a lookup, so it also builds natively.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "alg.h"

#define CIPHER_PERMS (HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT | HSM_PERM_WRAP | \
		      HSM_PERM_UNWRAP | HSM_PERM_EXPORT)
#define MAC_PERMS (HSM_PERM_SIGN | HSM_PERM_VERIFY | HSM_PERM_DERIVE | \
		   HSM_PERM_EXPORT)

#define HASH(n, k, o) \
	{ .name = n, .kname = k, .type = HSM_ALG_HASH, .out_len = o }
#define HMAC(n, k, o) \
	{ .name = n, .kname = k, .type = HSM_ALG_MAC, .out_len = o, \
	  .key_min = HSM_HMAC_KEY_MIN, .key_max = HSM_HMAC_KEY_MAX, \
	  .perms = MAC_PERMS }
#define CMAC(n, k, kl) \
	{ .name = n, .kname = k, .type = HSM_ALG_MAC, .key_min = kl, \
	  .key_max = kl, .out_len = 16, \
	  .perms = HSM_PERM_SIGN | HSM_PERM_VERIFY | HSM_PERM_EXPORT }
#define AEAD(n, k, kl, ivl) \
	{ .name = n, .kname = k, .type = HSM_ALG_AEAD, .key_min = kl, \
	  .key_max = kl, .iv_len = ivl, .out_len = 16, .perms = CIPHER_PERMS }
#define CIPHER(n, k, kl, bl, ch) \
	{ .name = n, .kname = k, .type = HSM_ALG_CIPHER, .key_min = kl, \
	  .key_max = kl, .iv_len = 16, .block_len = bl, .chains = ch, \
	  .perms = CIPHER_PERMS }
/* XTS (IEEE 1619): one-shot, any length of at least a block. */
#define XTS(n, kl) \
	{ .name = n, .kname = "xts(aes)", .type = HSM_ALG_CIPHER, \
	  .key_min = kl, .key_max = kl, .iv_len = 16, .block_len = 16, \
	  .steals = true, .perms = CIPHER_PERMS }
/* Key agreement: private keys of kl bytes, public keys of pl bytes. */
#define KPP(n, k, kl, pl, c) \
	{ .name = n, .kname = k, .type = HSM_ALG_KPP, .key_min = kl, \
	  .key_max = kl, .out_len = kl, .pub_len = pl, .curve = c, \
	  .perms = HSM_PERM_AGREE | HSM_PERM_EXPORT }
/* RSASSA-PKCS1-v1_5 with hash h; the key is DER (up to 4096-bit moduli). */
#define RSA(n, k, h) \
	{ .name = n, .kname = k, .type = HSM_ALG_RSA, .key_min = 64, \
	  .key_max = 4096, .hash = h, \
	  .perms = HSM_PERM_SIGN | HSM_PERM_VERIFY | HSM_PERM_EXPORT }
/*
 * Served by the worker (HSM_ALG_F_WORKER): o is the raw signature's size
 * (0: the modulus's), h the hash a PREHASHED digest is of.
 */
#define ASYM(n, o, h) \
	{ .name = n, .type = HSM_ALG_ASYM, .key_min = 1, \
	  .key_max = HSM_WORKER_KEY_MAX, .out_len = o, .hash = h, \
	  .perms = HSM_PERM_SIGN | HSM_PERM_VERIFY | HSM_PERM_EXPORT }
/* Served by the worker: encryption with h for OAEP's hash and MGF1. */
#define ASYM_PKE(n, h) \
	{ .name = n, .type = HSM_ALG_ASYM, .key_min = 1, \
	  .key_max = HSM_WORKER_KEY_MAX, .hash = h, \
	  .perms = HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT | HSM_PERM_EXPORT }
/* AES key wrap: wrapping keys only. */
#define KW(n, kl) \
	{ .name = n, .kname = "kw(aes)", .type = HSM_ALG_KW, .key_min = kl, \
	  .key_max = kl, \
	  .perms = HSM_PERM_WRAP | HSM_PERM_UNWRAP | HSM_PERM_EXPORT }
/* A KDF keyed by an HMAC of kname; out_len is the hash length. */
#define KDF(n, k, o) \
	{ .name = n, .kname = k, .type = HSM_ALG_KDF, .out_len = o }

static const struct hsm_alg algs[] = {
	HASH("sha-256", "sha256", 32),
	HASH("sha-384", "sha384", 48),
	HASH("sha-512", "sha512", 64),
	HASH("sha3-256", "sha3-256", 32),
	HASH("sha3-384", "sha3-384", 48),
	HASH("sha3-512", "sha3-512", 64),
	HMAC("hmac-sha-256", "hmac(sha256)", 32),
	HMAC("hmac-sha-384", "hmac(sha384)", 48),
	HMAC("hmac-sha-512", "hmac(sha512)", 64),
	CMAC("aes-128-cmac", "cmac(aes)", 16),
	CMAC("aes-192-cmac", "cmac(aes)", 24),
	CMAC("aes-256-cmac", "cmac(aes)", 32),
	AEAD("aes-128-gcm", "gcm(aes)", 16, 12),
	AEAD("aes-192-gcm", "gcm(aes)", 24, 12),
	AEAD("aes-256-gcm", "gcm(aes)", 32, 12),
	AEAD("chacha20-poly1305", "rfc7539(chacha20,poly1305)", 32, 12),
	CIPHER("aes-128-cbc", "cbc(aes)", 16, 16, true),
	CIPHER("aes-256-cbc", "cbc(aes)", 32, 16, true),
	CIPHER("aes-128-ctr", "ctr(aes)", 16, 1, true),
	CIPHER("aes-256-ctr", "ctr(aes)", 32, 1, true),
	XTS("aes-128-xts", 32),
	XTS("aes-256-xts", 64),
	KW("aes-128-kw", 16),
	KW("aes-192-kw", 24),
	KW("aes-256-kw", 32),
	KPP("x25519", "curve25519", 32, 32, HSM_CURVE_X25519),
	KPP("ecdh-p256", "ecdh-nist-p256", 32, 64, HSM_CURVE_P256),
	KPP("ecdh-p384", "ecdh-nist-p384", 48, 96, HSM_CURVE_P384),
	RSA("rsa-pkcs1-sha256", "pkcs1pad(rsa,sha256)", "sha-256"),
	RSA("rsa-pkcs1-sha384", "pkcs1pad(rsa,sha384)", "sha-384"),
	RSA("rsa-pkcs1-sha512", "pkcs1pad(rsa,sha512)", "sha-512"),
	ASYM("ecdsa-p256-sha256", 64, "sha-256"),
	ASYM("ecdsa-p384-sha384", 96, "sha-384"),
	ASYM("ed25519", 64, NULL),
	ASYM("rsa-pss-sha256", 0, "sha-256"),
	ASYM("rsa-pss-sha384", 0, "sha-384"),
	ASYM("rsa-pss-sha512", 0, "sha-512"),
	ASYM_PKE("rsa-oaep-sha256", "sha-256"),
	{ .name = "secret", .type = HSM_ALG_SECRET, .key_min = 1,
	  .key_max = HSM_SECRET_MAX, .perms = HSM_PERM_DERIVE | HSM_PERM_EXPORT },
	KDF("hkdf-sha-256", "hmac(sha256)", 32),
	KDF("hkdf-sha-384", "hmac(sha384)", 48),
	KDF("hkdf-sha-512", "hmac(sha512)", 64),
	KDF("kdf108-ctr-hmac-sha-256", "hmac(sha256)", 32),
	KDF("kdf108-ctr-hmac-sha-384", "hmac(sha384)", 48),
	KDF("kdf108-ctr-hmac-sha-512", "hmac(sha512)", 64),
};

/* Look up a NUL-terminated name. */
const struct hsm_alg *hsm_alg_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(algs); i++)
		if (!strcmp(algs[i].name, name))
			return &algs[i];
	return NULL;
}

/*
 * An algorithm named by len bytes without a NUL (a DIGEST's params, a
 * KEY_DERIVE's KDF): EINVAL for a malformed name, EOPNOTSUPP for one
 * this module does not know.
 */
const struct hsm_alg *hsm_alg_named(const void *bytes, u32 len, int *err)
{
	char name[HSM_ALG_NAME_LEN + 1] = { 0 };
	const struct hsm_alg *alg;

	*err = -EINVAL;
	if (!len || len > HSM_ALG_NAME_LEN)
		return NULL;
	memcpy(name, bytes, len);
	if (strlen(name) != len)
		return NULL;
	alg = hsm_alg_find(name);
	if (!alg)
		*err = -EOPNOTSUPP;
	return alg;
}

/*
 * May a key of alg carry these permissions and flags?  Beyond what the
 * algorithm can use at all, two pairs never share a key, so that one
 * permission cannot stand in for another (docs/threat-model.md, "Key
 * usage"): wrapping and data encryption (UNWRAP of a ciphertext would be
 * DECRYPT, WRAP of an imported secret ENCRYPT), and derivation and MAC on
 * an HMAC key (SP 800-108 over an HMAC key outputs HMAC tags).
 */
int hsm_alg_check_attrs(const struct hsm_alg *alg, u64 perms, u32 flags)
{
	const u64 wrap = HSM_PERM_WRAP | HSM_PERM_UNWRAP;
	const u64 crypt = HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT;
	const u64 mac = HSM_PERM_SIGN | HSM_PERM_VERIFY;

	if (perms & ~alg->perms || flags & ~HSM_KEY_F_ALL)
		return -EINVAL;
	if ((perms & wrap) && (perms & crypt))
		return -EINVAL;
	if (alg->type == HSM_ALG_MAC && (perms & HSM_PERM_DERIVE) &&
	    (perms & mac))
		return -EINVAL;
	return 0;
}

/*
 * Names the module knows but nothing serves here: KWP (the kernel's kw(aes)
 * has no padding mode), and the post-quantum schemes, which Debian 12's
 * OpenSSL 3.0 lacks (they came in 3.5).
 */
static const struct {
	const char *name;
	enum hsm_alg_kind kind;
} unsupported[] = {
	{ "aes-256-kwp", HSM_ALG_KIND_WRAP },
	{ "ml-kem-768", HSM_ALG_KIND_AGREE },
	{ "ml-dsa-65", HSM_ALG_KIND_SIGN },
};

static const enum hsm_alg_kind kinds[] = {
	[HSM_ALG_HASH] = HSM_ALG_KIND_HASH,
	[HSM_ALG_MAC] = HSM_ALG_KIND_MAC,
	[HSM_ALG_AEAD] = HSM_ALG_KIND_AEAD,
	[HSM_ALG_CIPHER] = HSM_ALG_KIND_CIPHER,
	[HSM_ALG_SECRET] = HSM_ALG_KIND_SECRET,
	[HSM_ALG_KDF] = HSM_ALG_KIND_KDF,
	[HSM_ALG_KPP] = HSM_ALG_KIND_AGREE,
	[HSM_ALG_RSA] = HSM_ALG_KIND_SIGN,
	[HSM_ALG_KW] = HSM_ALG_KIND_WRAP,
	[HSM_ALG_ASYM] = HSM_ALG_KIND_SIGN,
};

/* A worker key signs, or (OAEP) encrypts. */
static enum hsm_alg_kind kind_of(const struct hsm_alg *alg)
{
	if (alg->type == HSM_ALG_ASYM && (alg->perms & HSM_PERM_ENCRYPT))
		return HSM_ALG_KIND_CIPHER;
	return kinds[alg->type];
}

unsigned int hsm_alg_count(void)
{
	return ARRAY_SIZE(algs) + ARRAY_SIZE(unsupported);
}

/*
 * Entry i of the GET_ALGS list; i < hsm_alg_count().  A worker's
 * algorithm is supported only while a worker is attached.
 */
void hsm_alg_describe(unsigned int i, bool worker, struct hsm_alg_info *out)
{
	memset(out, 0, sizeof(*out));
	if (i >= ARRAY_SIZE(algs)) {
		i -= ARRAY_SIZE(algs);
		strscpy(out->name, unsupported[i].name, sizeof(out->name));
		out->kind = unsupported[i].kind;
		return;
	}
	strscpy(out->name, algs[i].name, sizeof(out->name));
	out->kind = kind_of(&algs[i]);
	if (algs[i].type != HSM_ALG_ASYM)
		out->flags = HSM_ALG_F_SUPPORTED;
	else
		out->flags = HSM_ALG_F_WORKER | (worker ? HSM_ALG_F_SUPPORTED : 0);
	out->perms = algs[i].perms;
	out->key_min = algs[i].key_min;
	out->key_max = algs[i].key_max;
	out->out_len = algs[i].out_len;
	out->iv_len = algs[i].iv_len;
}
