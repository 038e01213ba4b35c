// SPDX-License-Identifier: GPL-2.0 OR MIT
// Contexts: Init -> Update* -> Final -> Reset, typed misuse errors, the key
// lifetime rules (a context holds its key), and answers equal to one-shots.
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "hsm_conn.hpp"
#include "hsm_openssl.hpp"

using namespace hsmtest;

namespace {

constexpr uint32_t kIv = 4096, kTag = 8192, kIn = 65536, kOut = 262144;
constexpr __u64 kCipher = HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT;

Result call(Conn &c, unsigned int cmd, __u64 ctx, hsm_ref in = {}, hsm_ref out = {},
	    hsm_ref iv = {}, hsm_ref tag = {})
{
	hsm_op op{};
	op.handle = ctx;
	op.resp_off = 1024;
	op.in = in;
	op.out = out;
	op.iv = iv;
	op.tag = tag;
	return c.run(cmd, op);
}

}  // namespace

Test(ctx, hash_in_chunks_matches_openssl_and_reset_reuses)
{
	Conn c;
	Bytes msg = pattern(10000, 1);
	Bytes want(32);
	unsigned int wl;
	EVP_Digest(msg.data(), msg.size(), want.data(), &wl, EVP_sha256(), nullptr);
	c.put(kIn, msg);
	__u64 h = must_ctx(c, "sha-256", HSM_CTX_HASH, 0);

	for (int round = 0; round < 2; round++) {
		cr_assert_eq(call(c, HSM_IOC_CTX_INIT, h).res, 0);
		cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, h, {kIn, 1}).res, 1);
		cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, h, {kIn + 1, 4999}).res, 4999);
		cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, h, {kIn + 5000, 5000}).res, 5000);
		cr_assert_eq(call(c, HSM_IOC_CTX_FINAL, h, {}, {kOut, 32}).res, 32);
		cr_expect(c.get({kOut, 32}) == want, "round %d", round);
		cr_assert_eq(call(c, HSM_IOC_CTX_RESET, h).res, 0);
	}
}

Test(ctx, mac_and_verify_in_chunks)
{
	Conn c;
	Bytes key = pattern(32, 9), msg = pattern(3000, 4);
	__u64 k = must_key(c, "hmac-sha-384", HSM_PERM_SIGN | HSM_PERM_VERIFY, &key);
	c.put(kIn, msg);

	hsm_op one{};
	one.handle = k;
	one.resp_off = HSM_RESP_NONE;
	one.in = {kIn, 3000};
	one.out = {kOut + 4096, 48};
	cr_assert_eq(c.run(HSM_IOC_MAC, one).res, 48);
	Bytes tag = c.get(one.out);

	__u64 m = must_ctx(c, "hmac-sha-384", HSM_CTX_MAC, k);
	cr_assert_eq(call(c, HSM_IOC_CTX_INIT, m).res, 0);
	cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, m, {kIn, 1000}).res, 1000);
	cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, m, {kIn + 1000, 2000}).res, 2000);
	cr_assert_eq(call(c, HSM_IOC_CTX_FINAL, m, {}, {kOut, 48}).res, 48);
	cr_expect(c.get({kOut, 48}) == tag);

	__u64 v = must_ctx(c, "hmac-sha-384", HSM_CTX_MAC_VERIFY, k);
	c.put(kTag, tag);
	cr_assert_eq(call(c, HSM_IOC_CTX_INIT, v).res, 0);
	cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, v, {kIn, 3000}).res, 3000);
	cr_expect_eq(call(c, HSM_IOC_CTX_FINAL, v, {}, {}, {}, {kTag, 48}).res, 0);
	cr_assert_eq(call(c, HSM_IOC_CTX_RESET, v).res, 0);
	c.at(kTag)[0] ^= 1;
	cr_assert_eq(call(c, HSM_IOC_CTX_INIT, v).res, 0);
	cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, v, {kIn, 3000}).res, 3000);
	Result r = call(c, HSM_IOC_CTX_FINAL, v, {}, {}, {}, {kTag, 48});
	cr_expect_eq(r.res, -EBADMSG);
	cr_expect_eq(r.resp.status, HSM_STATUS_AUTH_FAILED);
	cr_expect_eq(call(c, HSM_IOC_CTX_RESET, v).res, 0, "a failed verify has finalized");
}

