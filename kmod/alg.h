/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_ALG_H
#define HSM_ALG_H

#include <linux/types.h>
#include <uapi/linux/hsm.h>

enum hsm_alg_type {
	HSM_ALG_HASH,
	HSM_ALG_MAC,
	HSM_ALG_AEAD,
	HSM_ALG_CIPHER,
	HSM_ALG_SECRET,		/* raw secret: input of key derivation */
	HSM_ALG_KDF,		/* a key derivation function, not a key */
	HSM_ALG_KPP,		/* key agreement: a private key */
	HSM_ALG_RSA,		/* RSA signatures: DER RSAPrivateKey or RSAPublicKey */
	HSM_ALG_KW,		/* AES key wrap (RFC 3394) */
	HSM_ALG_ASYM,		/* served by the worker: PKCS#8 || SPKI, or SPKI */
	/* No key's type: what a signature command takes, RSA or ASYM. */
	HSM_ALG_SIGNER,
	/* No key's type: what ENCRYPT and DECRYPT take, CIPHER or ASYM. */
	HSM_ALG_ENCRYPTER,
};

/* Curves of HSM_ALG_KPP keys: the values of the kernel's ECC_CURVE_*. */
enum hsm_curve {
	HSM_CURVE_X25519	= 0,
	HSM_CURVE_P256		= 2,	/* ECC_CURVE_NIST_P256 */
	HSM_CURVE_P384		= 3,	/* ECC_CURVE_NIST_P384 */
};

/*
 * One row of the algorithm table: an ABI name and the kernel transform
 * that implements it.
 */
struct hsm_alg {
	const char *name;	/* ABI name, e.g. "aes-256-gcm" */
	const char *kname;	/* kernel transform, e.g. "gcm(aes)" */
	enum hsm_alg_type type;
	u16 key_min;		/* key bytes accepted: key_min..key_max */
	u16 key_max;
	u16 iv_len;		/* bytes the IV must have */
	u16 out_len;		/* digest or MAC size; ASYM: raw signature size */
	u16 block_len;		/* lengths must be multiples (CBC, XTS) */
	u16 pub_len;		/* KPP: public key bytes */
	u16 curve;		/* KPP: enum hsm_curve */
	bool chains;		/* CIPHER: the output IV continues the stream */
	bool steals;		/* CIPHER: ciphertext stealing, any length >= a block */
	const char *hash;	/* RSA, ASYM: the ABI name of the message hash */
	u64 perms;		/* permissions that make sense for it */
};

/* Variable key sizes, in bytes. */
enum {
	HSM_HMAC_KEY_MIN = 16,
	HSM_HMAC_KEY_MAX = 128,
	HSM_SECRET_MAX = 16320,		/* 255 * 64: the longest HKDF output */
};

/*
 * The longest IV or nonce an algorithm takes (an AES block): the size of
 * every buffer an IV is copied into.
 */
enum { HSM_IV_MAX = 16 };

/* A key size the algorithm has when the caller names none; 0 if it varies. */
static inline u16 hsm_alg_fixed_key_len(const struct hsm_alg *alg)
{
	return alg->key_min == alg->key_max ? alg->key_min : 0;
}

const struct hsm_alg *hsm_alg_find(const char *name);
const struct hsm_alg *hsm_alg_named(const void *bytes, u32 len, int *err);
int hsm_alg_check_attrs(const struct hsm_alg *alg, u64 perms, u32 flags);
unsigned int hsm_alg_count(void);
void hsm_alg_describe(unsigned int i, bool worker, struct hsm_alg_info *out);

#endif /* HSM_ALG_H */
