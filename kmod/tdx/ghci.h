/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The GetQuote buffer of the GHCI ("TDG.VP.VMCALL<GetQuote>"): the TD
 * writes a TDREPORT into it, the VMM's quoting service answers the quote
 * in its place and sets status.
 */
#ifndef HSM_TDX_GHCI_H
#define HSM_TDX_GHCI_H

#include <linux/types.h>

#include "backend.h"

struct hsm_tdx_quote_buf {
	u64 version;		/* HSM_TDX_GHCI_VERSION */
	u64 status;		/* HSM_TDX_GHCI_* below */
	u32 in_len;		/* the TDREPORT's length */
	u32 out_len;		/* the quote's length */
	u8 data[];
};

#define HSM_TDX_GHCI_VERSION		1ULL
#define HSM_TDX_GHCI_SUCCESS		0ULL
#define HSM_TDX_GHCI_IN_FLIGHT		0xffffffffffffffffULL
#define HSM_TDX_GHCI_ERROR		0x8000000000000000ULL
#define HSM_TDX_GHCI_QGS_UNAVAILABLE	0x8000000000000001ULL
/* The TDVMCALL's own status for a request it cannot take. */
#define HSM_TDX_TDVMCALL_INVALID_OPERAND 0x8000000000000000ULL

int hsm_tdx_ghci_init(void);
void hsm_tdx_ghci_exit(void);
bool hsm_tdx_ghci_ready(void);
long hsm_tdx_ghci_quote(const struct hsm_tdx_ops *ops, const u8 *tdreport,
			u32 version, u8 **quote);

#endif /* HSM_TDX_GHCI_H */
