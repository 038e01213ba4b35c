// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer self-test: one published vector per algorithm family,
 * run through the module's own paths (a private vmalloc region standing in
 * for a connection's, the same scatterlists, keys and transforms), at load
 * and on HSM_IOC_SELFTEST.  A failure keeps the module from loading.
 */
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "alg.h"
#include "crypto.h"
#include "key.h"
#include "selftest.h"
#include "shm.h"

enum kat_kind { HASH, MAC, AEAD, CIPHER, KDF, AGREE };

struct kat {
	enum kat_kind kind;
	const char *alg;
	const char *key, *iv, *aad, *in, *exp;	/* hex */
};

#define KAT(k, a, key, iv, aad, in, exp) { k, a, key, iv, aad, in, exp }

static const struct kat kats[] = {
/*
 * Inputs as published by the source named in each row; every expected
 * output was checked against the published value or pyca/cryptography.
 */
	KAT(HASH, "sha-256", /* FIPS 180-4 / FIPS 202 example "abc" */
	    "",
	    "",
	    "",
	    "616263",
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
	KAT(HASH, "sha-384", /* FIPS 180-4 / FIPS 202 example "abc" */
	    "",
	    "",
	    "",
	    "616263",
	    "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
	KAT(HASH, "sha-512", /* FIPS 180-4 / FIPS 202 example "abc" */
	    "",
	    "",
	    "",
	    "616263",
	    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
	KAT(HASH, "sha3-256", /* FIPS 180-4 / FIPS 202 example "abc" */
	    "",
	    "",
	    "",
	    "616263",
	    "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"),
	KAT(HASH, "sha3-384", /* FIPS 180-4 / FIPS 202 example "abc" */
	    "",
	    "",
	    "",
	    "616263",
	    "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25"),
	KAT(HASH, "sha3-512", /* FIPS 180-4 / FIPS 202 example "abc" */
	    "",
	    "",
	    "",
	    "616263",
	    "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0"),
	KAT(MAC, "hmac-sha-256", /* RFC 4231 test case 1 */
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    "",
	    "",
	    "4869205468657265",
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
	KAT(MAC, "hmac-sha-384", /* RFC 4231 test case 1 */
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    "",
	    "",
	    "4869205468657265",
	    "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"),
	KAT(MAC, "hmac-sha-512", /* RFC 4231 test case 1 */
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    "",
	    "",
	    "4869205468657265",
	    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"),
	KAT(MAC, "aes-128-cmac", /* RFC 4493 example 2 */
	    "2b7e151628aed2a6abf7158809cf4f3c",
	    "",
	    "",
	    "6bc1bee22e409f96e93d7e117393172a",
	    "070a16b46b4d4144f79bdd9dd04a287c"),
	KAT(AEAD, "aes-128-gcm", /* GCM specification test case 2 */
	    "00000000000000000000000000000000",
	    "000000000000000000000000",
	    "",
	    "00000000000000000000000000000000",
	    "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf"),
	KAT(AEAD, "chacha20-poly1305", /* RFC 8439 section 2.8.2 */
	    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	    "070000004041424344454647",
	    "50515253c0c1c2c3c4c5c6c7",
	    "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a204966204920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73637265656e20776f756c642062652069742e",
	    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b61161ae10b594f09e26a7e902ecbd0600691"),
	KAT(CIPHER, "aes-128-cbc", /* SP 800-38A F.2.1 */
	    "2b7e151628aed2a6abf7158809cf4f3c",
	    "000102030405060708090a0b0c0d0e0f",
	    "",
	    "6bc1bee22e409f96e93d7e117393172a",
	    "7649abac8119b246cee98e9b12e9197d"),
	KAT(CIPHER, "aes-128-ctr", /* SP 800-38A F.5.1 */
	    "2b7e151628aed2a6abf7158809cf4f3c",
	    "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	    "",
	    "6bc1bee22e409f96e93d7e117393172a",
	    "874d6191b620e3261bef6864990db6ce"),
	KAT(CIPHER, "aes-128-xts", /* IEEE 1619 vector 2 */
	    "1111111111111111111111111111111122222222222222222222222222222222",
	    "33333333330000000000000000000000",
	    "",
	    "4444444444444444444444444444444444444444444444444444444444444444",
	    "c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0"),
	KAT(KDF, "hkdf-sha-256", /* RFC 5869 test case 1 */
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    "000102030405060708090a0b0c",
	    "f0f1f2f3f4f5f6f7f8f9",
	    "",
	    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
	KAT(AGREE, "x25519", /* RFC 7748 section 5.2 */
	    "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
	    "",
	    "",
	    "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
	    "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"),
	KAT(AGREE, "ecdh-p256", /* Wycheproof ecdh_secp256r1 tcId 1 */
	    "0612465c89a023ab17855b0a6bcebfd3febb53aef84138647b5352e02c10c346",
	    "",
	    "",
	    "62d5bd3372af75fe85a040715d0f502428e07046868b0bfdfa61d731afe44f26ac333a93a9e70a81cd5a95b5bf8d13990eb741c8c38872b4a07d275a014e30cf",
	    "53020d908b0219328b658b525f26780e3ae12bcd952bb25a93bc0895e1714285"),
};

/* Region layout of one test. */
enum {
	REGION = 64 * 1024,
	IN = 0, OUT = 16384, IV = 32768, AAD = 33792, TAG = 34816,
};

static int put_hex(u8 *dst, const char *hex, u32 *len)
{
	*len = strlen(hex) / 2;
	return hex2bin(dst, hex, *len);
}

static int run_one(const struct kat *t, struct hsm_shm *shm, u8 *buf)
{
	const struct hsm_alg *alg = hsm_alg_find(t->alg);
	struct hsm_op op = { .resp_off = HSM_RESP_NONE };
	struct hsm_key *key = NULL;
	u32 klen, ivlen, aadlen, inlen, elen;
	long ret;

	memset(shm->base, 0, shm->size);
	if (!alg || put_hex(buf, t->key, &klen) ||
	    put_hex(shm->base + IV, t->iv, &ivlen) ||
	    put_hex(shm->base + AAD, t->aad, &aadlen) ||
	    put_hex(shm->base + IN, t->in, &inlen) ||
	    put_hex(buf + 1024, t->exp, &elen))
		return -EINVAL;
	op.in = (struct hsm_ref){ IN, inlen };
	op.iv = (struct hsm_ref){ IV, ivlen };
	op.aad = (struct hsm_ref){ AAD, aadlen };

	if (t->kind != HASH && t->kind != KDF) {
		key = hsm_key_create(alg, buf, klen, HSM_PERM_ALL & alg->perms, 0);
		if (IS_ERR(key))
			return PTR_ERR(key);
	}

	switch (t->kind) {
	case HASH:
		op.out = (struct hsm_ref){ OUT, elen };
		ret = hsm_crypto_digest(alg, shm, &op);
		break;
	case MAC:
		op.out = (struct hsm_ref){ OUT, elen };
		ret = hsm_crypto_mac(key, shm, &op);
		break;
	case AEAD:
		/* expected: ciphertext || 16-byte tag; then open it again */
		op.out = (struct hsm_ref){ OUT, inlen };
		op.tag = (struct hsm_ref){ OUT + inlen, 16 };
		ret = hsm_crypto_aead(key, true, shm, &op);
		if (ret >= 0 && !memcmp(shm->base + OUT, buf + 1024, elen)) {
			op.in = (struct hsm_ref){ OUT, inlen };
			op.out = (struct hsm_ref){ TAG + 64, inlen };
			ret = hsm_crypto_aead(key, false, shm, &op);
			if (ret >= 0 && memcmp(shm->base + TAG + 64, shm->base + IN, inlen))
				ret = -EBADMSG;
		}
		break;
	case CIPHER:
		op.out = (struct hsm_ref){ OUT, inlen };
		ret = hsm_crypto_cipher(key, true, shm, &op);
		break;
	case KDF: {
		const struct hsm_alg *secret = hsm_alg_find("secret");

		key = hsm_key_create(secret, buf, klen, HSM_PERM_DERIVE, 0);
		if (IS_ERR(key))
			return PTR_ERR(key);
		ret = hsm_crypto_kdf(alg, key, shm->base + IV, ivlen,
				     shm->base + AAD, aadlen, shm->base + OUT, elen);
		break;
	}
	case AGREE:
		ret = hsm_crypto_kpp(key, shm->base + IN, inlen, shm->base + OUT, elen);
		break;
	default:
		ret = -EINVAL;
	}
	if (key)
		hsm_key_put(key);
	if (ret < 0)
		return ret;
	return memcmp(shm->base + OUT, buf + 1024, elen) ? -EBADMSG : 0;
}

/* Returns the number of tests passed, or the first failure's error. */
int hsm_selftest_run(void)
{
	struct hsm_shm shm = { .size = REGION };
	unsigned int i;
	u8 *buf;
	int ret = 0;

	shm.base = vzalloc(REGION);
	buf = kzalloc(2048, GFP_KERNEL);
	if (!shm.base || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(kats); i++) {
		ret = run_one(&kats[i], &shm, buf);
		if (ret) {
			pr_err("self-test %s failed: %d\n", kats[i].alg, ret);
			ret = -EIO;
			goto out;
		}
	}
	ret = ARRAY_SIZE(kats);
out:
	vfree(shm.base);
	kfree_sensitive(buf);
	return ret;
}
