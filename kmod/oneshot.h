/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_ONESHOT_H
#define HSM_ONESHOT_H

struct hsm_call;

long hsm_oneshot_digest(struct hsm_call *c);
long hsm_oneshot_random(struct hsm_call *c);
long hsm_oneshot_mac(struct hsm_call *c);
long hsm_oneshot_mac_verify(struct hsm_call *c);
long hsm_oneshot_seal(struct hsm_call *c);
long hsm_oneshot_open(struct hsm_call *c);
long hsm_oneshot_encrypt(struct hsm_call *c);
long hsm_oneshot_decrypt(struct hsm_call *c);
long hsm_oneshot_sign(struct hsm_call *c);
long hsm_oneshot_verify(struct hsm_call *c);

#endif /* HSM_ONESHOT_H */
