/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_RESTABLE_H
#define HSM_RESTABLE_H

#include <linux/kref.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct hsm_account;

enum hsm_res_type {
	HSM_RES_KEY = 0,
	HSM_RES_CTX = 1,
	HSM_RES_TYPES,
};

/*
 * struct hsm_res - what a resource table holds: the head of a key (later
 * also of a context).  The table owns one reference; every user takes one
 * more with hsm_restable_get() and drops it with hsm_res_put().
 */
struct hsm_res {
	u64 id;
	enum hsm_res_type type;
	struct kref ref;
	void (*free)(struct hsm_res *res);
};

/*
 * struct hsm_restable - a connection's resources by ID.
 *
 * An ID is (random 32 bits, odd) << 32 | index.  Indexes come from a
 * counter that never goes back, so an ID is never reused while the table
 * lives; the random half makes IDs unpredictable.  Lookups and removal run
 * under the xarray's lock, so a lookup never sees a freed resource.  Every
 * entry is also charged to the owner's share (acct): a user's keys and
 * contexts are bounded across all its connections, not only per table.
 */
struct hsm_restable {
	struct xarray xa;
	u32 next;		/* next index; under xa_lock */
	u32 count[HSM_RES_TYPES];	/* resources by type; under xa_lock */
	u32 max[HSM_RES_TYPES];		/* limits on count */
	struct hsm_account *acct;	/* charged one per entry */
};

void hsm_restable_init(struct hsm_restable *t, u32 max_keys, u32 max_ctxs,
		       struct hsm_account *acct);
void hsm_restable_destroy(struct hsm_restable *t);
int __must_check hsm_restable_add(struct hsm_restable *t, struct hsm_res *res);
struct hsm_res *hsm_restable_get(struct hsm_restable *t, u64 id,
				 enum hsm_res_type type);
int hsm_restable_remove(struct hsm_restable *t, u64 id, enum hsm_res_type type);
u32 hsm_restable_count(struct hsm_restable *t, enum hsm_res_type type);
void hsm_restable_for_each(struct hsm_restable *t, enum hsm_res_type type,
			   void (*fn)(struct hsm_res *res, void *arg), void *arg);

void hsm_res_init(struct hsm_res *res, enum hsm_res_type type,
		  void (*free)(struct hsm_res *res));
void hsm_res_put(struct hsm_res *res);

#endif /* HSM_RESTABLE_H */
