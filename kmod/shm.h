/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_SHM_H
#define HSM_SHM_H

#include <linux/mm.h>
#include <linux/types.h>

struct hsm_account;
struct vm_area_struct;

/* A connection's shared region: zeroed vmalloc memory mapped by userspace. */
struct hsm_shm {
	void *base;	/* NULL until created */
	u64 size;
	struct page **pages;	/* of each PAGE_SIZE of it, for scatterlists */
	struct hsm_account *acct;	/* charged for it (hsm_shm_create()) */
};

/* The page that holds byte off of the region (off < size). */
static inline struct page *hsm_shm_page(const struct hsm_shm *shm, u64 off)
{
	return shm->pages[off >> PAGE_SHIFT];
}

/*
 * Byte off of the region.  Only for offsets a validated command named
 * (hsm_check_op() or the command's own range check).
 */
static inline void *hsm_shm_ptr(const struct hsm_shm *shm, u64 off)
{
	return shm->base + off;
}

int __must_check hsm_shm_alloc(struct hsm_shm *shm, u64 size);
void hsm_shm_free(struct hsm_shm *shm);
int __must_check hsm_shm_create(struct hsm_shm *shm, u64 size,
				struct hsm_account *acct);
void hsm_shm_destroy(struct hsm_shm *shm);
int hsm_shm_mmap(const struct hsm_shm *shm, struct vm_area_struct *vma);
u64 hsm_shm_total(void);

#endif /* HSM_SHM_H */
