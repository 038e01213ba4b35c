/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CRYPTO_KW_H
#define HSM_CRYPTO_KW_H

#include <linux/types.h>

struct hsm_key;

/* RFC 3394: the integrity value that wrapping adds. */
enum { HSM_KW_ICV_LEN = 8 };

int hsm_crypto_kw(struct hsm_key *key, bool wrap, const u8 *in, u32 in_len,
		  u8 *out);

#endif /* HSM_CRYPTO_KW_H */
