// SPDX-License-Identifier: GPL-2.0
/*
 * The platform commands: SNP_REPORT, SNP_EXT_REPORT, SNP_DERIVE_KEY and
 * SNP_SIM_SETUP, and the choice of backend at load.  Raw reports and keys
 * need platform rights (CAP_SYS_ADMIN or platform_group at open());
 * everyone else gets them bound to their uid (bind.c).
 */
#include <linux/cc_platform.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../alg.h"
#include "../cmdtab.h"
#include "../conn.h"
#include "../key.h"
#include "../shm.h"
#ifdef CONFIG_HSM_TESTING
#include "../sim/ecdsa.h"
#endif
#include "bind.h"
#include "msg.h"
#include "real.h"
#ifdef CONFIG_HSM_TESTING
#include "sim.h"
#endif
#include "snp.h"

static unsigned int vmpck_id;
module_param(vmpck_id, uint, 0444);
MODULE_PARM_DESC(vmpck_id, "VMPCK (0-3) the guest requests use (default 0)");

static enum hsm_backend backend = HSM_BACKEND_NONE;
static enum hsm_platform_path path = HSM_PATH_NONE;

/* GHCB certificate table entry. */
struct cert_entry {
	u8 guid[16];
	u32 offset;
	u32 length;
} __packed;

unsigned int hsm_snp_vmpck_id(void)
{
	return vmpck_id;
}

enum hsm_backend hsm_snp_backend(void)
{
	return backend;
}

enum hsm_platform_path hsm_snp_path(void)
{
	return path;
}

u64 hsm_snp_caps(void)
{
	if (backend == HSM_BACKEND_NONE || !hsm_snp_msg_ready())
		return 0;
	return HSM_PLAT_CAP_REPORT | HSM_PLAT_CAP_EXT_REPORT |
	       HSM_PLAT_CAP_DERIVED_KEY | HSM_PLAT_CAP_SEAL;
}

/* A firmware status other than success. */
static int fw_status(u32 status)
{
	if (!status)
		return 0;
	return status == HSM_SNP_FW_INVALID_PARAM ? -EINVAL : -EIO;
}

/*
 * The bytes of the table in use: up to its all-zero entry and the end of
 * the last certificate.  -EIO when the host's table does not fit its pages.
 */
static long table_len(const u8 *t, size_t cap)
{
	static const struct cert_entry zero;
	size_t used = 0, off;
	struct cert_entry e;

	for (off = 0; off + sizeof(e) <= cap; off += sizeof(e)) {
		memcpy(&e, t + off, sizeof(e));
		if (!memcmp(&e, &zero, sizeof(e)))
			return off ? max(used, off + sizeof(e)) : 0;
		if ((u64)e.offset + e.length > cap)
			return -EIO;
		used = max_t(size_t, used, (size_t)e.offset + e.length);
	}
	return -EIO;
}

/*
 * One report from the PSP, its status and size checked.  -ENOSPC as
 * hsm_snp_get_report(): the host's certificates need more room.
 */
static int get_report(const struct snp_report_req *req,
		      struct hsm_snp_report_rsp *rsp, u8 *certs,
		      size_t *certs_len)
{
	int ret = hsm_snp_get_report(req, rsp, certs, certs_len) ?:
		  fw_status(rsp->status);

	if (!ret && rsp->report_size < HSM_SNP_REPORT_SIZE)
		ret = -EIO;
	return ret;
}

