/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Validation of commands and region references: pure logic with no kernel
 * state, so that it also builds in userspace (tests/unit) against a shim.
 */
#ifndef HSM_VALIDATE_H
#define HSM_VALIDATE_H

#include <linux/types.h>
#include <uapi/linux/hsm.h>

#include "cmdtab.h"

void hsm_op_bytes(const struct hsm_cmd_desc *desc, const struct hsm_op *op,
		  u64 *in, u64 *out);

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
int hsm_check_mmap(u64 region_size, unsigned long pgoff, unsigned int page_shift,
		   u64 len);

#endif /* HSM_VALIDATE_H */
