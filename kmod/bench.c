// SPDX-License-Identifier: GPL-2.0
/*
 * BENCH, a test hook (HSM_TESTING builds only): DIGEST, MAC or SEAL run
 * `iterations` times on the same payloads inside the module, the bound a
 * transport can approach.  The payloads are checked once, as the real
 * command would check them.
 */
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/string.h>

#include "alg.h"
#include "bench.h"
#include "cmdtab.h"
#include "conn.h"
#include "crypto.h"
#include "key.h"
#include "shm.h"
#include "validate.h"

/* What one run needs: the algorithm (DIGEST) or the key (MAC, SEAL). */
struct bench {
	struct hsm_bench_params p;
	struct hsm_op inner;		/* the refs as the real command has them */
	const struct hsm_alg *alg;
	struct hsm_key *key;
};

/* DIGEST names its algorithm in the parameters, and takes no key. */
static int bench_digest(struct bench *b, const struct hsm_op *op)
{
	if (hsm_check_alg_name(b->p.alg, sizeof(b->p.alg)) || op->handle)
		return -EINVAL;
	b->alg = hsm_alg_find(b->p.alg);
	if (!b->alg)
		return -EOPNOTSUPP;
	if (b->alg->type != HSM_ALG_HASH)
		return -EINVAL;
	/* DIGEST's params ref names the algorithm: keep it valid. */
	b->inner.params = op->params;
	return 0;
}

/* Read the parameters and check the inner command as it would be checked. */
static int bench_prepare(struct hsm_conn *conn, const struct hsm_op *op,
			 struct bench *b)
{
	const struct hsm_cmd_desc *desc;
	int ret;

	if (op->params.len != sizeof(b->p))
		return -EINVAL;
	memcpy(&b->p, hsm_shm_ptr(&conn->shm, &op->params), sizeof(b->p));
	if (memchr_inv(b->p.reserved, 0, sizeof(b->p.reserved)) ||
	    !b->p.iterations || b->p.iterations > HSM_BENCH_MAX_ITERATIONS)
		return -EINVAL;
	if (b->p.cmd != HSM_IOC_DIGEST && b->p.cmd != HSM_IOC_MAC &&
	    b->p.cmd != HSM_IOC_SEAL)
		return -EINVAL;
	desc = hsm_cmd_lookup(b->p.cmd, &ret);
	b->inner = *op;
	b->inner.params = (struct hsm_ref){ 0, 0 };
	b->inner.resp_off = HSM_RESP_NONE;
	if (b->p.cmd == HSM_IOC_DIGEST)
		ret = bench_digest(b, op);
	else if (memchr_inv(b->p.alg, 0, sizeof(b->p.alg)))
		ret = -EINVAL;
	if (ret)
		return ret;
	b->inner.handle = b->alg ? 0 : op->handle;
	ret = hsm_check_op(desc, &b->inner, hsm_conn_region_size(conn));
	if (ret || b->alg)
		return ret;
	b->key = hsm_key_get(&conn->res, op->handle);
	if (!b->key)
		return -ENOENT;
	/* The key the real command's row asks for (cmdtab.c). */
	return hsm_key_may(b->key, desc->key_type, desc->key_perm);
}

static long bench_once(const struct bench *b, const struct hsm_shm *shm)
{
	if (b->alg)
		return hsm_crypto_digest(b->alg, shm, &b->inner);
	if (b->p.cmd == HSM_IOC_MAC)
		return hsm_crypto_mac(b->key, shm, &b->inner);
	return hsm_crypto_aead(b->key, true, shm, &b->inner);
}

/* Returns the iterations run; c->value = the nanoseconds they took. */
long hsm_bench(struct hsm_call *c)
{
	struct bench b = { };
	long ret;
	u64 t0;
	u32 i;

	ret = bench_prepare(c->conn, c->op, &b);
	if (ret)
		goto out;
	t0 = ktime_get_ns();
	for (i = 0; i < b.p.iterations; i++) {
		ret = bench_once(&b, &c->conn->shm);
		if (ret < 0)
			goto out;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		cond_resched();
	}
	c->value = ktime_get_ns() - t0;
	ret = b.p.iterations;
out:
	if (b.key)
		hsm_key_put(b.key);
	return ret;
}
