/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel TDX requests as the rest of the module sees them: req.c's backend
 * choice at load and the four commands.  What lies below (backend.h the
 * seam every backend answers, real.h the kernel's exported calls, sim.h
 * the simulated TDX module and quoting service, ghci.h the GetQuote
 * buffer) is for tdx/ alone.
 */
#ifndef HSM_TDX_H
#define HSM_TDX_H

#include <linux/types.h>
#include <uapi/linux/hsm.h>

struct hsm_call;

int hsm_tdx_init(void);
void hsm_tdx_exit(void);
enum hsm_backend hsm_tdx_backend(void);
enum hsm_platform_path hsm_tdx_path(void);
u64 hsm_tdx_caps(void);
long hsm_tdx_report(struct hsm_call *c);
long hsm_tdx_quote(struct hsm_call *c);
long hsm_tdx_quote_of(const u8 data[HSM_TDX_REPORT_DATA], u8 **quote);
long hsm_tdx_extend_rtmr(struct hsm_call *c);
long hsm_tdx_setup_sim(struct hsm_call *c);

#endif /* HSM_TDX_H */
