// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_mcall_extend_rtmr(), TDG.MR.RTMR.EXTEND: exported with the TSM
 * measurement registers (6.16).
 */
#include <linux/types.h>
#include <asm/tdx.h>

int (*probe)(u8 index, u8 *data);
int (*probe)(u8 index, u8 *data) = tdx_mcall_extend_rtmr;
