// SPDX-License-Identifier: GPL-2.0
/*
 * Command validation.  Everything here works on a private copy of the
 * command and on numbers; nothing touches user memory or module state.
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "validate.h"

static_assert(sizeof(struct hsm_get_info) <= HSM_CMD_MAX_SIZE);
static_assert(sizeof(struct hsm_get_stats) <= HSM_CMD_MAX_SIZE);
static_assert(sizeof(struct hsm_conn_config) <= HSM_CMD_MAX_SIZE);
static_assert(sizeof(struct hsm_get_algs) <= HSM_CMD_MAX_SIZE);
static_assert(sizeof(struct hsm_selftest) <= HSM_CMD_MAX_SIZE);
static_assert(sizeof(struct hsm_alg_info) == 104);
static_assert(sizeof(struct hsm_stats) <= HSM_INFO_SIZE_MAX);
static_assert(sizeof(struct hsm_shm_setup) <= HSM_CMD_MAX_SIZE);
static_assert(sizeof(struct hsm_op) == HSM_CMD_MAX_SIZE);
static_assert(sizeof(struct hsm_info) % 8 == 0);
static_assert(sizeof(struct hsm_resp) == 32);
static_assert(sizeof(struct hsm_key_params) == 112);
static_assert(sizeof(struct hsm_ctx_params) == 104);
static_assert(sizeof(struct hsm_wrap_params) == 32);
static_assert(sizeof(struct hsm_slot_params) == 88);
static_assert(sizeof(struct hsm_slot_info) == 160);
static_assert(sizeof(struct hsm_snp_report_params) == 96);
static_assert(sizeof(struct hsm_snp_key_params) == 168);
static_assert(sizeof(struct hsm_snp_sim_params) == 288);
static_assert(sizeof(struct hsm_tdx_report_params) == 96);
static_assert(sizeof(struct hsm_tdx_quote_params) == 96);
static_assert(sizeof(struct hsm_tdx_rtmr_params) == 72);
static_assert(sizeof(struct hsm_tdx_sim_params) == 736);
static_assert(offsetof(struct hsm_op, tag) - offsetof(struct hsm_op, params) ==
	      (HSM_REF_TAG - HSM_REF_PARAMS) * sizeof(struct hsm_ref));

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

int hsm_check_get_stats(const struct hsm_get_stats *c)
{
	if (c->flags & ~HSM_STATS_F_CONNECTION ||
	    !all_zero(c->reserved, sizeof(c->reserved)))
		return -EINVAL;
	if (c->stats_size < HSM_STATS_SIZE_VER0 ||
	    c->stats_size > HSM_INFO_SIZE_MAX)
		return -EINVAL;
	return 0;
}

int hsm_check_selftest(const struct hsm_selftest *c)
{
	if (c->flags || c->reserved0 || !all_zero(c->reserved, sizeof(c->reserved)))
		return -EINVAL;
	return 0;
}

int hsm_check_get_algs(const struct hsm_get_algs *c)
{
	if (c->flags || !all_zero(c->reserved, sizeof(c->reserved)))
		return -EINVAL;
	return 0;
}

int hsm_check_conn_config(const struct hsm_conn_config *c)
{
	if (c->flags || !all_zero(c->reserved, sizeof(c->reserved)))
		return -EINVAL;
	return 0;
}

/* Payload bytes a command reads and writes, for the counters. */
void hsm_op_bytes(const struct hsm_cmd_desc *desc, const struct hsm_op *op,
		  u64 *in, u64 *out)
{
	unsigned int i;

	*in = *out = 0;
	for (i = 0; i < HSM_REF_NR; i++) {
		if (!(desc->refs & (1U << i)) || i == HSM_REF_PARAMS)
			continue;
		if (desc->outs & (1U << i))
			*out += hsm_op_ref(op, i)->len;
		else
			*in += hsm_op_ref(op, i)->len;
	}
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

static bool overlap(u64 a_off, u64 a_len, u64 b_off, u64 b_len)
{
	return a_len && b_len && a_off < b_off + b_len && b_off < a_off + a_len;
}

/*
 * Check a data-plane command against what its descriptor allows and against
 * a region of region_size bytes (0: no region yet).  Errors: EINVAL for a
 * malformed command, EBADFD when it needs a region the connection lacks.
 */
int hsm_check_op(const struct hsm_cmd_desc *desc, const struct hsm_op *op,
		 u64 region_size)
{
	bool has_resp = op->resp_off != HSM_RESP_NONE;
	bool uses_region = has_resp;
	unsigned int i, j;
	int ret;

	if (op->reserved0)
		return -EINVAL;
	if (op->flags & ~desc->flags)
		return -EINVAL;
	if ((desc->cls & (HSM_CMD_NEW_ID | HSM_CMD_VALUE)) && !has_resp)
		return -EINVAL;
	if (desc->handle == HSM_HANDLE_NONE && op->handle)
		return -EINVAL;

	for (i = 0; i < HSM_REF_NR; i++) {
		const struct hsm_ref *r = hsm_op_ref(op, i);

		if (!(desc->refs & (1U << i))) {
			if (r->off || r->len)
				return -EINVAL;
			continue;
		}
		if (r->len)
			uses_region = true;
	}
	if (uses_region && !region_size)
		return -EBADFD;

	for (i = 0; i < HSM_REF_NR; i++) {
		const struct hsm_ref *r = hsm_op_ref(op, i);

		if (!(desc->refs & (1U << i)))
			continue;
		ret = hsm_check_range(region_size, r->off, r->len);
		if (ret)
			return ret;
	}
	if (has_resp) {
		if (op->resp_off % 8)
			return -EINVAL;
		ret = hsm_check_range(region_size, op->resp_off,
				      sizeof(struct hsm_resp));
		if (ret)
			return ret;
	}

	/*
	 * Nothing the module writes may overlap anything else of the command,
	 * except that out may be exactly in where the command works in place.
	 */
	for (i = 0; i < HSM_REF_NR; i++) {
		const struct hsm_ref *o = hsm_op_ref(op, i);

		if (!(desc->outs & (1U << i)))
			continue;
		if (has_resp && overlap(o->off, o->len, op->resp_off,
					sizeof(struct hsm_resp)))
			return -EINVAL;
		for (j = 0; j < HSM_REF_NR; j++) {
			const struct hsm_ref *r = hsm_op_ref(op, j);

			if (j == i || !(desc->refs & (1U << j)))
				continue;
			if (!overlap(o->off, o->len, r->off, r->len))
				continue;
			if (desc->inplace && i == HSM_REF_OUT && j == HSM_REF_IN &&
			    o->off == r->off && o->len == r->len)
				continue;
			return -EINVAL;
		}
	}
	if (has_resp) {
		for (j = 0; j < HSM_REF_NR; j++) {
			const struct hsm_ref *r = hsm_op_ref(op, j);

			if ((desc->refs & (1U << j)) &&
			    overlap(op->resp_off, sizeof(struct hsm_resp),
				    r->off, r->len))
				return -EINVAL;
		}
	}
	return 0;
}

/* A name in a fixed field: NUL-terminated inside it, zero after the NUL. */
int hsm_check_alg_name(const char *name, size_t len)
{
	size_t n = strnlen(name, len);

	if (!n || n == len || !all_zero(name + n, len - n))
		return -EINVAL;
	return 0;
}
