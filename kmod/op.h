/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_OP_H
#define HSM_OP_H

#include <linux/types.h>
#include <uapi/linux/hsm.h>

struct hsm_cmd_desc;
struct hsm_conn;

long hsm_op_exec(struct hsm_conn *conn, const struct hsm_cmd_desc *desc,
		 const struct hsm_op *op, u64 deadline_ns);

#endif /* HSM_OP_H */