Test(ctx, cipher_stream_matches_one_shot)
{
	Conn c;
	for (const char *alg : {"aes-128-cbc", "aes-256-ctr"}) {
		size_t kl = strstr(alg, "128") ? 16 : 32;
		Bytes key = pattern(kl, 3), iv = pattern(16, 8), msg = pattern(4096, 2);
		__u64 k = must_key(c, alg, kCipher, &key);
		c.put(kIv, iv);
		c.put(kIn, msg);

		hsm_op one{};
		one.handle = k;
		one.resp_off = HSM_RESP_NONE;
		one.iv = {kIv, 16};
		one.in = {kIn, 4096};
		one.out = {kOut + 8192, 4096};
		cr_assert_eq(c.run(HSM_IOC_ENCRYPT, one).res, 4096);
		Bytes want = c.get(one.out);

		__u64 e = must_ctx(c, alg, HSM_CTX_ENCRYPT, k);
		cr_assert_eq(call(c, HSM_IOC_CTX_INIT, e, {}, {}, {kIv, 16}).res, 0);
		cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, e, {kIn, 16}, {kOut, 16}).res, 16);
		cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, e, {kIn + 16, 2032}, {kOut + 16, 2032}).res, 2032);
		cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, e, {kIn + 2048, 2048}, {kOut + 2048, 2048}).res, 2048);
		cr_assert_eq(call(c, HSM_IOC_CTX_FINAL, e).res, 0);
		cr_expect(c.get({kOut, 4096}) == want, "%s", alg);

		// Decrypt in place, in two steps.
		__u64 d = must_ctx(c, alg, HSM_CTX_DECRYPT, k);
		cr_assert_eq(call(c, HSM_IOC_CTX_INIT, d, {}, {}, {kIv, 16}).res, 0);
		cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, d, {kOut, 1024}, {kOut, 1024}).res, 1024);
		cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, d, {kOut + 1024, 3072}, {kOut + 1024, 3072}).res, 3072);
		cr_assert_eq(call(c, HSM_IOC_CTX_FINAL, d).res, 0);
		cr_expect(c.get({kOut, 4096}) == msg, "%s round trip", alg);
	}
}

Test(ctx, misuse_is_invalid_state)
{
	Conn c;
	__u64 h = must_ctx(c, "sha-512", HSM_CTX_HASH, 0);
	c.put(kIn, pattern(64, 0));

	Result r = call(c, HSM_IOC_CTX_UPDATE, h, {kIn, 64});
	cr_expect_eq(r.res, -EBADFD, "Update before Init");
	cr_expect_eq(r.resp.status, HSM_STATUS_INVALID_STATE);
	cr_expect_eq(call(c, HSM_IOC_CTX_FINAL, h, {}, {kOut, 64}).res, -EBADFD, "Final before Init");
	cr_assert_eq(call(c, HSM_IOC_CTX_INIT, h).res, 0);
	cr_expect_eq(call(c, HSM_IOC_CTX_INIT, h).res, -EBADFD, "Init twice");
	cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, h, {kIn, 64}).res, 64);
	cr_expect_eq(call(c, HSM_IOC_CTX_RESET, h).res, -EBADFD, "Reset while updating");
	cr_expect_eq(call(c, HSM_IOC_CTX_FINAL, h, {}, {kOut, 63}).res, -EOVERFLOW);
	cr_assert_eq(call(c, HSM_IOC_CTX_FINAL, h, {}, {kOut, 64}).res, 64,
		     "a refused Final changed nothing");
	cr_expect_eq(call(c, HSM_IOC_CTX_UPDATE, h, {kIn, 64}).res, -EBADFD, "Update after Final");
	cr_expect_eq(call(c, HSM_IOC_CTX_FINAL, h, {}, {kOut, 64}).res, -EBADFD, "Final twice");
	cr_expect_eq(call(c, HSM_IOC_CTX_RESET, h).res, 0);
	cr_expect_eq(call(c, HSM_IOC_CTX_RESET, h).res, 0, "Reset when created");

	Bytes key = pattern(16, 1);
	__u64 k = must_key(c, "aes-128-ctr", kCipher, &key);
	__u64 e = must_ctx(c, "aes-128-ctr", HSM_CTX_ENCRYPT, k);
	c.put(kIv, pattern(16, 5));
	cr_expect_eq(call(c, HSM_IOC_CTX_INIT, e).res, -EINVAL, "cipher Init needs an IV");
	cr_assert_eq(call(c, HSM_IOC_CTX_INIT, e, {}, {}, {kIv, 16}).res, 0);
	cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, e, {kIn, 20}, {kOut, 20}).res, 20);
	cr_expect_eq(call(c, HSM_IOC_CTX_UPDATE, e, {kIn, 16}, {kOut, 16}).res, -EBADFD,
		     "Update after a partial CTR block");
	cr_expect_eq(call(c, HSM_IOC_CTX_FINAL, e).res, 0);

	Bytes ck = pattern(16, 2);
	__u64 cbc = must_key(c, "aes-128-cbc", kCipher, &ck);
	__u64 ce = must_ctx(c, "aes-128-cbc", HSM_CTX_ENCRYPT, cbc);
	cr_assert_eq(call(c, HSM_IOC_CTX_INIT, ce, {}, {}, {kIv, 16}).res, 0);
	cr_expect_eq(call(c, HSM_IOC_CTX_UPDATE, ce, {kIn, 20}, {kOut, 20}).res, -EINVAL,
		     "CBC updates are whole blocks");
	cr_expect_eq(call(c, HSM_IOC_CTX_UPDATE, ce, {kIn, 32}, {kOut, 32}).res, 32);
}

