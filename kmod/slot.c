// SPDX-License-Identifier: GPL-2.0
/*
 * Persistent key slots: named keys, module-wide, each owned by the user
 * that stored it (the fsuid of the connection's opener), or
 * (HSM_SLOT_F_GROUP) by the slot_group module parameter's group, whose
 * members share them.  A slot holds a reference on a key object: the one
 * SLOT_STORE was given, which the storing connection may still name, or
 * the one SLOT_UNSEAL made.  Opening a slot gives the caller's connection
 * a key object of its own with the same material and attributes.
 *
 * A slot counts against the share of the user that stored it (quota.c)
 * until it is deleted, however long that user's connections are gone.
 */
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "alg.h"
#include "cmdtab.h"
#include "conn.h"
#include "key.h"
#include "params.h"
#include "quota.h"
#include "seal.h"
#include "shm.h"
#include "slot.h"
#include "validate.h"

/* Whose names a slot lives among: one user's, or the slot group's. */
struct slot_ns {
	bool group;
	kuid_t uid;		/* when !group */
};

struct slot {
	struct list_head node;
	char name[HSM_ALG_NAME_LEN];
	struct slot_ns ns;
	kuid_t storer;		/* who stored it: may delete a group slot */
	struct hsm_key *key;
	struct hsm_quota *owner;	/* the storer's share, charged one slot */
};

static DEFINE_MUTEX(slots_lock);
static LIST_HEAD(slots);
static unsigned int nr_slots;

static bool ns_eq(const struct slot_ns *a, const struct slot_ns *b)
{
	return a->group == b->group && (a->group || uid_eq(a->uid, b->uid));
}

/*
 * The namespace the connection names with these flags: EPERM for the
 * group's when its opener is neither in it nor an admin (who may clean
 * up after members), or no group is configured.
 */
static int caller_ns(const struct hsm_conn *conn, u32 flags,
		     struct slot_ns *ns)
{
	ns->group = flags & HSM_SLOT_F_GROUP;
	ns->uid = conn->who.uid;
	if (ns->group && (hsm_slot_group < 0 ||
			  (!conn->who.slot_group && !conn->who.admin)))
		return -EPERM;
	return 0;
}

/* Whom a sealed blob of ns belongs to: the uid, or the group's gid. */
static u32 ns_owner(const struct slot_ns *ns)
{
	return ns->group ? (u32)hsm_slot_group :
			   from_kuid(&init_user_ns, ns->uid);
}

/* The slot of that name in ns; slots_lock held. */
static struct slot *slot_find(const char *name, const struct slot_ns *ns)
{
	struct slot *s;

	lockdep_assert_held(&slots_lock);
	list_for_each_entry(s, &slots, node)
		if (ns_eq(&s->ns, ns) && !strcmp(s->name, name))
			return s;
	return NULL;
}

static int slot_params(const struct hsm_shm *shm, const struct hsm_op *op,
		       struct hsm_slot_params *p)
{
	if (op->params.len != sizeof(*p))
		return -EINVAL;
	memcpy(p, hsm_shm_ptr(shm, &op->params), sizeof(*p));
	if (hsm_check_alg_name(p->name, sizeof(p->name)) ||
	    (p->flags & ~HSM_SLOT_F_GROUP) ||
	    p->reserved0 || memchr_inv(p->reserved, 0, sizeof(p->reserved)))
		return -EINVAL;
	return 0;
}

/*
 * A new slot holding key; takes the caller's reference on success.
 * EEXIST, ENOSPC past max_slots, EDQUOT past the caller's share.
 */
