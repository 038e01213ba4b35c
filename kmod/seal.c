// SPDX-License-Identifier: GPL-2.0
/*
 * Sealed slots: a slot's key as a blob that only a VM of the same
 * measurement and policy can open.  The sealing key is HMAC-SHA-256 of the
 * platform's derived key (VCEK root, guest field select = policy and
 * measurement) over a fixed label; the blob is AES-256-GCM under it, with
 * the slot's metadata as associated data: its name, namespace and owner,
 * so that a blob restores only as the slot it was, for whom it was.
 *
 * Blob: struct seal_hdr (the associated data), then the ciphertext of the
 * key material (hdr.key_len bytes), then the 16-byte tag.
 */
#include <crypto/aead.h>
#include <linux/err.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>

#include "alg.h"
#include "conn.h"
#include "crypto/hash.h"
#include "crypto/rng.h"
#include "key.h"
#include "seal.h"
#include "shm.h"
#include "snp/snp.h"

#define SEAL_MAGIC	"HSMSEAL1"
#define SEAL_VERSION	2
#define SEAL_TAG_LEN	16
#define SEAL_NONCE_LEN	12

struct seal_hdr {
	char magic[8];
	__le32 version;
	__le32 key_len;
	char name[HSM_ALG_NAME_LEN];
	char alg[HSM_ALG_NAME_LEN];
	__le64 perms;
	__le32 flags;		/* the key's HSM_KEY_F_* */
	__le32 slot_flags;	/* HSM_SLOT_F_* */
	u8 nonce[SEAL_NONCE_LEN];
	__le32 owner;		/* uid, or the slot group's gid */
} __packed;

/* The longest key a slot holds ("secret"), and so the longest blob. */
#define SEAL_KEY_MAX	HSM_SECRET_MAX
#define SEAL_BLOB_MAX	(sizeof(struct seal_hdr) + SEAL_KEY_MAX + SEAL_TAG_LEN)

/*
 * The sealing key: HMAC-SHA-256 of the platform's sealing root over a
 * label.  No caller can ask the PSP for the root (snp/req.c refuses its
 * request raw, and bound keys are HMACs under other labels), so only the
 * module ever holds this key.
 */
static int seal_tfm(struct crypto_aead **tfm)
{
	static const char label[] = "hsm sealed slot v2";
	const struct kvec part = { (void *)label, sizeof(label) };
	u8 derived[HSM_SNP_DERIVED_KEY], key[32];
	int ret;

	ret = hsm_snp_seal_key(derived) ?:
	      hsm_crypto_digest_parts("hmac(sha256)", derived, sizeof(derived),
				      &part, 1, key);
	if (ret)
		goto out;
	*tfm = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(*tfm)) {
		ret = PTR_ERR(*tfm);
		goto out;
	}
	ret = crypto_aead_setkey(*tfm, key, sizeof(key)) ?:
	      crypto_aead_setauthsize(*tfm, SEAL_TAG_LEN);
	if (ret)
		crypto_free_aead(*tfm);
out:
	memzero_explicit(derived, sizeof(derived));
	memzero_explicit(key, sizeof(key));
	return ret;
}

/*
 * buf = hdr || data || tag, kmalloc()ed (a scatterlist entry needs memory
 * with a linear map); en- or decrypt data in place.
 */
static int seal_crypt(bool enc, u8 *buf, u32 len)
{
	const struct seal_hdr *hdr = (const void *)buf;
	struct crypto_aead *tfm;
	struct aead_request *req;
	struct scatterlist sg;
	DECLARE_CRYPTO_WAIT(wait);
	u8 iv[SEAL_NONCE_LEN];
	int ret;

	ret = seal_tfm(&tfm);
	if (ret)
		return ret;
	memcpy(iv, hdr->nonce, sizeof(iv));
	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!req) {
		crypto_free_aead(tfm);
		return -ENOMEM;
	}
	sg_init_one(&sg, buf, sizeof(*hdr) + len + SEAL_TAG_LEN);
	aead_request_set_callback(req, 0, crypto_req_done, &wait);
	aead_request_set_ad(req, sizeof(*hdr));
	aead_request_set_crypt(req, &sg, &sg, enc ? len : len + SEAL_TAG_LEN, iv);
	ret = crypto_wait_req(enc ? crypto_aead_encrypt(req) :
			      crypto_aead_decrypt(req), &wait);
	aead_request_free(req);
	crypto_free_aead(tfm);
	return ret;
}

