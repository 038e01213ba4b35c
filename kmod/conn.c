// SPDX-License-Identifier: GPL-2.0
/*
 * Connections: creation against the max_connections limit and the
 * opener's share of it, and teardown.
 */
#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/time64.h>
#include <linux/vmalloc.h>

#include "conn.h"
#include "params.h"
#include "worker/worker.h"

static atomic_t nr_conns = ATOMIC_INIT(0);
static atomic64_t next_id = ATOMIC64_INIT(0);

/* Every live connection, for debugging views (KEY_LIST). */
static DEFINE_MUTEX(hsm_conns_lock);
static LIST_HEAD(hsm_conns);

unsigned int hsm_conn_count(void)
{
	return atomic_read(&nr_conns);
}

struct hsm_conn *hsm_conn_create(const struct file *file)
{
	struct hsm_conn *conn;
	int ret;

	if (!atomic_add_unless(&nr_conns, 1, hsm_max_connections))
		return ERR_PTR(-ENFILE);

	ret = -ENOMEM;
	conn = kzalloc(sizeof(*conn), GFP_KERNEL_ACCOUNT);
	if (!conn)
		goto err_count;
	if (hsm_conn_stats_init(&conn->stats))
		goto err_conn;
	hsm_principal_init(&conn->who, file);
	/* EDQUOT: the opener has its share of connections open. */
	ret = hsm_account_open(&conn->acct, &conn->who);
	if (ret)
		goto err_stats;
	conn->id = atomic64_inc_return(&next_id);
	mutex_init(&conn->lock);
	hsm_restable_init(&conn->res, hsm_max_keys, hsm_max_contexts, &conn->acct);
	conn->timeout_ms = hsm_default_timeout_ms;
	mutex_lock(&hsm_conns_lock);
	list_add_tail(&conn->node, &hsm_conns);
	mutex_unlock(&hsm_conns_lock);
	pr_debug("connection %llu created\n", conn->id);
	return conn;

err_stats:
	hsm_conn_stats_exit(&conn->stats);
err_conn:
	kfree(conn);
err_count:
	atomic_dec(&nr_conns);
	return ERR_PTR(ret);
}

/*
 * Call fn for every open connection, in the order they opened, with the
 * list held: none is destroyed meanwhile.
 */
void hsm_conn_for_each(void (*fn)(struct hsm_conn *conn, void *arg),
		       void *arg)
{
	struct hsm_conn *conn;

	mutex_lock(&hsm_conns_lock);
	list_for_each_entry(conn, &hsm_conns, node)
		fn(conn, arg);
	mutex_unlock(&hsm_conns_lock);
}

void hsm_conn_destroy(struct hsm_conn *conn)
{
	pr_debug("connection %llu destroyed\n", conn->id);
	hsm_worker_release(conn);
	mutex_lock(&hsm_conns_lock);
	list_del(&conn->node);
	mutex_unlock(&hsm_conns_lock);
	hsm_restable_destroy(&conn->res);
	hsm_shm_destroy(&conn->shm);
	vfree(conn->vec_mine);
	hsm_account_close(&conn->acct);
	hsm_conn_stats_exit(&conn->stats);
	mutex_destroy(&conn->lock);
	kfree(conn);
	atomic_dec(&nr_conns);
}

int hsm_conn_shm_setup(struct hsm_conn *conn, u64 size)
{
	int ret;

	mutex_lock(&conn->lock);
	if (conn->shm.base) {
		ret = -EEXIST;
		goto out;
	}
	/*
	 * Only a connection with a region can send a VECTOR.  Failure is the
	 * caller's ENOMEM, so the kernel need not print a stack for it.
	 */
	conn->vec_mine = __vmalloc(array_size(HSM_VECTOR_MAX, sizeof(*conn->vec_mine)),
				   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!conn->vec_mine) {
		ret = -ENOMEM;
		goto out;
	}
	ret = hsm_shm_create(&conn->shm, size, &conn->acct);
	if (ret) {
		vfree(conn->vec_mine);
		conn->vec_mine = NULL;
		goto out;
	}
	WRITE_ONCE(conn->vec_buf, conn->vec_mine);
	/* Pairs with hsm_conn_region_size(): shm is set first. */
	smp_store_release(&conn->region_size, size);
out:
	mutex_unlock(&conn->lock);
	return ret;
}

/*
 * Room for a VECTOR's n entries: the connection's own when no other
 * VECTOR holds it, so that the common case allocates (and zeroes) nothing,
 * else a kmalloc()ed copy.  The entries say where payloads lie, never what
 * they hold: there is nothing to wipe afterwards.
 */
struct hsm_vec_entry *hsm_conn_vec_get(struct hsm_conn *conn, u32 n)
{
	struct hsm_vec_entry *v = xchg(&conn->vec_buf, NULL);

	return v ?: kmalloc_array(n, sizeof(*v), GFP_KERNEL);
}

void hsm_conn_vec_put(struct hsm_conn *conn, struct hsm_vec_entry *v)
{
	if (v == conn->vec_mine)
		smp_store_release(&conn->vec_buf, v);
	else
		kfree(v);
}

u64 hsm_conn_deadline(const struct hsm_conn *conn, u32 timeout_ms, u64 start_ns)
{
	if (!timeout_ms)
		timeout_ms = READ_ONCE(conn->timeout_ms);
	if (!timeout_ms || timeout_ms == HSM_TIMEOUT_NONE)
		return 0;
	return start_ns + (u64)timeout_ms * NSEC_PER_MSEC;
}
