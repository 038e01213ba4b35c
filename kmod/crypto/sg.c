// SPDX-License-Identifier: GPL-2.0
/*
 * Scatterlists over bytes that stay where they are: refs into a
 * connection's region, whose pages the region keeps, or a kernel buffer,
 * kmalloc() or vmalloc() memory.  Each page the bytes touch is one entry.
 * A table of up to HSM_SG_ON_STACK entries is the caller's stack array;
 * a longer one is allocated, and hsm_sg_free() tells the two apart.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "../shm.h"
#include "sg.h"

/* Where a table's bytes are: the region's refs, or (shm NULL) at buf. */
struct sg_src {
	const struct hsm_shm *shm;
	const u8 *buf;
};

static const u8 *src_ptr(const struct sg_src *src, u64 off)
{
	return (src->shm ? src->shm->base : src->buf) + off;
}

static struct page *src_page(const struct sg_src *src, u64 off)
{
	const u8 *p = src_ptr(src, off);

	if (src->shm)
		return hsm_shm_page(src->shm, off);
	return is_vmalloc_addr(p) ? vmalloc_to_page(p) : virt_to_page(p);
}

/* Entries that cover the ref's bytes: one per page they touch. */
static unsigned int sg_count(const struct sg_src *src,
			     const struct hsm_ref *ref)
{
	if (!ref->len)
		return 0;
	return (offset_in_page(src_ptr(src, ref->off)) + ref->len +
		PAGE_SIZE - 1) >> PAGE_SHIFT;
}

static struct scatterlist *sg_add(struct scatterlist *sg,
				  const struct sg_src *src,
				  const struct hsm_ref *ref)
{
	u64 off = ref->off;
	u32 left = ref->len;

	while (left) {
		u32 in_page = offset_in_page(src_ptr(src, off));
		u32 n = min_t(u32, left, PAGE_SIZE - in_page);

		sg_set_page(sg++, src_page(src, off), n, in_page);
		off += n;
		left -= n;
	}
	return sg;
}

/* A table over the refs, in order: in stack when it fits, else allocated. */
static struct scatterlist *sg_build(const struct sg_src *src,
				    const struct hsm_ref *const *refs,
				    unsigned int nrefs, struct scatterlist *stack)
{
	struct scatterlist *sg, *p;
	unsigned int i, n = 0;

	for (i = 0; i < nrefs; i++)
		n += sg_count(src, refs[i]);
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
		p = sg_add(p, src, refs[i]);
	return sg;
}

/* A table over len bytes at buf, a kmalloc() or vmalloc() address. */
struct scatterlist *hsm_sg_buf(const void *buf, u32 len,
			       struct scatterlist stack[HSM_SG_ON_STACK])
{
	const struct sg_src src = { .buf = buf };
	const struct hsm_ref all = { .off = 0, .len = len };
	const struct hsm_ref *refs[1] = { &all };

	return sg_build(&src, refs, 1, stack);
}

void hsm_sg_free(struct scatterlist *sg,
		 const struct scatterlist stack[HSM_SG_ON_STACK])
{
	if (sg != stack)
		kvfree(sg);
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
	const struct sg_src src = { .shm = shm };

	sgp->src = sg_build(&src, src_refs, nrefs, sgp->stack[0]);
	if (!sgp->src)
		return -ENOMEM;
	if (inplace) {
		sgp->dst = sgp->src;
		return 0;
	}
	sgp->dst = sg_build(&src, dst_refs, nrefs, sgp->stack[1]);
	if (!sgp->dst) {
		hsm_sg_free(sgp->src, sgp->stack[0]);
		return -ENOMEM;
	}
	return 0;
}

void hsm_sg_pair_free(struct hsm_sg_pair *sgp)
{
	if (sgp->dst != sgp->src)
		hsm_sg_free(sgp->dst, sgp->stack[1]);
	hsm_sg_free(sgp->src, sgp->stack[0]);
}
