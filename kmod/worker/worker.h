/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The worker's channel: a root daemon attached to the module computes the
 * algorithms the kernel lacks.  Callers hand it a request and wait; the
 * worker fetches requests through io_uring and commits their answers (the
 * ublk way).  The module keeps every key: a request carries only what one
 * operation needs, and both ends of it are wiped when it is answered.
 */
#ifndef HSM_WORKER_H
#define HSM_WORKER_H

#include <linux/list.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <uapi/linux/hsm.h>

struct hsm_call;
struct hsm_conn;

/*
 * One request, on its caller's stack.  The payload pointers are kernel
 * memory (the caller's region or a kernel buffer) that stays valid while
 * the caller waits; the answer is written to out under the channel's lock,
 * and never after the caller has withdrawn the request.
 */
struct hsm_wreq {
	struct hsm_worker_req hdr;	/* op, flags, alg, bits, lengths */
	const u8 *key;
	const u8 *in;
	const u8 *in2;
	u8 *out;			/* hdr.out_max bytes */
	/* The channel's: */
	struct list_head node;		/* in the pending list */
	wait_queue_head_t wq;
	long result;
	bool done;
	int slot;			/* the slot it was handed to, or -1 */
};

long hsm_worker_call(struct hsm_wreq *r, u64 deadline_ns);
bool hsm_worker_attached(void);
void hsm_worker_evict(const u8 id[HSM_WORKER_EVICT_LEN]);
void hsm_worker_describe(u32 *slots, u32 *pid);
void hsm_worker_release(struct hsm_conn *conn);

long hsm_worker_attach(struct hsm_call *c);
long hsm_worker_fetch(struct hsm_call *c);
long hsm_worker_commit(struct hsm_call *c);

void hsm_worker_exit(void);

#endif /* HSM_WORKER_H */