Test(ctx, creation_checks_key_and_permission)
{
	Conn c;
	__u64 ver = must_key(c, "hmac-sha-256", HSM_PERM_VERIFY, nullptr, 0, 32);
	__u64 dec = must_key(c, "aes-128-cbc", HSM_PERM_DECRYPT);
	__u64 xts = must_key(c, "aes-256-xts", kCipher);

	Result r = ctx_create(c, "hmac-sha-256", HSM_CTX_MAC, ver);
	cr_expect_eq(r.res, -EPERM);
	cr_expect_eq(r.resp.status, HSM_STATUS_NOT_PERMITTED);
	cr_expect_eq(ctx_create(c, "hmac-sha-256", HSM_CTX_MAC_VERIFY, ver).res, 0);
	cr_expect_eq(ctx_create(c, "aes-128-cbc", HSM_CTX_ENCRYPT, dec).res, -EPERM);
	cr_expect_eq(ctx_create(c, "aes-256-xts", HSM_CTX_ENCRYPT, xts).res, -EINVAL, "XTS does not stream");
	cr_expect_eq(ctx_create(c, "aes-256-cbc", HSM_CTX_DECRYPT, dec).res, -EINVAL, "another algorithm");
	cr_expect_eq(ctx_create(c, "sha-256", HSM_CTX_HASH, dec).res, -EINVAL, "a hash takes no key");
	cr_expect_eq(ctx_create(c, "sha-256", HSM_CTX_VERIFY + 1, 0).res, -EINVAL, "unknown operation");
	cr_expect_eq(ctx_create(c, "md4", HSM_CTX_HASH, 0).res, -EOPNOTSUPP);
	cr_expect_eq(ctx_create(c, "hmac-sha-256", HSM_CTX_MAC, 77).res, -ENOENT);
}

