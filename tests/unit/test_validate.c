// SPDX-License-Identifier: GPL-2.0
/*
 * Native unit tests of the module's validation logic (kmod/validate.c),
 * built in userspace against tests/unit/shim.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>

#include "validate.h"

#define PAGE 4096ULL
#define MAX_REGION (64 * PAGE)

Test(cmd_lookup, known_commands)
{
	int err = 1;

	const struct hsm_cmd_desc *d = hsm_cmd_lookup(HSM_IOC_GET_INFO, &err);
	cr_assert_not_null(d);
	cr_expect_eq(err, 0);
	cr_expect_eq(d->cmd, HSM_IOC_GET_INFO);
	cr_expect_not(d->may_block);

	d = hsm_cmd_lookup(HSM_IOC_SHM_SETUP, &err);
	cr_assert_not_null(d);
	cr_expect(d->may_block, "SHM_SETUP allocates and must leave the submit path");
}

Test(cmd_lookup, foreign_type_is_enotty)
{
	int err = 0;

	cr_expect_null(hsm_cmd_lookup(_IOW('X', 0x00, struct hsm_get_info), &err));
	cr_expect_eq(err, -ENOTTY);
}

Test(cmd_lookup, unknown_nr_is_enotty)
{
	int err = 0;

	for (unsigned int nr = 2; nr < 256; nr++) {
		cr_expect_null(hsm_cmd_lookup(_IOW('H', nr, struct hsm_get_info), &err));
		cr_expect_eq(err, -ENOTTY, "nr %u", nr);
	}
}

Test(cmd_lookup, wrong_size_or_direction_is_einval)
{
	int err = 0;

	cr_expect_null(hsm_cmd_lookup(_IOC(_IOC_WRITE, 'H', 0, 24), &err));
	cr_expect_eq(err, -EINVAL);
	cr_expect_null(hsm_cmd_lookup(_IOC(_IOC_WRITE, 'H', 0, 0), &err));
	cr_expect_eq(err, -EINVAL);
	cr_expect_null(hsm_cmd_lookup(_IOWR('H', 0, struct hsm_get_info), &err));
	cr_expect_eq(err, -EINVAL);
	cr_expect_null(hsm_cmd_lookup(_IOR('H', 1, struct hsm_shm_setup), &err));
	cr_expect_eq(err, -EINVAL);
}

Test(abi, commands_fit_an_sqe128)
{
	cr_expect_leq(_IOC_SIZE(HSM_IOC_GET_INFO), HSM_CMD_MAX_SIZE);
	cr_expect_leq(_IOC_SIZE(HSM_IOC_SHM_SETUP), HSM_CMD_MAX_SIZE);
	cr_expect_eq(HSM_CMD_MAX_SIZE, 80);
}

Test(get_info, accepts_sizes_in_range)
{
	struct hsm_get_info c = { .info_ptr = 0x1000, .info_size = HSM_INFO_SIZE_VER0 };

	cr_expect_eq(hsm_check_get_info(&c), 0);
	c.info_size = sizeof(struct hsm_info);
	cr_expect_eq(hsm_check_get_info(&c), 0);
	c.info_size = HSM_INFO_SIZE_MAX;
	cr_expect_eq(hsm_check_get_info(&c), 0);
}

Test(get_info, rejects_bad_sizes)
{
	struct hsm_get_info c = { .info_ptr = 0x1000 };

	c.info_size = HSM_INFO_SIZE_VER0 - 1;
	cr_expect_eq(hsm_check_get_info(&c), -EINVAL);
	c.info_size = 0;
	cr_expect_eq(hsm_check_get_info(&c), -EINVAL);
	c.info_size = HSM_INFO_SIZE_MAX + 1;
	cr_expect_eq(hsm_check_get_info(&c), -EINVAL);
}

Test(get_info, rejects_flags_and_reserved)
{
	struct hsm_get_info c = { .info_ptr = 0x1000, .info_size = 64 };

	for (int bit = 0; bit < 32; bit++) {
		c.flags = 1u << bit;
		cr_expect_eq(hsm_check_get_info(&c), -EINVAL, "flag bit %d", bit);
	}
	c.flags = 0;
	for (unsigned i = 0; i < sizeof(c.reserved); i++) {
		memset(c.reserved, 0, sizeof(c.reserved));
		((uint8_t *)c.reserved)[i] = 0x80;
		cr_expect_eq(hsm_check_get_info(&c), -EINVAL, "reserved byte %u", i);
	}
}

Test(shm_setup, accepts_page_multiples_up_to_max)
{
	struct hsm_shm_setup c = { .size = PAGE };

	cr_expect_eq(hsm_check_shm_setup(&c, MAX_REGION, PAGE), 0);
	c.size = MAX_REGION;
	cr_expect_eq(hsm_check_shm_setup(&c, MAX_REGION, PAGE), 0);
}

Test(shm_setup, rejects_bad_sizes)
{
	struct hsm_shm_setup c = { 0 };

	c.size = 0;
	cr_expect_eq(hsm_check_shm_setup(&c, MAX_REGION, PAGE), -EINVAL);
	c.size = PAGE + 1;
	cr_expect_eq(hsm_check_shm_setup(&c, MAX_REGION, PAGE), -EINVAL);
	c.size = PAGE - 1;
	cr_expect_eq(hsm_check_shm_setup(&c, MAX_REGION, PAGE), -EINVAL);
	c.size = MAX_REGION + PAGE;
	cr_expect_eq(hsm_check_shm_setup(&c, MAX_REGION, PAGE), -E2BIG);
	c.size = UINT64_MAX & ~(PAGE - 1);
	cr_expect_eq(hsm_check_shm_setup(&c, MAX_REGION, PAGE), -E2BIG);
}

Test(shm_setup, rejects_flags_and_reserved)
{
	struct hsm_shm_setup c = { .size = PAGE, .flags = 1 };

	cr_expect_eq(hsm_check_shm_setup(&c, MAX_REGION, PAGE), -EINVAL);
	c.flags = 0;
	c.reserved0 = 1;
	cr_expect_eq(hsm_check_shm_setup(&c, MAX_REGION, PAGE), -EINVAL);
	c.reserved0 = 0;
	c.reserved[1] = 1ULL << 63;
	cr_expect_eq(hsm_check_shm_setup(&c, MAX_REGION, PAGE), -EINVAL);
}

Test(range, inside_and_edges)
{
	cr_expect_eq(hsm_check_range(100, 0, 100), 0);
	cr_expect_eq(hsm_check_range(100, 100, 0), 0);
	cr_expect_eq(hsm_check_range(100, 99, 1), 0);
	cr_expect_eq(hsm_check_range(100, 99, 2), -EINVAL);
	cr_expect_eq(hsm_check_range(100, 101, 0), -EINVAL);
	cr_expect_eq(hsm_check_range(0, 0, 0), 0);
}

Test(range, overflowing_offsets)
{
	cr_expect_eq(hsm_check_range(100, UINT64_MAX, 2), -EINVAL);
	cr_expect_eq(hsm_check_range(UINT64_MAX, UINT64_MAX, 1), -EINVAL);
	cr_expect_eq(hsm_check_range(UINT64_MAX, 1, UINT64_MAX), -EINVAL);
	cr_expect_eq(hsm_check_range(UINT64_MAX, 0, UINT64_MAX), 0);
}

Test(mmap, bounds)
{
	cr_expect_eq(hsm_check_mmap(4 * PAGE, 0, 12, 4 * PAGE), 0);
	cr_expect_eq(hsm_check_mmap(4 * PAGE, 3, 12, PAGE), 0);
	cr_expect_eq(hsm_check_mmap(4 * PAGE, 3, 12, 2 * PAGE), -EINVAL);
	cr_expect_eq(hsm_check_mmap(4 * PAGE, 4, 12, PAGE), -EINVAL);
	cr_expect_eq(hsm_check_mmap(4 * PAGE, 0, 12, 0), -EINVAL);
	cr_expect_eq(hsm_check_mmap(4 * PAGE, 0, 12, 5 * PAGE), -EINVAL);
}

Test(mmap, overflowing_page_offsets)
{
	cr_expect_eq(hsm_check_mmap(UINT64_MAX, 1UL << 52, 12, PAGE), -EINVAL);
	cr_expect_eq(hsm_check_mmap(UINT64_MAX, ~0UL, 12, PAGE), -EINVAL);
	cr_expect_eq(hsm_check_mmap(UINT64_MAX, (1UL << 52) - 1, 12, PAGE), -EINVAL);
	cr_expect_eq(hsm_check_mmap(UINT64_MAX, (1UL << 52) - 2, 12, PAGE), 0);
}
