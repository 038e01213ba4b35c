// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated TDX module, for every machine that is not a TD: the
 * answers of TDG.MR.REPORT and TDG.MR.RTMR.EXTEND behind the seam of the
 * kernel's calls (backend.h).  Its TDREPORTs are byte-exact TDX 1.0 or 1.5
 * layouts: TEE_TCB_INFO_HASH and TEE_INFO_HASH are the SHA-384 of the
 * bytes they name, as the real module's are, and the MAC is HMAC-SHA-256
 * under a key drawn at load over the bytes the real MAC covers, so that
 * the simulated quoting enclave (sim_quote.c) can check it as the real one
 * checks its platform's.  The TD, TDX module and quoting enclave it
 * describes are set by TDX_SIM_SETUP.  It attests nothing: GET_INFO says
 * SIMULATED.
 */
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../sim/ecdsa.h"
#include "sim.h"

/* The simulated TD: what a TD launched by a recent VMM reports. */
#define SIM_TD_ATTRIBUTES	0x10000000ULL	/* SEPT_VE_DISABLE */
#define SIM_XFAM		0x642e7ULL
#define SIM_REPORT_VERSION	1		/* TDX 1.5 */
/* TEE_TCB_INFO.VALID: every field up to TEE_TCB_SVN2 (1.5) or ATTRIBUTES. */
#define SIM_VALID_10		0xffULL
#define SIM_VALID_15		0x1ffULL
#define SIM_QE_ISVPRODID	2		/* TD_QE */

static const char sim_user_data[20] = "HSM-SIMULATED";

static struct {
	struct mutex lock;
	struct crypto_shash *sha384;
	struct crypto_shash *mac;		/* HMAC-SHA-256 under mac_key */
	u8 mac_key[32];
	struct hsm_tdx_sim_params id;		/* pck_priv zero */
	u8 pck[32];
	u8 *certs;
	size_t certs_len;
	bool qgs_error_next;
	bool corrupt_mac_next;
} sim = { .lock = __MUTEX_INITIALIZER(sim.lock) };

static void put_le64(u8 *p, u64 v)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

/* The REPORTMACSTRUCT's hashes and MAC of a report whose rest is set. */
static int seal_report(const u8 *r, u8 *hash_tcb, u8 *hash_info, u8 *mac)
{
	return crypto_shash_tfm_digest(sim.sha384, r + TDR_TEE_TCB_INFO,
				       TDR_TEE_TCB_INFO_LEN, hash_tcb) ?:
	       crypto_shash_tfm_digest(sim.sha384, r + TDR_TDINFO,
				       TDR_TDINFO_LEN, hash_info) ?:
	       crypto_shash_tfm_digest(sim.mac, r, TDR_MACED_LEN, mac);
}

/* TEE_TCB_INFO and TDINFO as the simulated module and TD are now. */
static void fill_report(u8 *r, const u8 *reportdata)
{
	const struct hsm_tdx_sim_params *id = &sim.id;
	bool v15 = id->report_version == 1;

	lockdep_assert_held(&sim.lock);
	memset(r, 0, HSM_TDX_REPORT_SIZE);
	r[TDR_TYPE] = HSM_TDX_REPORT_TYPE;
	r[TDR_TYPE + 2] = id->report_version;
	memcpy(r + TDR_CPUSVN, id->cpusvn, sizeof(id->cpusvn));
	memcpy(r + TDR_REPORT_DATA, reportdata, HSM_TDX_REPORT_DATA);

	put_le64(r + TDR_VALID, v15 ? SIM_VALID_15 : SIM_VALID_10);
	memcpy(r + TDR_TEE_TCB_SVN, id->tee_tcb_svn, sizeof(id->tee_tcb_svn));
	memcpy(r + TDR_MRSEAM, id->mrseam, sizeof(id->mrseam));
	memcpy(r + TDR_MRSIGNERSEAM, id->mrsignerseam, sizeof(id->mrsignerseam));
	put_le64(r + TDR_SEAM_ATTRIBUTES, id->seam_attributes);
	if (v15)
		memcpy(r + TDR_TEE_TCB_SVN2, id->tee_tcb_svn2,
		       sizeof(id->tee_tcb_svn2));

	put_le64(r + TDR_TD_ATTRIBUTES, id->td_attributes);
	put_le64(r + TDR_XFAM, id->xfam);
	memcpy(r + TDR_MRTD, id->mrtd, sizeof(id->mrtd));
	memcpy(r + TDR_MRCONFIGID, id->mrconfigid, sizeof(id->mrconfigid));
	memcpy(r + TDR_MROWNER, id->mrowner, sizeof(id->mrowner));
	memcpy(r + TDR_MROWNERCONFIG, id->mrownerconfig,
	       sizeof(id->mrownerconfig));
	memcpy(r + TDR_RTMR, id->rtmr, sizeof(id->rtmr));
	/* SERVTD_HASH stays zero: no service TD is bound. */
}

