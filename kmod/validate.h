/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Validation of commands and region references: pure logic with no kernel
 * state, so that it also builds in userspace (tests/unit) against a shim.
 */
#ifndef HSM_VALIDATE_H
#define HSM_VALIDATE_H

#include <linux/types.h>
#include <uapi/linux/hsm.h>

/* The payload refs of struct hsm_op, in their order in the struct. */
enum hsm_ref_idx {
	HSM_REF_PARAMS,
	HSM_REF_IN,
	HSM_REF_OUT,
	HSM_REF_IV,
	HSM_REF_AAD,
	HSM_REF_TAG,
	HSM_REF_NR,
};

#define HSM_R(x)	(1U << HSM_REF_##x)

/* What the funnel knows of a command before it copies the argument. */
struct hsm_cmd_desc {
	unsigned int cmd;	/* the full _IOW number */
	const char *name;
	bool may_block;		/* run off the io_uring submission path */
	bool op;		/* takes struct hsm_op */
	bool resp;		/* hsm_op: a completion record is required */
	bool inplace;		/* hsm_op: out may be the same range as in */
	u8 refs;		/* hsm_op: HSM_R() of the refs it reads or writes */
	u8 outs;		/* hsm_op: HSM_R() of the refs it writes */
	u32 flags;		/* hsm_op: HSM_OP_F_* it allows */
};

void hsm_op_bytes(const struct hsm_cmd_desc *desc, const struct hsm_op *op,
		  u64 *in, u64 *out);

static inline const struct hsm_ref *hsm_op_ref(const struct hsm_op *op,
					       enum hsm_ref_idx i)
{
	return &op->params + i;
}

const struct hsm_cmd_desc *hsm_cmd_lookup(unsigned int cmd, int *err);

int hsm_check_get_info(const struct hsm_get_info *c);
int hsm_check_get_stats(const struct hsm_get_stats *c);
int hsm_check_conn_config(const struct hsm_conn_config *c);
int hsm_check_get_algs(const struct hsm_get_algs *c);
int hsm_check_selftest(const struct hsm_selftest *c);
int hsm_check_shm_setup(const struct hsm_shm_setup *c, u64 max_size,
			u64 page_size);
int hsm_check_range(u64 region_size, u64 off, u64 len);
int hsm_check_op(const struct hsm_cmd_desc *desc, const struct hsm_op *op,
		 u64 region_size);
int hsm_check_alg_name(const char *name, size_t len);
enum hsm_status hsm_status_from_errno(int err);
int hsm_check_mmap(u64 region_size, unsigned long pgoff, unsigned int page_shift,
		   u64 len);

#endif /* HSM_VALIDATE_H */
