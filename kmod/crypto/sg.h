/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CRYPTO_SG_H
#define HSM_CRYPTO_SG_H

#include <linux/scatterlist.h>
#include <linux/types.h>

struct hsm_ref;
struct hsm_shm;

/*
 * Scatterlist entries a small operation finds on the stack: three refs
 * under a page each, one of them crossing a page boundary.
 */
enum { HSM_SG_ON_STACK = 4 };

/* Source and destination tables of one request. */
struct hsm_sg_pair {
	struct scatterlist *src, *dst;
	struct scatterlist stack[2][HSM_SG_ON_STACK];
};

int hsm_sg_pair(const struct hsm_shm *shm,
		const struct hsm_ref *const *src_refs,
		const struct hsm_ref *const *dst_refs, unsigned int nrefs,
		bool inplace, struct hsm_sg_pair *sgp);
void hsm_sg_pair_free(struct hsm_sg_pair *sgp);
struct scatterlist *hsm_sg_buf(const void *buf, u32 len,
			       struct scatterlist stack[HSM_SG_ON_STACK]);
void hsm_sg_free(struct scatterlist *sg,
		 const struct scatterlist stack[HSM_SG_ON_STACK]);

#endif /* HSM_CRYPTO_SG_H */
