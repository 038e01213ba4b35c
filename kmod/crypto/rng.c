// SPDX-License-Identifier: GPL-2.0
/*
 * The crypto layer's load and unload, and the module's random bytes.
 * Load first asks ecc.c which form the kernel's ECC library wants.
 * The kernel's DRBG (crypto_default_rng, "stdrng") is held from load to
 * unload, so that drawing from it never allocates; unload also frees the
 * hash transforms hash.c keeps.
 */
#include <crypto/rng.h>

#include "ecc.h"
#include "hash.h"
#include "rng.h"

int hsm_crypto_init(void)
{
	return hsm_ecc_init() ?: crypto_get_default_rng();
}

void hsm_crypto_exit(void)
{
	hsm_crypto_hash_exit();
	crypto_put_default_rng();
}

int hsm_crypto_random(void *buf, size_t len)
{
	return crypto_rng_get_bytes(crypto_default_rng, buf, len);
}
