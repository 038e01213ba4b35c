// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring_cmd_done(cmd, ret, res2, issue_flags) and task-work callbacks
 * that receive issue_flags (9d2789ac9d60, v6.3, backported to 6.1.y).
 */
#include <linux/fs.h>
/* Wherever the API lives: a probe must not fail for the header's path. */
#if __has_include(<linux/io_uring/cmd.h>)
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif

static void cb(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	io_uring_cmd_done(cmd, 0, 0, issue_flags);
}

void probe(struct io_uring_cmd *cmd);
void probe(struct io_uring_cmd *cmd)
{
	io_uring_cmd_complete_in_task(cmd, cb);
}
