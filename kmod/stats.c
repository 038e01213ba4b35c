// SPDX-License-Identifier: GPL-2.0
/*
 * Counters: requests by command, errors by status, payload bytes, requests
 * in flight and resources alive, module-wide and per connection.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "conn.h"
#include "stats.h"
#include "validate.h"

static DEFINE_PER_CPU(struct hsm_counters, global_ctr);
static atomic64_t global_inflight = ATOMIC64_INIT(0);
static atomic64_t keys_alive = ATOMIC64_INIT(0);
static atomic64_t ctxs_alive = ATOMIC64_INIT(0);

int hsm_conn_stats_init(struct hsm_conn_stats *s)
{
	s->ctr = alloc_percpu_gfp(struct hsm_counters, GFP_KERNEL_ACCOUNT);
	atomic_set(&s->inflight, 0);
	return s->ctr ? 0 : -ENOMEM;
}

void hsm_conn_stats_exit(struct hsm_conn_stats *s)
{
	free_percpu(s->ctr);
}

void hsm_stats_begin(struct hsm_conn_stats *s)
{
	atomic_inc(&s->inflight);
	atomic64_inc(&global_inflight);
}

static void count_error(struct hsm_conn_stats *s, long ret)
{
	unsigned int st = hsm_status_of(ret);

	if (st >= HSM_STATS_STATUSES)
		st = HSM_STATUS_INTERNAL;
	this_cpu_inc(global_ctr.errors[st]);
	this_cpu_inc(s->ctr->errors[st]);
}

void hsm_stats_end(struct hsm_conn_stats *s, unsigned int nr, long ret,
		   u64 bytes_in, u64 bytes_out)
{
	if (nr < HSM_STATS_CMDS) {
		this_cpu_inc(global_ctr.requests[nr]);
		this_cpu_inc(s->ctr->requests[nr]);
	}
	if (ret < 0) {
		count_error(s, ret);
	} else {
		this_cpu_add(global_ctr.bytes_in, bytes_in);
		this_cpu_add(global_ctr.bytes_out, bytes_out);
		this_cpu_add(s->ctr->bytes_in, bytes_in);
		this_cpu_add(s->ctr->bytes_out, bytes_out);
	}
	atomic64_dec(&global_inflight);
	atomic_dec(&s->inflight);
}

/* A command that goes to io-wq to be issued again: not answered yet. */
void hsm_stats_retry(struct hsm_conn_stats *s)
{
	atomic64_dec(&global_inflight);
	atomic_dec(&s->inflight);
}

/* A command refused before it ran (unknown number, bad size). */
void hsm_stats_refused(struct hsm_conn_stats *s, int err)
{
	count_error(s, err);
}

void hsm_stats_key_alive(int delta)
{
	atomic64_add(delta, &keys_alive);
}

void hsm_stats_ctx_alive(int delta)
{
	atomic64_add(delta, &ctxs_alive);
}

static void sum(struct hsm_stats *out, const struct hsm_counters __percpu *pc)
{
	unsigned int cpu, i;

	for_each_possible_cpu(cpu) {
		const struct hsm_counters *c = per_cpu_ptr(pc, cpu);

		for (i = 0; i < HSM_STATS_CMDS; i++)
			out->requests[i] += READ_ONCE(c->requests[i]);
		for (i = 0; i < HSM_STATS_STATUSES; i++)
			out->errors[i] += READ_ONCE(c->errors[i]);
		out->bytes_in += READ_ONCE(c->bytes_in);
		out->bytes_out += READ_ONCE(c->bytes_out);
	}
}

long hsm_stats_get(struct hsm_conn *conn, const struct hsm_get_stats *c)
{
	void __user *uptr = u64_to_user_ptr(c->stats_ptr);
	struct hsm_stats *st;
	size_t n = min_t(size_t, c->stats_size, sizeof(*st));
	long ret = n;

	/*
	 * The module's counters add up every tenant's requests, failures
	 * (AUTH_FAILED among them) and bytes: what other users are doing.
	 * A connection's own counters tell it only about itself.
	 */
	if (!(c->flags & HSM_STATS_F_CONNECTION) && !conn->who.admin)
		return -EPERM;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->size = sizeof(*st);
	st->flags = c->flags;
	if (c->flags & HSM_STATS_F_CONNECTION) {
		sum(st, conn->stats.ctr);
		/* The request asking is in flight itself: leave it out. */
		st->inflight = atomic_read(&conn->stats.inflight) - 1;
		st->connections = 1;
		st->keys = hsm_restable_count(&conn->res, HSM_RES_KEY);
		st->contexts = hsm_restable_count(&conn->res, HSM_RES_CTX);
	} else {
		sum(st, &global_ctr);
		st->inflight = atomic64_read(&global_inflight) - 1;
		st->connections = hsm_conn_count();
		st->keys = atomic64_read(&keys_alive);
		st->contexts = atomic64_read(&ctxs_alive);
	}

	if (copy_to_user(uptr, st, n) ||
	    (c->stats_size > n && clear_user(uptr + n, c->stats_size - n)))
		ret = -EFAULT;
	kfree(st);
	return ret;
}
