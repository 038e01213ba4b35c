// SPDX-License-Identifier: GPL-2.0 OR MIT
// Contexts: Init -> Update* -> Final -> Reset, typed misuse errors, the key
// lifetime rules (a context holds its key), and answers equal to one-shots.
#include <criterion/criterion.h>
#include <openssl/evp.h>

#include "hsm_conn.hpp"

using namespace hsmtest;

namespace {

constexpr uint32_t kIv = 4096, kTag = 8192, kIn = 65536, kOut = 262144;
constexpr __u64 kCipher = HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT;



Result create(Conn &c, const char *alg, __u32 ctx_op, __u64 key)
{
	hsm_ctx_params p{};
	strcpy(p.alg, alg);
	p.op = ctx_op;
	hsm_op op{};
	op.handle = key;
	op.resp_off = Conn::kResp;
	op.params = c.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	return c.run(HSM_IOC_CTX_CREATE, op);
}

__u64 must_ctx(Conn &c, const char *alg, __u32 ctx_op, __u64 key)
{
	Result r = create(c, alg, ctx_op, key);
	cr_assert_eq(r.res, 0, "context %s/%u: %ld", alg, ctx_op, r.res);
	return r.resp.value;
}

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

	Result r = create(c, "hmac-sha-256", HSM_CTX_MAC, ver);
	cr_expect_eq(r.res, -EPERM);
	cr_expect_eq(r.resp.status, HSM_STATUS_NOT_PERMITTED);
	cr_expect_eq(create(c, "hmac-sha-256", HSM_CTX_MAC_VERIFY, ver).res, 0);
	cr_expect_eq(create(c, "aes-128-cbc", HSM_CTX_ENCRYPT, dec).res, -EPERM);
	cr_expect_eq(create(c, "aes-256-xts", HSM_CTX_ENCRYPT, xts).res, -EINVAL, "XTS does not stream");
	cr_expect_eq(create(c, "aes-256-cbc", HSM_CTX_DECRYPT, dec).res, -EINVAL, "another algorithm");
	cr_expect_eq(create(c, "sha-256", HSM_CTX_HASH, dec).res, -EINVAL, "a hash takes no key");
	cr_expect_eq(create(c, "sha-256", 9, 0).res, -EINVAL, "unknown operation");
	cr_expect_eq(create(c, "md4", HSM_CTX_HASH, 0).res, -EOPNOTSUPP);
	cr_expect_eq(create(c, "hmac-sha-256", HSM_CTX_MAC, 77).res, -ENOENT);
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
	cr_expect_eq(create(c, "hmac-sha-256", HSM_CTX_MAC, k2).res, -ENOENT);

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

	hsm_info info{};
	hsm_get_info gi{};
	gi.info_ptr = reinterpret_cast<uintptr_t>(&info);
	gi.info_size = sizeof(info);
	cr_assert_eq(ioctl(b.fd(), HSM_IOC_GET_INFO, &gi), (int)sizeof(info));
	cr_assert_leq(info.max_contexts, 4096, "set hsm.max_contexts low for this test");
	for (unsigned i = 0; i < info.max_contexts; i++)
		must_ctx(b, "sha-256", HSM_CTX_HASH, 0);
	Result r = create(b, "sha-256", HSM_CTX_HASH, 0);
	cr_expect_eq(r.res, -ENOSPC);
	cr_expect_eq(r.resp.status, HSM_STATUS_LIMIT_EXCEEDED);
	cr_expect_eq(b.key("aes-128-gcm", kCipher).res, 0, "keys have their own limit");
}
