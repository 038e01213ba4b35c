// SPDX-License-Identifier: GPL-2.0
/*
 * The command funnel.  ioctl and io_uring both end here: look the number up,
 * copy the argument once into a kernel buffer, validate that copy, run the
 * one switch, and wipe the copy.  Nothing is read from userspace twice.
 */
#include <linux/string.h>
#include <linux/ktime.h>
#include <linux/uaccess.h>

#include "cmd.h"
#include "compat.h"
#include "conn.h"
#include "info.h"
#include "op.h"
#include "params.h"
#include "selftest.h"
#include "stats.h"
#include "validate.h"
#include "work.h"

union cmd_arg {
	struct hsm_get_info get_info;
	struct hsm_conn_config conn_config;
	struct hsm_get_algs get_algs;
	struct hsm_selftest selftest;
	struct hsm_get_stats get_stats;
	struct hsm_shm_setup shm_setup;
	struct hsm_op op;
	u64 raw[HSM_CMD_MAX_SIZE / sizeof(u64)];
};

/* Data-plane commands this large leave the io_uring submission path. */
enum { INLINE_MAX = 4096 };

static u64 op_bytes(const struct hsm_op *op)
{
	u64 n = 0;
	unsigned int i;

	for (i = 0; i < HSM_REF_NR; i++)
		n += hsm_op_ref(op, i)->len;
	return n;
}

static long vector(struct hsm_conn *conn, const struct hsm_op *op,
		   u64 start_ns, unsigned int flags);

static long exec(struct hsm_conn *conn, const struct hsm_cmd_desc *desc,
		 const union cmd_arg *arg, u64 start_ns, unsigned int flags)
{
	long ret;

	if (desc->cmd == HSM_IOC_VECTOR)
		return vector(conn, &arg->op, start_ns, flags);
	if (desc->op) {
		/* The caller's submission time, if earlier, starts the clock. */
		u64 submit = arg->op.submit_ns;

		if (submit && submit < start_ns)
			start_ns = submit;
		return hsm_op_exec(conn, desc, &arg->op,
				   hsm_conn_deadline(conn, arg->op.timeout_ms,
						     start_ns), flags);
	}

	switch (desc->cmd) {
	case HSM_IOC_GET_INFO:
		return hsm_check_get_info(&arg->get_info) ?:
		       hsm_info_get(conn, &arg->get_info);
	case HSM_IOC_GET_STATS:
		return hsm_check_get_stats(&arg->get_stats) ?:
		       hsm_stats_get(conn, &arg->get_stats);
	case HSM_IOC_SELFTEST:
		return hsm_check_selftest(&arg->selftest) ?: hsm_selftest_run();
	case HSM_IOC_GET_ALGS:
		return hsm_check_get_algs(&arg->get_algs) ?:
		       hsm_info_algs(&arg->get_algs);
	case HSM_IOC_CONN_CONFIG:
		ret = hsm_check_conn_config(&arg->conn_config);
		if (!ret)
			WRITE_ONCE(conn->timeout_ms, arg->conn_config.timeout_ms);
		return ret;
	case HSM_IOC_SHM_SETUP:
		return hsm_check_shm_setup(&arg->shm_setup, hsm_max_region_size,
					   PAGE_SIZE) ?:
		       hsm_conn_shm_setup(conn, arg->shm_setup.size);
	}
	/* The descriptor table knows a command this switch does not. */
	WARN_ONCE(1, "command %s has no handler\n", desc->name);
	return -ENOTTY;
}

/*
 * exec(), counted: every command that reaches a handler is counted once,
 * when it is answered (not when it goes to io-wq to be issued again).
 */
static long exec_counted(struct hsm_conn *conn, const struct hsm_cmd_desc *desc,
			 const union cmd_arg *arg, u64 start_ns,
			 unsigned int flags)
{
	u64 in = 0, out = 0;
	long ret;

	hsm_stats_begin(&conn->stats);
	ret = exec(conn, desc, arg, start_ns, flags);
	if (ret == -EAGAIN && (flags & HSM_EXEC_NONBLOCK)) {
		hsm_stats_retry(&conn->stats);
		return ret;
	}
	/* A vector's entries count their own bytes. */
	if (desc->op && ret >= 0 && desc->cmd != HSM_IOC_VECTOR)
		hsm_op_bytes(desc, &arg->op, &in, &out);
	hsm_stats_end(&conn->stats, _IOC_NR(desc->cmd), ret, in, out);
	return ret;
}

/*
 * VECTOR: the entries are copied once and every one is checked before any
 * runs, so that each is sure to answer in its record; then each runs, and
 * is counted, as if it had come alone.  In io_uring's non-blocking issue a
 * vector with an entry that could sleep or run long goes to io-wq whole.
 */
