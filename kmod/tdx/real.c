// SPDX-License-Identifier: GPL-2.0
/*
 * The real backend, for TDX guests: the calls arch/x86/coco/tdx exports,
 * each found by a compile probe: tdx_mcall_get_report0() (6.2),
 * tdx_hcall_get_quote() (6.7), tdx_mcall_extend_rtmr() (6.16).  They take
 * the kernel's own locks, so the kernel's tdx-guest driver and this module
 * can both be loaded.  A kernel without the report call (Debian 12's 6.1
 * is not even built as a TDX guest) has no real backend: on a TD the
 * commands are then not offered (HSM_PATH_UNSUPPORTED).
 *
 * UNTESTED ON HARDWARE: QEMU's TCG cannot run a TD.  Everything above
 * these calls (the commands, the GetQuote buffer and its polling in
 * ghci.c) runs in the tests against the simulated TDX module and quoting
 * service; the calls' buffers follow the kernel's tdx-guest driver.
 */
#include <linux/types.h>
#include <asm/cpufeature.h>

#include "../compat.h"
#include "backend.h"
#include "real.h"

#if defined(HSM_HAVE_TDX_GET_REPORT0) || defined(HSM_HAVE_TDX_HCALL_GET_QUOTE) || \
	defined(HSM_HAVE_TDX_EXTEND_RTMR)
#include <asm/tdx.h>
#endif

/* Is this a TD?  Whether this kernel can serve it is hsm_tdx_real_ops(). */
bool hsm_tdx_real_detect(void)
{
	return cpu_feature_enabled(X86_FEATURE_TDX_GUEST);
}

#ifdef HSM_HAVE_TDX_GET_REPORT0
/* The callers' buffers are kmalloc'ed with TDG.MR.REPORT's alignments. */
static int real_get_report0(const u8 *reportdata, u8 *tdreport)
{
	return tdx_mcall_get_report0((u8 *)reportdata, tdreport);
}
#endif

#ifdef HSM_HAVE_TDX_EXTEND_RTMR
static int real_extend_rtmr(u8 index, const u8 *data)
{
	return tdx_mcall_extend_rtmr(index, (u8 *)data);
}
#endif

#ifdef HSM_HAVE_TDX_HCALL_GET_QUOTE
/* The real service makes its own version: req.c refuses to choose one. */
static u64 real_get_quote(u8 *buf, size_t size, u32 version)
{
	return tdx_hcall_get_quote(buf, size);
}
#endif

#ifdef HSM_HAVE_TDX_GET_REPORT0
static const struct hsm_tdx_ops real_ops = {
	.get_report0 = real_get_report0,
#ifdef HSM_HAVE_TDX_EXTEND_RTMR
	.extend_rtmr = real_extend_rtmr,
#endif
#ifdef HSM_HAVE_TDX_HCALL_GET_QUOTE
	.get_quote = real_get_quote,
#endif
};

const struct hsm_tdx_ops *hsm_tdx_real_ops(void)
{
	return &real_ops;
}
#else
/* This kernel exports no TDREPORT call: nothing here can be served. */
const struct hsm_tdx_ops *hsm_tdx_real_ops(void)
{
	return NULL;
}
#endif
