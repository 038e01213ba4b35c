// SPDX-License-Identifier: GPL-2.0
/*
 * The worker's channel (worker.h).  One worker at a time, module-wide:
 * its connection, its slots and the requests waiting for a slot, under
 * one lock.  A slot is idle, parked (a FETCH or COMMIT waits in it for a
 * request) or busy (the worker holds its request).  Every request is
 * answered exactly once: by the worker's commit, by its caller giving up
 * (deadline, kill), or by the worker's end, whichever comes first.
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "../cmdtab.h"
#include "../compat.h"
#include "../conn.h"
#include "../shm.h"
#include "../validate.h"
#include "../work.h"
#include "worker.h"

struct slot {
	struct io_uring_cmd *cmd;	/* parked: completes with a request */
	struct hsm_ref buf;		/* in the worker's region */
	struct hsm_wreq *req;		/* busy: NULL once its caller left */
	u32 used;			/* bytes of buf to wipe */
	bool busy;
};

static struct {
	spinlock_t lock;
	struct hsm_conn *conn;		/* the worker, or NULL */
	struct task_struct *task;	/* its process's leader, watched */
	u32 nslots;
	struct slot slot[HSM_WORKER_SLOTS_MAX];
	struct list_head pending;	/* requests waiting for a slot */
} w = {
	.lock = __SPIN_LOCK_UNLOCKED(w.lock),
	.pending = LIST_HEAD_INIT(w.pending),
};

static void watch_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(watch, watch_fn);

/*
 * Evictions to send (HSM_WORKER_EVICT), under w.lock: a key is destroyed
 * wherever its last reference goes, so one work item sends them.
 */
struct evict {
	struct list_head node;
	u8 id[HSM_WORKER_EVICT_LEN];
};
static LIST_HEAD(evicts);
static void evict_fn(struct work_struct *work);
static DECLARE_WORK(evict_work, evict_fn);

/* Complete a parked command from any task: io_uring posts it. */
static void cmd_done(struct io_uring_cmd *cmd, long res)
{
	hsm_uring_cmd_done(cmd, res, IO_URING_F_UNLOCKED);
}

static u8 *slot_ptr(const struct slot *s)
{
	return hsm_shm_ptr(&w.conn->shm, &s->buf);
}

static u32 req_len(const struct hsm_wreq *r)
{
	return sizeof(r->hdr) + r->hdr.key_len + r->hdr.in_len + r->hdr.in2_len;
}

/*
 * Write r into slot i's buffer and make the slot busy; returns the command
 * parked there (to complete with the request's length), if any.  Lengths
 * were bounded by the caller, so the request fits HSM_WORKER_BUF_MIN.
 */
static struct io_uring_cmd *deliver(struct hsm_wreq *r, unsigned int i)
{
	struct slot *s = &w.slot[i];
	struct io_uring_cmd *cmd = s->cmd;
	u8 *p = slot_ptr(s);

	memcpy(p, &r->hdr, sizeof(r->hdr));
	p += sizeof(r->hdr);
	memcpy(p, r->key, r->hdr.key_len);
	p += r->hdr.key_len;
	memcpy(p, r->in, r->hdr.in_len);
	p += r->hdr.in_len;
	memcpy(p, r->in2, r->hdr.in2_len);
	s->used = max(req_len(r), r->hdr.out_max);
	s->req = r;
	s->busy = true;
	s->cmd = NULL;
	r->slot = i;
	return cmd;
}

/* A parked slot for r, or queue it; the command to complete, if any. */
static struct io_uring_cmd *submit(struct hsm_wreq *r)
{
	unsigned int i;

	for (i = 0; i < w.nslots; i++)
		if (w.slot[i].cmd)
			return deliver(r, i);
	list_add_tail(&r->node, &w.pending);
	return NULL;
}

static void finish(struct hsm_wreq *r, long result)
{
	r->result = result;
	/* Pairs with the caller's acquire: out is written before done. */
	smp_store_release(&r->done, true);
	wake_up(&r->wq);
}

/* The caller gave up: the slot's answer, when it comes, goes nowhere. */
static void withdraw(struct hsm_wreq *r)
{
	if (r->slot >= 0)
		w.slot[r->slot].req = NULL;
	else
		list_del(&r->node);
}

static long wait_ticks(u64 deadline_ns)
{
	u64 now = ktime_get_ns();

	if (!deadline_ns)
		return msecs_to_jiffies(HSM_WORKER_TIMEOUT_MS);
	return deadline_ns > now ? nsecs_to_jiffies(deadline_ns - now) + 1 : 0;
}

/*
 * Have the worker run r: its result, or EHOSTDOWN with no worker,
 * ECONNABORTED when the worker ends first, ETIMEDOUT past the deadline,
 * EINTR or ECANCELED when the caller is killed or canceled.
 */
