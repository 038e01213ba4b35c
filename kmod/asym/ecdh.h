/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ECDH by the worker, for the valid P-256/P-384 inputs the kernel's ECC
 * library cannot compute (see ecdh.c).
 */
#ifndef HSM_ASYM_ECDH_H
#define HSM_ASYM_ECDH_H

#include <linux/types.h>

struct hsm_key;

int hsm_ecdh_worker_public(const struct hsm_key *key, u8 *pub);
long hsm_ecdh_worker_agree(const struct hsm_key *key, const u8 *peer,
			   u32 peer_len, u8 *secret, u32 n, u64 deadline_ns);

#endif /* HSM_ASYM_ECDH_H */