static long report(struct hsm_conn *conn, const struct hsm_op *op, bool ext,
		   u64 *value)
{
	const struct hsm_shm *shm = &conn->shm;
	struct hsm_snp_report_params p;
	struct snp_report_req req = {};
	struct hsm_snp_report_rsp *rsp;
	size_t certs_len = 0;
	u8 *certs = NULL;
	long ret;

	if (op->params.len != sizeof(p) || op->handle)
		return -EINVAL;
	memcpy(&p, hsm_shm_ptr(shm, &op->params), sizeof(p));
	if (p.flags & ~HSM_SNP_REPORT_F_ALL ||
	    memchr_inv(p.reserved, 0, sizeof(p.reserved)) || p.vmpl > 3)
		return -EINVAL;
	/* Caller-chosen REPORT_DATA speaks for the whole VM. */
	if (p.flags & HSM_SNP_REPORT_F_RAW && !conn->who.platform)
		return -EPERM;
	if (op->out.len < HSM_SNP_REPORT_SIZE)
		return -EOVERFLOW;
	if (p.flags & HSM_SNP_REPORT_F_RAW)
		memcpy(req.user_data, p.report_data, sizeof(req.user_data));
	else if (hsm_snp_bind_report(conn->who.uid, p.report_data,
				     req.user_data))
		return -ENOMEM;
	req.vmpl = p.vmpl;

	rsp = kzalloc(sizeof(*rsp), GFP_KERNEL);
	if (!rsp)
		return -ENOMEM;
	if (ext) {
		certs_len = min_t(size_t, op->tag.len, HSM_SNP_CERTS_MAX);
		certs = kzalloc(HSM_SNP_CERTS_MAX, GFP_KERNEL);
		if (!certs) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = get_report(&req, rsp, certs, &certs_len);
	if (ret == -ENOSPC) {
		/* The host's table needs more pages than tag offers. */
		*value = certs_len;
		ret = -EOVERFLOW;
		goto out;
	}
	if (ret)
		goto out;
	if (ext) {
		ret = table_len(certs, certs_len);
		if (ret < 0)
			goto out;
		if (ret > op->tag.len) {
			*value = ret;
			ret = -EOVERFLOW;
			goto out;
		}
		memcpy(hsm_shm_ptr(shm, &op->tag), certs, ret);
	} else {
		ret = HSM_SNP_REPORT_SIZE;
	}
	memcpy(hsm_shm_ptr(shm, &op->out), rsp->report, HSM_SNP_REPORT_SIZE);
out:
	kfree(certs);
	kfree(rsp);
	return ret;
}

/* The key to create: a 32-byte key of an algorithm that takes one. */
static int key_params(const struct hsm_key_params *p, u32 snp_flags,
		      const struct hsm_alg **alg)
{
	if (memchr_inv(p->reserved, 0, sizeof(p->reserved)) ||
	    !memchr(p->alg, 0, sizeof(p->alg)))
		return -EINVAL;
	*alg = hsm_alg_find(p->alg);
	if (!*alg)
		return -EOPNOTSUPP;
	/* The rules every new key obeys (hsm_key_create() checks them too). */
	if (!(*alg)->key_max || hsm_alg_check_attrs(*alg, p->perms, p->flags) ||
	    (p->key_len && p->key_len != HSM_SNP_DERIVED_KEY) ||
	    (*alg)->key_min > HSM_SNP_DERIVED_KEY ||
	    (*alg)->key_max < HSM_SNP_DERIVED_KEY)
		return -EINVAL;
	/* Exportable only when asked for twice. */
	if (p->flags & HSM_KEY_F_EXPORTABLE &&
	    !(snp_flags & HSM_SNP_KEY_F_ALLOW_EXPORT))
		return -EPERM;
	return 0;
}

static int derive(const struct snp_derived_key_req *req,
		  u8 key[HSM_SNP_DERIVED_KEY])
{
	struct hsm_snp_key_rsp *rsp;
	int ret;

	rsp = kzalloc(sizeof(*rsp), GFP_KERNEL);
	if (!rsp)
		return -ENOMEM;
	ret = hsm_snp_get_key(req, rsp) ?: fw_status(rsp->status);
	if (!ret)
		memcpy(key, rsp->key, HSM_SNP_DERIVED_KEY);
	kfree_sensitive(rsp);
	return ret;
}

/* The PSP's request that derives the sealing root (hsm_snp_seal_key()). */
static void seal_req(struct snp_derived_key_req *req)
{
	memset(req, 0, sizeof(*req));
	req->root_key_select = 0;
	req->guest_field_select = HSM_SNP_GFS_POLICY | HSM_SNP_GFS_MEASUREMENT;
	req->vmpl = vmpck_id;
}

/*
 * Would the PSP derive the same key for a and b?  The guest SVN and the
 * TCB version are mixed in only when their field-select bits are set.
 */
static bool same_key(const struct snp_derived_key_req *a,
		     const struct snp_derived_key_req *b)
{
	u64 gfs = a->guest_field_select;

	return a->root_key_select == b->root_key_select &&
	       a->vmpl == b->vmpl && gfs == b->guest_field_select &&
	       (!(gfs & HSM_SNP_GFS_GUEST_SVN) || a->guest_svn == b->guest_svn) &&
	       (!(gfs & HSM_SNP_GFS_TCB_VERSION) ||
		a->tcb_version == b->tcb_version);
}

/*
 * The request a caller may make: EPERM for a raw key without platform
 * rights, or for any request the PSP answers with the sealing root, which
 * only the module asks for, so that no caller ever holds the key every
 * sealed slot is under.
 */
static int user_req(const struct hsm_conn *conn,
		    const struct hsm_snp_key_params *p,
		    struct snp_derived_key_req *req)
{
	struct snp_derived_key_req seal;

	if (p->flags & ~HSM_SNP_KEY_F_ALL ||
	    memchr_inv(p->reserved, 0, sizeof(p->reserved)) ||
	    p->root_key_select > 1 || p->vmpl > 3 ||
	    p->guest_field_select & ~HSM_SNP_GFS_ALL)
		return -EINVAL;
	memset(req, 0, sizeof(*req));
	req->root_key_select = p->root_key_select;
	req->guest_field_select = p->guest_field_select;
	req->vmpl = p->vmpl;
	req->guest_svn = p->guest_svn;
	req->tcb_version = p->tcb_version;
	if (!(p->flags & HSM_SNP_KEY_F_RAW))
		return 0;
	if (!conn->who.platform)
		return -EPERM;
	seal_req(&seal);
	return same_key(req, &seal) ? -EPERM : 0;
}

/*
 * SNP_DERIVE_KEY: the PSP's key for the caller's parameters, bound to the
 * caller and the purpose label in `in` unless a raw key is asked for.
 */
static long derive_key(struct hsm_conn *conn, const struct hsm_op *op,
		       u64 *id)
{
	const struct hsm_shm *shm = &conn->shm;
	struct snp_derived_key_req req;
	struct hsm_snp_key_params p;
	u8 derived[HSM_SNP_DERIVED_KEY], material[HSM_SNP_DERIVED_KEY];
	u8 label[HSM_SNP_LABEL_MAX];
	const struct hsm_alg *alg;
	struct hsm_key *key;
	u32 label_len = op->in.len;
	int ret;

	if (op->params.len != sizeof(p) || op->handle ||
	    label_len > sizeof(label))
		return -EINVAL;
	memcpy(&p, hsm_shm_ptr(shm, &op->params), sizeof(p));
	memcpy(label, hsm_shm_ptr(shm, &op->in), label_len);
	ret = user_req(conn, &p, &req);
	if (ret)
		return ret;
	if (p.flags & HSM_SNP_KEY_F_RAW && label_len)
		return -EINVAL;
	ret = key_params(&p.key, p.flags, &alg);
	if (ret)
		return ret;
	ret = derive(&req, derived);
	if (ret)
		goto out;
	if (p.flags & HSM_SNP_KEY_F_RAW)
		memcpy(material, derived, sizeof(material));
	else
		ret = hsm_snp_bind_key(conn->who.uid, label, label_len, &p.key,
				       derived, material);
	if (ret)
		goto out;
	key = hsm_key_create(alg, material, sizeof(material), p.key.perms,
			     p.key.flags);
	if (IS_ERR(key)) {
		ret = PTR_ERR(key);
		goto out;
	}
	ret = hsm_key_publish(&conn->res, key, id);
out:
	memzero_explicit(derived, sizeof(derived));
	memzero_explicit(material, sizeof(material));
	return ret;
}

int hsm_snp_seal_key(u8 key[HSM_SNP_DERIVED_KEY])
{
	struct snp_derived_key_req req;

	if (!hsm_snp_caps())
		return -EOPNOTSUPP;
	seal_req(&req);
	return derive(&req, key);
}

#ifdef CONFIG_HSM_TESTING
/* Off SEV-SNP, a test build answers through the simulated PSP (sim.c). */
static int sim_start(void)
{
	struct hsm_snp_secrets *secrets;
	int ret;

	ret = hsm_snp_sim_init(&secrets);
	if (ret)
		return ret;
	ret = hsm_snp_msg_init(secrets, vmpck_id, hsm_snp_sim_issue, false);
	if (ret) {
		hsm_snp_sim_exit();
		return ret;
	}
	backend = HSM_BACKEND_SIMULATED;
	path = HSM_PATH_SIMULATED;
	pr_info("snp: simulated PSP (not a TEE), VMPCK%u\n", vmpck_id);
	return 0;
}

static void sim_stop(void)
{
	hsm_snp_msg_exit();
	hsm_snp_sim_exit();
}

static long sim_setup(struct hsm_conn *conn, const struct hsm_op *op)
{
	const struct hsm_shm *shm = &conn->shm;
	struct hsm_snp_sim_params p;
	u8 *certs = NULL;
	long ret;

	if (backend != HSM_BACKEND_SIMULATED)
		return -EOPNOTSUPP;
	/* CAP_SYS_ADMIN only: the command is HSM_CMD_PRIV. */
	if (op->params.len != sizeof(p) || op->handle ||
	    op->in.len > HSM_SNP_CERTS_MAX)
		return -EINVAL;
	memcpy(&p, hsm_shm_ptr(shm, &op->params), sizeof(p));
	ret = -EINVAL;
	if (p.flags & ~HSM_SNP_SIM_F_ALL || p.reserved0 ||
	    memchr_inv(p.reserved, 0, sizeof(p.reserved)))
		goto out;
	if (p.flags & HSM_SNP_SIM_F_VCEK ? !hsm_sim_ecdsa_key_valid(HSM_SIM_P384, p.vcek_priv) :
	    !!memchr_inv(p.vcek_priv, 0, sizeof(p.vcek_priv)))
		goto out;
	/*
	 * The table is checked in a copy, as the simulator will keep it: the
	 * caller may rewrite the region between a check there and the copy.
	 */
	if (op->in.len) {
		certs = kvmalloc(op->in.len, GFP_KERNEL | __GFP_NOWARN);
		ret = -ENOMEM;
		if (!certs)
			goto out;
		memcpy(certs, hsm_shm_ptr(shm, &op->in), op->in.len);
		ret = table_len(certs, op->in.len);
		if (ret <= 0) {
			ret = -EINVAL;
			goto out;
		}
	}
	ret = hsm_snp_sim_setup(&p, &certs, op->in.len);
	if (!ret && p.flags & HSM_SNP_SIM_F_RELAUNCH)
		ret = hsm_snp_msg_relaunch(hsm_snp_sim_relaunch);
out:
	kvfree(certs);
	memzero_explicit(&p, sizeof(p));
	return ret;
}

/* SNP_SIM_SETUP, a test hook (HSM_CMD_TEST). */
long hsm_snp_setup_sim(struct hsm_call *c)
{
	return sim_setup(c->conn, c->op);
}
#else
/* A production module carries no simulator: off SEV-SNP, no requests. */
static int sim_start(void)
{
	pr_info("snp: not an SEV-SNP guest: guest requests not offered\n");
	return 0;
}

static void sim_stop(void)
{
}
#endif

/*
 * A report whose REPORT_DATA is data as given: KEY_ATTEST's, which the
 * module wrote itself (attest.c).  report is HSM_SNP_REPORT_SIZE bytes.
 */
int hsm_snp_report_of(const u8 data[HSM_SNP_REPORT_DATA], u32 vmpl,
		      u8 *report)
{
	struct snp_report_req req = { .vmpl = vmpl };
	struct hsm_snp_report_rsp *rsp;
	int ret;

	memcpy(req.user_data, data, sizeof(req.user_data));
	rsp = kzalloc(sizeof(*rsp), GFP_KERNEL);
	if (!rsp)
		return -ENOMEM;
	ret = get_report(&req, rsp, NULL, NULL);
	if (!ret)
		memcpy(report, rsp->report, HSM_SNP_REPORT_SIZE);
	kfree(rsp);
	return ret;
}

long hsm_snp_report(struct hsm_call *c)
{
	return hsm_snp_caps() ? report(c->conn, c->op, false, &c->value) :
	       -EOPNOTSUPP;
}

long hsm_snp_ext_report(struct hsm_call *c)
{
	return hsm_snp_caps() ? report(c->conn, c->op, true, &c->value) :
	       -EOPNOTSUPP;
}

long hsm_snp_derive_key(struct hsm_call *c)
{
	return hsm_snp_caps() ? derive_key(c->conn, c->op, &c->value) :
	       -EOPNOTSUPP;
}

int hsm_snp_init(void)
{
	int ret;

	if (vmpck_id > 3) {
		pr_err("vmpck_id must be 0..3\n");
		return -EINVAL;
	}
	if (cc_platform_has(CC_ATTR_GUEST_SEV_SNP)) {
		/*
		 * A real PSP we cannot use is not replaced by the simulator:
		 * the module loads without guest requests and says so.
		 */
		ret = hsm_snp_real_init();
		if (ret) {
			/* Another driver holds the VMPCK, or we cannot. */
			path = ret == -EBUSY ? HSM_PATH_TAKEN :
					       HSM_PATH_UNSUPPORTED;
			pr_warn("snp: SEV-SNP guest requests not offered\n");
			return 0;
		}
		backend = HSM_BACKEND_REAL;
		path = HSM_PATH_OWN_VMPCK;
		pr_info("snp: SEV-SNP PSP, VMPCK%u\n", vmpck_id);
		return 0;
	}
	return sim_start();
}

void hsm_snp_exit(void)
{
	if (backend == HSM_BACKEND_REAL) {
		hsm_snp_real_exit();	/* its remove() ends the message layer */
	} else if (backend == HSM_BACKEND_SIMULATED) {
		sim_stop();
	}
	backend = HSM_BACKEND_NONE;
	path = HSM_PATH_NONE;
}
