/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The input of fuzz_validate, shared with the program that writes its seed
 * corpus (mkseeds_validate.c).  A fixed layout rather than a byte stream,
 * so that a mutation of one field leaves the others where they were; an
 * input shorter than the struct is padded with zeros.
 */
#ifndef HSM_FUZZ_VALIDATE_INPUT_H
#define HSM_FUZZ_VALIDATE_INPUT_H

#include <linux/types.h>
#include <uapi/linux/hsm.h>

/* Which entry point an input drives: target % FUZZ_NR. */
enum fuzz_target {
	FUZZ_LOOKUP,		/* hsm_cmd_lookup(cmd) */
	FUZZ_OP,		/* hsm_check_op(row op_row, arg.op, a), hsm_op_bytes() */
	FUZZ_RANGE,		/* hsm_check_range(a, b, c) */
	FUZZ_MMAP,		/* hsm_check_mmap(a, b, shift, c) */
	FUZZ_SHM_SETUP,		/* hsm_check_shm_setup(arg, a, 1 << shift) */
	FUZZ_GET_INFO,		/* hsm_check_get_info(arg) */
	FUZZ_GET_STATS,		/* hsm_check_get_stats(arg) */
	FUZZ_CONN_CONFIG,	/* hsm_check_conn_config(arg) */
	FUZZ_GET_ALGS,		/* hsm_check_get_algs(arg) */
	FUZZ_SELFTEST,		/* hsm_check_selftest(arg) */
	FUZZ_ALG_NAME,		/* hsm_check_alg_name(arg.bytes, len) */
	FUZZ_ALG_NAMED,		/* hsm_alg_named(arg.bytes, len) */
	FUZZ_ALG_ATTRS,		/* hsm_alg_check_attrs(algorithm op_row, a, cmd) */
	FUZZ_NR,
};

struct fuzz_validate_input {
	__u8	target;		/* enum fuzz_target */
	__u8	op_row;		/* FUZZ_OP: which hsm_op command; FUZZ_ALG_ATTRS: algorithm */
	__u8	shift;		/* a page shift */
	__u8	len;		/* bytes of arg.bytes a name check reads */
	__u32	cmd;		/* a command number, or flags */
	__u64	a, b, c;	/* sizes, offsets, lengths, permissions */
	union {
		struct hsm_op op;
		struct hsm_get_info get_info;
		struct hsm_get_stats get_stats;
		struct hsm_conn_config conn_config;
		struct hsm_get_algs get_algs;
		struct hsm_selftest selftest;
		struct hsm_shm_setup shm_setup;
		__u8 bytes[2 * HSM_ALG_NAME_LEN];
	} arg;
};

#endif /* HSM_FUZZ_VALIDATE_INPUT_H */
