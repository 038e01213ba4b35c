// SPDX-License-Identifier: GPL-2.0
/*
 * Per-connection resource tables (seed 001's daemon-side reference counts):
 * a resource lives while the table or an operation holds it; releasing its
 * ID only drops the table's reference.
 */
#include <linux/random.h>
#include <linux/string.h>

#include "quota.h"
#include "restable.h"

void hsm_res_init(struct hsm_res *res, enum hsm_res_type type,
		  void (*free)(struct hsm_res *res))
{
	res->id = 0;
	res->type = type;
	res->free = free;
	kref_init(&res->ref);
}

static void res_release(struct kref *ref)
{
	struct hsm_res *res = container_of(ref, struct hsm_res, ref);

	res->free(res);
}

void hsm_res_put(struct hsm_res *res)
{
	kref_put(&res->ref, res_release);
}

static enum hsm_quota_res quota_res(enum hsm_res_type type)
{
	return type == HSM_RES_KEY ? HSM_QUOTA_KEYS : HSM_QUOTA_CTXS;
}

void hsm_restable_init(struct hsm_restable *t, u32 max_keys, u32 max_ctxs,
		       struct hsm_account *acct)
{
	xa_init(&t->xa);
	t->next = 0;
	memset(t->count, 0, sizeof(t->count));
	t->max[HSM_RES_KEY] = max_keys;
	t->max[HSM_RES_CTX] = max_ctxs;
	t->acct = acct;
}

/*
 * Takes over the caller's reference on success.  ENOSPC past the table's
 * limit, EDQUOT past the owner's share.
 */
int hsm_restable_add(struct hsm_restable *t, struct hsm_res *res)
{
	u32 idx;
	int ret;

	xa_lock(&t->xa);
	if (t->count[res->type] >= t->max[res->type] || t->next == U32_MAX) {
		xa_unlock(&t->xa);
		return -ENOSPC;
	}
	ret = hsm_account_charge(t->acct, quota_res(res->type), 1);
	if (ret) {
		xa_unlock(&t->xa);
		return ret;
	}
	idx = t->next++;
	t->count[res->type]++;
	res->id = (u64)(get_random_u32() | 1) << 32 | idx;
	ret = __xa_insert(&t->xa, idx, res, GFP_KERNEL_ACCOUNT);
	if (ret) {
		t->count[res->type]--;
		hsm_account_uncharge(t->acct, quota_res(res->type), 1);
	}
	xa_unlock(&t->xa);
	return ret == -EBUSY ? -EIO : ret;
}

struct hsm_res *hsm_restable_get(struct hsm_restable *t, u64 id,
				 enum hsm_res_type type)
{
	struct hsm_res *res;

	xa_lock(&t->xa);
	res = xa_load(&t->xa, (u32)id);
	if (res && res->id == id && res->type == type)
		kref_get(&res->ref);
	else
		res = NULL;
	xa_unlock(&t->xa);
	return res;
}

int hsm_restable_remove(struct hsm_restable *t, u64 id, enum hsm_res_type type)
{
	struct hsm_res *res;

	xa_lock(&t->xa);
	res = xa_load(&t->xa, (u32)id);
	if (!res || res->id != id || res->type != type) {
		xa_unlock(&t->xa);
		return -ENOENT;
	}
	__xa_erase(&t->xa, (u32)id);
	t->count[type]--;
	hsm_account_uncharge(t->acct, quota_res(type), 1);
	xa_unlock(&t->xa);
	hsm_res_put(res);
	return 0;
}

u32 hsm_restable_count(struct hsm_restable *t, enum hsm_res_type type)
{
	return READ_ONCE(t->count[type]);
}

/*
 * Call fn on each resource of this type, in ID order, under the table's
 * lock: fn may not sleep, and sees no resource freed under it.
 */
void hsm_restable_for_each(struct hsm_restable *t, enum hsm_res_type type,
			   void (*fn)(struct hsm_res *res, void *arg), void *arg)
{
	struct hsm_res *res;
	unsigned long idx;

	xa_lock(&t->xa);
	xa_for_each(&t->xa, idx, res)
		if (res->type == type)
			fn(res, arg);
	xa_unlock(&t->xa);
}

/* Drop the table's reference on everything; the connection is closing. */
void hsm_restable_destroy(struct hsm_restable *t)
{
	struct hsm_res *res;
	unsigned long idx;

	xa_for_each(&t->xa, idx, res) {
		xa_erase(&t->xa, idx);
		hsm_account_uncharge(t->acct, quota_res(res->type), 1);
		hsm_res_put(res);
	}
	memset(t->count, 0, sizeof(t->count));
	xa_destroy(&t->xa);
}
