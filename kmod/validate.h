/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Validation of commands and region references: pure logic with no kernel
 * state, so that it also builds in userspace (tests/unit) against a shim.
 */
#ifndef HSM_VALIDATE_H
#define HSM_VALIDATE_H

#include <linux/types.h>
#include <uapi/linux/hsm.h>

/* What the funnel knows of a command before it copies the argument. */
struct hsm_cmd_desc {
	unsigned int cmd;	/* the full _IOW number */
	const char *name;
	bool may_block;		/* run off the io_uring submission path */
};

const struct hsm_cmd_desc *hsm_cmd_lookup(unsigned int cmd, int *err);

int hsm_check_get_info(const struct hsm_get_info *c);
int hsm_check_shm_setup(const struct hsm_shm_setup *c, u64 max_size,
			u64 page_size);
int hsm_check_range(u64 region_size, u64 off, u64 len);
int hsm_check_mmap(u64 region_size, unsigned long pgoff, unsigned int page_shift,
		   u64 len);

#endif /* HSM_VALIDATE_H */
