// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated quoting service: the VMM's and the quoting enclave's end
 * of GetQuote, behind the same seam and the same GHCI buffer as the real
 * service (ghci.c), answering later from a work item, as a host does, so
 * that the TD's polling runs in the tests.
 *
 * Like the real TD quoting enclave, it refuses a TDREPORT whose MAC or
 * hashes do not hold (hsm_tdx_sim_check_report()) and quotes the rest as
 * a DCAP quote: v4, or v5 (body type 3 for a TDX 1.5 report, else 2);
 * header || body signed ECDSA P-256 over SHA-256 by a simulated
 * attestation key drawn at load, which its QE report binds
 * (report_data = SHA-256(attestation key || auth data) || 0^32) and the
 * simulated PCK key signs; then the PCK chain TDX_SIM_SETUP gave, as
 * certification data type 5 inside type 6.  Nothing it signs attests
 * anything: the chain ends in a root only a test trusts.
 */
#include <crypto/sha2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "../sim/ecdsa.h"
#include "ghci.h"
#include "sim.h"

/* DCAP quote v4/v5 (Intel's TDX DCAP Quote Generation Library, A.3-A.4). */
enum {
	Q_HEADER_LEN	= 48,
	Q_ATT_KEY_ECDSA_P256 = 2,
	Q_TEE_TDX	= 0x81,
	Q_V5_BODY_HDR	= 6,		/* u16 body type, u32 body size */
	Q_BODY_TD10	= 2,
	Q_BODY_TD15	= 3,
	Q_BODY10_LEN	= 584,
	Q_BODY15_LEN	= 648,
	Q_SIG_LEN	= 64,		/* r || s, big-endian */
	Q_KEY_LEN	= 64,		/* x || y, big-endian */
	Q_CERT_HDR	= 6,		/* u16 type, u32 size */
	Q_CERT_QE	= 6,		/* QE report certification data */
	Q_CERT_PCK_PEM	= 5,		/* PCK chain, PEM */
	Q_QE_REPORT_LEN	= 384,		/* SGX report body */
	Q_AUTH_LEN	= 32,
};

/* SGX report body offsets. */
enum {
	QE_CPUSVN = 0, QE_MISCSELECT = 16, QE_ATTRIBUTES = 48,
	QE_MRENCLAVE = 64, QE_MRSIGNER = 128, QE_ISVPRODID = 256,
	QE_ISVSVN = 258, QE_REPORT_DATA = 320,
};

static const u8 intel_qe_vendor_id[16] = {
	0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
	0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
};

static struct {
	/* One request at a time: ghci.c holds its lock across it. */
	struct work_struct work;
	struct hsm_tdx_quote_buf *buf;
	size_t size;
	u32 version;
	u8 ak[32];			/* the attestation key */
	u8 ak_pub[Q_KEY_LEN];
} qgs;

