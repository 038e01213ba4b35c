// SPDX-License-Identifier: GPL-2.0
/*
 * Native unit tests of the module's validation logic and command table
 * (kmod/validate.c, kmod/cmdtab.c), built in userspace against
 * tests/unit/shim.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>

#include "alg.h"
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
	cr_expect_not(d->cls & HSM_CMD_SLEEPS);

	d = hsm_cmd_lookup(HSM_IOC_SHM_SETUP, &err);
	cr_assert_not_null(d);
	cr_expect(d->cls & HSM_CMD_SLEEPS, "SHM_SETUP allocates and must leave the submit path");
}

Test(cmd_lookup, foreign_type_is_enotty)
{
	int err = 0;

	cr_expect_null(hsm_cmd_lookup(_IOW('X', 0x00, struct hsm_get_info), &err));
	cr_expect_eq(err, -ENOTTY);
}

#define KNOWN_NR(name, nr, arg, cls)	[nr] = true,
static const bool known_nr[256] = { HSM_COMMANDS(KNOWN_NR) };

Test(cmd_lookup, unknown_nr_is_enotty)
{
	int err = 0;

	for (unsigned int nr = 0; nr < 256; nr++) {
		if (known_nr[nr])
			continue;
		cr_expect_null(hsm_cmd_lookup(_IOW('H', nr, struct hsm_get_info), &err));
		cr_expect_eq(err, -ENOTTY, "nr %u", nr);
	}
}

/* Every command of the ABI's table has its row, with the ABI's class. */
#define EXPECT_ROW(N, NR, ARG, CLS) { \
	int err = 1; \
	const struct hsm_cmd_desc *d = hsm_cmd_lookup(HSM_IOC_##N, &err); \
	cr_assert_not_null(d, #N); \
	cr_expect_eq(err, 0, #N); \
	cr_expect_eq(d->cmd, (unsigned int)HSM_IOC_##N, #N); \
	cr_expect_eq(d->idx, (unsigned int)HSM_CMD_IDX_##N, #N); \
	cr_expect_eq(d->cls, (CLS), #N); \
	cr_expect_str_eq(d->name, #N); \
	cr_expect_eq(_IOC_NR(HSM_IOC_##N), NR, #N); \
	cr_expect_eq(_IOC_SIZE(HSM_IOC_##N), sizeof(struct ARG), #N); \
}

Test(cmd_table, every_abi_command_has_its_row)
{
	HSM_COMMANDS(EXPECT_ROW)
}

/* The row's refs agree with the classes userspace reads. */
Test(cmd_table, classes_agree_with_rows)
{
	for (unsigned int nr = 0; nr < 256; nr++) {
		int err;
		const struct hsm_cmd_desc *d =
			hsm_cmd_lookup(_IOC(_IOC_WRITE, 'H', nr, sizeof(struct hsm_op)), &err);

		if (!d)
			continue;
		cr_expect_eq(!!(d->cls & HSM_CMD_REGION),
			     !!(d->refs || (d->cls & (HSM_CMD_NEW_ID | HSM_CMD_VALUE))),
			     "%s: HSM_CMD_REGION", d->name);
		cr_expect_eq(!!(d->cls & HSM_CMD_VECTOR), !!(d->cls & HSM_CMD_INFLIGHT),
			     "%s: every single operation may be a VECTOR entry", d->name);
		cr_expect(!(d->cls & HSM_CMD_CTX) || d->handle == HSM_HANDLE_OWN,
			  "%s: a context call names its context", d->name);
		cr_expect(d->handle != HSM_HANDLE_KEY || d->key_type || !d->key_perm,
			  "%s: a permission without a key type", d->name);
	}
}

Test(status, every_status_has_a_name_and_its_errno)
{
#define EXPECT_STATUS(name, value, e, str) \
	cr_expect_str_eq(hsm_status_name(HSM_STATUS_##name), str); \
	cr_expect_eq(hsm_status_of(-(long)(e)), (e) ? HSM_STATUS_##name : HSM_STATUS_OK, #name);
	HSM_STATUSES(EXPECT_STATUS)
#undef EXPECT_STATUS
	cr_expect_null(hsm_status_name(HSM_STATS_STATUSES));
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
#define FITS(name, nr, arg, cls) \
	cr_expect_leq(_IOC_SIZE(HSM_IOC_##name), HSM_CMD_MAX_SIZE, #name);
	HSM_COMMANDS(FITS)
#undef FITS
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

/* Data-plane commands: struct hsm_op against a region of REGION bytes. */
#define REGION (16 * PAGE)

static const struct hsm_cmd_desc *desc_of(unsigned int cmd)
{
	int err;
	const struct hsm_cmd_desc *d = hsm_cmd_lookup(cmd, &err);

	cr_assert_not_null(d, "cmd %#x", cmd);
	return d;
}

static struct hsm_op seal_op(void)
{
	struct hsm_op op = {
		.handle = 1,
		.resp_off = HSM_RESP_NONE,
		.in = { 0, 64 },
		.out = { 4096, 64 },
		.iv = { 8192, 12 },
		.aad = { 8192 + 16, 16 },
		.tag = { 8192 + 32, 16 },
	};
	return op;
}

Test(check_op, valid_seal)
{
	struct hsm_op op = seal_op();

	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, REGION), 0);
	op.resp_off = 12288;
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, REGION), 0);
}

Test(check_op, no_region_is_ebadfd)
{
	struct hsm_op op = seal_op();

	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, 0), -EBADFD);
	struct hsm_op rel = { .handle = 5, .resp_off = HSM_RESP_NONE };
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_KEY_RELEASE), &rel, 0), 0);
}

Test(check_op, unused_refs_must_be_zero)
{
	struct hsm_op op = { .handle = 5, .resp_off = HSM_RESP_NONE };

	op.iv.off = 1;
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_KEY_RELEASE), &op, REGION), -EINVAL);
	op = seal_op();
	op.params.len = 1;
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, REGION), -EINVAL);
}

Test(check_op, reserved_and_flags)
{
	struct hsm_op op = seal_op();

	op.reserved0 = 1;
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, REGION), -EINVAL);
	op = seal_op();
	op.submit_ns = ~0ULL;
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, REGION), 0,
		     "any submission time is the caller's business");
	op = seal_op();
	op.flags = HSM_OP_F_TRUNCATE;
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, REGION), -EINVAL);

	struct hsm_op mac = { .handle = 1, .resp_off = HSM_RESP_NONE,
			      .in = { 0, 10 }, .out = { 64, 32 },
			      .flags = HSM_OP_F_TRUNCATE };
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_MAC), &mac, REGION), 0);
	mac.flags = 1U << 31;
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_MAC), &mac, REGION), -EINVAL);
}

