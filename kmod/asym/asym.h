/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Worker keys (HSM_ALG_ASYM): ECDSA, Ed25519 and RSA-PSS, kept here and
 * computed by the attached worker (worker/worker.h).
 */
#ifndef HSM_ASYM_H
#define HSM_ASYM_H

#include <linux/types.h>

struct hsm_alg;
struct hsm_call;
struct hsm_key;
struct hsm_key_params;

int hsm_asym_key_init(struct hsm_key *key);
void hsm_asym_key_exit(struct hsm_key *key);
int hsm_asym_new(struct hsm_call *c, const struct hsm_key_params *p,
		 const struct hsm_alg *alg, bool import);
int hsm_asym_unwrapped(struct hsm_call *c, const struct hsm_key_params *p,
		       const struct hsm_alg *alg, const u8 *m, u32 len);
long hsm_asym_sign(struct hsm_call *c);
long hsm_asym_verify(struct hsm_call *c);
long hsm_asym_public(struct hsm_call *c);
const u8 *hsm_asym_spki(const struct hsm_key *key, u32 *len);
long hsm_asym_encrypt(struct hsm_call *c);
long hsm_asym_sign_digest(const struct hsm_key *key, const u8 *digest,
			  u32 dlen, u8 *out, u32 out_len, u64 deadline_ns);
long hsm_asym_verify_digest(const struct hsm_key *key, const u8 *digest,
			    u32 dlen, const u8 *sig, u32 sig_len,
			    u64 deadline_ns);
long hsm_asym_decrypt(struct hsm_call *c);

#endif /* HSM_ASYM_H */