long hsm_worker_call(struct hsm_wreq *r, u64 deadline_ns)
{
	struct io_uring_cmd *cmd;
	long ticks = wait_ticks(deadline_ns);
	long ret;

	init_waitqueue_head(&r->wq);
	r->done = false;
	r->slot = -1;
	if (!ticks)
		return -ETIMEDOUT;
	spin_lock(&w.lock);
	if (!w.conn) {
		spin_unlock(&w.lock);
		return -EHOSTDOWN;
	}
	cmd = submit(r);
	spin_unlock(&w.lock);
	if (cmd)
		cmd_done(cmd, req_len(r));

	ret = hsm_work_wait_timeout(r->wq, smp_load_acquire(&r->done), ticks);
	spin_lock(&w.lock);
	if (!r->done) {
		withdraw(r);
		r->result = ret < 0 ? hsm_work_stopped() : -ETIMEDOUT;
	}
	spin_unlock(&w.lock);
	return r->result;
}

static void evict_fn(struct work_struct *work)
{
	struct evict *e;

	for (;;) {
		spin_lock(&w.lock);
		e = list_first_entry_or_null(&evicts, struct evict, node);
		if (e)
			list_del(&e->node);
		spin_unlock(&w.lock);
		if (!e)
			return;
		{
			struct hsm_wreq r = {
				.hdr = { .op = HSM_WORKER_EVICT,
					 .in_len = sizeof(e->id) },
				.in = e->id,
			};

			/* Whatever the answer: the worker goes, or it forgot. */
			hsm_worker_call(&r, ktime_get_ns() +
					    HSM_WORKER_EVICT_MS * NSEC_PER_MSEC);
		}
		kfree(e);
	}
}

/*
 * A worker key was destroyed: tell the worker, which may have kept what
 * it parsed of it.  None attached, none to tell (a worker that attaches
 * later has parsed nothing); no memory, and the worker's cache is still
 * bounded.  Any context: the key's last reference may go anywhere.
 */
void hsm_worker_evict(const u8 id[HSM_WORKER_EVICT_LEN])
{
	struct evict *e;

	if (!READ_ONCE(w.conn))
		return;
	e = kmalloc(sizeof(*e), GFP_NOWAIT | __GFP_NOWARN);
	if (!e)
		return;
	memcpy(e->id, id, sizeof(e->id));
	spin_lock(&w.lock);
	list_add_tail(&e->node, &evicts);
	spin_unlock(&w.lock);
	schedule_work(&evict_work);
}

/* Evictions not sent: their worker is gone, and its cache with it. */
static void drop_evicts(void)
{
	struct evict *e, *tmp;
	LIST_HEAD(old);

	spin_lock(&w.lock);
	list_splice_init(&evicts, &old);
	spin_unlock(&w.lock);
	list_for_each_entry_safe(e, tmp, &old, node)
		kfree(e);
}

bool hsm_worker_attached(void)
{
	return READ_ONCE(w.conn);
}

/* For GET_INFO: the worker's slots and pid (as the caller sees it), or 0. */
void hsm_worker_describe(u32 *slots, u32 *pid)
{
	spin_lock(&w.lock);
	*slots = w.conn ? w.nslots : 0;
	*pid = w.conn ? task_tgid_vnr(w.task) : 0;
	spin_unlock(&w.lock);
}

/*
 * The worker on conn is gone: answer everything it held or would have
 * taken, and hand the parked commands back (ECANCELED) so that its ring
 * can close.  Nothing, if another worker has attached meanwhile.
 */
static void detach(const struct hsm_conn *conn)
{
	struct io_uring_cmd *cmds[HSM_WORKER_SLOTS_MAX];
	struct hsm_wreq *r, *tmp;
	struct task_struct *task;
	unsigned int i, n = 0;

	spin_lock(&w.lock);
	if (!w.conn || w.conn != conn) {
		spin_unlock(&w.lock);
		return;
	}
	for (i = 0; i < w.nslots; i++) {
		struct slot *s = &w.slot[i];

		if (s->cmd)
			cmds[n++] = s->cmd;
		if (s->busy) {
			if (s->req)
				finish(s->req, -ECONNABORTED);
			memzero_explicit(slot_ptr(s), s->used);
		}
		memset(s, 0, sizeof(*s));
	}
	list_for_each_entry_safe(r, tmp, &w.pending, node) {
		list_del(&r->node);
		finish(r, -ECONNABORTED);
	}
	task = w.task;
	w.task = NULL;
	w.conn = NULL;
	spin_unlock(&w.lock);

	pr_info("worker %d detached\n", task_tgid_nr(task));
	put_task_struct(task);
	for (i = 0; i < n; i++)
		cmd_done(cmds[i], -ECANCELED);
	drop_evicts();
}