Test(check_op, refs_out_of_range_and_overflowing)
{
	struct hsm_op op = seal_op();

	op.in = (struct hsm_ref){ REGION - 8, 16 };
	op.out = (struct hsm_ref){ 0, 16 };
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, REGION), -EINVAL);
	op.in = (struct hsm_ref){ 0xffffffffu, 2 };
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, REGION), -EINVAL);
	op.in = (struct hsm_ref){ 0xfffffff0u, 0x20 };
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, ~0ULL), 0,
		     "u32 offsets cannot overflow a u64 end");
	op = seal_op();
	op.tag = (struct hsm_ref){ REGION, 1 };
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, REGION), -EINVAL);
}

Test(check_op, overlaps)
{
	struct hsm_op op = seal_op();

	/* In place: out is exactly in. */
	op.out = op.in;
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, REGION), 0);
	/* Partly overlapping in and out. */
	op.out = (struct hsm_ref){ 32, 64 };
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, REGION), -EINVAL);
	/* Output over the IV, the AAD, the tag. */
	op = seal_op();
	op.out = (struct hsm_ref){ 8192, 64 };
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, REGION), -EINVAL);
	op = seal_op();
	op.tag = (struct hsm_ref){ 4096 + 60, 16 };
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, REGION), -EINVAL);
	/* The completion record over a payload. */
	op = seal_op();
	op.resp_off = 40;
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, REGION), -EINVAL);
	/* Same range but in place not allowed for a MAC. */
	struct hsm_op mac = { .handle = 1, .resp_off = HSM_RESP_NONE,
			      .in = { 0, 32 }, .out = { 0, 32 } };
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_MAC), &mac, REGION), -EINVAL);
	/* Zero-length refs overlap nothing. */
	op = seal_op();
	op.aad = (struct hsm_ref){ 4096, 0 };
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_SEAL), &op, REGION), 0);
}

Test(check_op, resp_alignment_and_requirement)
{
	struct hsm_op op = { .resp_off = HSM_RESP_NONE,
			     .params = { 0, sizeof(struct hsm_key_params) } };

	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_KEY_GENERATE), &op, REGION), -EINVAL,
		     "KEY_GENERATE needs a completion record");
	op.resp_off = 4100;
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_KEY_GENERATE), &op, REGION), -EINVAL);
	op.resp_off = 4096;
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_KEY_GENERATE), &op, REGION), 0);
	op.resp_off = REGION - 16;
	cr_expect_eq(hsm_check_op(desc_of(HSM_IOC_KEY_GENERATE), &op, REGION), -EINVAL);
}