Test(ctx, key_lifetime_rules)
{
	Conn c;
	Bytes key = pattern(32, 6);
	__u64 k = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, &key);
	__u64 m = must_ctx(c, "hmac-sha-256", HSM_CTX_MAC, k);

	// Released before a context is made: not found.
	__u64 k2 = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, &key);
	cr_assert_eq(c.release(k2), 0);
	cr_expect_eq(ctx_create(c, "hmac-sha-256", HSM_CTX_MAC, k2).res, -ENOENT);

	// Released while a context uses it: the context keeps working.
	cr_assert_eq(c.release(k), 0);
	c.put(kIn, pattern(100, 1));
	cr_assert_eq(call(c, HSM_IOC_CTX_INIT, m).res, 0);
	cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, m, {kIn, 100}).res, 100);
	cr_expect_eq(call(c, HSM_IOC_CTX_FINAL, m, {}, {kOut, 32}).res, 32);
	hsm_op op{};
	op.handle = m;
	op.resp_off = HSM_RESP_NONE;
	cr_expect_eq(c.run(HSM_IOC_CTX_RELEASE, op).res, 0);
	cr_expect_eq(c.run(HSM_IOC_CTX_RELEASE, op).res, -ENOENT);
	cr_expect_eq(call(c, HSM_IOC_CTX_INIT, m).res, -ENOENT);
}

Test(ctx, ids_are_per_connection_and_limited)
{
	Conn a, b;
	__u64 h = must_ctx(a, "sha-256", HSM_CTX_HASH, 0);
	cr_expect_eq(call(b, HSM_IOC_CTX_INIT, h).res, -ENOENT);
	cr_expect_eq(call(a, HSM_IOC_CTX_INIT, h).res, 0);

	const hsm_info info = b.info();
	cr_assert_leq(info.max_contexts, 4096, "set hsm.max_contexts low for this test");
	for (unsigned i = 0; i < info.max_contexts; i++)
		must_ctx(b, "sha-256", HSM_CTX_HASH, 0);
	Result r = ctx_create(b, "sha-256", HSM_CTX_HASH, 0);
	cr_expect_eq(r.res, -ENOSPC);
	cr_expect_eq(r.resp.status, HSM_STATUS_LIMIT_EXCEEDED);
	cr_expect_eq(b.key("aes-128-gcm", kCipher).res, 0, "keys have their own limit");
}

namespace {

constexpr uint32_t kAad = 12288;

// OpenSSL's one-shot AEAD: ciphertext and tag.
std::pair<Bytes, Bytes> openssl_seal(const EVP_CIPHER *cipher, const Bytes &key, const Bytes &iv,
				     const Bytes &aad, const Bytes &msg, size_t tag_len)
{
	Bytes ct(msg.size()), tag(tag_len);
	int n = 0, m = 0;
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	cr_assert(EVP_EncryptInit_ex(x, cipher, nullptr, key.data(), iv.data()));
	if (!aad.empty())
		cr_assert(EVP_EncryptUpdate(x, nullptr, &n, aad.data(), aad.size()));
	cr_assert(EVP_EncryptUpdate(x, ct.data(), &n, msg.data(), msg.size()));
	cr_assert(EVP_EncryptFinal_ex(x, ct.data() + n, &m));
	cr_assert(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, tag_len, tag.data()));
	EVP_CIPHER_CTX_free(x);
	return {ct, tag};
}

Result aead_init(Conn &c, __u64 ctx, hsm_ref iv, hsm_ref aad)
{
	hsm_op op{};
	op.handle = ctx;
	op.resp_off = 1024;
	op.iv = iv;
	op.aad = aad;
	return c.run(HSM_IOC_CTX_INIT, op);
}

// Update with the message in the given chunk sizes, from kIn.
void update_in_chunks(Conn &c, __u64 ctx, uint32_t base, std::initializer_list<uint32_t> chunks)
{
	uint32_t off = 0;
	for (uint32_t n : chunks) {
		Result r = call(c, HSM_IOC_CTX_UPDATE, ctx, {base + off, n});
		cr_assert_eq(r.res, (long)n, "update of %u: %ld", n, r.res);
		off += n;
	}
}

}  // namespace

