// SPDX-License-Identifier: GPL-2.0
/*
 * The command funnel.  ioctl and io_uring both end here: look the number up
 * in the command table, copy the argument once into a kernel buffer,
 * validate that copy against the row, call the row's handler, and wipe the
 * copy.  Nothing is read from userspace twice.
 */
#include <linux/string.h>
#include <linux/ktime.h>
#include <linux/uaccess.h>

#include "cmd.h"
#include "cmdtab.h"
#include "compat.h"
#include "conn.h"
#include "ctx.h"
#include "key.h"
#include "params.h"
#include "shm.h"
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
	struct hsm_worker_attach worker_attach;
	struct hsm_worker_cmd worker_cmd;
	struct hsm_op op;
	u64 raw[HSM_CMD_MAX_SIZE / sizeof(u64)];
};

static u64 op_bytes(const struct hsm_op *op)
{
	u64 n = 0;
	unsigned int i;

	for (i = 0; i < HSM_REF_NR; i++)
		n += hsm_op_ref(op, i)->len;
	return n;
}

/* The op's deadline: the caller's submission time, if earlier, starts it. */
static u64 op_deadline(const struct hsm_conn *conn, const struct hsm_op *op,
		       u64 start_ns)
{
	if (op->submit_ns && op->submit_ns < start_ns)
		start_ns = op->submit_ns;
	return hsm_conn_deadline(conn, op->timeout_ms, start_ns);
}

/* Write op's completion record, if it asked for one. */
static void answer(struct hsm_conn *conn, const struct hsm_op *op, long ret,
		   u64 value)
{
	const struct hsm_ref rec = { .off = op->resp_off,
				     .len = sizeof(struct hsm_resp) };
	struct hsm_resp *resp;

	if (op->resp_off == HSM_RESP_NONE)
		return;
	resp = hsm_shm_ptr(&conn->shm, &rec);
	WRITE_ONCE(resp->value, value);
	WRITE_ONCE(resp->status, hsm_status_of(ret));
	WRITE_ONCE(resp->reserved[0], 0);
	WRITE_ONCE(resp->reserved[1], 0);
	WRITE_ONCE(resp->result, ret);
}

/* The row's handler, with the rights and the key the row asks for. */
static long run_row(struct hsm_call *c)
{
	const struct hsm_cmd_desc *desc = c->desc;
	struct hsm_key *key;
	long ret;

	if ((desc->cls & HSM_CMD_PRIV) && !c->conn->who.admin)
		return -EPERM;
	if (desc->handle != HSM_HANDLE_KEY)
		return desc->run(c);
	key = hsm_key_get(&c->conn->res, c->op->handle);
	if (!key)
		return -ENOENT;
	ret = hsm_key_may(key, desc->key_type, desc->key_perm);
	if (!ret) {
		c->key = key;
		ret = desc->run(c);
		c->key = NULL;
	}
	hsm_key_put(key);
	return ret;
}

/*
 * A data-plane command: checked against the region, held to max_inflight
 * and its deadline, run, and answered in its completion record.  A command
 * that failed its checks has no record it can be trusted to name.
 */
static long run_op(struct hsm_call *c)
{
	struct hsm_conn *conn = c->conn;
	long ret;

	if (!(c->flags & HSM_EXEC_CHECKED)) {
		ret = hsm_check_op(c->desc, c->op, hsm_conn_region_size(conn));
		if (ret)
			return ret;
	}
	if (!(c->desc->cls & HSM_CMD_INFLIGHT)) {
		ret = run_row(c);
	} else if (atomic_inc_return(&conn->ops_inflight) > hsm_max_inflight) {
		/* Past the limit a command is refused before it can wait. */
		ret = -EBUSY;
		atomic_dec(&conn->ops_inflight);
	} else {
		if (c->deadline_ns && ktime_get_ns() >= c->deadline_ns) {
			/* Expired before it ran: a context it was for fails too. */
			ret = -ETIMEDOUT;
			if (c->desc->cls & HSM_CMD_CTX)
				hsm_ctx_expire(conn, c->op->handle);
		} else {
			ret = run_row(c);
		}
		atomic_dec(&conn->ops_inflight);
	}
	/* Not answered yet: it comes back from an io-wq worker. */
	if (ret == -EAGAIN && (c->flags & HSM_EXEC_NONBLOCK))
		return ret;
	/*
	 * Results travel as s32 (hsm_resp.result, cqe->res): lengths are
	 * bounded by the region, so anything larger is an int error turned
	 * unsigned on its way up.
	 */
	if (WARN_ON_ONCE(ret > S32_MAX))
		ret = -EIO;
	answer(conn, c->op, ret, c->value);
	return ret;
}

/*
 * Run a command and count it once, when it is answered (not when it goes
 * to io-wq to be issued again).  Bytes are an operation's payloads: a
 * vector's entries count their own.
 */
static long run_counted(struct hsm_call *c)
{
	const struct hsm_cmd_desc *desc = c->desc;
	u64 in = 0, out = 0;
	long ret;

	hsm_stats_begin(&c->conn->stats);
	if (desc->cls & HSM_CMD_OP)
		ret = run_op(c);
	else if ((desc->cls & HSM_CMD_PRIV) && !c->conn->who.admin)
		ret = -EPERM;
	else
		ret = desc->run(c);
	if (ret == -EAGAIN && (c->flags & HSM_EXEC_NONBLOCK)) {
		hsm_stats_retry(&c->conn->stats);
		return ret;
	}
	if (ret == -EIOCBQUEUED) {
		/* A worker's fetch, parked: it was taken, and counts so. */
		hsm_stats_end(&c->conn->stats, desc->idx, 0, 0, 0);
		return ret;
	}
	if ((desc->cls & HSM_CMD_INFLIGHT) && ret >= 0)
		hsm_op_bytes(desc, c->op, &in, &out);
	hsm_stats_end(&c->conn->stats, desc->idx, ret, in, out);
	return ret;
}