long hsm_seal_key(struct hsm_conn *conn, const struct hsm_op *op,
		  const struct hsm_slot_params *p, u32 owner,
		  const struct hsm_key *key, u64 *value)
{
	const struct hsm_shm *shm = &conn->shm;
	struct seal_hdr *hdr;
	size_t total = sizeof(*hdr) + key->len + SEAL_TAG_LEN;
	u8 *buf;
	int ret;

	if (op->out.len < total) {
		*value = total;
		return -EOVERFLOW;
	}
	buf = kzalloc(total, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	hdr = (void *)buf;
	memcpy(hdr->magic, SEAL_MAGIC, sizeof(hdr->magic));
	hdr->version = cpu_to_le32(SEAL_VERSION);
	hdr->key_len = cpu_to_le32(key->len);
	strscpy(hdr->name, p->name, sizeof(hdr->name));
	strscpy(hdr->alg, key->alg->name, sizeof(hdr->alg));
	hdr->perms = cpu_to_le64(key->perms);
	hdr->flags = cpu_to_le32(key->flags);
	hdr->slot_flags = cpu_to_le32(p->flags);
	hdr->owner = cpu_to_le32(owner);
	ret = hsm_crypto_random(hdr->nonce, sizeof(hdr->nonce));
	if (ret)
		goto out;
	memcpy(buf + sizeof(*hdr), key->material, key->len);
	ret = seal_crypt(true, buf, key->len);
	if (ret)
		goto out;
	memcpy(hsm_shm_ptr(shm, &op->out), buf, total);
	ret = total;
out:
	kfree_sensitive(buf);
	return ret;
}

/*
 * The header of a blob of len bytes, checked before decryption: EINVAL
 * for what this module never seals; EBADMSG for a blob sealed for another
 * slot; EPERM for one sealed for another owner.
 */
static int check_hdr(const struct seal_hdr *hdr, u32 len,
		     const struct hsm_slot_params *p, u32 owner)
{
	u32 key_len = le32_to_cpu(hdr->key_len);

	if (memcmp(hdr->magic, SEAL_MAGIC, sizeof(hdr->magic)) ||
	    le32_to_cpu(hdr->version) != SEAL_VERSION || !key_len ||
	    key_len > SEAL_KEY_MAX ||
	    len != sizeof(*hdr) + key_len + SEAL_TAG_LEN ||
	    !memchr(hdr->name, 0, sizeof(hdr->name)) ||
	    !memchr(hdr->alg, 0, sizeof(hdr->alg)))
		return -EINVAL;
	if (strcmp(hdr->name, p->name) ||
	    le32_to_cpu(hdr->slot_flags) != p->flags)
		return -EBADMSG;
	if (le32_to_cpu(hdr->owner) != owner)
		return -EPERM;
	return 0;
}

/*
 * SLOT_UNSEAL: the blob is copied out of the shared region once, and
 * everything (the checks, the associated data, the key's attributes) comes
 * from that copy: a thread rewriting the region meanwhile changes nothing.
 */
struct hsm_key *hsm_unseal_key(struct hsm_conn *conn, const struct hsm_op *op,
			       const struct hsm_slot_params *p, u32 owner)
{
	const struct hsm_shm *shm = &conn->shm;
	const struct seal_hdr *hdr;
	const struct hsm_alg *alg;
	struct hsm_key *key;
	u32 len = op->in.len;
	u8 *buf;
	int ret;

	if (len < sizeof(*hdr) || len > SEAL_BLOB_MAX)
		return ERR_PTR(-EINVAL);
	buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	memcpy(buf, hsm_shm_ptr(shm, &op->in), len);
	hdr = (const void *)buf;
	ret = check_hdr(hdr, len, p, owner) ?:
	      seal_crypt(false, buf, le32_to_cpu(hdr->key_len));
	if (ret) {
		/* Another measurement or policy, or altered: the tag fails. */
		key = ERR_PTR(ret);
		goto out;
	}
	/* Authentic, so sealed by this module; the key rules still apply. */
	alg = hsm_alg_find(hdr->alg);
	key = alg ? hsm_key_create(alg, buf + sizeof(*hdr),
				   le32_to_cpu(hdr->key_len),
				   le64_to_cpu(hdr->perms),
				   le32_to_cpu(hdr->flags)) :
		    ERR_PTR(-EINVAL);
out:
	kfree_sensitive(buf);
	return key;
}