Test(alg, names)
{
	char name[HSM_ALG_NAME_LEN] = "aes-256-gcm";

	cr_expect_eq(hsm_check_alg_name(name, sizeof(name)), 0);
	name[40] = 'x';
	cr_expect_eq(hsm_check_alg_name(name, sizeof(name)), -EINVAL, "junk after the NUL");
	memset(name, 'a', sizeof(name));
	cr_expect_eq(hsm_check_alg_name(name, sizeof(name)), -EINVAL, "no NUL");
	memset(name, 0, sizeof(name));
	cr_expect_eq(hsm_check_alg_name(name, sizeof(name)), -EINVAL, "empty");

	const struct hsm_alg *a = hsm_alg_find("aes-256-gcm");
	cr_assert_not_null(a);
	cr_expect_eq(a->key_min, 32);
	cr_expect_eq(a->key_max, 32);
	cr_expect_str_eq(a->kname, "gcm(aes)");
	cr_expect_null(hsm_alg_find("aes-256-gcm "));
	cr_expect_null(hsm_alg_find("AES-256-GCM"));
	cr_expect_null(hsm_alg_find("ecdsa-p256"));
	cr_expect_eq(hsm_alg_fixed_key_len(hsm_alg_find("hmac-sha-256")), 0, "HMAC keys vary");
	cr_expect_eq(hsm_alg_find("hkdf-sha-256")->key_max, 0, "a KDF is not a key");
}

Test(alg, ivs_fit_the_iv_buffers)
{
	struct hsm_alg_info info;

	for (unsigned int i = 0; i < hsm_alg_count(); i++) {
		hsm_alg_describe(i, true, &info);
		cr_expect_leq(info.iv_len, HSM_IV_MAX, "%s", info.name);
	}
}

Test(status, errno_mapping)
{
	cr_expect_eq(hsm_status_of(0), HSM_STATUS_OK);
	cr_expect_eq(hsm_status_of(32), HSM_STATUS_OK);
	cr_expect_eq(hsm_status_of(-ENOENT), HSM_STATUS_NOT_FOUND);
	cr_expect_eq(hsm_status_of(-EPERM), HSM_STATUS_NOT_PERMITTED);
	cr_expect_eq(hsm_status_of(-EBADMSG), HSM_STATUS_AUTH_FAILED);
	cr_expect_eq(hsm_status_of(-EOPNOTSUPP), HSM_STATUS_UNSUPPORTED);
	cr_expect_eq(hsm_status_of(-ENOSPC), HSM_STATUS_LIMIT_EXCEEDED);
	cr_expect_eq(hsm_status_of(-EBUSY), HSM_STATUS_BUSY);
	cr_expect_eq(hsm_status_of(-EHOSTDOWN), HSM_STATUS_UNAVAILABLE, "no worker");
	cr_expect_eq(hsm_status_of(-ECONNABORTED), HSM_STATUS_UNAVAILABLE, "the worker went");
	cr_expect_eq(hsm_status_of(-EXDEV), HSM_STATUS_INTERNAL);
}

Test(cmd_lookup, platform_commands)
{
	const unsigned int cmds[] = {
		HSM_IOC_SLOT_SEAL, HSM_IOC_SLOT_UNSEAL, HSM_IOC_SNP_REPORT,
		HSM_IOC_SNP_EXT_REPORT, HSM_IOC_SNP_DERIVE_KEY, HSM_IOC_SNP_SIM_SETUP,
		HSM_IOC_TDX_REPORT, HSM_IOC_TDX_QUOTE, HSM_IOC_TDX_EXTEND_RTMR,
		HSM_IOC_TDX_SIM_SETUP, HSM_IOC_KEY_ATTEST,
	};
	int err;

	for (unsigned int i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const struct hsm_cmd_desc *d = hsm_cmd_lookup(cmds[i], &err);

		cr_assert_not_null(d, "cmd %#x", cmds[i]);
		cr_expect(d->cls & HSM_CMD_OP);
		cr_expect(d->cls & HSM_CMD_SLEEPS, "%s waits for the firmware or derives a key",
			  d->name);
	}
	/* A length goes in the record, even when out or tag is too short. */
	cr_expect(hsm_cmd_lookup(HSM_IOC_SNP_EXT_REPORT, &err)->cls & HSM_CMD_VALUE);
	cr_expect(hsm_cmd_lookup(HSM_IOC_SNP_DERIVE_KEY, &err)->cls & HSM_CMD_NEW_ID);
	cr_expect_eq(hsm_cmd_lookup(HSM_IOC_SNP_EXT_REPORT, &err)->outs,
		     HSM_R(OUT) | HSM_R(TAG));
	cr_expect(hsm_cmd_lookup(HSM_IOC_TDX_QUOTE, &err)->cls & HSM_CMD_VALUE);
	cr_expect_eq(hsm_cmd_lookup(HSM_IOC_TDX_QUOTE, &err)->outs, HSM_R(OUT));
	cr_expect_eq(hsm_cmd_lookup(HSM_IOC_TDX_EXTEND_RTMR, &err)->outs, 0);
	cr_expect(hsm_cmd_lookup(HSM_IOC_TDX_SIM_SETUP, &err)->cls & HSM_CMD_PRIV);
}
