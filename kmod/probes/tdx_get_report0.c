// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_mcall_get_report0(), TDG.MR.REPORT for a TD's own kernel: exported
 * with the tdx-guest driver (6.2), and only where the kernel is built as
 * a TDX guest.
 */
#include <linux/types.h>
#include <asm/tdx.h>

int (*probe)(u8 *reportdata, u8 *tdreport);
int (*probe)(u8 *reportdata, u8 *tdreport) = tdx_mcall_get_report0;
