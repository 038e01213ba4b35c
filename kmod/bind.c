// SPDX-License-Identifier: GPL-2.0
/*
 * What callers without platform rights put in an attestation report: not
 * their 64 bytes, but a one-way function of them and of who asked, under
 * a label each platform's reports use alone.  A bound report cannot speak
 * for another user of the VM (docs/threat-model.md, "Platform requests");
 * a relying party recomputes the bound data from the uid and the 64 bytes
 * the caller sent it.
 */
#include <crypto/sha2.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/uio.h>

#include "bind.h"
#include "crypto/hash.h"

/*
 * out = SHA-512(label || 0x00 || le32 uid || data[64]), the uid as seen
 * from the initial user namespace.
 */
int hsm_bind_report_data(const char *label, kuid_t uid,
			 const u8 data[HSM_BIND_REPORT_DATA],
			 u8 out[HSM_BIND_REPORT_DATA])
{
	__le32 id = cpu_to_le32(from_kuid(&init_user_ns, uid));
	const struct kvec parts[] = {
		{ (void *)label, strlen(label) + 1 },
		{ &id, sizeof(id) },
		{ (void *)data, HSM_BIND_REPORT_DATA },
	};

	BUILD_BUG_ON(SHA512_DIGEST_SIZE != HSM_BIND_REPORT_DATA);
	return hsm_crypto_digest_parts("sha512", NULL, 0, parts,
				       ARRAY_SIZE(parts), out);
}
