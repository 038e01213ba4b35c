/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_QUOTA_H
#define HSM_QUOTA_H

#include <linux/atomic.h>
#include <linux/types.h>

struct hsm_principal;
struct hsm_quota;

/* What a user's share counts. */
enum hsm_quota_res {
	HSM_QUOTA_CONNS,	/* open connections */
	HSM_QUOTA_REGION,	/* bytes of shared regions */
	HSM_QUOTA_SLOTS,	/* persistent slots stored */
	HSM_QUOTA_KEYS,		/* keys in connection tables */
	HSM_QUOTA_CTXS,		/* contexts in connection tables */
	HSM_QUOTA_STREAM,	/* bytes of AEAD context buffers */
	HSM_QUOTA_RES,
};

/*
 * struct hsm_account - what one connection charges, and to whom: its
 * opener's share, and its own total of AEAD stream bytes (bounded by
 * max_conn_stream whoever the opener is).  Set by hsm_account_open() at
 * open(), ended by hsm_account_close() once everything it charged is
 * uncharged.
 */
struct hsm_account {
	struct hsm_quota *user;
	bool exempt;		/* CAP_SYS_ADMIN: counted, never refused */
	atomic64_t stream;
};

int __must_check hsm_account_open(struct hsm_account *a,
				  const struct hsm_principal *who);
void hsm_account_close(struct hsm_account *a);
int __must_check hsm_account_charge(struct hsm_account *a,
				    enum hsm_quota_res res, u64 n);
void hsm_account_uncharge(struct hsm_account *a, enum hsm_quota_res res, u64 n);

/*
 * Something that outlives the connection that made it (a slot) holds its
 * charge on the user's share itself: hsm_account_hold() charges n and
 * returns the share, with a reference, and hsm_quota_release() gives both
 * back.
 */
struct hsm_quota *hsm_account_hold(struct hsm_account *a,
				   enum hsm_quota_res res, u64 n);
void hsm_quota_release(struct hsm_quota *q, enum hsm_quota_res res, u64 n);

void hsm_quota_exit(void);

#endif /* HSM_QUOTA_H */