static long exec(struct hsm_conn *conn, const struct hsm_cmd_desc *desc,
		 const union cmd_arg *arg, u64 start_ns, unsigned int flags,
		 struct io_uring_cmd *ioucmd)
{
	struct hsm_call c = {
		.conn = conn, .desc = desc, .arg = arg, .flags = flags,
		.start_ns = start_ns, .ioucmd = ioucmd,
	};

	if (desc->cls & HSM_CMD_OP) {
		c.op = &arg->op;
		c.deadline_ns = op_deadline(conn, &arg->op, start_ns);
	}
	return run_counted(&c);
}

/*
 * May every entry run on io_uring's submission path?  A vector runs
 * whole, so one entry that could sleep or run long sends it to io-wq.
 */
static bool may_run_inline(const struct hsm_cmd_desc *desc,
			   const struct hsm_op *op)
{
	return !(desc->cls & (HSM_CMD_SLEEPS | HSM_CMD_CTX)) &&
	       op_bytes(op) <= HSM_INLINE_MAX;
}

/* Check every entry before any runs, so that each is sure to answer. */
static long vector_check(const struct hsm_vec_entry *v, u32 n, u64 region,
			 unsigned int flags)
{
	const struct hsm_cmd_desc *desc;
	u32 i;
	int err;

	for (i = 0; i < n; i++) {
		desc = hsm_cmd_lookup(v[i].cmd, &err);
		if (!desc || !(desc->cls & HSM_CMD_VECTOR) || v[i].reserved0 ||
		    v[i].op.resp_off == HSM_RESP_NONE ||
		    hsm_check_op(desc, &v[i].op, region))
			return -EINVAL;
		if ((flags & HSM_EXEC_NONBLOCK) && !may_run_inline(desc, &v[i].op))
			return -EAGAIN;	/* to io-wq, before anything ran */
	}
	return 0;
}

/*
 * VECTOR: the entries are copied once and every one is checked before any
 * runs; then each runs, and is counted, as if it had come alone.
 */
long hsm_cmd_vector(struct hsm_call *c)
{
	struct hsm_conn *conn = c->conn;
	const struct hsm_op *op = c->op;
	struct hsm_vec_entry *v;
	u32 n = op->in.len / sizeof(*v), i;
	long ret;

	if (!n || n > HSM_VECTOR_MAX || op->in.len % sizeof(*v))
		return -EINVAL;
	v = hsm_conn_vec_get(conn, n);
	if (!v)
		return -ENOMEM;
	memcpy(v, hsm_shm_ptr(&conn->shm, &op->in), op->in.len);
	ret = vector_check(v, n, hsm_conn_region_size(conn), c->flags);
	if (ret)
		goto out;

	for (i = 0; i < n; i++) {
		struct hsm_call e = {
			.conn = conn, .arg = &v[i].op, .op = &v[i].op,
			.flags = (c->flags & ~HSM_EXEC_NONBLOCK) | HSM_EXEC_CHECKED,
		};
		int err;

		/* Between entries: others' turn; a kill or a cancel ends the rest. */
		err = i ? hsm_work_yield() : 0;
		if (err) {
			for (; i < n; i++)
				answer(conn, &v[i].op, err, 0);
			break;
		}
		e.desc = hsm_cmd_lookup(v[i].cmd, &err);
		e.deadline_ns = op_deadline(conn, &v[i].op, c->start_ns);
		run_counted(&e);
	}
	ret = n;
out:
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
	ret = exec(conn, desc, &arg, start_ns, 0, NULL);
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
	if ((desc->cls & HSM_CMD_SLEEPS) && (issue_flags & IO_URING_F_NONBLOCK))
		return -EAGAIN;

	memcpy(&arg, hsm_uring_cmd_payload(ioucmd), _IOC_SIZE(desc->cmd));
	/* A vector's entries decide for it (vector_check()). */
	if ((desc->cls & HSM_CMD_INFLIGHT) && (issue_flags & IO_URING_F_NONBLOCK) &&
	    op_bytes(&arg.op) > HSM_INLINE_MAX) {
		/* Large payloads run on io-wq workers, in parallel. */
		memzero_explicit(&arg, sizeof(arg));
		return -EAGAIN;
	}
	ret = exec(conn, desc, &arg, start_ns,
		   issue_flags & IO_URING_F_NONBLOCK ? HSM_EXEC_NONBLOCK : 0,
		   ioucmd);
	memzero_explicit(&arg, sizeof(arg));
	/*
	 * 6.1's io_uring_cmd() hands a positive result up as if it were an
	 * issue status: inline it is posted as a failed request, and on io-wq
	 * the request is never completed at all.  Post positive results
	 * ourselves; that is correct on every release.  6.12's posts them
	 * itself (io_req_set_res(req, ret, 0); return IOU_OK;), but the
	 * change is in behaviour, not in any declaration a probe could test.
	 */
	if (ret > 0) {
		hsm_uring_cmd_done(ioucmd, ret, issue_flags);
		return -EIOCBQUEUED;
	}
	return ret;
}
