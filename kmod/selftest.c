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

enum kat_kind { HASH, MAC, AEAD, CIPHER, KDF, AGREE, KW, RSA_VERIFY };

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
	KAT(AGREE, "ecdh-p384", /* Wycheproof ecdh_secp384r1 tcId 1 */
	    "766e61425b2da9f846c09fc3564b93a6f8603b7392c785165bf20da948c49fd1fb1dee4edd64356b9f21c588b75dfd81",
	    "",
	    "",
	    "790a6e059ef9a5940163183d4a7809135d29791643fc43a2f17ee8bf677ab84f791b64a6be15969ffa012dd9185d8796d9b954baa8a75e82df711b3b56eadff6b0f668c3b26b4b1aeb308a1fcc1c680d329a6705025f1c98a0b5e5bfcb163caa",
	    "6461defb95d996b24296f5a1832b34db05ed031114fbe7d98d098f93859866e4de1e229da71fef0c77fe49b249190135"),
	KAT(KDF, "kdf108-ctr-hmac-sha-256", /* NIST CAVP KBKDF counter, as crypto/kdf_sp800108.c */
	    "dd1d91b7d90b2bd3138533ce92b272fbf8a369316aefe242e659cc0ae238afe0",
	    "",
	    "01322b96b30acd197979444e468e1c5c6859bf1b1cf951b7e725303e237e46b864a145fab25e517b08f8683d0315bb2911d80a0e8aba17f3b413faac",
	    "",
	    "10621342bfb0fd40046c0e29f2cfdbf0"),
	KAT(KW, "aes-128-kw", /* RFC 3394 section 4.1 */
	    "000102030405060708090a0b0c0d0e0f",
	    "",
	    "",
	    "00112233445566778899aabbccddeeff",
	    "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"),
	/* Wycheproof rsa_signature_2048_sha256 tcId 1: key (RSAPublicKey), message, signature */
	KAT(RSA_VERIFY, "rsa-pkcs1-sha256",
	    "3082010a0282010100a2b451a07d0aa5f96e455671513550514a8a5b462ebef717094fa1fee82224e637f9746d3f7cafd31878d80325b6ef5a1700f65903b469429e89d6eac8845097b5ab393189db92512ed8a7711a1253facd20f79c15e8247f3d3e42e46e48c98e254a2fe9765313a03eff8f17e1a029397a1fa26a8dce26f490ed81299615d9814c22da610428e09c7d9658594266f5c021d0fceca08d945a12be82de4d1ece6b4c03145b5d3495d4ed5411eb878daf05fd7afc3e09ada0f1126422f590975a1969816f48698bcbba1b4d9cae79d460d8f9f85e7975005d9bc22c4e5ac0f7c1a45d12569a62807d3b9a02e5a530e773066f453d1f5b4c2e9cf7820283f742b9d50203010001",
	    "",
	    "",
	    "",
	    "840f5dac53106dd1f9c57219224cf51289290c42f20466875ba8e830ac5690e541536fcc8ab03b731f82bf66d83f194e7e180b3963ec7a2f3f7904a7ce49aed47da4d4b79421eaf937d301b3e696169297b797c32c076a12be4de0b58e003c5123051a84a10c62f8dac2f42a8640008eb3c7cccd6760ff5b51b689763922582845f048fb8150e5a7a6ca2eccc7bdc85349ad5b26c52137a79fa3fe5c29ab5cd7615013219c1941b6708e9c3c23feff5febaf0c8ebca5750b54e3e6e99a3e876b396f27860b7f3ec4e9191703c6332d944f6f69751167680c79c4f6b57f1cc8755d24b6ec158ccdbacdb23107a33cb6b332516c13274d1f9dccc21dced869e486"),
};

/*
 * Region layout of one test: each field runs to the next.  BACK is where
 * a result is decrypted or unwrapped again, to compare with IN.
 */
enum {
	REGION = 64 * 1024,
	IN = 0, OUT = 16384, IV = 32768, AAD = 33792, TAG = 34816,
	BACK = 36864,
};

/* The key and the expected output of a test, side by side in one buffer. */
enum { KEY_MAX = 1024, EXP_MAX = 1024 };

