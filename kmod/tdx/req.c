// SPDX-License-Identifier: GPL-2.0
/*
 * The TDX commands: TDX_REPORT, TDX_QUOTE, TDX_EXTEND_RTMR and
 * TDX_SIM_SETUP, and the choice of backend at load: the kernel's exported
 * calls on a TD (real.c), the simulator elsewhere in a module built for
 * testing (sim.c, sim_quote.c), nothing otherwise.  As for SEV-SNP,
 * REPORTDATA of the caller's choosing and RTMR extends speak for the whole
 * TD and need platform rights (CAP_SYS_ADMIN or platform_group at open());
 * everyone else gets REPORTDATA bound to their uid (../bind.c).
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../bind.h"
#include "../cmdtab.h"
#include "../conn.h"
#include "../shm.h"
#include "backend.h"
#include "ghci.h"
#include "real.h"
#ifdef CONFIG_HSM_TESTING
#include "../sim/ecdsa.h"
#include "sim.h"
#endif
#include "tdx.h"

static const char report_label[] = "hsm tdx user report v1";

static enum hsm_backend backend = HSM_BACKEND_NONE;
static enum hsm_platform_path path = HSM_PATH_NONE;
static const struct hsm_tdx_ops *ops;

enum hsm_backend hsm_tdx_backend(void)
{
	return backend;
}

enum hsm_platform_path hsm_tdx_path(void)
{
	return path;
}

u64 hsm_tdx_caps(void)
{
	u64 caps;

	if (!ops)
		return 0;
	caps = HSM_PLAT_CAP_TDX_REPORT;
	if (ops->get_quote && hsm_tdx_ghci_ready())
		caps |= HSM_PLAT_CAP_TDX_QUOTE;
	if (ops->extend_rtmr)
		caps |= HSM_PLAT_CAP_RTMR_EXTEND;
	return caps;
}

/*
 * A TDREPORT of exactly this REPORTDATA in tdreport (HSM_TDX_REPORT_SIZE
 * bytes, aligned as TDG.MR.REPORT needs).
 */
static int report_of(const u8 *data, u8 *tdreport)
{
	u8 *rd;
	int ret;

	/* kmalloc() aligns a power-of-two size to itself: 64 here. */
	BUILD_BUG_ON(HSM_TDX_REPORT_DATA != HSM_TDX_DATA_ALIGN);
	rd = kmemdup(data, HSM_TDX_REPORT_DATA, GFP_KERNEL);
	if (!rd)
		return -ENOMEM;
	ret = ops->get_report0(rd, tdreport);
	kfree(rd);
	return ret;
}

/* A TDREPORT of this REPORTDATA, or of its bound form. */
static int get_report(const struct hsm_conn *conn, const u8 *data, bool raw,
		      u8 *tdreport)
{
	u8 bound[HSM_TDX_REPORT_DATA];

	if (raw)
		return report_of(data, tdreport);
	if (hsm_bind_report_data(report_label, conn->who.uid, data, bound))
		return -ENOMEM;
	return report_of(bound, tdreport);
}

static u8 *alloc_tdreport(void)
{
	BUILD_BUG_ON(HSM_TDX_REPORT_SIZE != HSM_TDX_REPORT_ALIGN);
	return kmalloc(HSM_TDX_REPORT_SIZE, GFP_KERNEL);
}

static long report(struct hsm_conn *conn, const struct hsm_op *op)
{
	struct hsm_tdx_report_params p;
	u8 *tdreport;
	long ret;

	if (op->params.len != sizeof(p) || op->handle)
		return -EINVAL;
	memcpy(&p, hsm_shm_ptr(&conn->shm, &op->params), sizeof(p));
	if (p.flags & ~HSM_TDX_REPORT_F_ALL || p.reserved0 ||
	    memchr_inv(p.reserved, 0, sizeof(p.reserved)))
		return -EINVAL;
	/* Caller-chosen REPORTDATA speaks for the whole TD. */
	if (p.flags & HSM_TDX_REPORT_F_RAW && !conn->who.platform)
		return -EPERM;
	if (op->out.len < HSM_TDX_REPORT_SIZE)
		return -EOVERFLOW;
	tdreport = alloc_tdreport();
	if (!tdreport)
		return -ENOMEM;
	ret = get_report(conn, p.report_data, p.flags & HSM_TDX_REPORT_F_RAW,
			 tdreport);
	if (!ret) {
		memcpy(hsm_shm_ptr(&conn->shm, &op->out), tdreport,
		       HSM_TDX_REPORT_SIZE);
		ret = HSM_TDX_REPORT_SIZE;
	}
	kfree(tdreport);
	return ret;
}

