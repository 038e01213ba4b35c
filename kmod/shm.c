// SPDX-License-Identifier: GPL-2.0
/*
 * Shared regions.  Only userspace allocates inside a region; the module only
 * checks (offset, length) references against it.  Its pages are looked up
 * once, when it is made: scatterlists over it then cost an array index per
 * page, and mmap() maps them from the same array.
 *
 * The memory is charged to the memory cgroup of the task that sets the
 * region up (GFP_KERNEL_ACCOUNT), as the rest of a connection's memory is:
 * vmalloc_user() cannot be asked to, and remap_vmalloc_range() takes only
 * its VM_USERMAP areas, so the region is mapped page by page instead,
 * which is what remap_vmalloc_range() does underneath.
 */
#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "params.h"
#include "quota.h"
#include "shm.h"
#include "validate.h"

/* Bytes of all regions together, bounded by max_region_total. */
static atomic64_t region_total = ATOMIC64_INIT(0);

static bool reserve(u64 size)
{
	s64 old = atomic64_read(&region_total);

	do {
		if (size > hsm_max_region_total - (u64)old)
			return false;
	} while (!atomic64_try_cmpxchg(&region_total, &old, old + size));
	return true;
}

static void unreserve(u64 size)
{
	atomic64_sub(size, &region_total);
}

u64 hsm_shm_total(void)
{
	return atomic64_read(&region_total);
}

/*
 * The memory of a region of size bytes (a multiple of PAGE_SIZE), and its
 * page array; hsm_shm_free() it.  Not counted against max_region_total.
 */
int hsm_shm_alloc(struct hsm_shm *shm, u64 size)
{
	const unsigned long npages = size >> PAGE_SHIFT;
	struct page **pages;
	unsigned long i;
	void *base;

	/*
	 * The caller chose the size and gets ENOMEM if it cannot be had: no
	 * kernel warning for a request a user can repeat at will.
	 */
	base = __vmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN);
	if (!base)
		return -ENOMEM;
	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!pages) {
		vfree(base);
		return -ENOMEM;
	}
	for (i = 0; i < npages; i++)
		pages[i] = vmalloc_to_page(base + (i << PAGE_SHIFT));
	shm->base = base;
	shm->size = size;
	shm->pages = pages;
	return 0;
}

/*
 * The region held plaintexts, exported keys and derived secrets: wipe it
 * before its pages go back, so that no later reader of freed memory (a
 * kernel bug elsewhere, a crash dump) finds them.
 */
void hsm_shm_free(struct hsm_shm *shm)
{
	if (shm->base)
		memzero_explicit(shm->base, shm->size);
	kvfree(shm->pages);
	vfree(shm->base);
	shm->pages = NULL;
	shm->base = NULL;
	shm->size = 0;
}

/*
 * A connection's region: hsm_shm_alloc() within its opener's share
 * (EDQUOT, charged to acct) and then within max_region_total (ENOSPC).
 */
int hsm_shm_create(struct hsm_shm *shm, u64 size, struct hsm_account *acct)
{
	int ret;

	ret = hsm_account_charge(acct, HSM_QUOTA_REGION, size);
	if (ret)
		return ret;
	ret = -ENOSPC;
	if (!reserve(size))
		goto err_charge;
	ret = hsm_shm_alloc(shm, size);
	if (ret)
		goto err_reserve;
	shm->acct = acct;
	return 0;

err_reserve:
	unreserve(size);
err_charge:
	hsm_account_uncharge(acct, HSM_QUOTA_REGION, size);
	return ret;
}

void hsm_shm_destroy(struct hsm_shm *shm)
{
	if (!shm->base)
		return;
	unreserve(shm->size);
	hsm_account_uncharge(shm->acct, HSM_QUOTA_REGION, shm->size);
	hsm_shm_free(shm);
}

int hsm_shm_mmap(const struct hsm_shm *shm, struct vm_area_struct *vma)
{
	u64 len = vma->vm_end - vma->vm_start;
	int ret;

	if (!shm->base)
		return -EBADFD;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	ret = hsm_check_mmap(shm->size, vma->vm_pgoff, PAGE_SHIFT, len);
	if (ret)
		return ret;

	/* Payloads are secrets: not in core dumps, not in fork()ed children. */
	hsm_vm_flags_mod(vma, VM_DONTCOPY | VM_DONTDUMP | VM_DONTEXPAND,
			 VM_MAYEXEC);
	return vm_map_pages(vma, shm->pages, shm->size >> PAGE_SHIFT);
}
