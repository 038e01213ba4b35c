/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_KEYOPS_H
#define HSM_KEYOPS_H

struct hsm_call;

long hsm_key_generate(struct hsm_call *c);
long hsm_key_import(struct hsm_call *c);
long hsm_key_derive(struct hsm_call *c);
long hsm_key_agree(struct hsm_call *c);
long hsm_key_wrap(struct hsm_call *c);
long hsm_key_unwrap(struct hsm_call *c);
long hsm_key_export(struct hsm_call *c);
long hsm_key_public(struct hsm_call *c);
long hsm_key_release(struct hsm_call *c);
long hsm_key_list(struct hsm_call *c);
long hsm_key_show(struct hsm_call *c);

#endif /* HSM_KEYOPS_H */