/* TDG.MR.REPORT. */
static int sim_get_report0(const u8 *reportdata, u8 *tdreport)
{
	int ret;

	mutex_lock(&sim.lock);
	fill_report(tdreport, reportdata);
	ret = seal_report(tdreport, tdreport + TDR_TEE_TCB_INFO_HASH,
			  tdreport + TDR_TEE_INFO_HASH, tdreport + TDR_MAC);
	mutex_unlock(&sim.lock);
	return ret ? -EIO : 0;
}

/* TDG.MR.RTMR.EXTEND: RTMR[index] = SHA-384(RTMR[index] || data). */
static int sim_extend_rtmr(u8 index, const u8 *data)
{
	u8 buf[2 * HSM_TDX_RTMR_LEN];
	int ret;

	if (index >= HSM_TDX_RTMRS)
		return -EINVAL;
	mutex_lock(&sim.lock);
	memcpy(buf, sim.id.rtmr[index], HSM_TDX_RTMR_LEN);
	memcpy(buf + HSM_TDX_RTMR_LEN, data, HSM_TDX_RTMR_LEN);
	ret = crypto_shash_tfm_digest(sim.sha384, buf, sizeof(buf),
				      sim.id.rtmr[index]);
	mutex_unlock(&sim.lock);
	return ret ? -EIO : 0;
}

const struct hsm_tdx_ops hsm_tdx_sim_ops = {
	.get_report0 = sim_get_report0,
	.extend_rtmr = sim_extend_rtmr,
	.get_quote = hsm_tdx_sim_get_quote,
};

/*
 * What the quoting enclave asks of the platform before it quotes: is this
 * TDREPORT one this TDX module made (its MAC), and do its hashes hold?
 * -EBADMSG if not.  CORRUPT_MAC_NEXT makes the next one fail its MAC.
 */
int hsm_tdx_sim_check_report(const u8 *tdreport)
{
	u8 tcb[SHA384_DIGEST_SIZE], info[SHA384_DIGEST_SIZE];
	u8 mac[SHA256_DIGEST_SIZE];
	int ret;

	if (tdreport[TDR_TYPE] != HSM_TDX_REPORT_TYPE)
		return -EBADMSG;
	mutex_lock(&sim.lock);
	ret = seal_report(tdreport, tcb, info, mac);
	if (!ret && sim.corrupt_mac_next) {
		sim.corrupt_mac_next = false;
		mac[0] ^= 1;
	}
	mutex_unlock(&sim.lock);
	if (ret)
		return ret;
	if (crypto_memneq(mac, tdreport + TDR_MAC, sizeof(mac)) ||
	    crypto_memneq(tcb, tdreport + TDR_TEE_TCB_INFO_HASH, sizeof(tcb)) ||
	    crypto_memneq(info, tdreport + TDR_TEE_INFO_HASH, sizeof(info)))
		return -EBADMSG;
	return 0;
}

/* A copy of what the quoting service needs; _put() frees it. */
int hsm_tdx_sim_qe_get(struct hsm_tdx_sim_qe *qe)
{
	int ret = 0;

	memset(qe, 0, sizeof(*qe));
	mutex_lock(&sim.lock);
	qe->id = sim.id;
	memcpy(qe->pck, sim.pck, sizeof(qe->pck));
	qe->fail = sim.qgs_error_next;
	sim.qgs_error_next = false;
	if (sim.certs_len) {
		qe->certs = kvmalloc(sim.certs_len, GFP_KERNEL);
		if (qe->certs) {
			memcpy(qe->certs, sim.certs, sim.certs_len);
			qe->certs_len = sim.certs_len;
		} else {
			ret = -ENOMEM;
		}
	}
	mutex_unlock(&sim.lock);
	if (ret)
		hsm_tdx_sim_qe_put(qe);
	return ret;
}

