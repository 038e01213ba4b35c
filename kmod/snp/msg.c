// SPDX-License-Identifier: GPL-2.0
/*
 * The SEV-SNP guest-message layer, as the kernel's sev-guest driver has it
 * (drivers/virt/coco/sev-guest/sev-guest.c, 6.1): a request is a 96-byte
 * header and a payload encrypted with AES-256-GCM under a VMPCK from the
 * secrets page, IV = the message sequence number, associated data = the
 * header from `algo` on.  The sequence number lives in the secrets page's
 * OS area; the PSP answers with seqno + 1 and we store seqno + 2.  One
 * mutex serialises every exchange.  After any failed exchange the VMPCK is
 * wiped, so that a sequence number can never be reused with it.
 *
 * Below this layer is one function with snp_issue_guest_request()'s
 * signature: the kernel's (real backend) or the simulated PSP's.
 */
#include <crypto/aead.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/set_memory.h>
#include <linux/slab.h>
#include <asm/svm.h>

#include "msg.h"

#define CERT_PAGES	(HSM_SNP_CERTS_MAX >> PAGE_SHIFT)
/* The firmware's throttling: retry for up to a minute, as upstream does. */
#define RETRY_DURATION	(60 * HZ)
#define RETRY_DELAY	(2 * HZ)

static struct {
	struct mutex lock;		/* one exchange at a time */
	struct hsm_snp_secrets *secrets;
	u8 *vmpck;			/* in the secrets page */
	u32 *seqno;			/* in the secrets page's OS area */
	unsigned int vmpck_id;
	hsm_snp_issue_fn issue;
	bool shared;			/* pages made shared with the host */
	bool ready;
	struct crypto_aead *tfm;
	/*
	 * Made once and reused under lock: once a request is out, its answer
	 * must be decrypted, and an allocation failing there would cost the
	 * VMPCK (see exchange()) for want of memory in the guest.
	 */
	struct aead_request *req;
	struct hsm_snp_msg *request, *response;	/* the pages the PSP sees */
	struct hsm_snp_msg *secret;			/* our private copy */
	u8 *buf;			/* AAD || payload || tag for the AEAD */
	u8 *certs;			/* CERT_PAGES pages for EXT_GUEST_REQUEST */
	struct snp_req_data input;
} m = { .lock = __MUTEX_INITIALIZER(m.lock) };

static void *alloc_shared(unsigned int order)
{
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
	void *p;

	if (!page)
		return NULL;
	p = page_address(page);
	if (m.shared && set_memory_decrypted((unsigned long)p, 1 << order)) {
		/* The page's state is unknown: never reuse it. */
		pr_err("snp: cannot share a page with the host\n");
		return NULL;
	}
	return p;
}

static void free_shared(void *p, unsigned int order)
{
	if (!p)
		return;
	if (m.shared && set_memory_encrypted((unsigned long)p, 1 << order))
		return;		/* leak it rather than reuse a shared page */
	free_pages((unsigned long)p, order);
}

static bool vmpck_zero(void)
{
	return !memchr_inv(m.vmpck, 0, VMPCK_KEY_LEN);
}

/* After a failed exchange: wipe the key, as snp_disable_vmpck() does. */
static void disable_vmpck(void)
{
	pr_alert("snp: disabling VMPCK%u: a guest request failed\n", m.vmpck_id);
	memzero_explicit(m.vmpck, VMPCK_KEY_LEN);
	/* The transform's key schedule is the key too: rekey it to zeros. */
	crypto_aead_setkey(m.tfm, m.vmpck, VMPCK_KEY_LEN);
}

/* The next request's sequence number, or 0 when they are used up. */
static u64 next_seqno(void)
{
	u64 n = (u64)*m.seqno + 1;

	return n >= UINT_MAX ? 0 : n;
}

static int crypt(bool enc, u64 seqno, const struct hsm_snp_msg_hdr *hdr,
		 u8 *payload, unsigned int len, u8 *tag)
{
	struct aead_request *req = m.req;
	struct scatterlist sg;
	DECLARE_CRYPTO_WAIT(wait);
	u8 iv[12] = {};
	int ret;

	lockdep_assert_held(&m.lock);
	memcpy(iv, &seqno, sizeof(seqno));	/* little-endian on x86 */
	memcpy(m.buf, (const u8 *)hdr + HSM_SNP_MSG_AAD_OFF,
	       HSM_SNP_MSG_AAD_LEN);
	memcpy(m.buf + HSM_SNP_MSG_AAD_LEN, payload, len);
	if (!enc)
		memcpy(m.buf + HSM_SNP_MSG_AAD_LEN + len, tag,
		       HSM_SNP_AUTHTAG_LEN);
	sg_init_one(&sg, m.buf, HSM_SNP_MSG_AAD_LEN + len + HSM_SNP_AUTHTAG_LEN);
	aead_request_set_callback(req, 0, crypto_req_done, &wait);
	aead_request_set_ad(req, HSM_SNP_MSG_AAD_LEN);
	aead_request_set_crypt(req, &sg, &sg,
			       enc ? len : len + HSM_SNP_AUTHTAG_LEN, iv);
	ret = crypto_wait_req(enc ? crypto_aead_encrypt(req) :
			      crypto_aead_decrypt(req), &wait);
	/* What the operation left in the request (counters, GHASH state). */
	memzero_explicit(req, sizeof(*req) + crypto_aead_reqsize(m.tfm));
	aead_request_set_tfm(req, m.tfm);
	if (!ret) {
		memcpy(payload, m.buf + HSM_SNP_MSG_AAD_LEN, len);
		if (enc)
			memcpy(tag, m.buf + HSM_SNP_MSG_AAD_LEN + len,
			       HSM_SNP_AUTHTAG_LEN);
	}
	memzero_explicit(m.buf, HSM_SNP_MSG_AAD_LEN + len + HSM_SNP_AUTHTAG_LEN);
	return ret;
}

