// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the module's validation of commands (kmod/validate.c),
 * its command table (kmod/cmdtab.c) and its algorithm names (kmod/alg.c),
 * built in userspace against tests/unit/shim as the unit test is.
 *
 * Besides the sanitizers, every verdict is held against what the ABI
 * header promises, restated here in other terms: what is accepted lies
 * inside the region and overlaps nothing it must not, and what is refused
 * fails with the errno the header documents for it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>

#include "alg.h"
#include "check.h"
#include "validate.h"
#include "validate_input.h"

typedef unsigned __int128 u128;

static bool zero(const void *p, size_t len)
{
	const u8 *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/* The ABI's command numbers, in table order. */
#define ABI_CMD(name, nr, arg, cls)	HSM_IOC_##name,
static const unsigned int abi_cmds[] = { HSM_COMMANDS(ABI_CMD) };
#undef ABI_CMD

/* Is nr the number of an ABI command, of whatever size or direction? */
static bool abi_nr(unsigned int nr)
{
	for (size_t i = 0; i < ARRAY_SIZE(abi_cmds); i++)
		if (_IOC_NR(abi_cmds[i]) == nr)
			return true;
	return false;
}

/*
 * A row for every command of the ABI's table (the test hooks are built
 * in), matching it; no row for anything else: EINVAL for one of our
 * numbers with another size or direction, ENOTTY for the rest.
 */
static void fuzz_lookup(const struct fuzz_validate_input *in)
{
	int err = 1;
	const struct hsm_cmd_desc *d = hsm_cmd_lookup(in->cmd, &err);
	int idx = hsm_cmd_index(in->cmd);

	if (d) {
		CHECK(!err && d->cmd == in->cmd);
		CHECK(idx >= 0 && d->idx == (unsigned int)idx);
		CHECK(d->cls == hsm_cmd_class(in->cmd));
		CHECK(!strcmp(d->name, hsm_cmd_name(in->cmd)));
		return;
	}
	CHECK(idx < 0);
	if (_IOC_TYPE(in->cmd) == HSM_IOC_MAGIC && abi_nr(_IOC_NR(in->cmd)))
		CHECK(err == -EINVAL);
	else
		CHECK(err == -ENOTTY);
}

/* The rows of the commands that take struct hsm_op. */
static const struct hsm_cmd_desc *op_rows[ARRAY_SIZE(abi_cmds)];
static unsigned int nr_op_rows;

static bool uses(const struct hsm_cmd_desc *d, unsigned int i)
{
	return d->refs & (1U << i);
}

static bool writes(const struct hsm_cmd_desc *d, unsigned int i)
{
	return d->outs & (1U << i);
}

/* Do [a, a + al) and [b, b + bl) share a byte?  Refs are u32: no overflow. */
static bool meet(u64 a, u64 al, u64 b, u64 bl)
{
	u64 lo = a > b ? a : b;
	u64 hi = a + al < b + bl ? a + al : b + bl;

	return lo < hi;
}

/* Malformed whatever the region: reserved, flags, record, handle, refs. */
static bool well_formed(const struct hsm_cmd_desc *d, const struct hsm_op *op)
{
	if (op->reserved0 || (op->flags & ~d->flags))
		return false;
	if ((d->cls & (HSM_CMD_NEW_ID | HSM_CMD_VALUE)) && op->resp_off == HSM_RESP_NONE)
		return false;
	if (d->handle == HSM_HANDLE_NONE && op->handle)
		return false;
	for (unsigned int i = 0; i < HSM_REF_NR; i++) {
		const struct hsm_ref *r = hsm_op_ref(op, i);

		if (!uses(d, i) && (r->off || r->len))
			return false;
	}
	return true;
}

/* Reads or writes a byte of the region, or has it write a record. */
static bool needs_region(const struct hsm_cmd_desc *d, const struct hsm_op *op)
{
	if (op->resp_off != HSM_RESP_NONE)
		return true;
	for (unsigned int i = 0; i < HSM_REF_NR; i++)
		if (uses(d, i) && hsm_op_ref(op, i)->len)
			return true;
	return false;
}

/* Every ref, and the aligned record, inside a region of size bytes. */
static bool inside(const struct hsm_cmd_desc *d, const struct hsm_op *op, u64 size)
{
	for (unsigned int i = 0; i < HSM_REF_NR; i++) {
		const struct hsm_ref *r = hsm_op_ref(op, i);

		if (uses(d, i) && (u64)r->off + r->len > size)
			return false;
	}
	if (op->resp_off == HSM_RESP_NONE)
		return true;
	return op->resp_off % 8 == 0 &&
	       (u64)op->resp_off + sizeof(struct hsm_resp) <= size;
}

/* An output that is exactly `in`, where the command works in place. */
static bool in_place(const struct hsm_cmd_desc *d, const struct hsm_op *op,
		     unsigned int out, unsigned int in)
{
	return d->inplace && out == HSM_REF_OUT && in == HSM_REF_IN &&
	       op->out.off == op->in.off && op->out.len == op->in.len;
}

/* Nothing the module writes shares a byte with anything else it uses. */
static bool apart(const struct hsm_cmd_desc *d, const struct hsm_op *op)
{
	bool resp = op->resp_off != HSM_RESP_NONE;

	for (unsigned int j = 0; j < HSM_REF_NR; j++) {
		const struct hsm_ref *r = hsm_op_ref(op, j);

		if (!uses(d, j))
			continue;
		if (resp && meet(op->resp_off, sizeof(struct hsm_resp), r->off, r->len))
			return false;
		for (unsigned int i = 0; i < HSM_REF_NR; i++) {
			const struct hsm_ref *o = hsm_op_ref(op, i);

			if (i != j && writes(d, i) && meet(o->off, o->len, r->off, r->len) &&
			    !in_place(d, op, i, j))
				return false;
		}
	}
	return true;
}

/* What the ABI header says hsm_check_op() answers. */
static int op_verdict(const struct hsm_cmd_desc *d, const struct hsm_op *op, u64 size)
{
	if (!well_formed(d, op))
		return -EINVAL;
	if (!size && needs_region(d, op))
		return -EBADFD;
	if (!inside(d, op, size) || !apart(d, op))
		return -EINVAL;
	return 0;
}

/* The counters see every payload byte once, outputs apart from inputs. */
static void check_op_bytes(const struct hsm_cmd_desc *d, const struct hsm_op *op)
{
	u64 in, out, all = 0, written = 0;

	hsm_op_bytes(d, op, &in, &out);
	for (unsigned int i = HSM_REF_PARAMS + 1; i < HSM_REF_NR; i++) {
		if (!uses(d, i))
			continue;
		all += hsm_op_ref(op, i)->len;
		if (writes(d, i))
			written += hsm_op_ref(op, i)->len;
	}
	CHECK(in + out == all && out == written);
}

static void fuzz_op(const struct fuzz_validate_input *in)
{
	const struct hsm_cmd_desc *d = op_rows[in->op_row % nr_op_rows];
	int ret = hsm_check_op(d, &in->arg.op, in->a);

	CHECK(ret == op_verdict(d, &in->arg.op, in->a));
	if (!ret)
		check_op_bytes(d, &in->arg.op);
}

/* [off, off + len) inside the region, in arithmetic that cannot wrap. */
static void fuzz_range(const struct fuzz_validate_input *in)
{
	bool ok = (u128)in->b + in->c <= in->a;

	CHECK(hsm_check_range(in->a, in->b, in->c) == (ok ? 0 : -EINVAL));
}

/* A mapping of c bytes at page b (pages of 1 << shift) inside the region. */
static void fuzz_mmap(const struct fuzz_validate_input *in)
{
	unsigned long pgoff = in->b;
	u128 off = in->shift < 64 ? (u128)pgoff << in->shift : 0;
	bool ok = in->c && in->shift < 64 && off >> 64 == 0 && off + in->c <= in->a;

	CHECK(hsm_check_mmap(in->a, pgoff, in->shift, in->c) == (ok ? 0 : -EINVAL));
}

/* Non-zero whole pages, at most the limit: E2BIG only for the limit. */
static void fuzz_shm_setup(const struct fuzz_validate_input *in)
{
	const struct hsm_shm_setup *c = &in->arg.shm_setup;
	u64 page = 1ULL << (in->shift % 64);
	int want = 0;

	if (c->flags || c->reserved0 || !zero(c->reserved, sizeof(c->reserved)) ||
	    !c->size || c->size % page)
		want = -EINVAL;
	else if (c->size > in->a)
		want = -E2BIG;
	CHECK(hsm_check_shm_setup(c, in->a, page) == want);
}

/* The control commands: flags and reserved zero, sizes in range. */
static void fuzz_get_info(const struct fuzz_validate_input *in)
{
	const struct hsm_get_info *c = &in->arg.get_info;
	bool ok = !c->flags && zero(c->reserved, sizeof(c->reserved)) &&
		  c->info_size >= HSM_INFO_SIZE_VER0 && c->info_size <= HSM_INFO_SIZE_MAX;

	CHECK(hsm_check_get_info(c) == (ok ? 0 : -EINVAL));
}

static void fuzz_get_stats(const struct fuzz_validate_input *in)
{
	const struct hsm_get_stats *c = &in->arg.get_stats;
	bool ok = !(c->flags & ~HSM_STATS_F_CONNECTION) &&
		  zero(c->reserved, sizeof(c->reserved)) &&
		  c->stats_size >= HSM_STATS_SIZE_VER0 && c->stats_size <= HSM_INFO_SIZE_MAX;

	CHECK(hsm_check_get_stats(c) == (ok ? 0 : -EINVAL));
}

static void fuzz_conn_config(const struct fuzz_validate_input *in)
{
	const struct hsm_conn_config *c = &in->arg.conn_config;
	bool ok = !c->flags && zero(c->reserved, sizeof(c->reserved));

	CHECK(hsm_check_conn_config(c) == (ok ? 0 : -EINVAL));
}

static void fuzz_get_algs(const struct fuzz_validate_input *in)
{
	const struct hsm_get_algs *c = &in->arg.get_algs;
	bool ok = !c->flags && zero(c->reserved, sizeof(c->reserved));

	CHECK(hsm_check_get_algs(c) == (ok ? 0 : -EINVAL));
}

static void fuzz_selftest(const struct fuzz_validate_input *in)
{
	const struct hsm_selftest *c = &in->arg.selftest;
	bool ok = !c->flags && !c->reserved0 && zero(c->reserved, sizeof(c->reserved));

	CHECK(hsm_check_selftest(c) == (ok ? 0 : -EINVAL));
}

/*
 * The name bytes in a buffer of exactly their length, so that ASan sees
 * a read past them; lengths beyond arg.bytes get that much, and must not
 * be read at all.
 */
static u8 *name_copy(const struct fuzz_validate_input *in)
{
	size_t n = in->len < sizeof(in->arg.bytes) ? in->len : sizeof(in->arg.bytes);
	u8 *p = malloc(n ? n : 1);

	if (!p)
		abort();
	memcpy(p, in->arg.bytes, n);
	return p;
}

/* A fixed field: a NUL after one character or more, zeros after it. */
static void fuzz_alg_name(const struct fuzz_validate_input *in)
{
	size_t len = in->len < sizeof(in->arg.bytes) ? in->len : sizeof(in->arg.bytes);
	u8 *name = name_copy(in);
	const u8 *nul = memchr(name, 0, len);
	bool ok = nul && nul > name && zero(nul, len - (size_t)(nul - name));

	CHECK(hsm_check_alg_name((const char *)name, len) == (ok ? 0 : -EINVAL));
	free(name);
}

/* Is this NUL-terminated name one GET_ALGS lists as served? */
static bool served(const char *name)
{
	struct hsm_alg_info info;

	for (unsigned int i = 0; i < hsm_alg_count(); i++) {
		hsm_alg_describe(i, true, &info);
		if ((info.flags & HSM_ALG_F_SUPPORTED) && !strcmp(info.name, name))
			return true;
	}
	return false;
}

/*
 * len bytes without a NUL: EINVAL when empty, too long or holding a NUL,
 * else the algorithm of that name, or EOPNOTSUPP when none is served.
 */
static void fuzz_alg_named(const struct fuzz_validate_input *in)
{
	u8 *bytes = name_copy(in);
	char name[HSM_ALG_NAME_LEN + 1] = { 0 };
	bool malformed = !in->len || in->len > HSM_ALG_NAME_LEN ||
			 memchr(bytes, 0, in->len);
	int err = 1;
	const struct hsm_alg *alg = hsm_alg_named(bytes, in->len, &err);

	if (!malformed)
		memcpy(name, bytes, in->len);
	free(bytes);
	if (alg) {
		CHECK(!malformed && !strcmp(alg->name, name) && served(name));
		return;
	}
	CHECK(err == (malformed ? -EINVAL : -EOPNOTSUPP));
	CHECK(malformed || !served(name));
}

/*
 * A key's permissions: only those its algorithm lists, only known flags,
 * never wrapping with data encryption, nor derivation with an HMAC key's
 * MAC permissions.
 */
static void fuzz_alg_attrs(const struct fuzz_validate_input *in)
{
	const u64 wrap = HSM_PERM_WRAP | HSM_PERM_UNWRAP;
	const u64 crypt = HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT;
	const u64 mac = HSM_PERM_SIGN | HSM_PERM_VERIFY;
	struct hsm_alg_info info;
	const struct hsm_alg *alg;
	u64 perms = in->a;
	bool ok;

	hsm_alg_describe(in->op_row % hsm_alg_count(), true, &info);
	alg = hsm_alg_find(info.name);
	if (!(info.flags & HSM_ALG_F_SUPPORTED)) {
		CHECK(!alg);
		return;
	}
	CHECK(alg);
	ok = !(perms & ~info.perms) && !(in->cmd & ~HSM_KEY_F_ALL) &&
	     !((perms & wrap) && (perms & crypt)) &&
	     !(info.kind == HSM_ALG_KIND_MAC && (perms & HSM_PERM_DERIVE) && (perms & mac));
	CHECK(hsm_alg_check_attrs(alg, perms, in->cmd) == (ok ? 0 : -EINVAL));
}

static void (*const drive[FUZZ_NR])(const struct fuzz_validate_input *) = {
	[FUZZ_LOOKUP] = fuzz_lookup,
	[FUZZ_OP] = fuzz_op,
	[FUZZ_RANGE] = fuzz_range,
	[FUZZ_MMAP] = fuzz_mmap,
	[FUZZ_SHM_SETUP] = fuzz_shm_setup,
	[FUZZ_GET_INFO] = fuzz_get_info,
	[FUZZ_GET_STATS] = fuzz_get_stats,
	[FUZZ_CONN_CONFIG] = fuzz_conn_config,
	[FUZZ_GET_ALGS] = fuzz_get_algs,
	[FUZZ_SELFTEST] = fuzz_selftest,
	[FUZZ_ALG_NAME] = fuzz_alg_name,
	[FUZZ_ALG_NAMED] = fuzz_alg_named,
	[FUZZ_ALG_ATTRS] = fuzz_alg_attrs,
};

/* The hsm_op rows, each writing only refs it uses. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < ARRAY_SIZE(abi_cmds); i++) {
		int err;
		const struct hsm_cmd_desc *d = hsm_cmd_lookup(abi_cmds[i], &err);

		CHECK(d);
		if (!(d->cls & HSM_CMD_OP))
			continue;
		CHECK(!(d->outs & ~d->refs) && !writes(d, HSM_REF_PARAMS));
		op_rows[nr_op_rows++] = d;
	}
	CHECK(nr_op_rows);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_validate_input in;

	/* Longer inputs mean nothing more: keep them out of the corpus. */
	if (size > sizeof(in))
		return -1;
	memset(&in, 0, sizeof(in));
	memcpy(&in, data, size);
	drive[in.target % FUZZ_NR](&in);
	return 0;
}
