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
};

/*
 * One row of the algorithm table: an ABI name and the kernel transform
 * that implements it.
 */
struct hsm_alg {
	const char *name;	/* ABI name, e.g. "aes-256-gcm" */
	const char *kname;	/* kernel transform, e.g. "gcm(aes)" */
	enum hsm_alg_type type;
	u16 key_len;		/* bytes; 0: variable (HMAC) */
	u16 iv_len;		/* bytes the IV must have */
	u16 out_len;		/* digest or MAC size */
	u16 block_len;		/* lengths must be multiples (CBC, XTS) */
	u64 perms;		/* permissions that make sense for it */
};

/* Variable key sizes (HMAC), in bytes. */
enum {
	HSM_HMAC_KEY_MIN = 16,
	HSM_HMAC_KEY_MAX = 128,
};

const struct hsm_alg *hsm_alg_find(const char *name);

#endif /* HSM_ALG_H */