/*
 * 6.1 has no cancelable uring_cmds, so a worker's death is seen by
 * looking (as ublk does there): its process exiting, or killed.
 */
static void watch_fn(struct work_struct *work)
{
	struct task_struct *task;
	struct hsm_conn *conn;
	bool gone;

	spin_lock(&w.lock);
	task = w.task;
	conn = w.conn;
	gone = task && ((task->flags & PF_EXITING) ||
			(READ_ONCE(task->signal->flags) & SIGNAL_GROUP_EXIT));
	spin_unlock(&w.lock);
	if (gone)
		detach(conn);
	else if (task)
		schedule_delayed_work(&watch, msecs_to_jiffies(HSM_WORKER_WATCH_MS));
}

long hsm_worker_attach(struct hsm_call *c)
{
	const struct hsm_worker_attach *a = c->arg;

	if (a->flags || memchr_inv(a->reserved, 0, sizeof(a->reserved)) ||
	    !a->slots || a->slots > HSM_WORKER_SLOTS_MAX)
		return -EINVAL;
	if (!hsm_conn_region_size(c->conn))
		return -EBADFD;
	spin_lock(&w.lock);
	if (w.conn) {
		spin_unlock(&w.lock);
		return -EBUSY;
	}
	w.conn = c->conn;
	w.nslots = a->slots;
	w.task = get_task_struct(current->group_leader);
	spin_unlock(&w.lock);
	pr_info("worker %d attached with %u slots\n", task_tgid_nr(current),
		a->slots);
	schedule_delayed_work(&watch, msecs_to_jiffies(HSM_WORKER_WATCH_MS));
	return 0;
}

/* The slot and buffer a FETCH or COMMIT names: EINVAL when they are wrong. */
static int check_cmd(const struct hsm_call *c, const struct hsm_worker_cmd *k)
{
	if (memchr_inv(k->reserved, 0, sizeof(k->reserved)) ||
	    k->buf.len < HSM_WORKER_BUF_MIN || k->buf.off % 8 ||
	    hsm_check_range(hsm_conn_region_size(c->conn), k->buf.off,
			    k->buf.len))
		return -EINVAL;
	return k->tag < w.nslots ? 0 : -EINVAL;
}

/*
 * Make slot tag take the next request: at once if one waits (returns its
 * length, which the funnel posts), else park the command (-EIOCBQUEUED).
 */
static long refetch(struct hsm_call *c, const struct hsm_worker_cmd *k)
{
	struct slot *s = &w.slot[k->tag];
	struct hsm_wreq *r;

	s->buf = k->buf;
	r = list_first_entry_or_null(&w.pending, struct hsm_wreq, node);
	if (r) {
		list_del(&r->node);
		deliver(r, k->tag);
		return req_len(r);
	}
	s->cmd = c->ioucmd;
	return -EIOCBQUEUED;
}

/* The committed answer, into its caller's request if it still waits. */
static void take_answer(struct slot *s, s32 result)
{
	struct hsm_wreq *r = s->req;

	if (!r)
		return;
	if (result > 0 && (u32)result > min(r->hdr.out_max, s->buf.len))
		result = -EIO;	/* a worker that overran: never trusted */
	if (result > 0)
		memcpy(r->out, slot_ptr(s), result);
	finish(r, result);
}

static long channel_cmd(struct hsm_call *c, bool commit)
{
	const struct hsm_worker_cmd *k = c->arg;
	struct slot *s;
	long ret;

	/* Only io_uring can keep a command parked until a request comes. */
	if (!c->ioucmd)
		return -EOPNOTSUPP;
	if (!commit && k->result)
		return -EINVAL;
	spin_lock(&w.lock);
	ret = -ENOTCONN;
	if (w.conn != c->conn)
		goto out;
	ret = check_cmd(c, k);
	if (ret)
		goto out;
	s = &w.slot[k->tag];
	/* A slot holds one command: a fetch, or a request being answered. */
	ret = commit ? -EINVAL : -EBUSY;
	if (commit != s->busy || s->cmd)
		goto out;
	if (commit) {
		take_answer(s, k->result);
		memzero_explicit(slot_ptr(s), s->used);
		s->req = NULL;
		s->busy = false;
	}
	ret = refetch(c, k);
out:
	spin_unlock(&w.lock);
	return ret;
}

long hsm_worker_fetch(struct hsm_call *c)
{
	return channel_cmd(c, false);
}

long hsm_worker_commit(struct hsm_call *c)
{
	return channel_cmd(c, true);
}

/* The worker's connection is closing: nothing of it may stay in use. */
void hsm_worker_release(struct hsm_conn *conn)
{
	detach(conn);
}

void hsm_worker_exit(void)
{
	cancel_delayed_work_sync(&watch);
	cancel_work_sync(&evict_work);
	drop_evicts();
}
