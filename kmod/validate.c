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

#define HSM_CMD(_cmd, _block) \
	[_IOC_NR(_cmd)] = { .cmd = (_cmd), .name = #_cmd, .may_block = (_block) }

/* A data-plane command: struct hsm_op with the refs it uses. */
#define HSM_OPCMD(_cmd, _block, _refs, _outs, ...) \
	[_IOC_NR(_cmd)] = { .cmd = (_cmd), .name = #_cmd, .may_block = (_block), \
			    .op = true, .refs = (_refs), .outs = (_outs), __VA_ARGS__ }

static const struct hsm_cmd_desc cmds[] = {
	HSM_CMD(HSM_IOC_GET_INFO, false),
	HSM_CMD(HSM_IOC_SHM_SETUP, true),
	HSM_CMD(HSM_IOC_GET_STATS, false),
	HSM_CMD(HSM_IOC_CONN_CONFIG, false),
	HSM_CMD(HSM_IOC_GET_ALGS, false),
	HSM_CMD(HSM_IOC_SELFTEST, true),
	/* Creating a key may allocate a transform and load its module. */
	HSM_OPCMD(HSM_IOC_KEY_GENERATE, true, HSM_R(PARAMS), 0, .resp = true),
	HSM_OPCMD(HSM_IOC_KEY_IMPORT, true, HSM_R(PARAMS) | HSM_R(IN), 0,
		  .resp = true),
	HSM_OPCMD(HSM_IOC_KEY_EXPORT, false, HSM_R(OUT), HSM_R(OUT)),
	HSM_OPCMD(HSM_IOC_KEY_RELEASE, false, 0, 0),
	HSM_OPCMD(HSM_IOC_KEY_LIST, false, HSM_R(OUT), HSM_R(OUT),
		  .flags = HSM_OP_F_ALL_CONNECTIONS),
	HSM_OPCMD(HSM_IOC_KEY_PUBLIC, true, HSM_R(OUT), HSM_R(OUT)),
	HSM_OPCMD(HSM_IOC_KEY_AGREE, true, HSM_R(PARAMS) | HSM_R(IN), 0,
		  .resp = true),
	HSM_OPCMD(HSM_IOC_KEY_WRAP, false, HSM_R(PARAMS) | HSM_R(IV) | HSM_R(AAD) |
		  HSM_R(OUT) | HSM_R(TAG), HSM_R(OUT) | HSM_R(TAG)),
	HSM_OPCMD(HSM_IOC_KEY_UNWRAP, true, HSM_R(PARAMS) | HSM_R(IN) | HSM_R(IV) |
		  HSM_R(AAD) | HSM_R(TAG), 0, .resp = true),
	HSM_OPCMD(HSM_IOC_KEY_DERIVE, true, HSM_R(PARAMS) | HSM_R(IN) | HSM_R(IV) |
		  HSM_R(AAD), 0, .resp = true),
	/* Creating a context may allocate a transform. */
	HSM_OPCMD(HSM_IOC_SLOT_STORE, false, HSM_R(PARAMS), 0),
	/* Opening a slot makes a keyed transform. */
	HSM_OPCMD(HSM_IOC_SLOT_OPEN, true, HSM_R(PARAMS), 0, .resp = true),
	HSM_OPCMD(HSM_IOC_SLOT_DELETE, false, HSM_R(PARAMS), 0),
	HSM_OPCMD(HSM_IOC_SLOT_LIST, false, HSM_R(OUT), HSM_R(OUT)),
	HSM_OPCMD(HSM_IOC_CTX_CREATE, true, HSM_R(PARAMS), 0, .resp = true),
	HSM_OPCMD(HSM_IOC_CTX_INIT, false, HSM_R(IV) | HSM_R(AAD), 0),
	HSM_OPCMD(HSM_IOC_CTX_UPDATE, false, HSM_R(IN) | HSM_R(OUT), HSM_R(OUT),
		  .inplace = true),
	HSM_OPCMD(HSM_IOC_CTX_FINAL, false, HSM_R(OUT) | HSM_R(TAG),
		  HSM_R(OUT) | HSM_R(TAG)),
	HSM_OPCMD(HSM_IOC_CTX_RESET, false, 0, 0),
	HSM_OPCMD(HSM_IOC_CTX_RELEASE, false, 0, 0),
	HSM_OPCMD(HSM_IOC_DIGEST, false, HSM_R(PARAMS) | HSM_R(IN) | HSM_R(OUT),
		  HSM_R(OUT)),
	HSM_OPCMD(HSM_IOC_MAC, false, HSM_R(IN) | HSM_R(OUT), HSM_R(OUT),
		  .flags = HSM_OP_F_TRUNCATE),
	HSM_OPCMD(HSM_IOC_MAC_VERIFY, false, HSM_R(IN) | HSM_R(TAG), 0),
	HSM_OPCMD(HSM_IOC_SEAL, false, HSM_R(IN) | HSM_R(OUT) | HSM_R(IV) |
		  HSM_R(AAD) | HSM_R(TAG), HSM_R(OUT) | HSM_R(TAG), .inplace = true),
	HSM_OPCMD(HSM_IOC_OPEN, false, HSM_R(IN) | HSM_R(OUT) | HSM_R(IV) |
		  HSM_R(AAD) | HSM_R(TAG), HSM_R(OUT), .inplace = true),
	HSM_OPCMD(HSM_IOC_ENCRYPT, false, HSM_R(IN) | HSM_R(OUT) | HSM_R(IV),
		  HSM_R(OUT), .inplace = true),
	HSM_OPCMD(HSM_IOC_DECRYPT, false, HSM_R(IN) | HSM_R(OUT) | HSM_R(IV),
		  HSM_R(OUT), .inplace = true),
	HSM_OPCMD(HSM_IOC_RANDOM, false, HSM_R(OUT), HSM_R(OUT)),
	/* RSA private-key operations take milliseconds: off the submit path. */
	HSM_OPCMD(HSM_IOC_SIGN, true, HSM_R(IN) | HSM_R(OUT), HSM_R(OUT)),
	HSM_OPCMD(HSM_IOC_VERIFY, true, HSM_R(IN) | HSM_R(TAG), 0),
	/* The entries are checked, and may leave the inline path, in cmd.c. */
	HSM_OPCMD(HSM_IOC_VECTOR, false, HSM_R(IN), 0),
	/* Runs up to a million operations: never inline. */
	HSM_OPCMD(HSM_IOC_BENCH, true, HSM_R(PARAMS) | HSM_R(IN) | HSM_R(OUT) |
		  HSM_R(IV) | HSM_R(AAD) | HSM_R(TAG), HSM_R(OUT) | HSM_R(TAG),
		  .inplace = true, .resp = true),
	/* Platform: guest requests wait for the PSP; sealing derives a key. */
	HSM_OPCMD(HSM_IOC_SLOT_SEAL, true, HSM_R(PARAMS) | HSM_R(OUT), HSM_R(OUT)),
	HSM_OPCMD(HSM_IOC_SLOT_UNSEAL, true, HSM_R(PARAMS) | HSM_R(IN), 0),
	HSM_OPCMD(HSM_IOC_SNP_REPORT, true, HSM_R(PARAMS) | HSM_R(OUT), HSM_R(OUT)),
	HSM_OPCMD(HSM_IOC_SNP_EXT_REPORT, true, HSM_R(PARAMS) | HSM_R(OUT) |
		  HSM_R(TAG), HSM_R(OUT) | HSM_R(TAG), .resp = true),
	HSM_OPCMD(HSM_IOC_SNP_DERIVE_KEY, true, HSM_R(PARAMS) | HSM_R(IN), 0,
		  .resp = true),
	HSM_OPCMD(HSM_IOC_SNP_SIM_SETUP, true, HSM_R(PARAMS) | HSM_R(IN), 0),
};

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
static_assert(offsetof(struct hsm_op, tag) - offsetof(struct hsm_op, params) ==
	      (HSM_REF_TAG - HSM_REF_PARAMS) * sizeof(struct hsm_ref));

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
	if (desc->resp && !has_resp)
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

enum hsm_status hsm_status_from_errno(int err)
{
	switch (err) {
	case 0:			return HSM_STATUS_OK;
	case -EINVAL:		return HSM_STATUS_INVALID_ARGUMENT;
	case -ENOTTY:		return HSM_STATUS_UNKNOWN_COMMAND;
	case -ENOENT:		return HSM_STATUS_NOT_FOUND;
	case -EPERM:		return HSM_STATUS_NOT_PERMITTED;
	case -EBADFD:		return HSM_STATUS_INVALID_STATE;
	case -ETIMEDOUT:	return HSM_STATUS_TIMED_OUT;
	case -ENOSPC:
	case -E2BIG:
	case -ENFILE:
	case -EDQUOT:		return HSM_STATUS_LIMIT_EXCEEDED;
	case -EEXIST:		return HSM_STATUS_INVALID_STATE;
	case -EFAULT:		return HSM_STATUS_INVALID_ARGUMENT;
	case -EOPNOTSUPP:	return HSM_STATUS_UNSUPPORTED;
	case -EBADMSG:		return HSM_STATUS_AUTH_FAILED;
	case -EOVERFLOW:	return HSM_STATUS_BUFFER_TOO_SMALL;
	case -ENOMEM:		return HSM_STATUS_OUT_OF_MEMORY;
	case -ECANCELED:
	case -EINTR:		return HSM_STATUS_CANCELED;
	case -EBUSY:		return HSM_STATUS_BUSY;
	}
	return err > 0 ? HSM_STATUS_OK : HSM_STATUS_INTERNAL;
}
