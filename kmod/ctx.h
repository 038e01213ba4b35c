/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CTX_H
#define HSM_CTX_H

#include <linux/atomic.h>
#include <linux/wait.h>
#include <linux/types.h>
#include <uapi/linux/hsm.h>

#include "restable.h"

struct hsm_account;
struct hsm_alg;
struct hsm_call;
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
 * One call at a time owns the context (busy); it alone touches the fields
 * below.  Waiters sleep on wq until it is free or their deadline passes;
 * one that gives up sets expired, and the next owner fails the context.
 */
struct hsm_ctx {
	struct hsm_res res;
	atomic_t busy;
	atomic_t expired;
	wait_queue_head_t wq;
	enum hsm_ctx_state state;
	enum hsm_ctx_op op;
	const struct hsm_alg *alg;
	struct hsm_key *key;		/* NULL for HASH */
	struct shash_desc *desc;	/* HASH, MAC, MAC_VERIFY, SIGN, VERIFY */
	u8 iv[16];			/* chained IV; SEAL, OPEN: nonce */
	u8 *stream;			/* SEAL, OPEN: AAD | data | tag room */
	u32 aad_len;			/* SEAL, OPEN: bytes of AAD in stream */
	u32 data_len;			/* SEAL, OPEN: bytes of data after it */
	u32 stream_cap;			/* SEAL, OPEN: bytes stream can hold */
	struct hsm_account *acct;	/* charged stream_cap; the connection's */
};

long hsm_ctx_create(struct hsm_call *c);
long hsm_ctx_call(struct hsm_call *c);
long hsm_ctx_release(struct hsm_call *c);
void hsm_ctx_expire(struct hsm_conn *conn, u64 id);

#endif /* HSM_CTX_H */
