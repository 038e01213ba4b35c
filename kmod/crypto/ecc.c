// SPDX-License-Identifier: GPL-2.0
/*
 * The form in which the kernel's ECC library takes and gives private
 * scalars.  The module keeps every NIST private key as a big-endian
 * scalar (the ABI's form).  Up to 6.9, ecc_gen_privkey(),
 * ecc_make_pub_key() and crypto_ecdh_shared_secret() took and gave that
 * form too (swapping it to digits inside); 6.10 (01474b70a779, "crypto:
 * ecdh & ecc - Initialize ctx->private_key in proper byte order") made
 * them take native digits, least significant first.  The prototypes did
 * not change, so no compile probe can tell: at load, 2*G tells which form
 * this kernel wants.  Public keys and shared secrets stay big-endian in
 * both.
 */
#include <linux/kernel.h>	/* <crypto/internal/ecc.h> needs DIV_ROUND_UP() */
#include <crypto/ecdh.h>
#include <crypto/internal/ecc.h>
#include <linux/cache.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "ecc.h"

#define P256_DIGITS	4
#define P256_BYTES	(P256_DIGITS * sizeof(u64))

/* True where the ECC library takes private scalars as native digits. */
static bool priv_native __ro_after_init;

/*
 * The x coordinate of 2*G on P-256, big-endian.  Not 1*G: the library's
 * Co-Z ladder computes (d+n)*G and is degenerate for d = 1 (its last
 * step would divide by the point at infinity), so it refuses that key.
 */
static const u8 p256_2g_x[P256_BYTES] = {
	0x7c, 0xf2, 0x7b, 0x18, 0x8d, 0x03, 0x4f, 0x7e,
	0x8a, 0x52, 0x38, 0x03, 0x04, 0xb5, 0x1a, 0xc3,
	0xc0, 0x89, 0x69, 0xe2, 0x77, 0xf2, 0x1b, 0x35,
	0xa6, 0x0b, 0x48, 0xfc, 0x47, 0x66, 0x99, 0x78,
};

/* Is d*G = 2*G, for d given in the library's form? */
static int is_2g(const u64 *d, bool *yes)
{
	u64 pub[2 * P256_DIGITS];
	int ret;

	ret = ecc_make_pub_key(ECC_CURVE_NIST_P256, P256_DIGITS, d, pub);
	/* Not a valid key in this form (-EAGAIN, -EINVAL): not this form. */
	*yes = !ret && !memcmp(pub, p256_2g_x, P256_BYTES);
	return ret == -ENOMEM ? ret : 0;
}

int hsm_ecc_init(void)
{
	u8 two_be[P256_BYTES] = {};
	u64 two_native[P256_DIGITS] = { 2 };
	bool yes;
	int ret;

	two_be[P256_BYTES - 1] = 2;
	ret = is_2g((const u64 *)two_be, &yes);
	if (ret)
		return ret;
	if (yes) {
		priv_native = false;
		return 0;
	}
	ret = is_2g(two_native, &yes);
	if (ret)
		return ret;
	if (!yes) {
		pr_err("ecc: the kernel's ECC library takes private keys in neither known form\n");
		return -ENOPKG;
	}
	priv_native = true;
	return 0;
}

/* A big-endian scalar of ndigits digits, in the library's form. */
void hsm_ecc_priv_to_kernel(const u8 *be, u64 *out, unsigned int ndigits)
{
	if (priv_native)
		ecc_swap_digits(be, out, ndigits);
	else
		memcpy(out, be, ndigits * sizeof(u64));
}

/* A scalar in the library's form, as ndigits * 8 big-endian bytes. */
void hsm_ecc_priv_from_kernel(const u64 *in, u8 *be, unsigned int ndigits)
{
	u64 tmp[ECC_MAX_DIGITS];

	if (!priv_native) {
		memcpy(be, in, ndigits * sizeof(u64));
		return;
	}
	/* Swapping digits and bytes is its own inverse. */
	ecc_swap_digits(in, tmp, ndigits);
	memcpy(be, tmp, ndigits * sizeof(u64));
	memzero_explicit(tmp, sizeof(tmp));
}
