/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CMD_H
#define HSM_CMD_H

#include <linux/compiler.h>

struct hsm_call;
struct hsm_conn;
struct io_uring_cmd;

long hsm_cmd_ioctl(struct hsm_conn *conn, unsigned int cmd, void __user *arg);
int hsm_cmd_uring(struct hsm_conn *conn, struct io_uring_cmd *ioucmd,
		  unsigned int issue_flags);
long hsm_cmd_vector(struct hsm_call *c);

#endif /* HSM_CMD_H */