void hsm_tdx_sim_qe_put(struct hsm_tdx_sim_qe *qe)
{
	kvfree(qe->certs);
	memzero_explicit(qe, sizeof(*qe));
}

static void set_default_identity(void)
{
	struct hsm_tdx_sim_params *id = &sim.id;
	static const u8 tee_tcb_svn[] = { 6, 1, 5 };

	memset(id, 0, sizeof(*id));
	id->td_attributes = SIM_TD_ATTRIBUTES;
	id->xfam = SIM_XFAM;
	id->report_version = SIM_REPORT_VERSION;
	memset(id->mrtd, 0x5a, sizeof(id->mrtd));
	memset(id->mrseam, 0xa5, sizeof(id->mrseam));
	/* TDX module 1.5.6, its SVNs as the real sample reports them. */
	memcpy(id->tee_tcb_svn, tee_tcb_svn, sizeof(tee_tcb_svn));
	id->tee_tcb_svn2[0] = 6;
	id->qe_isvprodid = SIM_QE_ISVPRODID;
	memset(id->qe_mrsigner, 0x3c, sizeof(id->qe_mrsigner));
	memset(id->qe_mrenclave, 0xc3, sizeof(id->qe_mrenclave));
	memcpy(id->user_data, sim_user_data, sizeof(sim_user_data));
}

/*
 * TDX_SIM_SETUP: a new TD, module and enclave (RTMRs included), already
 * checked by req.c; certs is copied.
 */
/*
 * The TD, TDX module and quoting enclave to report from now on, and the
 * PCK chain quotes carry: *certs (kvmalloc()ed, or NULL) becomes the
 * simulator's, and *certs NULL.
 */
int hsm_tdx_sim_setup(const struct hsm_tdx_sim_params *p, u8 **certs,
		      size_t certs_len)
{
	u8 *copy = *certs;

	*certs = NULL;
	mutex_lock(&sim.lock);
	sim.id = *p;
	memset(sim.id.pck_priv, 0, sizeof(sim.id.pck_priv));
	sim.id.flags = 0;
	if (p->flags & HSM_TDX_SIM_F_PCK)
		memcpy(sim.pck, p->pck_priv, sizeof(sim.pck));
	sim.qgs_error_next = p->flags & HSM_TDX_SIM_F_QGS_ERROR_NEXT;
	sim.corrupt_mac_next = p->flags & HSM_TDX_SIM_F_CORRUPT_MAC_NEXT;
	kvfree(sim.certs);
	sim.certs = copy;
	sim.certs_len = certs_len;
	mutex_unlock(&sim.lock);
	return 0;
}

int hsm_tdx_sim_init(void)
{
	int ret;

	sim.sha384 = crypto_alloc_shash("sha384", 0, 0);
	if (IS_ERR(sim.sha384)) {
		ret = PTR_ERR(sim.sha384);
		sim.sha384 = NULL;
		return ret;
	}
	sim.mac = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(sim.mac)) {
		ret = PTR_ERR(sim.mac);
		sim.mac = NULL;
		goto err;
	}
	get_random_bytes(sim.mac_key, sizeof(sim.mac_key));
	ret = crypto_shash_setkey(sim.mac, sim.mac_key, sizeof(sim.mac_key)) ?:
	      hsm_sim_ecdsa_keygen(HSM_SIM_P256, sim.pck);
	if (ret)
		goto err;
	set_default_identity();
	return 0;
err:
	hsm_tdx_sim_exit();
	return ret;
}

void hsm_tdx_sim_exit(void)
{
	if (sim.mac)
		crypto_free_shash(sim.mac);
	if (sim.sha384)
		crypto_free_shash(sim.sha384);
	sim.mac = sim.sha384 = NULL;
	kvfree(sim.certs);
	sim.certs = NULL;
	sim.certs_len = 0;
	memzero_explicit(sim.mac_key, sizeof(sim.mac_key));
	memzero_explicit(sim.pck, sizeof(sim.pck));
}
