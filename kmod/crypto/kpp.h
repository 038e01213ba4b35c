/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CRYPTO_KPP_H
#define HSM_CRYPTO_KPP_H

#include <linux/types.h>

struct hsm_key;

/*
 * The shared secret with peer, or (peer == NULL) the key's public key.
 * -EINVAL for a peer key the curve refuses; -EDOM for a valid P-256/P-384
 * input the kernel's ECC library cannot compute (someone else must).
 */
int hsm_crypto_kpp(struct hsm_key *key, const u8 *peer, u32 peer_len, u8 *out,
		   u32 out_len);

#endif /* HSM_CRYPTO_KPP_H */
