/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulated TDX module (sim.c) and quoting service (sim_quote.c):
 * what each needs of the other.
 */
#ifndef HSM_TDX_SIM_H
#define HSM_TDX_SIM_H

#include <linux/types.h>
#include <uapi/linux/hsm.h>

#include "backend.h"

/* TDREPORT_STRUCT offsets (TDX module ABI; the layout in docs). */
enum {
	TDR_TYPE		= 0x000,	/* REPORTMACSTRUCT */
	TDR_CPUSVN		= 0x010,
	TDR_TEE_TCB_INFO_HASH	= 0x020,
	TDR_TEE_INFO_HASH	= 0x050,
	TDR_REPORT_DATA		= 0x080,
	TDR_MAC			= 0x0e0,
	TDR_MACED_LEN		= 0x0e0,	/* the MAC covers [0, here) */
	TDR_TEE_TCB_INFO	= 0x100,	/* TEE_TCB_INFO, 239 bytes */
	TDR_TEE_TCB_INFO_LEN	= 239,
	TDR_VALID		= 0x100,
	TDR_TEE_TCB_SVN		= 0x108,
	TDR_MRSEAM		= 0x118,
	TDR_MRSIGNERSEAM	= 0x148,
	TDR_SEAM_ATTRIBUTES	= 0x178,
	TDR_TEE_TCB_SVN2	= 0x180,
	TDR_TDINFO		= 0x200,	/* TDINFO, 512 bytes */
	TDR_TDINFO_LEN		= 512,
	TDR_TD_ATTRIBUTES	= 0x200,
	TDR_XFAM		= 0x208,
	TDR_MRTD		= 0x210,
	TDR_MRCONFIGID		= 0x240,
	TDR_MROWNER		= 0x270,
	TDR_MROWNERCONFIG	= 0x2a0,
	TDR_RTMR		= 0x2d0,
	TDR_SERVTD_HASH		= 0x390,
};

/* REPORTTYPE: TDX, subtype 0, version 0 (TDX 1.0) or 1 (TDX 1.5). */
#define HSM_TDX_REPORT_TYPE	0x81

/* What the quoting service is and holds, copied under the simulator's lock. */
struct hsm_tdx_sim_qe {
	struct hsm_tdx_sim_params id;	/* pck_priv zero */
	u8 pck[32];			/* the PCK's private scalar */
	u8 *certs;			/* the PCK chain (PEM), kvmalloc'ed */
	size_t certs_len;
	bool fail;			/* QGS_ERROR_NEXT, now consumed */
};

extern const struct hsm_tdx_ops hsm_tdx_sim_ops;

int hsm_tdx_sim_init(void);
void hsm_tdx_sim_exit(void);
int hsm_tdx_sim_setup(const struct hsm_tdx_sim_params *p, u8 **certs,
		      size_t certs_len);
int hsm_tdx_sim_check_report(const u8 *tdreport);
int hsm_tdx_sim_qe_get(struct hsm_tdx_sim_qe *qe);
void hsm_tdx_sim_qe_put(struct hsm_tdx_sim_qe *qe);

int hsm_tdx_sim_quote_init(void);
void hsm_tdx_sim_quote_exit(void);
u64 hsm_tdx_sim_get_quote(u8 *buf, size_t size, u32 version);

#endif /* HSM_TDX_SIM_H */