/* One test under way: its vector decoded, its key made. */
struct kat_run {
	const struct kat *t;
	const struct hsm_alg *alg;
	const struct hsm_shm *shm;
	struct hsm_op op;
	struct hsm_key *key;	/* NULL for a hash */
	u8 *key_bytes, *exp;
	u32 key_len, exp_len;
};

/* The bytes of hex into dst: EINVAL for more than cap, or for bad hex. */
static int put_hex(u8 *dst, u32 cap, const char *hex, u32 *len)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > cap)
		return -EINVAL;
	*len = n / 2;
	return hex2bin(dst, hex, *len);
}

/* The bytes of hex into the region at ref, whose length is its room. */
static int put_hex_ref(const struct hsm_shm *shm, struct hsm_ref *ref,
		       const char *hex)
{
	return put_hex(hsm_shm_ptr(shm, ref), ref->len, hex, &ref->len);
}

/*
 * The vector into the region (in, iv, aad) and buf (key, expected
 * output).  A KDF takes its salt from iv and its info from aad.
 */
static int kat_load(struct kat_run *r, const struct kat *t,
		    const struct hsm_shm *shm, u8 *buf)
{
	struct hsm_op *op = &r->op;

	memset(shm->base, 0, shm->size);
	*r = (struct kat_run){
		.t = t, .alg = hsm_alg_find(t->alg), .shm = shm,
		.key_bytes = buf, .exp = buf + KEY_MAX,
	};
	op->resp_off = HSM_RESP_NONE;
	op->in = (struct hsm_ref){ IN, OUT - IN };
	op->iv = (struct hsm_ref){ IV, AAD - IV };
	op->aad = (struct hsm_ref){ AAD, TAG - AAD };
	if (!r->alg || put_hex(r->key_bytes, KEY_MAX, t->key, &r->key_len) ||
	    put_hex(r->exp, EXP_MAX, t->exp, &r->exp_len) ||
	    put_hex_ref(shm, &op->in, t->in) ||
	    put_hex_ref(shm, &op->iv, t->iv) ||
	    put_hex_ref(shm, &op->aad, t->aad))
		return -EINVAL;
	return 0;
}

/*
 * The test's key, NULL for a hash.  A KDF's is a secret that may only
 * derive and a public RSA key may only verify; other keys get what the
 * algorithm allows, less the uses that may not share a key with the ones
 * tested here (wrapping, derivation).
 */
static struct hsm_key *kat_key(const struct kat_run *r)
{
	const struct hsm_alg *alg = r->alg;
	u64 perms;

	switch (r->t->kind) {
	case HASH:
		return NULL;
	case KDF:
		alg = hsm_alg_find("secret");
		perms = HSM_PERM_DERIVE;
		break;
	case RSA_VERIFY:
		perms = HSM_PERM_VERIFY;
		break;
	default:
		perms = alg->perms & ~(HSM_PERM_WRAP | HSM_PERM_UNWRAP |
				       HSM_PERM_DERIVE);
	}
	if (!alg)
		return ERR_PTR(-EINVAL);
	return hsm_key_create(alg, r->key_bytes, r->key_len, perms, 0);
}

/* Seal to the expected ciphertext and full tag, then open it again. */
static long kat_aead(struct kat_run *r)
{
	const struct hsm_ref back = { BACK, r->op.in.len };
	struct hsm_op *op = &r->op, open;
	long ret;

	op->out = (struct hsm_ref){ OUT, op->in.len };
	op->tag = (struct hsm_ref){ OUT + op->in.len, HSM_AEAD_TAG_MAX };
	ret = hsm_crypto_aead(r->key, true, r->shm, op);
	if (ret < 0 || memcmp(hsm_shm_ptr(r->shm, &op->out), r->exp, r->exp_len))
		return ret;
	open = *op;
	open.in = op->out;
	open.out = back;
	ret = hsm_crypto_aead(r->key, false, r->shm, &open);
	if (ret >= 0 && memcmp(hsm_shm_ptr(r->shm, &back),
			       hsm_shm_ptr(r->shm, &op->in), op->in.len))
		ret = -EBADMSG;
	return ret;
}

