/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CTX_H
#define HSM_CTX_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <uapi/linux/hsm.h>

#include "restable.h"

struct hsm_alg;
struct hsm_conn;
struct hsm_key;
struct hsm_shm;
struct shash_desc;

enum hsm_ctx_state {
	HSM_CTX_CREATED,
	HSM_CTX_INITIALIZED,
	HSM_CTX_UPDATING,
	HSM_CTX_TAIL,		/* CTR: a partial block was processed */
	HSM_CTX_FINALIZED,
	HSM_CTX_FAILED,
};

/*
 * struct hsm_ctx - a streaming operation.  Holds a reference on its key.
 * lock serialises the calls on one context and protects everything below.
 */
struct hsm_ctx {
	struct hsm_res res;
	struct mutex lock;
	enum hsm_ctx_state state;
	enum hsm_ctx_op op;
	const struct hsm_alg *alg;
	struct hsm_key *key;		/* NULL for HASH */
	struct shash_desc *desc;	/* HASH, MAC, MAC_VERIFY */
	u8 iv[16];			/* ENCRYPT, DECRYPT: the chained IV */
};

int hsm_ctx_create(struct hsm_conn *conn, const struct hsm_op *op, u64 *id);
long hsm_ctx_call(struct hsm_conn *conn, unsigned int cmd,
		  const struct hsm_op *op);

#endif /* HSM_CTX_H */
