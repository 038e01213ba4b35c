/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CRYPTO_ECC_H
#define HSM_CRYPTO_ECC_H

#include <linux/types.h>

int hsm_ecc_init(void);
void hsm_ecc_priv_to_kernel(const u8 *be, u64 *out, unsigned int ndigits);
void hsm_ecc_priv_from_kernel(const u64 *in, u8 *be, unsigned int ndigits);

#endif /* HSM_CRYPTO_ECC_H */