Test(ctx, aead_stream_matches_openssl_and_one_shot)
{
	Conn c;
	struct {
		const char *alg;
		const EVP_CIPHER *cipher;
		uint32_t tag;
	} v[] = {
		{"aes-256-gcm", EVP_aes_256_gcm(), 16},
		{"aes-128-gcm", EVP_aes_128_gcm(), 12},
		{"chacha20-poly1305", EVP_chacha20_poly1305(), 16},
	};
	for (auto &t : v) {
		Bytes key = pattern(strstr(t.alg, "128") ? 16 : 32, 4), iv = pattern(12, 5),
		      aad = pattern(20, 6), msg = pattern(5000, 7);
		auto [ct, tag] = openssl_seal(t.cipher, key, iv, aad, msg, t.tag);
		__u64 k = must_key(c, t.alg, kCipher, &key);
		c.put(kIv, iv);
		c.put(kAad, aad);
		c.put(kIn, msg);

		__u64 s = must_ctx(c, t.alg, HSM_CTX_SEAL, k);
		cr_assert_eq(aead_init(c, s, {kIv, 12}, {kAad, 20}).res, 0);
		update_in_chunks(c, s, kIn, {1, 2047, 0, 2952});
		memset(c.at(kOut), 0xaa, 5000);
		Result f = call(c, HSM_IOC_CTX_FINAL, s, {}, {kOut, 5000}, {}, {kTag, t.tag});
		cr_assert_eq(f.res, 5000, "%s: %ld", t.alg, f.res);
		cr_expect(c.get({kOut, 5000}) == ct, "%s ciphertext", t.alg);
		cr_expect(c.get({kTag, t.tag}) == tag, "%s tag", t.alg);

		// Open it again, in other chunks, into a larger buffer.
		__u64 o = must_ctx(c, t.alg, HSM_CTX_OPEN, k);
		c.put(kIn, ct);
		cr_assert_eq(aead_init(c, o, {kIv, 12}, {kAad, 20}).res, 0);
		update_in_chunks(c, o, kIn, {4096, 904});
		f = call(c, HSM_IOC_CTX_FINAL, o, {}, {kOut, 8192}, {}, {kTag, t.tag});
		cr_assert_eq(f.res, 5000, "%s: %ld", t.alg, f.res);
		cr_expect(c.get({kOut, 5000}) == msg, "%s plaintext", t.alg);

		// A wrong tag: EBADMSG, no plaintext, and the operation is over.
		cr_assert_eq(call(c, HSM_IOC_CTX_RESET, o).res, 0);
		cr_assert_eq(aead_init(c, o, {kIv, 12}, {kAad, 20}).res, 0);
		update_in_chunks(c, o, kIn, {5000});
		c.at(kTag)[3] ^= 1;
		f = call(c, HSM_IOC_CTX_FINAL, o, {}, {kOut, 5000}, {}, {kTag, t.tag});
		cr_expect_eq(f.res, -EBADMSG, "%s: %ld", t.alg, f.res);
		cr_expect_eq(f.resp.status, HSM_STATUS_AUTH_FAILED);
		cr_expect(c.get({kOut, 5000}) == Bytes(5000, 0), "%s: no unverified plaintext", t.alg);
		cr_expect_eq(call(c, HSM_IOC_CTX_UPDATE, o, {kIn, 16}).res, -EBADFD, "finalized");
		cr_expect_eq(call(c, HSM_IOC_CTX_RESET, o).res, 0);
	}
}

