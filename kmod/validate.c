// SPDX-License-Identifier: GPL-2.0
/*
 * Command validation.  Everything here works on a private copy of the
 * command and on numbers; nothing touches user memory or module state.
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include "validate.h"

#define HSM_CMD(_cmd, _block) \
	[_IOC_NR(_cmd)] = { .cmd = (_cmd), .name = #_cmd, .may_block = (_block) }

static const struct hsm_cmd_desc cmds[] = {
	HSM_CMD(HSM_IOC_GET_INFO, false),
	HSM_CMD(HSM_IOC_SHM_SETUP, true),
};

static_assert(sizeof(struct hsm_get_info) <= HSM_CMD_MAX_SIZE);
static_assert(sizeof(struct hsm_shm_setup) <= HSM_CMD_MAX_SIZE);
static_assert(sizeof(struct hsm_info) % 8 == 0);

/*
 * Map a command number to its descriptor.  A number that is not ours at all
 * is -ENOTTY (the ioctl convention); one of our numbers with the wrong size
 * or direction is -EINVAL, so that a caller built against another struct
 * layout learns that it is talking to us.
 */
const struct hsm_cmd_desc *hsm_cmd_lookup(unsigned int cmd, int *err)
{
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != HSM_IOC_MAGIC || nr >= ARRAY_SIZE(cmds) ||
	    !cmds[nr].cmd) {
		*err = -ENOTTY;
		return NULL;
	}
	if (cmds[nr].cmd != cmd) {
		*err = -EINVAL;
		return NULL;
	}
	*err = 0;
	return &cmds[nr];
}

static bool all_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

int hsm_check_get_info(const struct hsm_get_info *c)
{
	if (c->flags || !all_zero(c->reserved, sizeof(c->reserved)))
		return -EINVAL;
	if (c->info_size < HSM_INFO_SIZE_VER0 || c->info_size > HSM_INFO_SIZE_MAX)
		return -EINVAL;
	return 0;
}

int hsm_check_shm_setup(const struct hsm_shm_setup *c, u64 max_size,
			u64 page_size)
{
	if (c->flags || c->reserved0 ||
	    !all_zero(c->reserved, sizeof(c->reserved)))
		return -EINVAL;
	if (!c->size || c->size & (page_size - 1))
		return -EINVAL;
	if (c->size > max_size)
		return -E2BIG;
	return 0;
}

/* [off, off + len) must lie inside a region of region_size bytes. */
int hsm_check_range(u64 region_size, u64 off, u64 len)
{
	u64 end;

	if (check_add_overflow(off, len, &end) || end > region_size)
		return -EINVAL;
	return 0;
}

int hsm_check_mmap(u64 region_size, unsigned long pgoff, unsigned int page_shift,
		   u64 len)
{
	u64 off;

	if (!len || check_shl_overflow((u64)pgoff, page_shift, &off))
		return -EINVAL;
	return hsm_check_range(region_size, off, len);
}
