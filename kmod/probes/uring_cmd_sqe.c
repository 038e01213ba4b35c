// SPDX-License-Identifier: GPL-2.0
/* struct io_uring_cmd points at the whole SQE (6.4 and later). */
#include <linux/fs.h>
/* Wherever the API lives: a probe must not fail for the header's path. */
#if __has_include(<linux/io_uring/cmd.h>)
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif

const void *probe(struct io_uring_cmd *cmd);
const void *probe(struct io_uring_cmd *cmd)
{
	return io_uring_sqe_cmd(cmd->sqe);
}
