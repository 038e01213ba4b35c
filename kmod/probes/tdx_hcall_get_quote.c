// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_hcall_get_quote(), the GetQuote TDVMCALL on a shared buffer:
 * exported with the tdx-guest driver's TSM reports (6.7).
 */
#include <linux/types.h>
#include <asm/tdx.h>

u64 (*probe)(u8 *buf, size_t size);
u64 (*probe)(u8 *buf, size_t size) = tdx_hcall_get_quote;