static long vector(struct hsm_conn *conn, const struct hsm_op *op,
		   u64 start_ns, unsigned int flags)
{
	const u64 region = hsm_conn_region_size(conn);
	const struct hsm_cmd_desc *desc;
	struct hsm_vec_entry *v;
	u32 n = op->in.len / sizeof(*v), i;
	long ret;
	int err;

	ret = hsm_check_op(hsm_cmd_lookup(HSM_IOC_VECTOR, &err), op, region);
	if (ret)
		return ret;
	if (op->handle || !n || n > HSM_VECTOR_MAX || op->in.len % sizeof(*v))
		return -EINVAL;
	v = hsm_conn_vec_get(conn, n);
	if (!v)
		return -ENOMEM;
	memcpy(v, conn->shm.base + op->in.off, op->in.len);

	ret = 0;
	for (i = 0; i < n && !ret; i++) {
		desc = hsm_cmd_lookup(v[i].cmd, &err);
		if (!desc || !desc->op || v[i].cmd == HSM_IOC_VECTOR ||
		    v[i].reserved0 || v[i].op.resp_off == HSM_RESP_NONE ||
		    hsm_check_op(desc, &v[i].op, region))
			ret = -EINVAL;
		else if ((flags & HSM_EXEC_NONBLOCK) &&
			 (desc->may_block || op_bytes(&v[i].op) > INLINE_MAX ||
			  (_IOC_NR(v[i].cmd) >= _IOC_NR(HSM_IOC_CTX_INIT) &&
			   _IOC_NR(v[i].cmd) <= _IOC_NR(HSM_IOC_CTX_RESET))))
			ret = -EAGAIN;	/* to io-wq, before anything ran */
	}
	if (ret)
		goto out;

	for (i = 0; i < n; i++) {
		u64 in = 0, out = 0, start = start_ns;
		u64 submit = v[i].op.submit_ns;
		long r;

		/* Between entries: others' turn, and a kill ends the rest. */
		if (i && hsm_work_yield()) {
			for (; i < n; i++)
				hsm_op_answer(conn, &v[i].op, -EINTR, 0);
			break;
		}
		if (submit && submit < start)
			start = submit;
		desc = hsm_cmd_lookup(v[i].cmd, &err);
		hsm_stats_begin(&conn->stats);
		r = hsm_op_exec(conn, desc, &v[i].op,
				hsm_conn_deadline(conn, v[i].op.timeout_ms, start),
				(flags & ~HSM_EXEC_NONBLOCK) | HSM_EXEC_CHECKED);
		if (r >= 0)
			hsm_op_bytes(desc, &v[i].op, &in, &out);
		hsm_stats_end(&conn->stats, _IOC_NR(v[i].cmd), r, in, out);
	}
	ret = n;
out:
	/* Its own record too, unless it comes back from io-wq. */
	if (ret != -EAGAIN || !(flags & HSM_EXEC_NONBLOCK))
		hsm_op_answer(conn, op, ret, 0);
	hsm_conn_vec_put(conn, v);
	return ret;
}

long hsm_cmd_ioctl(struct hsm_conn *conn, unsigned int cmd, void __user *uarg)
{
	u64 start_ns = ktime_get_ns();
	const struct hsm_cmd_desc *desc;
	union cmd_arg arg;
	long ret;
	int err;

	desc = hsm_cmd_lookup(cmd, &err);
	if (!desc) {
		hsm_stats_refused(&conn->stats, err);
		return err;
	}
	if (copy_from_user(&arg, uarg, _IOC_SIZE(cmd))) {
		hsm_stats_refused(&conn->stats, -EFAULT);
		return -EFAULT;
	}
	ret = exec_counted(conn, desc, &arg, start_ns, 0);
	memzero_explicit(&arg, sizeof(arg));
	return ret;
}



int hsm_cmd_uring(struct hsm_conn *conn, struct io_uring_cmd *ioucmd,
		  unsigned int issue_flags)
{
	const struct hsm_cmd_desc *desc;
	union cmd_arg arg;
	u64 start_ns;
	int ret, err;

	/*
	 * A command retried from io-wq counts from the retry: io_uring keeps
	 * no per-request state of ours across the punt that a recycled
	 * request could not leave stale.
	 */
	start_ns = ktime_get_ns();
	desc = hsm_cmd_lookup(ioucmd->cmd_op, &err);
	if (!desc) {
		hsm_stats_refused(&conn->stats, err);
		return err;
	}
	/* The command area is 80 bytes only on SQE128 rings. */
	if (!(issue_flags & IO_URING_F_SQE128) || ioucmd->flags) {
		hsm_stats_refused(&conn->stats, -EINVAL);
		return -EINVAL;
	}
	/* io_uring retries -EAGAIN from an io-wq worker, where we may sleep. */
	if (desc->may_block && (issue_flags & IO_URING_F_NONBLOCK))
		return -EAGAIN;

	memcpy(&arg, hsm_uring_cmd_payload(ioucmd), _IOC_SIZE(desc->cmd));
	/* A vector's entries decide for it (vector()). */
	if (desc->op && desc->cmd != HSM_IOC_VECTOR &&
	    (issue_flags & IO_URING_F_NONBLOCK) && op_bytes(&arg.op) > INLINE_MAX) {
		/* Large payloads run on io-wq workers, in parallel. */
		memzero_explicit(&arg, sizeof(arg));
		return -EAGAIN;
	}
	ret = exec_counted(conn, desc, &arg, start_ns,
			   issue_flags & IO_URING_F_NONBLOCK ? HSM_EXEC_NONBLOCK : 0);
	memzero_explicit(&arg, sizeof(arg));
	/*
	 * 6.1's io_uring_cmd() hands a positive result up as if it were an
	 * issue status: inline it is posted as a failed request, and on io-wq
	 * the request is never completed at all.  Post positive results
	 * ourselves; that is correct on every release.
	 */
	if (ret > 0) {
		hsm_uring_cmd_done(ioucmd, ret, issue_flags);
		return -EIOCBQUEUED;
	}
	return ret;
}