static int slot_insert(struct hsm_conn *conn,
		       const struct hsm_slot_params *p,
		       const struct slot_ns *ns, struct hsm_key *key)
{
	struct slot *s;
	int ret = 0;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	strscpy(s->name, p->name, sizeof(s->name));
	s->ns = *ns;
	s->storer = conn->who.uid;
	s->key = key;		/* the slot's reference */

	mutex_lock(&slots_lock);
	if (slot_find(p->name, ns))
		ret = -EEXIST;
	else if (nr_slots >= hsm_max_slots)
		ret = -ENOSPC;
	if (!ret) {
		s->owner = hsm_account_hold(&conn->acct, HSM_QUOTA_SLOTS, 1);
		if (IS_ERR(s->owner))
			ret = PTR_ERR(s->owner);
	}
	if (!ret) {
		list_add_tail(&s->node, &slots);
		nr_slots++;
	}
	mutex_unlock(&slots_lock);
	if (ret)
		kfree(s);
	return ret;
}

static int slot_store(struct hsm_conn *conn, const struct hsm_slot_params *p,
		      const struct slot_ns *ns, u64 handle)
{
	struct hsm_key *key;
	int ret;

	key = hsm_key_get(&conn->res, handle);
	if (!key)
		return -ENOENT;
	ret = slot_insert(conn, p, ns, key);
	if (ret)
		hsm_key_put(key);
	return ret;
}

/* The key of the slot of that name in ns, with a reference; NULL if none. */
static struct hsm_key *slot_key_get(const char *name, const struct slot_ns *ns)
{
	struct hsm_key *key = NULL;
	struct slot *s;

	mutex_lock(&slots_lock);
	s = slot_find(name, ns);
	if (s) {
		key = s->key;
		kref_get(&key->res.ref);
	}
	mutex_unlock(&slots_lock);
	return key;
}

/* SLOT_SEAL: the slot's key, sealed into a blob (seal.c). */
static long slot_seal(struct hsm_conn *conn, const struct hsm_op *op,
		      const struct hsm_slot_params *p,
		      const struct slot_ns *ns, u64 *value)
{
	struct hsm_key *key = slot_key_get(p->name, ns);
	long ret;

	if (!key)
		return -ENOENT;
	ret = hsm_seal_key(conn, op, p, ns_owner(ns), key, value);
	hsm_key_put(key);
	return ret;
}

/* SLOT_UNSEAL: a slot again from its sealed blob (seal.c). */
static int slot_unseal(struct hsm_conn *conn, const struct hsm_op *op,
		       const struct hsm_slot_params *p,
		       const struct slot_ns *ns)
{
	struct hsm_key *key;
	int ret;

	key = hsm_unseal_key(conn, op, p, ns_owner(ns));
	if (IS_ERR(key))
		return PTR_ERR(key);
	ret = slot_insert(conn, p, ns, key);
	if (ret)
		hsm_key_put(key);
	return ret;
}

static int slot_open(struct hsm_conn *conn, const struct hsm_slot_params *p,
		     const struct slot_ns *ns, u64 *id)
{
	struct hsm_key *src = slot_key_get(p->name, ns), *key;

	if (!src)
		return -ENOENT;

	key = hsm_key_create(src->alg, src->material, src->len, src->perms,
			     src->flags);
	hsm_key_put(src);
	if (IS_ERR(key))
		return PTR_ERR(key);
	return hsm_key_publish(&conn->res, key, id);
}

/*
 * SLOT_DELETE.  A group slot goes only at the hands of whoever stored it,
 * or an admin: else any member could swap in a key of its own under a
 * name the others trust (EPERM).
 */
static int slot_delete(const struct hsm_conn *conn,
		       const struct hsm_slot_params *p,
		       const struct slot_ns *ns)
{
	struct slot *s;
	int ret = 0;

	mutex_lock(&slots_lock);
	s = slot_find(p->name, ns);
	if (!s)
		ret = -ENOENT;
	else if (ns->group && !uid_eq(s->storer, conn->who.uid) &&
		 !conn->who.admin)
		ret = -EPERM;
	if (!ret) {
		list_del(&s->node);
		nr_slots--;
	}
	mutex_unlock(&slots_lock);
	if (ret)
		return ret;
	hsm_quota_release(s->owner, HSM_QUOTA_SLOTS, 1);
	hsm_key_put(s->key);
	kfree(s);
	return 0;
}