/* Wrap, and unwrap the result back to the input. */
static long kat_kw(struct kat_run *r)
{
	const struct hsm_ref back = { BACK, r->op.in.len };
	struct hsm_op *op = &r->op;
	u8 *in = hsm_shm_ptr(r->shm, &op->in);
	u8 *out = hsm_shm_ptr(r->shm, &op->out);
	int ret;

	ret = hsm_crypto_kw(r->key, true, in, op->in.len, out) ?:
	      hsm_crypto_kw(r->key, false, out, op->out.len,
			    hsm_shm_ptr(r->shm, &back));
	if (!ret && memcmp(hsm_shm_ptr(r->shm, &back), in, op->in.len))
		ret = -EBADMSG;
	return ret;
}

/* The signature verifies; with one bit flipped, it does not. */
static long kat_rsa_verify(struct kat_run *r)
{
	struct hsm_op *op = &r->op;
	u8 *sig;
	long ret;

	op->out = (struct hsm_ref){};
	op->tag = (struct hsm_ref){ TAG, r->exp_len };
	sig = hsm_shm_ptr(r->shm, &op->tag);
	memcpy(sig, r->exp, r->exp_len);
	ret = hsm_crypto_rsa_verify(r->key, r->shm, op);
	if (ret)
		return ret;
	sig[r->exp_len / 2] ^= 1;
	ret = hsm_crypto_rsa_verify(r->key, r->shm, op);
	return ret == -EBADMSG ? 0 : -EBADMSG;
}

/* The operation under test; its output, if any, is left at op.out. */
static long kat_exec(struct kat_run *r)
{
	const struct hsm_shm *shm = r->shm;
	struct hsm_op *op = &r->op;

	op->out = (struct hsm_ref){ OUT, r->exp_len };
	switch (r->t->kind) {
	case HASH:
		return hsm_crypto_digest(r->alg, shm, op);
	case MAC:
		return hsm_crypto_mac(r->key, shm, op);
	case AEAD:
		return kat_aead(r);
	case CIPHER:
		op->out.len = op->in.len;
		return hsm_crypto_cipher(r->key, true, shm, op);
	case KDF:
		return hsm_crypto_kdf(r->alg, r->key,
				      hsm_shm_ptr(shm, &op->iv), op->iv.len,
				      hsm_shm_ptr(shm, &op->aad), op->aad.len,
				      hsm_shm_ptr(shm, &op->out), op->out.len);
	case AGREE:
		return hsm_crypto_kpp(r->key, hsm_shm_ptr(shm, &op->in),
				      op->in.len, hsm_shm_ptr(shm, &op->out),
				      op->out.len);
	case KW:
		return kat_kw(r);
	case RSA_VERIFY:
		return kat_rsa_verify(r);
	}
	return -EINVAL;
}

/* 0 when the output at OUT is the expected one, or there is none. */
static int kat_check(const struct kat_run *r)
{
	const struct hsm_ref out = { OUT, r->exp_len };

	if (r->t->kind == RSA_VERIFY)
		return 0;
	return memcmp(hsm_shm_ptr(r->shm, &out), r->exp, r->exp_len) ?
	       -EBADMSG : 0;
}

static int run_one(const struct kat *t, const struct hsm_shm *shm, u8 *buf)
{
	struct kat_run r;
	long ret;

	ret = kat_load(&r, t, shm, buf);
	if (ret)
		return ret;
	r.key = kat_key(&r);
	if (IS_ERR(r.key))
		return PTR_ERR(r.key);
	ret = kat_exec(&r);
	if (r.key)
		hsm_key_put(r.key);
	return ret < 0 ? ret : kat_check(&r);
}

/* Returns the number of tests passed, or the first failure's error. */
int hsm_selftest_run(void)
{
	struct hsm_shm shm = {};
	unsigned int i;
	u8 *buf;
	int ret;

	ret = hsm_shm_alloc(&shm, REGION);
	if (ret)
		return ret;
	buf = kzalloc(KEY_MAX + EXP_MAX, GFP_KERNEL);
	if (!buf) {
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
	hsm_shm_free(&shm);
	kfree_sensitive(buf);
	return ret;
}