/* TDX_QUOTE: the length is known only once the service answered. */
static long quote(struct hsm_conn *conn, const struct hsm_op *op, u64 *value)
{
	struct hsm_tdx_quote_params p;
	u8 *tdreport, *q = NULL;
	long ret;

	if (op->params.len != sizeof(p) || op->handle)
		return -EINVAL;
	memcpy(&p, hsm_shm_ptr(&conn->shm, &op->params), sizeof(p));
	if (p.flags & ~HSM_TDX_REPORT_F_ALL ||
	    memchr_inv(p.reserved, 0, sizeof(p.reserved)) ||
	    (p.version && p.version != 4 && p.version != 5))
		return -EINVAL;
	if (p.version && backend != HSM_BACKEND_SIMULATED)
		return -EOPNOTSUPP;
	if (p.flags & HSM_TDX_REPORT_F_RAW && !conn->who.platform)
		return -EPERM;
	tdreport = alloc_tdreport();
	if (!tdreport)
		return -ENOMEM;
	ret = get_report(conn, p.report_data, p.flags & HSM_TDX_REPORT_F_RAW,
			 tdreport);
	if (!ret)
		ret = hsm_tdx_ghci_quote(ops, tdreport, p.version, &q);
	kfree(tdreport);
	if (ret < 0)
		return ret;
	*value = ret;
	if (ret > op->out.len)
		ret = -EOVERFLOW;
	else
		memcpy(hsm_shm_ptr(&conn->shm, &op->out), q, ret);
	kvfree(q);
	return ret;
}

