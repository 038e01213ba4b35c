/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CRYPTO_RNG_H
#define HSM_CRYPTO_RNG_H

#include <linux/types.h>

int hsm_crypto_init(void);
void hsm_crypto_exit(void);
int hsm_crypto_random(void *buf, size_t len);

#endif /* HSM_CRYPTO_RNG_H */