static int enc_request(u64 seqno, u8 type, const void *req, size_t len)
{
	struct hsm_snp_msg_hdr *hdr = &m.secret->hdr;

	memset(m.secret, 0, sizeof(*m.secret));
	hdr->algo = HSM_SNP_AEAD_AES_256_GCM;
	hdr->hdr_version = HSM_SNP_MSG_HDR_VERSION;
	hdr->hdr_sz = sizeof(*hdr);
	hdr->msg_type = type;
	hdr->msg_version = 1;
	hdr->msg_seqno = seqno;
	hdr->msg_vmpck = m.vmpck_id;
	hdr->msg_sz = len;
	memcpy(m.secret->payload, req, len);
	return crypt(true, seqno, hdr, m.secret->payload, len, hdr->authtag);
}

/* The answer must be the PSP's to our request; then decrypt it. */
static int dec_response(u64 seqno, u8 type, void *rsp, size_t len)
{
	struct hsm_snp_msg_hdr *hdr;
	int ret;

	memcpy(m.secret, m.response, sizeof(*m.secret));
	hdr = &m.secret->hdr;
	if (hdr->msg_seqno != seqno + 1 || hdr->msg_type != type + 1 ||
	    hdr->msg_version != 1 || hdr->algo != HSM_SNP_AEAD_AES_256_GCM ||
	    hdr->hdr_version != HSM_SNP_MSG_HDR_VERSION ||
	    hdr->hdr_sz != sizeof(*hdr) || hdr->msg_vmpck != m.vmpck_id ||
	    hdr->msg_sz != len)
		return -EBADMSG;
	ret = crypt(false, hdr->msg_seqno, hdr, m.secret->payload, len,
		    hdr->authtag);
	if (!ret)
		memcpy(rsp, m.secret->payload, len);
	memzero_explicit(m.secret, sizeof(*m.secret));
	return ret;
}

/*
 * One exchange; m.lock held.  *certs_pages: in, the pages offered for an
 * extended request (0: a plain one); out, the pages the host needs when it
 * answered -ENOSPC (then the request was sent again as a plain one to use
 * up its sequence number, and the result is -ENOSPC).
 */
static int exchange(u8 type, const void *req, size_t req_len, void *rsp,
		    size_t rsp_len, unsigned int *certs_pages)
{
	u64 exit_code = SVM_VMGEXIT_GUEST_REQUEST, seqno;
	struct snp_guest_request_ioctl rio = { .msg_version = 1 };
	unsigned long start = jiffies;
	unsigned int needed = 0;
	int ret;

	lockdep_assert_held(&m.lock);
	if (!m.ready || vmpck_zero())
		return -EIO;
	seqno = next_seqno();
	if (!seqno)
		return -EIO;
	ret = enc_request(seqno, type, req, req_len);
	if (ret)
		return ret;
	memset(m.response, 0, sizeof(*m.response));
	memcpy(m.request, m.secret, sizeof(*m.secret));

	m.input.req_gpa = __pa(m.request);
	m.input.resp_gpa = __pa(m.response);
	if (certs_pages && *certs_pages) {
		exit_code = SVM_VMGEXIT_EXT_GUEST_REQUEST;
		m.input.data_gpa = __pa(m.certs);
		m.input.data_npages = *certs_pages;
		memset(m.certs, 0, HSM_SNP_CERTS_MAX);
	} else {
		m.input.data_gpa = 0;
		m.input.data_npages = 0;
	}
retry:
	ret = m.issue(exit_code, &m.input, &rio);
	switch (ret) {
	case -ENOSPC:
		/* Send it again without certificates to use up the seqno. */
		needed = m.input.data_npages;
		exit_code = SVM_VMGEXIT_GUEST_REQUEST;
		goto retry;
	case -EAGAIN:
		if (time_after(jiffies, start + RETRY_DURATION)) {
			ret = -ETIMEDOUT;
			break;
		}
		/*
		 * The request is out under its sequence number: leaving now
		 * would cost the VMPCK (the next one would reuse the number),
		 * so a killed caller finishes the exchange, but sleeps
		 * between tries rather than spinning on the host.
		 */
		if (fatal_signal_pending(current))
			schedule_timeout_uninterruptible(RETRY_DELAY);
		else
			schedule_timeout_killable(RETRY_DELAY);
		goto retry;
	}
	/* The encrypted request reached the host: never reuse its seqno. */
	*m.seqno += 2;
	if (ret) {
		pr_alert("snp: guest request failed: %d, exitinfo2 0x%llx\n",
			 ret, rio.exitinfo2);
		disable_vmpck();
		return ret;
	}
	ret = dec_response(seqno, type, rsp, rsp_len);
	if (ret) {
		pr_alert("snp: unexpected response from the PSP: %d\n", ret);
		disable_vmpck();
		return -EIO;
	}
	if (needed) {
		*certs_pages = needed;
		return -ENOSPC;
	}
	return 0;
}

