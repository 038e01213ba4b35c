/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_OP_H
#define HSM_OP_H

#include <linux/types.h>
#include <uapi/linux/hsm.h>

struct hsm_cmd_desc;
struct hsm_conn;

/*
 * The caller may not sleep waiting (io_uring's inline issue): a command
 * that would wait for a busy context, or run long, returns -EAGAIN having
 * done nothing, to be issued again from an io-wq worker.
 */
#define HSM_EXEC_NONBLOCK	(1U << 0)
/*
 * The caller has checked the op (hsm_check_op()) in a copy that userspace
 * can no longer change: a VECTOR's entries are checked before any runs.
 */
#define HSM_EXEC_CHECKED	(1U << 1)

long hsm_op_exec(struct hsm_conn *conn, const struct hsm_cmd_desc *desc,
		 const struct hsm_op *op, u64 deadline_ns, unsigned int flags);
void hsm_op_answer(struct hsm_conn *conn, const struct hsm_op *op, long ret,
		   u64 value);

#endif /* HSM_OP_H */
