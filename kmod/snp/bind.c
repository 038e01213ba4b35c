// SPDX-License-Identifier: GPL-2.0
/*
 * What callers without platform rights get from the PSP: reports and keys
 * bound to who asked.  A bound report cannot speak for another user of the
 * VM, and a bound key is no other user's key, nor the sealing root: both
 * are one-way functions of the caller's uid and what it asked for, under
 * labels no other path of the module uses (docs/threat-model.md,
 * "Platform requests").  A relying party recomputes a bound REPORT_DATA
 * from the uid and the 64 bytes the caller sent it.
 */
#include <crypto/sha2.h>
#include <linux/kernel.h>
#include <linux/uidgid.h>
#include <linux/uio.h>

#include "../bind.h"
#include "../crypto/hash.h"
#include "bind.h"

static const char report_label[] = "hsm snp user report v1";
static const char key_label[] = "hsm snp user key v1";

/* REPORT_DATA for an SNP report (../bind.c says how). */
int hsm_snp_bind_report(kuid_t uid, const u8 data[HSM_SNP_REPORT_DATA],
			u8 out[HSM_SNP_REPORT_DATA])
{
	BUILD_BUG_ON(HSM_SNP_REPORT_DATA != HSM_BIND_REPORT_DATA);
	return hsm_bind_report_data(report_label, uid, data, out);
}

/*
 * key = HMAC-SHA-256(derived, key_label || 0x00 || le32 uid ||
 * le32 len || label[len] || alg[64] || le64 perms): the PSP's key for
 * these parameters, narrowed to this user, purpose and use.  The use is
 * in it so that one request cannot put the same material into two keys
 * of different roles (a wrapping key and a decrypting one, say).
 */
int hsm_snp_bind_key(kuid_t uid, const u8 *label, u32 len,
		     const struct hsm_key_params *key,
		     const u8 derived[HSM_SNP_DERIVED_KEY],
		     u8 out[HSM_SNP_DERIVED_KEY])
{
	__le32 head[2] = { cpu_to_le32(from_kuid(&init_user_ns, uid)),
			   cpu_to_le32(len) };
	__le64 perms = cpu_to_le64(key->perms);
	const struct kvec parts[] = {
		{ (void *)key_label, sizeof(key_label) },
		{ head, sizeof(head) },
		{ (void *)label, len },
		{ (void *)key->alg, sizeof(key->alg) },
		{ &perms, sizeof(perms) },
	};

	BUILD_BUG_ON(SHA256_DIGEST_SIZE != HSM_SNP_DERIVED_KEY);
	return hsm_crypto_digest_parts("hmac(sha256)", derived,
				       HSM_SNP_DERIVED_KEY, parts,
				       ARRAY_SIZE(parts), out);
}
