/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_SLOT_H
#define HSM_SLOT_H

#include <linux/types.h>
#include <uapi/linux/hsm.h>

struct hsm_call;

long hsm_slot_store(struct hsm_call *c);
long hsm_slot_open(struct hsm_call *c);
long hsm_slot_delete(struct hsm_call *c);
long hsm_slot_list(struct hsm_call *c);
long hsm_slot_seal(struct hsm_call *c);
long hsm_slot_unseal(struct hsm_call *c);
void hsm_slot_exit(void);

#endif /* HSM_SLOT_H */
