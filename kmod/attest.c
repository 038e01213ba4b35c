// SPDX-License-Identifier: GPL-2.0
/*
 * KEY_ATTEST: the platform's word that a key pair lives in this module.
 * The module writes a statement of the key (its public key, algorithm,
 * permissions and flags, the caller's uid and nonce) and asks the
 * platform for evidence whose report data is SHA-512 of that statement:
 * an SEV-SNP report or a TDX quote.  The caller chooses only the nonce,
 * and the statement's magic is unlike the label every bound report's
 * data is hashed under, so no caller can make a statement's digest out
 * of a bound report, nor a statement out of anything but a key it holds
 * (docs/threat-model.md, "Key attestation").
 */
#include <crypto/sha2.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/uio.h>

#include "alg.h"
#include "asym/asym.h"
#include "attest.h"
#include "cmdtab.h"
#include "conn.h"
#include "crypto/hash.h"
#include "key.h"
#include "shm.h"
#include "snp/snp.h"
#include "tdx/tdx.h"

static_assert(sizeof(struct hsm_key_statement) == 176);
static_assert(SHA512_DIGEST_SIZE == HSM_SNP_REPORT_DATA);
static_assert(SHA512_DIGEST_SIZE == HSM_TDX_REPORT_DATA);

static int attest_params(const struct hsm_call *c,
			 struct hsm_key_attest_params *p)
{
	const struct hsm_op *op = c->op;

	if (op->params.len != sizeof(*p) || op->flags)
		return -EINVAL;
	memcpy(p, hsm_shm_ptr(&c->conn->shm, &op->params), sizeof(*p));
	if (memchr_inv(p->reserved, 0, sizeof(p->reserved)))
		return -EINVAL;
	/* Whose evidence: the one asked for, or the first the module has. */
	if (!p->platform)
		p->platform = hsm_snp_caps() & HSM_PLAT_CAP_REPORT ?
			      HSM_PLATFORM_SEV_SNP : HSM_PLATFORM_TDX;
	switch (p->platform) {
	case HSM_PLATFORM_SEV_SNP:
		if (!(hsm_snp_caps() & HSM_PLAT_CAP_REPORT))
			return -EOPNOTSUPP;
		return p->vmpl > 3 ? -EINVAL : 0;
	case HSM_PLATFORM_TDX:
		if (!(hsm_tdx_caps() & HSM_PLAT_CAP_TDX_QUOTE))
			return -EOPNOTSUPP;
		return p->vmpl ? -EINVAL : 0;
	}
	return -EINVAL;
}

/* The statement of c's key for p, kmalloc'ed; its length in *len. */
static struct hsm_key_statement *statement(const struct hsm_call *c,
					   const struct hsm_key_attest_params *p,
					   u32 *len)
{
	const struct hsm_key *key = c->key;
	struct hsm_key_statement *st;
	u32 spki_len;
	const u8 *spki = hsm_asym_spki(key, &spki_len);

	*len = sizeof(*st) + spki_len;
	st = kzalloc(*len, GFP_KERNEL);
	if (!st)
		return NULL;
	strscpy_pad(st->magic, HSM_KEY_STATEMENT_MAGIC, sizeof(st->magic));
	st->uid = cpu_to_le32(from_kuid(&init_user_ns, c->conn->who.uid));
	st->platform = cpu_to_le32(p->platform);
	strscpy_pad(st->alg, key->alg->name, sizeof(st->alg));
	st->perms = cpu_to_le64(key->perms);
	st->flags = cpu_to_le32(key->flags);
	st->spki_len = cpu_to_le32(spki_len);
	memcpy(st->nonce, p->nonce, sizeof(st->nonce));
	memcpy(st + 1, spki, spki_len);
	return st;
}

/* The evidence for report data rd: kvmalloc'ed in *ev; its length. */
static long evidence(const struct hsm_key_attest_params *p,
		     const u8 rd[SHA512_DIGEST_SIZE], u8 **ev)
{
	long ret;

	if (p->platform == HSM_PLATFORM_TDX)
		return hsm_tdx_quote_of(rd, ev);
	*ev = kvmalloc(HSM_SNP_REPORT_SIZE, GFP_KERNEL);
	if (!*ev)
		return -ENOMEM;
	ret = hsm_snp_report_of(rd, p->vmpl, *ev);
	return ret ?: HSM_SNP_REPORT_SIZE;
}

long hsm_key_attest(struct hsm_call *c)
{
	const struct hsm_op *op = c->op;
	const struct hsm_shm *shm = &c->conn->shm;
	struct hsm_key_attest_params p;
	struct hsm_key_statement *st;
	u8 rd[SHA512_DIGEST_SIZE];
	struct kvec part;
	u8 *ev = NULL;
	long ret, ev_len;
	u32 len;

	if (c->key->public_only)
		return -EINVAL;
	ret = attest_params(c, &p);
	if (ret)
		return ret;
	st = statement(c, &p, &len);
	if (!st)
		return -ENOMEM;
	part = (struct kvec){ st, len };
	ret = hsm_crypto_digest_parts("sha512", NULL, 0, &part, 1, rd);
	if (ret)
		goto out;
	ev_len = evidence(&p, rd, &ev);
	if (ev_len < 0) {
		ret = ev_len;
		goto out;
	}
	c->value = ev_len;
	if (len > op->out.len || ev_len > op->tag.len) {
		ret = -EOVERFLOW;
		goto out;
	}
	memcpy(hsm_shm_ptr(shm, &op->out), st, len);
	memcpy(hsm_shm_ptr(shm, &op->tag), ev, ev_len);
	ret = len;
out:
	kvfree(ev);
	kfree(st);
	return ret;
}