static long extend_rtmr(struct hsm_conn *conn, const struct hsm_op *op)
{
	struct hsm_tdx_rtmr_params p;
	u8 *data;
	int ret;

	if (op->params.len != sizeof(p) || op->handle)
		return -EINVAL;
	memcpy(&p, hsm_shm_ptr(&conn->shm, &op->params), sizeof(p));
	if (p.flags || p.index >= HSM_TDX_RTMRS ||
	    memchr_inv(p.reserved, 0, sizeof(p.reserved)))
		return -EINVAL;
	/* An RTMR measures the whole TD. */
	if (!conn->who.platform)
		return -EPERM;
	/* TDG.MR.RTMR.EXTEND reads 48 bytes 64-aligned: kmalloc(64) is. */
	data = kzalloc(HSM_TDX_DATA_ALIGN, GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	memcpy(data, p.data, HSM_TDX_RTMR_LEN);
	ret = ops->extend_rtmr(p.index, data);
	kfree(data);
	return ret;
}

/*
 * A quote whose REPORTDATA is data as given: KEY_ATTEST's, which the
 * module wrote itself (attest.c).  The quote is kvmalloc'ed in *quote;
 * returns its length.
 */
long hsm_tdx_quote_of(const u8 data[HSM_TDX_REPORT_DATA], u8 **quote)
{
	u8 *tdreport = alloc_tdreport();
	long ret;

	if (!tdreport)
		return -ENOMEM;
	ret = report_of(data, tdreport);
	if (!ret)
		ret = hsm_tdx_ghci_quote(ops, tdreport, 0, quote);
	kfree(tdreport);
	return ret;
}

long hsm_tdx_report(struct hsm_call *c)
{
	return hsm_tdx_caps() & HSM_PLAT_CAP_TDX_REPORT ?
	       report(c->conn, c->op) : -EOPNOTSUPP;
}

long hsm_tdx_quote(struct hsm_call *c)
{
	return hsm_tdx_caps() & HSM_PLAT_CAP_TDX_QUOTE ?
	       quote(c->conn, c->op, &c->value) : -EOPNOTSUPP;
}

long hsm_tdx_extend_rtmr(struct hsm_call *c)
{
	return hsm_tdx_caps() & HSM_PLAT_CAP_RTMR_EXTEND ?
	       extend_rtmr(c->conn, c->op) : -EOPNOTSUPP;
}

#ifdef CONFIG_HSM_TESTING
/* Off a TD, a test build answers through the simulator. */
static int sim_start(void)
{
	int ret;

	ret = hsm_tdx_sim_init();
	if (ret)
		return ret;
	ret = hsm_tdx_sim_quote_init() ?: hsm_tdx_ghci_init();
	if (ret) {
		hsm_tdx_sim_quote_exit();
		hsm_tdx_sim_exit();
		return ret;
	}
	ops = &hsm_tdx_sim_ops;
	backend = HSM_BACKEND_SIMULATED;
	path = HSM_PATH_SIMULATED;
	pr_info("tdx: simulated TDX module and quoting service (not a TEE)\n");
	return 0;
}

static void sim_stop(void)
{
	/* The service's last answer lands before its buffer goes. */
	hsm_tdx_sim_quote_exit();
	hsm_tdx_ghci_exit();
	hsm_tdx_sim_exit();
}

static long sim_setup(struct hsm_conn *conn, const struct hsm_op *op)
{
	struct hsm_tdx_sim_params p;
	u8 *certs = NULL;
	long ret;

	if (backend != HSM_BACKEND_SIMULATED)
		return -EOPNOTSUPP;
	/* CAP_SYS_ADMIN only: the command is HSM_CMD_PRIV. */
	if (op->params.len != sizeof(p) || op->handle ||
	    op->in.len > HSM_TDX_CERTS_MAX)
		return -EINVAL;
	memcpy(&p, hsm_shm_ptr(&conn->shm, &op->params), sizeof(p));
	ret = -EINVAL;
	if (p.flags & ~HSM_TDX_SIM_F_ALL || p.report_version > 1 ||
	    memchr_inv(p.reserved, 0, sizeof(p.reserved)))
		goto out;
	if (p.flags & HSM_TDX_SIM_F_PCK ?
	    !hsm_sim_ecdsa_key_valid(HSM_SIM_P256, p.pck_priv) :
	    !!memchr_inv(p.pck_priv, 0, sizeof(p.pck_priv)))
		goto out;
	/* A copy: the caller may rewrite the region while we read it. */
	if (op->in.len) {
		ret = -ENOMEM;
		certs = kvmalloc(op->in.len, GFP_KERNEL | __GFP_NOWARN);
		if (!certs)
			goto out;
		memcpy(certs, hsm_shm_ptr(&conn->shm, &op->in), op->in.len);
	}
	ret = hsm_tdx_sim_setup(&p, &certs, op->in.len);
out:
	kvfree(certs);
	memzero_explicit(&p, sizeof(p));
	return ret;
}

/* TDX_SIM_SETUP, a test hook (HSM_CMD_TEST). */
long hsm_tdx_setup_sim(struct hsm_call *c)
{
	return sim_setup(c->conn, c->op);
}
#else
/* A production module carries no simulator: off a TD, no requests. */
static int sim_start(void)
{
	return 0;
}

static void sim_stop(void)
{
}
#endif

int hsm_tdx_init(void)
{
	if (!hsm_tdx_real_detect())
		return sim_start();
	/*
	 * A TD this kernel cannot serve is not replaced by the simulator:
	 * the module loads without TDX requests and says so.
	 */
	ops = hsm_tdx_real_ops();
	if (!ops) {
		path = HSM_PATH_UNSUPPORTED;
		pr_warn("tdx: this kernel exports no TDREPORT call: TDX requests not offered\n");
		return 0;
	}
	if (ops->get_quote && hsm_tdx_ghci_init())
		pr_warn("tdx: no GetQuote buffer: quotes not offered\n");
	backend = HSM_BACKEND_REAL;
	path = HSM_PATH_KERNEL;
	return 0;
}

void hsm_tdx_exit(void)
{
	if (backend == HSM_BACKEND_REAL)
		hsm_tdx_ghci_exit();
	else if (backend == HSM_BACKEND_SIMULATED)
		sim_stop();
	ops = NULL;
	backend = HSM_BACKEND_NONE;
	path = HSM_PATH_NONE;
}