static void slot_describe(const struct slot *s, struct hsm_slot_info *info)
{
	memset(info, 0, sizeof(*info));
	strscpy(info->name, s->name, sizeof(info->name));
	strscpy(info->alg, s->key->alg->name, sizeof(info->alg));
	info->perms = s->key->perms;
	info->flags = s->key->flags;
	info->key_len = s->key->len;
	info->slot_flags = s->ns.group ? HSM_SLOT_F_GROUP : 0;
	info->storer = from_kuid(&init_user_ns, s->storer);
}

static long slot_list(const struct hsm_conn *conn, const struct hsm_op *op)
{
	struct hsm_slot_info *out = hsm_shm_ptr(&conn->shm, &op->out);
	u32 room = op->out.len / sizeof(*out), n = 0;
	struct slot_ns mine = { .uid = conn->who.uid };
	/* An admin may delete the group's slots, so it must see them too. */
	bool group = conn->who.slot_group || conn->who.admin;
	struct hsm_slot_info info;
	struct slot *s;

	/* The caller's own slots first, then the group's. */
	mutex_lock(&slots_lock);
	list_for_each_entry(s, &slots, node) {
		if (!ns_eq(&s->ns, &mine))
			continue;
		if (n < room) {
			slot_describe(s, &info);
			memcpy(&out[n], &info, sizeof(info));
		}
		n++;
	}
	list_for_each_entry(s, &slots, node) {
		if (!group || !s->ns.group)
			continue;
		if (n < room) {
			slot_describe(s, &info);
			memcpy(&out[n], &info, sizeof(info));
		}
		n++;
	}
	mutex_unlock(&slots_lock);
	return n;
}

/* The slot a command names, and the namespace the caller may use. */
static int slot_begin(struct hsm_call *c, struct hsm_slot_params *p,
		      struct slot_ns *ns)
{
	return slot_params(&c->conn->shm, c->op, p) ?:
	       caller_ns(c->conn, p->flags, ns);
}

long hsm_slot_store(struct hsm_call *c)
{
	struct hsm_slot_params p;
	struct slot_ns ns;

	return slot_begin(c, &p, &ns) ?: slot_store(c->conn, &p, &ns, c->op->handle);
}

long hsm_slot_open(struct hsm_call *c)
{
	struct hsm_slot_params p;
	struct slot_ns ns;

	return slot_begin(c, &p, &ns) ?: slot_open(c->conn, &p, &ns, &c->value);
}

long hsm_slot_delete(struct hsm_call *c)
{
	struct hsm_slot_params p;
	struct slot_ns ns;

	return slot_begin(c, &p, &ns) ?: slot_delete(c->conn, &p, &ns);
}

long hsm_slot_seal(struct hsm_call *c)
{
	struct hsm_slot_params p;
	struct slot_ns ns;

	return slot_begin(c, &p, &ns) ?:
	       slot_seal(c->conn, c->op, &p, &ns, &c->value);
}

long hsm_slot_unseal(struct hsm_call *c)
{
	struct hsm_slot_params p;
	struct slot_ns ns;

	return slot_begin(c, &p, &ns) ?: slot_unseal(c->conn, c->op, &p, &ns);
}

long hsm_slot_list(struct hsm_call *c)
{
	return slot_list(c->conn, c->op);
}

/* Module unload: the slots and their keys go. */
void hsm_slot_exit(void)
{
	struct slot *s, *tmp;

	list_for_each_entry_safe(s, tmp, &slots, node) {
		list_del(&s->node);
		hsm_quota_release(s->owner, HSM_QUOTA_SLOTS, 1);
		hsm_key_put(s->key);
		kfree(s);
	}
	nr_slots = 0;
}