Test(ctx, aead_stream_errors_leave_the_state)
{
	Conn c;
	Bytes key = pattern(32, 1), iv = pattern(12, 2), msg = pattern(100, 3);
	__u64 k = must_key(c, "aes-256-gcm", kCipher, &key);
	c.put(kIv, iv);
	c.put(kIn, msg);
	__u64 s = must_ctx(c, "aes-256-gcm", HSM_CTX_SEAL, k);

	cr_expect_eq(aead_init(c, s, {kIv, 16}, {}).res, -EINVAL, "a GCM nonce is 12 bytes");
	cr_assert_eq(aead_init(c, s, {kIv, 12}, {}).res, 0, "no AAD is fine");
	cr_expect_eq(call(c, HSM_IOC_CTX_UPDATE, s, {kIn, 100}, {kOut, 100}).res, -EINVAL,
		     "output comes at Final");
	update_in_chunks(c, s, kIn, {100});
	cr_expect_eq(call(c, HSM_IOC_CTX_FINAL, s, {}, {kOut, 99}, {}, {kTag, 16}).res, -EOVERFLOW);
	cr_expect_eq(call(c, HSM_IOC_CTX_FINAL, s, {}, {kOut, 100}, {}, {kTag, 3}).res, -EINVAL,
		     "GCM has no 3-byte tag");
	// Neither refusal lost the message.
	cr_assert_eq(call(c, HSM_IOC_CTX_FINAL, s, {}, {kOut, 100}, {}, {kTag, 16}).res, 100);
	auto [ct, tag] = openssl_seal(EVP_aes_256_gcm(), key, iv, {}, msg, 16);
	cr_expect(c.get({kOut, 100}) == ct);
	cr_expect(c.get({kTag, 16}) == tag);

	// Empty message, AAD only (GMAC).
	cr_assert_eq(call(c, HSM_IOC_CTX_RESET, s).res, 0);
	cr_assert_eq(aead_init(c, s, {kIv, 12}, {kIn, 100}).res, 0);
	cr_assert_eq(call(c, HSM_IOC_CTX_FINAL, s, {}, {}, {}, {kTag, 16}).res, 0);
	auto [ct0, tag0] = openssl_seal(EVP_aes_256_gcm(), key, iv, msg, {}, 16);
	cr_expect(c.get({kTag, 16}) == tag0, "GMAC tag");

	// Permissions and key types.
	__u64 enc_only = must_key(c, "aes-256-gcm", HSM_PERM_ENCRYPT, &key);
	cr_expect_eq(ctx_create(c, "aes-256-gcm", HSM_CTX_OPEN, enc_only).res, -EPERM);
	__u64 ctr = must_key(c, "aes-256-ctr", kCipher);
	cr_expect_eq(ctx_create(c, "aes-256-ctr", HSM_CTX_SEAL, ctr).res, -EINVAL);
	cr_expect_eq(ctx_create(c, "aes-256-gcm", HSM_CTX_ENCRYPT, k).res, -EINVAL,
		     "an AEAD key is not a stream cipher");
}

Test(ctx, aead_stream_is_bounded_by_max_stream)
{
	Conn c(4 << 20);
	const hsm_info info = c.info();
	uint32_t max = info.max_stream;
	cr_assert_leq(max, 1u << 20, "set hsm.max_stream low for this test");

	Bytes key = pattern(32, 1), iv = pattern(12, 2), msg = pattern(max, 9);
	__u64 k = must_key(c, "aes-256-gcm", kCipher, &key);
	c.put(kIv, iv);
	c.put(1 << 20, msg);
	__u64 s = must_ctx(c, "aes-256-gcm", HSM_CTX_SEAL, k);
	cr_assert_eq(aead_init(c, s, {kIv, 12}, {}).res, 0);
	cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, s, {1 << 20, max - 1}).res, (long)max - 1);
	Result r = call(c, HSM_IOC_CTX_UPDATE, s, {(1 << 20) + max - 1, 2});
	cr_expect_eq(r.res, -ENOSPC, "past max_stream: %ld", r.res);
	cr_expect_eq(r.resp.status, HSM_STATUS_LIMIT_EXCEEDED);
	cr_assert_eq(call(c, HSM_IOC_CTX_UPDATE, s, {(1 << 20) + max - 1, 1}).res, 1, "up to it");
	cr_assert_eq(call(c, HSM_IOC_CTX_FINAL, s, {}, {2 << 20, max}, {}, {kTag, 16}).res, (long)max);
	auto [ct, tag] = openssl_seal(EVP_aes_256_gcm(), key, iv, {}, msg, 16);
	cr_expect(c.get({2 << 20, max}) == ct);
	cr_expect(c.get({kTag, 16}) == tag);

	// AAD counts too, and is itself at most HSM_AAD_MAX.
	cr_assert_eq(call(c, HSM_IOC_CTX_RESET, s).res, 0);
	cr_expect_eq(aead_init(c, s, {kIv, 12}, {1 << 20, HSM_AAD_MAX + 1}).res, -E2BIG);
	cr_assert_eq(aead_init(c, s, {kIv, 12}, {1 << 20, HSM_AAD_MAX}).res, 0);
	r = call(c, HSM_IOC_CTX_UPDATE, s, {1 << 20, max - HSM_AAD_MAX + 1});
	cr_expect_eq(r.res, -ENOSPC, "AAD and data past max_stream: %ld", r.res);
}