int hsm_snp_get_report(const struct snp_report_req *req,
		       struct hsm_snp_report_rsp *rsp, u8 *certs,
		       size_t *certs_len)
{
	unsigned int pages = 0;
	int ret;

	if (certs)
		pages = clamp_t(unsigned int, DIV_ROUND_UP(*certs_len, PAGE_SIZE),
				1, CERT_PAGES);
	/* Waiting for another caller's exchange: a kill ends the wait. */
	if (mutex_lock_killable(&m.lock))
		return -EINTR;
	ret = exchange(HSM_SNP_MSG_REPORT_REQ, req, sizeof(*req), rsp,
		       sizeof(*rsp), certs ? &pages : NULL);
	/* The pages offered, or on -ENOSPC the pages the host needs. */
	if (certs && (!ret || ret == -ENOSPC))
		*certs_len = (size_t)pages << PAGE_SHIFT;
	if (!ret && certs)
		memcpy(certs, m.certs, *certs_len);
	mutex_unlock(&m.lock);
	return ret;
}

int hsm_snp_get_key(const struct snp_derived_key_req *req,
		    struct hsm_snp_key_rsp *rsp)
{
	int ret;

	if (mutex_lock_killable(&m.lock))
		return -EINTR;
	ret = exchange(HSM_SNP_MSG_KEY_REQ, req, sizeof(*req), rsp, sizeof(*rsp),
		       NULL);
	mutex_unlock(&m.lock);
	return ret;
}

/*
 * The simulator's new launch: fresh VMPCKs and sequence numbers in the
 * secrets page (done by relaunch, under m.lock), and our key from it.
 */
int hsm_snp_msg_relaunch(void (*relaunch)(void))
{
	int ret;

	mutex_lock(&m.lock);
	relaunch();
	ret = crypto_aead_setkey(m.tfm, m.vmpck, VMPCK_KEY_LEN);
	mutex_unlock(&m.lock);
	return ret;
}

bool hsm_snp_msg_ready(void)
{
	return m.ready;
}

int hsm_snp_msg_init(struct hsm_snp_secrets *secrets,
		     unsigned int vmpck_id, hsm_snp_issue_fn issue, bool shared)
{
	int ret = -ENOMEM;

	if (vmpck_id > 3)
		return -EINVAL;
	m.secrets = secrets;
	m.vmpck_id = vmpck_id;
	m.vmpck = secrets->vmpck0 + vmpck_id * VMPCK_KEY_LEN;
	m.seqno = &secrets->os_area.msg_seqno_0 + vmpck_id;
	m.issue = issue;
	m.shared = shared;
	if (vmpck_zero()) {
		pr_err("snp: VMPCK%u is disabled\n", vmpck_id);
		return -EINVAL;
	}
	m.request = alloc_shared(0);
	m.response = alloc_shared(0);
	m.certs = alloc_shared(get_order(HSM_SNP_CERTS_MAX));
	m.secret = kzalloc(sizeof(*m.secret), GFP_KERNEL);
	m.buf = kzalloc(HSM_SNP_MSG_BUF_LEN, GFP_KERNEL);
	if (!m.request || !m.response || !m.certs || !m.secret || !m.buf)
		goto err;
	m.tfm = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(m.tfm)) {
		ret = PTR_ERR(m.tfm);
		m.tfm = NULL;
		goto err;
	}
	ret = crypto_aead_setkey(m.tfm, m.vmpck, VMPCK_KEY_LEN) ?:
	      crypto_aead_setauthsize(m.tfm, HSM_SNP_AUTHTAG_LEN);
	if (ret)
		goto err;
	ret = -ENOMEM;
	m.req = aead_request_alloc(m.tfm, GFP_KERNEL);
	if (!m.req)
		goto err;
	m.ready = true;
	return 0;
err:
	hsm_snp_msg_exit();
	return ret;
}

void hsm_snp_msg_exit(void)
{
	m.ready = false;
	aead_request_free(m.req);
	m.req = NULL;
	if (m.tfm)
		crypto_free_aead(m.tfm);
	m.tfm = NULL;
	free_shared(m.request, 0);
	free_shared(m.response, 0);
	free_shared(m.certs, get_order(HSM_SNP_CERTS_MAX));
	m.request = m.response = NULL;
	m.certs = NULL;
	kfree_sensitive(m.secret);
	kfree_sensitive(m.buf);
	m.secret = NULL;
	m.buf = NULL;
}
