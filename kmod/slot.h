/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_SLOT_H
#define HSM_SLOT_H

#include <linux/types.h>
#include <uapi/linux/hsm.h>

struct hsm_conn;

long hsm_slot_call(struct hsm_conn *conn, unsigned int cmd,
		   const struct hsm_op *op, u64 *id);
void hsm_slot_exit(void);

#endif /* HSM_SLOT_H */