static void put_le16(u8 *p, u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put_le32(u8 *p, u32 v)
{
	put_le16(p, v);
	put_le16(p + 2, v >> 16);
}

/* r || s over SHA-256(data). */
static int sign(const u8 *priv, const u8 *data, size_t len, u8 *sig)
{
	u8 digest[SHA256_DIGEST_SIZE];

	sha256(data, len, digest);
	return hsm_sim_ecdsa_sign(HSM_SIM_P256, priv, digest, sig,
				  sig + Q_SIG_LEN / 2);
}

static void header(u8 *h, const struct hsm_tdx_sim_params *id, u16 version)
{
	put_le16(h, version);
	put_le16(h + 2, Q_ATT_KEY_ECDSA_P256);
	put_le32(h + 4, Q_TEE_TDX);
	put_le16(h + 8, id->qe_svn);
	put_le16(h + 10, id->pce_svn);
	memcpy(h + 12, intel_qe_vendor_id, sizeof(intel_qe_vendor_id));
	memcpy(h + 28, id->user_data, sizeof(id->user_data));
}

/* The TD report body: the TDREPORT's fields of the same names. */
static void body(u8 *b, const u8 *r, bool td15)
{
	memcpy(b, r + TDR_TEE_TCB_SVN, 16);
	memcpy(b + 16, r + TDR_MRSEAM, 48);
	memcpy(b + 64, r + TDR_MRSIGNERSEAM, 48);
	memcpy(b + 112, r + TDR_SEAM_ATTRIBUTES, 8);
	memcpy(b + 120, r + TDR_TD_ATTRIBUTES, 8);
	memcpy(b + 128, r + TDR_XFAM, 8);
	memcpy(b + 136, r + TDR_MRTD, 48);
	memcpy(b + 184, r + TDR_MRCONFIGID, 48);
	memcpy(b + 232, r + TDR_MROWNER, 48);
	memcpy(b + 280, r + TDR_MROWNERCONFIG, 48);
	memcpy(b + 328, r + TDR_RTMR, 4 * 48);
	memcpy(b + 520, r + TDR_REPORT_DATA, 64);
	if (td15) {
		memcpy(b + 584, r + TDR_TEE_TCB_SVN2, 16);
		memcpy(b + 600, r + TDR_SERVTD_HASH, 48);
	}
}

/*
 * Certification data type 6 at c: the QE report binding the attestation
 * key, its PCK signature, the auth data, and the chain as type 5.
 */
static int qe_cert_data(u8 *c, const struct hsm_tdx_sim_qe *qe)
{
	const struct hsm_tdx_sim_params *id = &qe->id;
	u8 *rep = c, *auth = c + Q_QE_REPORT_LEN + Q_SIG_LEN + 2;
	u8 *pck = auth + Q_AUTH_LEN;
	unsigned int i;
	int ret;

	for (i = 0; i < Q_AUTH_LEN; i++)
		auth[i] = i;
	memcpy(rep + QE_CPUSVN, id->cpusvn, sizeof(id->cpusvn));
	put_le32(rep + QE_MISCSELECT, id->qe_miscselect);
	memcpy(rep + QE_ATTRIBUTES, id->qe_attributes, 16);
	memcpy(rep + QE_MRENCLAVE, id->qe_mrenclave, 32);
	memcpy(rep + QE_MRSIGNER, id->qe_mrsigner, 32);
	put_le16(rep + QE_ISVPRODID, id->qe_isvprodid);
	put_le16(rep + QE_ISVSVN, id->qe_isvsvn);
	{
		u8 bind[Q_KEY_LEN + Q_AUTH_LEN];

		memcpy(bind, qgs.ak_pub, Q_KEY_LEN);
		memcpy(bind + Q_KEY_LEN, auth, Q_AUTH_LEN);
		sha256(bind, sizeof(bind), rep + QE_REPORT_DATA);
	}
	ret = sign(qe->pck, rep, Q_QE_REPORT_LEN, rep + Q_QE_REPORT_LEN);
	if (ret)
		return ret;
	put_le16(auth - 2, Q_AUTH_LEN);
	put_le16(pck, Q_CERT_PCK_PEM);
	put_le32(pck + 2, qe->certs_len);
	if (qe->certs_len)
		memcpy(pck + Q_CERT_HDR, qe->certs, qe->certs_len);
	return 0;
}

/* The quote of a checked TDREPORT, into *quote; its length or -errno. */
static long build(const u8 *r, u32 version, const struct hsm_tdx_sim_qe *qe,
		  u8 **quote)
{
	bool v5 = version == 5, td15 = v5 && r[TDR_TYPE + 2] == 1;
	size_t body_off = Q_HEADER_LEN + (v5 ? Q_V5_BODY_HDR : 0);
	size_t body_len = td15 ? Q_BODY15_LEN : Q_BODY10_LEN;
	size_t signed_len = body_off + body_len;
	size_t cert6 = Q_QE_REPORT_LEN + Q_SIG_LEN + 2 + Q_AUTH_LEN +
		       Q_CERT_HDR + qe->certs_len;
	size_t sig_len = Q_SIG_LEN + Q_KEY_LEN + Q_CERT_HDR + cert6;
	size_t len = signed_len + 4 + sig_len;
	u8 *q, *s;
	int ret;

	q = kvzalloc(len, GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	header(q, &qe->id, v5 ? 5 : 4);
	if (v5) {
		put_le16(q + Q_HEADER_LEN, td15 ? Q_BODY_TD15 : Q_BODY_TD10);
		put_le32(q + Q_HEADER_LEN + 2, body_len);
	}
	body(q + body_off, r, td15);
	s = q + signed_len;
	put_le32(s, sig_len);
	s += 4;
	ret = sign(qgs.ak, q, signed_len, s);
	if (ret)
		goto err;
	memcpy(s + Q_SIG_LEN, qgs.ak_pub, Q_KEY_LEN);
	s += Q_SIG_LEN + Q_KEY_LEN;
	put_le16(s, Q_CERT_QE);
	put_le32(s + 2, cert6);
	ret = qe_cert_data(s + Q_CERT_HDR, qe);
	if (ret)
		goto err;
	*quote = q;
	return len;
err:
	kvfree(q);
	return ret;
}

/* The quoting enclave: check the report, then quote it. */
static long quote(const u8 *report, u32 version, u8 **q)
{
	struct hsm_tdx_sim_qe qe;
	long ret;

	ret = hsm_tdx_sim_qe_get(&qe);
	if (ret)
		return ret;
	if (qe.fail)
		ret = -EIO;
	else
		ret = hsm_tdx_sim_check_report(report) ?:
		      build(report, version, &qe, q);
	hsm_tdx_sim_qe_put(&qe);
	return ret;
}

/* The host's answer: the quote, then its length, then the status. */
static void serve(struct work_struct *work)
{
	struct hsm_tdx_quote_buf *b = qgs.buf;
	u64 status = HSM_TDX_GHCI_ERROR;
	u8 *report, *q = NULL;
	long len = -ENOMEM;

	/* The service works on its own copy of the request. */
	report = kmemdup(b->data, HSM_TDX_REPORT_SIZE, GFP_KERNEL);
	if (report)
		len = quote(report, qgs.version, &q);
	if (len > 0 && len <= qgs.size - sizeof(*b)) {
		memcpy(b->data, q, len);
		WRITE_ONCE(b->out_len, len);
		status = HSM_TDX_GHCI_SUCCESS;
	}
	kvfree(q);
	kfree(report);
	smp_wmb();
	WRITE_ONCE(b->status, status);
}

/* The GetQuote TDVMCALL: take the request, answer it later. */
u64 hsm_tdx_sim_get_quote(u8 *buf, size_t size, u32 version)
{
	struct hsm_tdx_quote_buf *b = (void *)buf;

	/* The last request may have been given up on: let it finish. */
	flush_work(&qgs.work);
	if (size < sizeof(*b) + HSM_TDX_REPORT_SIZE ||
	    b->version != HSM_TDX_GHCI_VERSION ||
	    b->in_len != HSM_TDX_REPORT_SIZE)
		return HSM_TDX_TDVMCALL_INVALID_OPERAND;
	qgs.buf = b;
	qgs.size = size;
	qgs.version = version;
	WRITE_ONCE(b->status, HSM_TDX_GHCI_IN_FLIGHT);
	queue_work(system_unbound_wq, &qgs.work);
	return 0;
}

int hsm_tdx_sim_quote_init(void)
{
	INIT_WORK(&qgs.work, serve);
	return hsm_sim_ecdsa_keygen(HSM_SIM_P256, qgs.ak) ?:
	       hsm_sim_ecdsa_public(HSM_SIM_P256, qgs.ak, qgs.ak_pub);
}

void hsm_tdx_sim_quote_exit(void)
{
	cancel_work_sync(&qgs.work);
	memzero_explicit(qgs.ak, sizeof(qgs.ak));
}
