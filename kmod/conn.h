/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CONN_H
#define HSM_CONN_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include <uapi/linux/hsm.h>

#include "principal.h"
#include "quota.h"
#include "restable.h"
#include "shm.h"
#include "stats.h"

/*
 * struct hsm_conn - one open file of /dev/hsm.
 *
 * Everything a connection owns is freed by hsm_conn_destroy(), which runs
 * from ->release once no file reference (and so no mapping) is left.
 */
struct hsm_conn {
	u64 id;			/* for logs only */
	struct hsm_principal who;	/* the opener's rights; set at open() */
	struct hsm_account acct;	/* what it charges to its opener's share */
	struct list_head node;	/* in the module's list; under hsm_conns_lock */
	struct mutex lock;	/* serialises region setup */
	struct hsm_shm shm;	/* set once, under lock */
	/*
	 * Room for a VECTOR's copy of its entries, made with the region:
	 * vec_buf is it while no VECTOR holds it (see hsm_conn_vec_get()).
	 */
	struct hsm_vec_entry *vec_mine;
	struct hsm_vec_entry *vec_buf;
	u64 region_size;	/* 0 until shm is set; then shm.size (release) */
	struct hsm_restable res;	/* keys by ID */
	struct hsm_conn_stats stats;
	u32 timeout_ms;		/* default deadline; 0 or NONE: none */
	atomic_t ops_inflight;	/* data-plane commands running or waiting */
};

/*
 * The region's size once it exists, else 0.  A non-zero answer guarantees
 * that conn->shm is set and stays so until the connection is destroyed.
 */
static inline u64 hsm_conn_region_size(struct hsm_conn *conn)
{
	/* Pairs with the release in hsm_conn_shm_setup(). */
	return smp_load_acquire(&conn->region_size);
}

int hsm_conn_shm_setup(struct hsm_conn *conn, u64 size);

struct hsm_vec_entry *hsm_conn_vec_get(struct hsm_conn *conn, u32 n);
void hsm_conn_vec_put(struct hsm_conn *conn, struct hsm_vec_entry *v);

/* The deadline of a command received at start_ns, or 0 for none. */
u64 hsm_conn_deadline(const struct hsm_conn *conn, u32 timeout_ms, u64 start_ns);

void hsm_conn_for_each(void (*fn)(struct hsm_conn *conn, void *arg),
		       void *arg);

struct hsm_conn *hsm_conn_create(const struct file *file);
void hsm_conn_destroy(struct hsm_conn *conn);
unsigned int hsm_conn_count(void);

#endif /* HSM_CONN_H */
