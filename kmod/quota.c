// SPDX-License-Identifier: GPL-2.0
/*
 * Per-user shares.  The module's limits (max_connections, max_region_total,
 * max_slots) are first come, first served, and the per-connection ones
 * (max_keys, max_contexts, max_stream) multiply by the connections one user
 * may open.  So every user (the fsuid a connection was opened with) also
 * has a share of each, the uid_max_* parameters, and a connection has a cap
 * on the AEAD stream bytes of all its contexts together (max_conn_stream):
 * one user exhausting its share leaves the rest to the others.
 *
 * A user with CAP_SYS_ADMIN is trusted (it can unload the module): it is
 * counted like anyone, so that its uid's figures stay true, but never
 * refused by a share.  The module-wide limits still bind it.
 *
 * A user's record lives while it has a connection or a slot.  Counters are
 * atomics, checked and moved with one cmpxchg loop, so charging takes no
 * lock and may happen under the callers' spinlocks (a key table's).
 */
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/uidgid.h>

#include "params.h"
#include "principal.h"
#include "quota.h"

/* struct hsm_quota - one user's share: what its connections and slots hold. */
struct hsm_quota {
	struct hlist_node node;		/* in users; under users_lock */
	kuid_t uid;
	refcount_t ref;			/* its connections and slots */
	atomic64_t used[HSM_QUOTA_RES];
};

enum { USERS_BITS = 6 };

static DEFINE_HASHTABLE(users, USERS_BITS);
static DEFINE_MUTEX(users_lock);	/* users, and the lookups that add */

static u64 share(enum hsm_quota_res res)
{
	switch (res) {
	case HSM_QUOTA_CONNS:	return hsm_uid_max_connections;
	case HSM_QUOTA_REGION:	return hsm_uid_max_region_total;
	case HSM_QUOTA_SLOTS:	return hsm_uid_max_slots;
	case HSM_QUOTA_KEYS:	return hsm_uid_max_keys;
	case HSM_QUOTA_CTXS:	return hsm_uid_max_contexts;
	case HSM_QUOTA_STREAM:	return hsm_uid_max_stream;
	case HSM_QUOTA_RES:	break;
	}
	return 0;
}

/* Add n to *used unless that would pass max (U64_MAX: no limit). */
static bool add_within(atomic64_t *used, u64 n, u64 max)
{
	s64 old = atomic64_read(used);

	do {
		if (n > max || (u64)old > max - n)
			return false;
	} while (!atomic64_try_cmpxchg(used, &old, old + n));
	return true;
}

static void sub(atomic64_t *used, u64 n)
{
	/* More given back than taken is a bug in the caller's accounting. */
	WARN_ON_ONCE(atomic64_sub_return(n, used) < 0);
}

static int quota_charge(struct hsm_quota *q, enum hsm_quota_res res, u64 n,
			bool exempt)
{
	return add_within(&q->used[res], n, exempt ? U64_MAX : share(res)) ?
	       0 : -EDQUOT;
}

static struct hsm_quota *quota_get(kuid_t uid)
{
	struct hsm_quota *q;

	mutex_lock(&users_lock);
	hash_for_each_possible(users, q, node, __kuid_val(uid)) {
		if (uid_eq(q->uid, uid)) {
			refcount_inc(&q->ref);
			goto out;
		}
	}
	q = kzalloc(sizeof(*q), GFP_KERNEL_ACCOUNT);
	if (!q) {
		q = ERR_PTR(-ENOMEM);
		goto out;
	}
	q->uid = uid;
	refcount_set(&q->ref, 1);
	hash_add(users, &q->node, __kuid_val(uid));
out:
	mutex_unlock(&users_lock);
	return q;
}

static void quota_put(struct hsm_quota *q)
{
	unsigned int i;

	if (!refcount_dec_and_mutex_lock(&q->ref, &users_lock))
		return;
	hash_del(&q->node);
	mutex_unlock(&users_lock);
	/* Whatever was charged was given back before the last reference. */
	for (i = 0; i < HSM_QUOTA_RES; i++)
		WARN_ON_ONCE(atomic64_read(&q->used[i]));
	kfree(q);
}

/* At open(): the opener's share, charged one connection (EDQUOT). */
int hsm_account_open(struct hsm_account *a, const struct hsm_principal *who)
{
	struct hsm_quota *q;
	int ret;

	q = quota_get(who->uid);
	if (IS_ERR(q))
		return PTR_ERR(q);
	a->user = q;
	a->exempt = who->admin;
	atomic64_set(&a->stream, 0);
	ret = quota_charge(q, HSM_QUOTA_CONNS, 1, a->exempt);
	if (ret)
		goto err_put;
	return 0;

err_put:
	quota_put(q);
	a->user = NULL;
	return ret;
}

/* At teardown, once the connection's keys, contexts and region are gone. */
void hsm_account_close(struct hsm_account *a)
{
	WARN_ON_ONCE(atomic64_read(&a->stream));
	sub(&a->user->used[HSM_QUOTA_CONNS], 1);
	quota_put(a->user);
	a->user = NULL;
}

/*
 * Charge n of res to the connection: EDQUOT past its user's share, and for
 * AEAD stream bytes ENOSPC past max_conn_stream (a limit of the connection,
 * like max_stream is of a context, so it binds CAP_SYS_ADMIN too).
 * Nothing is charged on failure.
 */
int hsm_account_charge(struct hsm_account *a, enum hsm_quota_res res, u64 n)
{
	int ret;

	if (res == HSM_QUOTA_STREAM &&
	    !add_within(&a->stream, n, hsm_max_conn_stream))
		return -ENOSPC;
	ret = quota_charge(a->user, res, n, a->exempt);
	if (ret && res == HSM_QUOTA_STREAM)
		sub(&a->stream, n);
	return ret;
}

void hsm_account_uncharge(struct hsm_account *a, enum hsm_quota_res res, u64 n)
{
	if (!n)
		return;
	if (res == HSM_QUOTA_STREAM)
		sub(&a->stream, n);
	sub(&a->user->used[res], n);
}

struct hsm_quota *hsm_account_hold(struct hsm_account *a,
				   enum hsm_quota_res res, u64 n)
{
	int ret = quota_charge(a->user, res, n, a->exempt);

	if (ret)
		return ERR_PTR(ret);
	/* The connection holds a reference, so this one cannot be the first. */
	refcount_inc(&a->user->ref);
	return a->user;
}

void hsm_quota_release(struct hsm_quota *q, enum hsm_quota_res res, u64 n)
{
	sub(&q->used[res], n);
	quota_put(q);
}

/* Module unload: every connection and slot gave its share back. */
void hsm_quota_exit(void)
{
	WARN_ON(!hash_empty(users));
}
