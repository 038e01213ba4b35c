// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated PSP: the firmware end of SNP guest requests, behind the
 * seam of snp_issue_guest_request(), for every machine without SEV-SNP.
 * It holds a "secrets page" laid out as the real one (random VMPCKs, the
 * OS area's sequence numbers), checks each request as the firmware does
 * (header, VMPCK, sequence number, AES-256-GCM tag), serves MSG_REPORT_REQ
 * and MSG_KEY_REQ, and encrypts its answer.  Reports are byte-exact AMD
 * layouts (version 2, 3 or 5) signed ECDSA P-384 over bytes 0x0-0x29F by a
 * simulated VCEK (sim/ecdsa.c); their REPORT_ID starts "HSM-SIMULATED".
 * Derived keys are HMAC-SHA-256 of a per-load root secret over the
 * requested fields.  It attests nothing: GET_INFO says SIMULATED.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <asm/svm.h>
#include <uapi/linux/psp-sev.h>

#include "msg.h"
#include "sim.h"
#include "../sim/ecdsa.h"

/* Report offsets (AMD SEV-SNP ABI, ATTESTATION_REPORT). */
enum {
	R_VERSION = 0x000, R_GUEST_SVN = 0x004, R_POLICY = 0x008,
	R_FAMILY_ID = 0x010, R_IMAGE_ID = 0x020, R_VMPL = 0x030,
	R_SIG_ALGO = 0x034, R_CURRENT_TCB = 0x038, R_PLATFORM_INFO = 0x040,
	R_SIGNER = 0x048, R_REPORT_DATA = 0x050, R_MEASUREMENT = 0x090,
	R_HOST_DATA = 0x0c0, R_REPORT_ID = 0x140, R_REPORT_ID_MA = 0x160,
	R_REPORTED_TCB = 0x180, R_CPUID = 0x188, R_CHIP_ID = 0x1a0,
	R_COMMITTED_TCB = 0x1e0, R_CURRENT_VER = 0x1e8, R_COMMITTED_VER = 0x1ec,
	R_LAUNCH_TCB = 0x1f0, R_SIGNED_END = 0x2a0, R_SIG_R = 0x2a0,
	R_SIG_S = 0x2e8,
};

/* What the simulated firmware says it is: Genoa, firmware 1.55.40. */
#define SIM_CPUID_FAM	0x19
#define SIM_CPUID_MOD	0x11
#define SIM_CPUID_STEP	0x01
#define SIM_FW_BUILD	40
#define SIM_FW_MINOR	55
#define SIM_FW_MAJOR	1
#define SIM_PLATFORM_INFO 0x25ULL	/* SMT_EN, ECC_EN, ALIAS_CHECK_COMPLETE */
/* bl 7, tee 0, snp 14, microcode 0x48 (Genoa layout, little-endian). */
#define SIM_TCB		0x480e000000000007ULL
/* ABI 0.31, bit 17 (must be 1), SMT allowed; DEBUG clear. */
#define SIM_POLICY	0x30000ULL

/* The VCEK's curve: a P-384 scalar or coordinate, big-endian. */
#define P384_BYTES	48

static const char sim_id_prefix[16] = "HSM-SIMULATED";

static struct {
	struct mutex lock;
	struct hsm_snp_secrets *secrets;	/* the guest's copy */
	u8 vmpck[4][VMPCK_KEY_LEN];			/* the firmware's copy */
	u32 seqno[4];			/* last sequence number seen */
	struct crypto_aead *aead[4];
	/* One request each, reused under sim.lock: the PSP answers from its
	 * own memory, so running out of the guest's must not fail it. */
	struct aead_request *req[4];
	struct crypto_shash *hmac, *sha384;
	u8 root[32];			/* root secret of derived keys */
	u8 vcek[P384_BYTES];	/* VCEK private scalar */
	struct hsm_snp_sim_params id;	/* the simulated VM */
	u8 report_id[32];
	u8 *certs;			/* the host's certificate table */
	size_t certs_len;
	bool corrupt_next;		/* the host alters the next answer */
	bool busy_next;			/* the host is busy once */
	struct hsm_snp_msg *msg;	/* decrypted request, then answer */
	u8 *buf;
} sim = { .lock = __MUTEX_INITIALIZER(sim.lock) };

static int sim_crypt(unsigned int vmpck, bool enc, struct hsm_snp_msg *msg,
		     unsigned int len)
{
	struct aead_request *req = sim.req[vmpck];
	struct scatterlist sg;
	DECLARE_CRYPTO_WAIT(wait);
	u8 iv[12] = {};
	int ret;

	memcpy(iv, &msg->hdr.msg_seqno, sizeof(msg->hdr.msg_seqno));
	memcpy(sim.buf, (u8 *)&msg->hdr + HSM_SNP_MSG_AAD_OFF,
	       HSM_SNP_MSG_AAD_LEN);
	memcpy(sim.buf + HSM_SNP_MSG_AAD_LEN, msg->payload, len);
	if (!enc)
		memcpy(sim.buf + HSM_SNP_MSG_AAD_LEN + len, msg->hdr.authtag,
		       HSM_SNP_AUTHTAG_LEN);
	sg_init_one(&sg, sim.buf,
		    HSM_SNP_MSG_AAD_LEN + len + HSM_SNP_AUTHTAG_LEN);
	aead_request_set_callback(req, 0, crypto_req_done, &wait);
	aead_request_set_ad(req, HSM_SNP_MSG_AAD_LEN);
	aead_request_set_crypt(req, &sg, &sg,
			       enc ? len : len + HSM_SNP_AUTHTAG_LEN, iv);
	ret = crypto_wait_req(enc ? crypto_aead_encrypt(req) :
			      crypto_aead_decrypt(req), &wait);
	memzero_explicit(req, sizeof(*req) + crypto_aead_reqsize(sim.aead[vmpck]));
	aead_request_set_tfm(req, sim.aead[vmpck]);
	if (!ret) {
		memcpy(msg->payload, sim.buf + HSM_SNP_MSG_AAD_LEN, len);
		if (enc)
			memcpy(msg->hdr.authtag,
			       sim.buf + HSM_SNP_MSG_AAD_LEN + len,
			       HSM_SNP_AUTHTAG_LEN);
	}
	memzero_explicit(sim.buf,
			 HSM_SNP_MSG_AAD_LEN + len + HSM_SNP_AUTHTAG_LEN);
	return ret;
}

static void put_le(u8 *p, u64 v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = v >> (8 * i);
}

/* Firmware's TCB check: every component at most the current one. */
static bool tcb_le(u64 a, u64 b)
{
	unsigned int i;

	for (i = 0; i < 64; i += 8)
		if (((a >> i) & 0xff) > ((b >> i) & 0xff))
			return false;
	return true;
}

static int sim_report(unsigned int vmpck, const struct snp_report_req *req,
		      struct hsm_snp_report_rsp *rsp)
{
	const struct hsm_snp_sim_params *id = &sim.id;
	u8 digest[SHA384_DIGEST_SIZE];
	u8 r[P384_BYTES], s[P384_BYTES];
	u8 *rep = rsp->report;
	unsigned int i;
	int ret;

	memset(rsp, 0, sizeof(*rsp));
	if (req->vmpl > 3 || req->vmpl < vmpck ||
	    memchr_inv(req->rsvd, 0, sizeof(req->rsvd))) {
		rsp->status = HSM_SNP_FW_INVALID_PARAM;
		return 0;
	}
	put_le(rep + R_VERSION, id->report_version, 4);
	put_le(rep + R_GUEST_SVN, id->guest_svn, 4);
	put_le(rep + R_POLICY, id->policy, 8);
	memcpy(rep + R_FAMILY_ID, id->family_id, 16);
	memcpy(rep + R_IMAGE_ID, id->image_id, 16);
	put_le(rep + R_VMPL, req->vmpl, 4);
	put_le(rep + R_SIG_ALGO, 1, 4);
	put_le(rep + R_CURRENT_TCB, id->tcb, 8);
	put_le(rep + R_PLATFORM_INFO, SIM_PLATFORM_INFO, 8);
	put_le(rep + R_SIGNER, 0, 4);		/* VCEK, chip key not masked */
	memcpy(rep + R_REPORT_DATA, req->user_data, 64);
	memcpy(rep + R_MEASUREMENT, id->measurement, 48);
	memcpy(rep + R_HOST_DATA, id->host_data, 32);
	memcpy(rep + R_REPORT_ID, sim.report_id, 32);
	memset(rep + R_REPORT_ID_MA, 0xff, 32);	/* no migration agent */
	put_le(rep + R_REPORTED_TCB, id->tcb, 8);
	if (id->report_version >= 3) {
		rep[R_CPUID] = SIM_CPUID_FAM;
		rep[R_CPUID + 1] = SIM_CPUID_MOD;
		rep[R_CPUID + 2] = SIM_CPUID_STEP;
	}
	memcpy(rep + R_CHIP_ID, id->chip_id, 64);
	put_le(rep + R_COMMITTED_TCB, id->tcb, 8);
	for (i = 0; i < 2; i++) {
		u8 *v = rep + (i ? R_COMMITTED_VER : R_CURRENT_VER);

		v[0] = SIM_FW_BUILD;
		v[1] = SIM_FW_MINOR;
		v[2] = SIM_FW_MAJOR;
	}
	put_le(rep + R_LAUNCH_TCB, id->tcb, 8);
	/* v5's mitigation vectors (0x1f8, 0x200) are 0: none reported. */

	ret = crypto_shash_tfm_digest(sim.sha384, rep, R_SIGNED_END, digest);
	if (!ret)
		ret = hsm_sim_ecdsa_sign(HSM_SIM_P384, sim.vcek, digest, r, s);
	if (ret)
		return ret;
	/* R and S: 72-byte little-endian fields. */
	for (i = 0; i < P384_BYTES; i++) {
		rep[R_SIG_R + i] = r[P384_BYTES - 1 - i];
		rep[R_SIG_S + i] = s[P384_BYTES - 1 - i];
	}
	rsp->status = 0;
	rsp->report_size = HSM_SNP_REPORT_SIZE;
	return 0;
}

static int sim_key(unsigned int vmpck, const struct snp_derived_key_req *req,
		   struct hsm_snp_key_rsp *rsp)
{
	const struct hsm_snp_sim_params *id = &sim.id;
	SHASH_DESC_ON_STACK(d, sim.hmac);
	u64 gfs = req->guest_field_select;
	static const char label[] = "HSM-SIM-DERIVED-KEY";
	int ret;

	memset(rsp, 0, sizeof(*rsp));
	if (req->root_key_select > 1 || req->rsvd || gfs & ~HSM_SNP_GFS_ALL ||
	    req->vmpl > 3 || req->vmpl < vmpck ||
	    req->guest_svn > id->guest_svn ||
	    !tcb_le(req->tcb_version, id->tcb)) {
		rsp->status = HSM_SNP_FW_INVALID_PARAM;
		return 0;
	}
	d->tfm = sim.hmac;
	ret = crypto_shash_init(d) ?:
	      crypto_shash_update(d, label, sizeof(label)) ?:
	      crypto_shash_update(d, (const u8 *)&req->root_key_select, 4) ?:
	      crypto_shash_update(d, (const u8 *)&req->vmpl, 4) ?:
	      crypto_shash_update(d, (const u8 *)&gfs, 8) ?:
	      crypto_shash_update(d, id->chip_id, sizeof(id->chip_id));
	if (!ret && gfs & HSM_SNP_GFS_POLICY)
		ret = crypto_shash_update(d, (const u8 *)&id->policy, 8);
	if (!ret && gfs & HSM_SNP_GFS_IMAGE_ID)
		ret = crypto_shash_update(d, id->image_id, 16);
	if (!ret && gfs & HSM_SNP_GFS_FAMILY_ID)
		ret = crypto_shash_update(d, id->family_id, 16);
	if (!ret && gfs & HSM_SNP_GFS_MEASUREMENT)
		ret = crypto_shash_update(d, id->measurement, 48);
	if (!ret && gfs & HSM_SNP_GFS_GUEST_SVN)
		ret = crypto_shash_update(d, (const u8 *)&req->guest_svn, 4);
	if (!ret && gfs & HSM_SNP_GFS_TCB_VERSION)
		ret = crypto_shash_update(d, (const u8 *)&req->tcb_version, 8);
	if (!ret)
		ret = crypto_shash_final(d, rsp->key);
	shash_desc_zero(d);
	return ret;
}

/* Firmware: check, decrypt, serve, encrypt the answer; sim.lock held. */
static int sim_serve(struct hsm_snp_msg *req_page, struct hsm_snp_msg *rsp_page,
		     u64 *fw_err)
{
	struct hsm_snp_msg *msg = sim.msg;
	struct hsm_snp_msg_hdr *h = &msg->hdr;
	unsigned int v, len;
	int ret;

	memcpy(msg, req_page, sizeof(*msg));
	v = h->msg_vmpck;
	if (h->algo != HSM_SNP_AEAD_AES_256_GCM ||
	    h->hdr_version != HSM_SNP_MSG_HDR_VERSION ||
	    h->hdr_sz != sizeof(*h) || v > 3 ||
	    h->msg_sz > HSM_SNP_PAYLOAD_MAX || h->msg_version != 1 ||
	    h->msg_seqno != (u64)sim.seqno[v] + 1 ||
	    !memchr_inv(sim.vmpck[v], 0, VMPCK_KEY_LEN)) {
		*fw_err = HSM_SNP_FW_INVALID_PARAM;
		return -EIO;
	}
	if (sim_crypt(v, false, msg, h->msg_sz)) {
		*fw_err = HSM_SNP_FW_AUTH_FAILED;
		return -EIO;
	}
	switch (h->msg_type) {
	case HSM_SNP_MSG_REPORT_REQ:
		if (h->msg_sz != sizeof(struct snp_report_req))
			goto bad;
		{
			struct snp_report_req req;

			memcpy(&req, msg->payload, sizeof(req));
			/* The answer goes where the request was. */
			ret = sim_report(v, &req, (void *)msg->payload);
		}
		len = sizeof(struct hsm_snp_report_rsp);
		break;
	case HSM_SNP_MSG_KEY_REQ:
		if (h->msg_sz != sizeof(struct snp_derived_key_req))
			goto bad;
		{
			struct snp_derived_key_req req;

			memcpy(&req, msg->payload, sizeof(req));
			ret = sim_key(v, &req, (void *)msg->payload);
			memzero_explicit(&req, sizeof(req));
		}
		len = sizeof(struct hsm_snp_key_rsp);
		break;
	default:
		goto bad;
	}
	if (ret) {
		*fw_err = HSM_SNP_FW_INVALID_PARAM;
		return -EIO;
	}
	sim.seqno[v] = h->msg_seqno + 1;
	h->msg_seqno++;
	h->msg_type++;
	h->msg_sz = len;
	memset(h->authtag, 0, sizeof(h->authtag));
	ret = sim_crypt(v, true, msg, len);
	if (!ret)
		memcpy(rsp_page, msg, sizeof(*msg));
	memzero_explicit(msg, sizeof(*msg));
	return ret ? -EIO : 0;
bad:
	memzero_explicit(msg, sizeof(*msg));
	*fw_err = HSM_SNP_FW_INVALID_PARAM;
	return -EIO;
}

/* snp_issue_guest_request(), as the host and the PSP answer it. */
int hsm_snp_sim_issue(u64 exit_code, struct snp_req_data *input,
		      struct snp_guest_request_ioctl *rio)
{
	u64 fw_err = 0;
	int ret;

	rio->exitinfo2 = SEV_RET_NO_FW_CALL;
	if (exit_code != SVM_VMGEXIT_GUEST_REQUEST &&
	    exit_code != SVM_VMGEXIT_EXT_GUEST_REQUEST)
		return -EIO;
	mutex_lock(&sim.lock);
	if (sim.busy_next) {
		/* Throttled by the host: the request never reached the PSP. */
		sim.busy_next = false;
		rio->exitinfo2 = SNP_GUEST_VMM_ERR(SNP_GUEST_VMM_ERR_BUSY);
		mutex_unlock(&sim.lock);
		return -EAGAIN;
	}
	if (exit_code == SVM_VMGEXIT_EXT_GUEST_REQUEST) {
		/* The host's part: the certificate table, or "too small". */
		size_t cap = (size_t)input->data_npages << PAGE_SHIFT;

		if (sim.certs_len > cap) {
			input->data_npages = DIV_ROUND_UP(sim.certs_len,
							  PAGE_SIZE);
			rio->exitinfo2 =
				SNP_GUEST_VMM_ERR(SNP_GUEST_VMM_ERR_INVALID_LEN);
			mutex_unlock(&sim.lock);
			return -ENOSPC;
		}
		memset(phys_to_virt(input->data_gpa), 0, cap);
		if (sim.certs_len)
			memcpy(phys_to_virt(input->data_gpa), sim.certs,
			       sim.certs_len);
	}
	ret = sim_serve(phys_to_virt(input->req_gpa),
			phys_to_virt(input->resp_gpa), &fw_err);
	if (!ret && sim.corrupt_next) {
		struct hsm_snp_msg *rsp = phys_to_virt(input->resp_gpa);

		rsp->payload[0] ^= 1;
		sim.corrupt_next = false;
	}
	mutex_unlock(&sim.lock);
	rio->exitinfo2 = fw_err;
	return ret;
}

static void set_default_identity(void)
{
	struct hsm_snp_sim_params *id = &sim.id;

	memset(id, 0, sizeof(*id));
	id->report_version = 3;
	id->policy = SIM_POLICY;
	id->tcb = SIM_TCB;
	memset(id->measurement, 0x5a, sizeof(id->measurement));
	get_random_bytes(id->chip_id, sizeof(id->chip_id));
}

/*
 * The identity to report from now on, and the certificate table to
 * return: *certs (kvmalloc()ed, or NULL) becomes the simulator's on
 * success, and *certs NULL.
 */
int hsm_snp_sim_setup(const struct hsm_snp_sim_params *p, u8 **certs,
		      size_t certs_len)
{
	u8 *copy = *certs;

	if (p->report_version && p->report_version != 2 &&
	    p->report_version != 3 && p->report_version != 5)
		return -EINVAL;
	if (certs_len > HSM_SNP_CERTS_MAX)
		return -EINVAL;
	*certs = NULL;
	mutex_lock(&sim.lock);
	sim.corrupt_next = p->flags & HSM_SNP_SIM_F_CORRUPT_NEXT;
	sim.busy_next = p->flags & HSM_SNP_SIM_F_BUSY_NEXT;
	sim.id = *p;
	if (!sim.id.report_version)
		sim.id.report_version = 3;
	memset(sim.id.vcek_priv, 0, sizeof(sim.id.vcek_priv));
	if (p->flags & HSM_SNP_SIM_F_VCEK)
		memcpy(sim.vcek, p->vcek_priv, sizeof(sim.vcek));
	kvfree(sim.certs);
	sim.certs = copy;
	sim.certs_len = certs_len;
	mutex_unlock(&sim.lock);
	return 0;
}

/* New VMPCKs in the firmware and the secrets page; sequence numbers 0. */
static int provision(void)
{
	struct hsm_snp_secrets *sp = sim.secrets;
	unsigned int i;
	int ret;

	for (i = 0; i < 4; i++) {
		get_random_bytes(sim.vmpck[i], VMPCK_KEY_LEN);
		ret = crypto_aead_setkey(sim.aead[i], sim.vmpck[i],
					 VMPCK_KEY_LEN);
		if (ret)
			return ret;
		sim.seqno[i] = 0;
	}
	memcpy(sp->vmpck0, sim.vmpck[0], VMPCK_KEY_LEN);
	memcpy(sp->vmpck1, sim.vmpck[1], VMPCK_KEY_LEN);
	memcpy(sp->vmpck2, sim.vmpck[2], VMPCK_KEY_LEN);
	memcpy(sp->vmpck3, sim.vmpck[3], VMPCK_KEY_LEN);
	sp->os_area.msg_seqno_0 = 0;
	sp->os_area.msg_seqno_1 = 0;
	sp->os_area.msg_seqno_2 = 0;
	sp->os_area.msg_seqno_3 = 0;
	return 0;
}

/* A new launch of the simulated VM; the message layer's lock held. */
void hsm_snp_sim_relaunch(void)
{
	mutex_lock(&sim.lock);
	if (provision()) {
		/* No usable keys: leave every VMPCK disabled. */
		memset(sim.vmpck, 0, sizeof(sim.vmpck));
		memset(sim.secrets->vmpck0, 0, VMPCK_KEY_LEN);
		memset(sim.secrets->vmpck1, 0, VMPCK_KEY_LEN);
		memset(sim.secrets->vmpck2, 0, VMPCK_KEY_LEN);
		memset(sim.secrets->vmpck3, 0, VMPCK_KEY_LEN);
	}
	mutex_unlock(&sim.lock);
}

int hsm_snp_sim_init(struct hsm_snp_secrets **secrets)
{
	struct hsm_snp_secrets *sp;
	unsigned int i;
	int ret = -ENOMEM;

	sp = (void *)get_zeroed_page(GFP_KERNEL);
	sim.msg = kzalloc(sizeof(*sim.msg), GFP_KERNEL);
	sim.buf = kzalloc(HSM_SNP_MSG_BUF_LEN, GFP_KERNEL);
	if (!sp || !sim.msg || !sim.buf)
		goto err;
	sim.secrets = sp;
	sp->version = 2;
	for (i = 0; i < 4; i++) {
		sim.aead[i] = crypto_alloc_aead("gcm(aes)", 0, 0);
		if (IS_ERR(sim.aead[i])) {
			ret = PTR_ERR(sim.aead[i]);
			sim.aead[i] = NULL;
			goto err;
		}
		ret = crypto_aead_setauthsize(sim.aead[i], HSM_SNP_AUTHTAG_LEN);
		if (ret)
			goto err;
		ret = -ENOMEM;
		sim.req[i] = aead_request_alloc(sim.aead[i], GFP_KERNEL);
		if (!sim.req[i])
			goto err;
	}
	ret = provision();
	if (ret)
		goto err;
	sim.hmac = crypto_alloc_shash("hmac(sha256)", 0, 0);
	sim.sha384 = crypto_alloc_shash("sha384", 0, 0);
	if (IS_ERR(sim.hmac) || IS_ERR(sim.sha384)) {
		ret = IS_ERR(sim.hmac) ? PTR_ERR(sim.hmac) : PTR_ERR(sim.sha384);
		goto err;
	}
	get_random_bytes(sim.root, sizeof(sim.root));
	ret = crypto_shash_setkey(sim.hmac, sim.root, sizeof(sim.root));
	if (ret)
		goto err;
	ret = hsm_sim_ecdsa_keygen(HSM_SIM_P384, sim.vcek);
	if (ret)
		goto err;
	memcpy(sim.report_id, sim_id_prefix, sizeof(sim_id_prefix));
	get_random_bytes(sim.report_id + 16, 16);
	set_default_identity();
	*secrets = sp;
	return 0;
err:
	hsm_snp_sim_exit();
	return ret;
}

void hsm_snp_sim_exit(void)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		aead_request_free(sim.req[i]);
		sim.req[i] = NULL;
		if (!IS_ERR_OR_NULL(sim.aead[i]))
			crypto_free_aead(sim.aead[i]);
		sim.aead[i] = NULL;
	}
	if (!IS_ERR_OR_NULL(sim.hmac))
		crypto_free_shash(sim.hmac);
	if (!IS_ERR_OR_NULL(sim.sha384))
		crypto_free_shash(sim.sha384);
	sim.hmac = sim.sha384 = NULL;
	if (sim.secrets) {
		memzero_explicit(sim.secrets, PAGE_SIZE);
		free_page((unsigned long)sim.secrets);
	}
	sim.secrets = NULL;
	kvfree(sim.certs);
	sim.certs = NULL;
	sim.certs_len = 0;
	kfree_sensitive(sim.msg);
	kfree_sensitive(sim.buf);
	sim.msg = NULL;
	sim.buf = NULL;
	memzero_explicit(sim.vmpck, sizeof(sim.vmpck));
	memzero_explicit(sim.root, sizeof(sim.root));
	memzero_explicit(sim.vcek, sizeof(sim.vcek));
}