Test(ctx, sign_and_verify_stream_match_one_shot_and_openssl)
{
	Conn c;
	EVP_PKEY *pk = EVP_RSA_gen(2048);
	cr_assert(pk);
	auto [priv, pub] = rsa_der(pk);
	__u64 k = must_key(c, "rsa-pkcs1-sha256", HSM_PERM_SIGN | HSM_PERM_VERIFY, &priv);
	__u64 vk = must_key(c, "rsa-pkcs1-sha256", HSM_PERM_VERIFY, &pub);
	Bytes msg = pattern(3000, 4);
	c.put(kIn, msg);

	hsm_op one{};
	one.handle = k;
	one.resp_off = HSM_RESP_NONE;
	one.in = {kIn, 3000};
	one.out = {kOut + 4096, 256};
	cr_assert_eq(c.run(HSM_IOC_SIGN, one).res, 256);
	Bytes want = c.get(one.out);

	__u64 s = must_ctx(c, "rsa-pkcs1-sha256", HSM_CTX_SIGN, k);
	cr_assert_eq(call(c, HSM_IOC_CTX_INIT, s).res, 0);
	update_in_chunks(c, s, kIn, {1000, 1, 1999});
	cr_expect_eq(call(c, HSM_IOC_CTX_FINAL, s, {}, {kOut, 255}).res, -EOVERFLOW);
	cr_assert_eq(call(c, HSM_IOC_CTX_FINAL, s, {}, {kOut, 512}).res, 256);
	Bytes sig = c.get({kOut, 256});
	cr_expect(sig == want, "PKCS#1 v1.5 is deterministic: same as the one-shot");

	EVP_MD_CTX *m = EVP_MD_CTX_new();
	cr_assert(EVP_DigestVerifyInit(m, nullptr, EVP_sha256(), nullptr, pk));
	cr_expect_eq(EVP_DigestVerify(m, sig.data(), sig.size(), msg.data(), msg.size()), 1,
		     "OpenSSL accepts it");
	EVP_MD_CTX_free(m);

	// Verify with the public key, in chunks; then a flipped bit.
	__u64 v = must_ctx(c, "rsa-pkcs1-sha256", HSM_CTX_VERIFY, vk);
	c.put(kTag, sig);
	cr_assert_eq(call(c, HSM_IOC_CTX_INIT, v).res, 0);
	update_in_chunks(c, v, kIn, {3000});
	cr_expect_eq(call(c, HSM_IOC_CTX_FINAL, v, {}, {}, {}, {kTag, 256}).res, 0);
	cr_assert_eq(call(c, HSM_IOC_CTX_RESET, v).res, 0);
	cr_assert_eq(call(c, HSM_IOC_CTX_INIT, v).res, 0);
	update_in_chunks(c, v, kIn, {2999});
	Result r = call(c, HSM_IOC_CTX_FINAL, v, {}, {}, {}, {kTag, 256});
	cr_expect_eq(r.res, -EBADMSG, "one byte short: %ld", r.res);
	cr_expect_eq(r.resp.status, HSM_STATUS_AUTH_FAILED);
	cr_assert_eq(call(c, HSM_IOC_CTX_RESET, v).res, 0);
	cr_assert_eq(call(c, HSM_IOC_CTX_INIT, v).res, 0);
	cr_expect_eq(call(c, HSM_IOC_CTX_FINAL, v, {}, {}, {}, {kTag, 100}).res, -EBADMSG,
		     "a signature of the wrong length");

	// Key checks at creation.
	cr_expect_eq(ctx_create(c, "rsa-pkcs1-sha256", HSM_CTX_SIGN, vk).res, -EPERM,
		     "a public key cannot sign");
	__u64 hk = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
	cr_expect_eq(ctx_create(c, "hmac-sha-256", HSM_CTX_SIGN, hk).res, -EINVAL,
		     "an HMAC key makes MAC contexts");
	cr_expect_eq(ctx_create(c, "rsa-pkcs1-sha384", HSM_CTX_SIGN, k).res, -EINVAL,
		     "the context's algorithm is the key's");
	EVP_PKEY_free(pk);
}
