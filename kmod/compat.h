/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernel releases hsm.ko builds against.
 * The HSM_HAVE_* symbols come from compile probes (kmod/probes/, run by
 * scripts/compat-probes.sh into compat-probes.h), never from version numbers.
 */
#ifndef HSM_COMPAT_H
#define HSM_COMPAT_H

#include <linux/fs.h>
#include <linux/mm.h>

#include "compat-probes.h"

#ifdef HSM_HAVE_IO_URING_CMD_H
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif

/* The command area of the SQE, valid during ->uring_cmd only. */
static inline const void *hsm_uring_cmd_payload(const struct io_uring_cmd *ioucmd)
{
#ifdef HSM_HAVE_URING_CMD_SQE
	return io_uring_sqe_cmd(ioucmd->sqe);
#else
	return ioucmd->cmd;
#endif
}

/*
 * Completion of a command that returned -EIOCBQUEUED: newer kernels take
 * the issue flags of the context it completes in.
 */
#ifdef HSM_HAVE_URING_CMD_DONE_4ARGS
static inline void hsm_uring_cmd_done(struct io_uring_cmd *ioucmd, int ret,
				      unsigned int issue_flags)
{
	io_uring_cmd_done(ioucmd, ret, 0, issue_flags);
}
#else
static inline void hsm_uring_cmd_done(struct io_uring_cmd *ioucmd, int ret,
				      unsigned int issue_flags)
{
	io_uring_cmd_done(ioucmd, ret, 0);
}
#endif

static inline void hsm_vm_flags_mod(struct vm_area_struct *vma,
				    unsigned long set, unsigned long clear)
{
#ifdef HSM_HAVE_VM_FLAGS_MOD
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/*
 * The SEV-SNP secrets page: struct snp_secrets_page from 6.10, struct
 * snp_secrets_page_layout before (the same bytes up to the OS area).
 * "struct hsm_snp_secrets" names whichever this kernel has.
 */
#ifdef HSM_HAVE_SNP_SECRETS_PAGE
#define hsm_snp_secrets snp_secrets_page
#else
#define hsm_snp_secrets snp_secrets_page_layout
#endif

/*
 * platform_driver.remove returns void from 6.11, an int the driver core
 * ignored before:
 *	static hsm_platform_remove_ret f(struct platform_device *pdev)
 *	{ ...; return HSM_PLATFORM_REMOVE_OK; }
 */
#ifdef HSM_HAVE_PLATFORM_REMOVE_VOID
#define hsm_platform_remove_ret void
#define HSM_PLATFORM_REMOVE_OK
#else
#define hsm_platform_remove_ret int
#define HSM_PLATFORM_REMOVE_OK 0
#endif

#endif /* HSM_COMPAT_H */
