/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seam between the TDX commands and whoever answers them: the TDX
 * module's calls and the VMM's GetQuote, with the kernel's signatures, so
 * that the real backend (real.c) and the simulator (sim.c, sim_quote.c)
 * are interchangeable below the same command code and the same GetQuote
 * buffer code (ghci.c).
 */
#ifndef HSM_TDX_BACKEND_H
#define HSM_TDX_BACKEND_H

#include <linux/types.h>

/* TDREPORT_STRUCT and its parts (TDX module ABI). */
enum {
	HSM_TDX_RTMR_LEN	= 48,
	HSM_TDX_RTMRS		= 4,
	/* TDG.MR.REPORT's alignment of its output and of REPORTDATA. */
	HSM_TDX_REPORT_ALIGN	= 1024,
	HSM_TDX_DATA_ALIGN	= 64,
};

/*
 * @get_report0:	TDG.MR.REPORT: reportdata (64 bytes, 64-aligned) into
 *			a TDREPORT (1024 bytes, 1024-aligned); 0 or -errno
 * @extend_rtmr:	TDG.MR.RTMR.EXTEND of RTMR[index] with 48 bytes
 *			(64-aligned); NULL where not served
 * @get_quote:		the GetQuote TDVMCALL on a shared buffer of size
 *			bytes (ghci.h); returns the TDVMCALL status, 0 when
 *			the request was taken.  version is what only the
 *			simulated service reads (0: its own).  NULL where not
 *			served.
 */
struct hsm_tdx_ops {
	int (*get_report0)(const u8 *reportdata, u8 *tdreport);
	int (*extend_rtmr)(u8 index, const u8 *data);
	u64 (*get_quote)(u8 *buf, size_t size, u32 version);
};

#endif /* HSM_TDX_BACKEND_H */
