// SPDX-License-Identifier: GPL-2.0
/*
 * Scatterlists over refs into a connection's region, through the pages
 * the region keeps: each page a ref touches is one entry.  A table of up
 * to HSM_SG_ON_STACK entries is the caller's stack array; a longer one is
 * allocated.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "../shm.h"
#include "sg.h"

/* Scatterlist entries that cover [off, off + len) of the region. */
static unsigned int sg_count(const struct hsm_ref *ref)
{
	if (!ref->len)
		return 0;
	return ((ref->off & ~PAGE_MASK) + ref->len + PAGE_SIZE - 1) >> PAGE_SHIFT;
}

static struct scatterlist *sg_add(struct scatterlist *sg,
				  const struct hsm_shm *shm,
				  const struct hsm_ref *ref)
{
	u64 off = ref->off;
	u32 left = ref->len;

	while (left) {
		u32 in_page = offset_in_page(off);
		u32 n = min_t(u32, left, PAGE_SIZE - in_page);

		sg_set_page(sg++, hsm_shm_page(shm, off), n, in_page);
		off += n;
		left -= n;
	}
	return sg;
}

/* A table over the refs, in order: in stack when it fits, else allocated. */
static struct scatterlist *sg_build(const struct hsm_shm *shm,
				    const struct hsm_ref *const *refs,
				    unsigned int nrefs, struct scatterlist *stack)
{
	struct scatterlist *sg, *p;
	unsigned int i, n = 0;

	for (i = 0; i < nrefs; i++)
		n += sg_count(refs[i]);
	if (n <= HSM_SG_ON_STACK) {
		sg = stack;
	} else {
		/* A large region's table is large: it may be vmalloc()ed. */
		sg = kvmalloc_array(n, sizeof(*sg), GFP_KERNEL);
		if (!sg)
			return NULL;
	}
	sg_init_table(sg, max(n, 1U));
	if (!n) {
		/* Nothing to cover: the API still wants a list. */
		sg_set_page(sg, ZERO_PAGE(0), 0, 0);
		return sg;
	}
	p = sg;
	for (i = 0; i < nrefs; i++)
		p = sg_add(p, shm, refs[i]);
	return sg;
}

void hsm_sg_pair_free(struct hsm_sg_pair *sgp)
{
	if (sgp->dst != sgp->src && sgp->dst != sgp->stack[1])
		kvfree(sgp->dst);
	if (sgp->src != sgp->stack[0])
		kvfree(sgp->src);
}

/*
 * Source and destination tables over the refs; in place (dst == src) when
 * the output is the input.  hsm_sg_pair_free() them.
 */
int hsm_sg_pair(const struct hsm_shm *shm,
		const struct hsm_ref *const *src_refs,
		const struct hsm_ref *const *dst_refs, unsigned int nrefs,
		bool inplace, struct hsm_sg_pair *sgp)
{
	sgp->dst = NULL;
	sgp->src = sg_build(shm, src_refs, nrefs, sgp->stack[0]);
	if (!sgp->src)
		return -ENOMEM;
	if (inplace) {
		sgp->dst = sgp->src;
		return 0;
	}
	sgp->dst = sg_build(shm, dst_refs, nrefs, sgp->stack[1]);
	if (!sgp->dst) {
		hsm_sg_pair_free(sgp);
		return -ENOMEM;
	}
	return 0;
}
