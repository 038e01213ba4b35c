/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CRYPTO_KDF_H
#define HSM_CRYPTO_KDF_H

#include <linux/types.h>

struct hsm_alg;
struct hsm_key;

int hsm_crypto_kdf(const struct hsm_alg *kdf, const struct hsm_key *base,
		   const u8 *salt, u32 salt_len, const u8 *info, u32 info_len,
		   u8 *out, u32 out_len);

#endif /* HSM_CRYPTO_KDF_H */
