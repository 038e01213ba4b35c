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
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/err.h>
#include <linux/string.h>
#include <linux/uidgid.h>

#include "snp.h"

static const char report_label[] = "hsm snp user report v1";
static const char key_label[] = "hsm snp user key v1";

/*
 * REPORT_DATA = SHA-512(report_label || 0x00 || le32 uid || data[64]),
 * the uid as seen from the initial user namespace.
 */
int hsm_snp_bind_report(kuid_t uid, const u8 data[HSM_SNP_REPORT_DATA],
			u8 out[HSM_SNP_REPORT_DATA])
{
	__le32 id = cpu_to_le32(from_kuid(&init_user_ns, uid));
	struct crypto_shash *tfm;
	int ret;

	BUILD_BUG_ON(SHA512_DIGEST_SIZE != HSM_SNP_REPORT_DATA);
	tfm = crypto_alloc_shash("sha512", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	{
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		ret = crypto_shash_init(desc) ?:
		      crypto_shash_update(desc, report_label, sizeof(report_label)) ?:
		      crypto_shash_update(desc, (u8 *)&id, sizeof(id)) ?:
		      crypto_shash_finup(desc, data, HSM_SNP_REPORT_DATA, out);
		shash_desc_zero(desc);
	}
	crypto_free_shash(tfm);
	return ret;
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
	struct crypto_shash *tfm;
	int ret;

	BUILD_BUG_ON(SHA256_DIGEST_SIZE != HSM_SNP_DERIVED_KEY);
	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ret = crypto_shash_setkey(tfm, derived, HSM_SNP_DERIVED_KEY);
	if (!ret) {
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		ret = crypto_shash_init(desc) ?:
		      crypto_shash_update(desc, key_label, sizeof(key_label)) ?:
		      crypto_shash_update(desc, (u8 *)head, sizeof(head)) ?:
		      crypto_shash_update(desc, label, len) ?:
		      crypto_shash_update(desc, key->alg, sizeof(key->alg)) ?:
		      crypto_shash_finup(desc, (u8 *)&perms, sizeof(perms), out);
		shash_desc_zero(desc);
	}
	crypto_free_shash(tfm);	/* kfree_sensitive: the key goes with it */
	return ret;
}
