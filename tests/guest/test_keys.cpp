// SPDX-License-Identifier: GPL-2.0 OR MIT
// Keys and one-shot operations: lifetimes, permissions, IDs, limits, and
// answers checked against OpenSSL.
#include <criterion/criterion.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/wait.h>
#include <thread>
#include <tuple>

#include "fault.hpp"
#include "hsm_conn.hpp"
#include "hsm_openssl.hpp"

using namespace hsmtest;

namespace {

constexpr uint32_t kIn = 65536, kOut = 262144, kIv = 4096, kAad = 8192, kTag = 12288,
		   kResp2 = 1024;
constexpr __u64 kAead = HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT;



hsm_op aead_op(Conn &c, __u64 id, const Bytes &msg, uint32_t tag_len = 16)
{
	hsm_op op{};
	op.handle = id;
	op.resp_off = kResp2;
	op.iv = c.put(kIv, pattern(12, 1));
	op.aad = c.put(kAad, pattern(20, 2));
	op.in = c.put(kIn, msg);
	op.out = {kOut, static_cast<__u32>(msg.size())};
	op.tag = {kTag, tag_len};
	return op;
}

Bytes openssl_cipher(const EVP_CIPHER *cipher, const Bytes &key, const Bytes &iv,
		     const Bytes &in)
{
	Bytes out(in.size() + 32);
	int n = 0, m = 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	cr_assert(EVP_EncryptInit_ex(ctx, cipher, nullptr, key.data(), iv.data()));
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	cr_assert(EVP_EncryptUpdate(ctx, out.data(), &n, in.data(), in.size()));
	cr_assert(EVP_EncryptFinal_ex(ctx, out.data() + n, &m));
	EVP_CIPHER_CTX_free(ctx);
	out.resize(n + m);
	return out;
}

}  // namespace

Test(keys, generate_gives_distinct_unpredictable_ids)
{
	Conn c;
	__u64 a = must_key(c, "aes-256-gcm", kAead), b = must_key(c, "aes-256-gcm", kAead);

	cr_expect_neq(a, b);
	cr_expect_neq(a >> 32, 0, "the upper half is random and never 0");
	cr_expect_eq((a & 0xffffffff) + 1, b & 0xffffffff, "indexes count up");
	cr_expect_eq(c.release(a), 0);
	cr_expect_eq(c.release(a), -ENOENT, "released twice");
	__u64 d = must_key(c, "aes-256-gcm", kAead);
	cr_expect_neq(d & 0xffffffff, a & 0xffffffff, "an index is never reused");
	cr_expect_eq(c.release(b), 0);
	cr_expect_eq(c.release(d), 0);
}

Test(keys, export_only_when_exportable)
{
	Conn c;
	Bytes key = pattern(32, 9);
	__u64 locked = must_key(c, "aes-256-gcm", kAead | HSM_PERM_EXPORT, &key);
	__u64 open = must_key(c, "aes-256-gcm", kAead | HSM_PERM_EXPORT, &key,
			      HSM_KEY_F_EXPORTABLE);
	__u64 noperm = must_key(c, "aes-256-gcm", kAead, &key, HSM_KEY_F_EXPORTABLE);
	hsm_op op{};
	op.resp_off = kResp2;
	op.out = {kOut, 32};

	op.handle = locked;
	Result r = c.run(HSM_IOC_KEY_EXPORT, op);
	cr_expect_eq(r.res, -EPERM);
	cr_expect_eq(r.resp.status, HSM_STATUS_NOT_PERMITTED);
	op.handle = noperm;
	cr_expect_eq(c.run(HSM_IOC_KEY_EXPORT, op).res, -EPERM);
	op.handle = open;
	cr_expect_eq(c.run(HSM_IOC_KEY_EXPORT, op).res, 32);
	cr_expect(c.get(op.out) == key);
	op.out.len = 31;
	r = c.run(HSM_IOC_KEY_EXPORT, op);
	cr_expect_eq(r.res, -EOVERFLOW);
	cr_expect_eq(r.resp.status, HSM_STATUS_BUFFER_TOO_SMALL);
}

Test(keys, permissions_are_enforced)
{
	Conn c;
	__u64 enc = must_key(c, "aes-128-gcm", HSM_PERM_ENCRYPT);
	hsm_op op = aead_op(c, enc, pattern(64, 3));

	cr_expect_eq(c.run(HSM_IOC_SEAL, op).res, 64);
	op.in = c.put(kIn, c.get(op.out));
	Result r = c.run(HSM_IOC_OPEN, op);
	cr_expect_eq(r.res, -EPERM);
	cr_expect_eq(r.resp.status, HSM_STATUS_NOT_PERMITTED);

	__u64 ver = must_key(c, "hmac-sha-256", HSM_PERM_VERIFY, nullptr, 0, 32);
	hsm_op mac{};
	mac.handle = ver;
	mac.resp_off = HSM_RESP_NONE;
	mac.in = c.put(kIn, pattern(10, 1));
	mac.out = {kOut, 32};
	cr_expect_eq(c.run(HSM_IOC_MAC, mac).res, -EPERM);
}

Test(keys, wrong_key_type_is_einval)
{
	Conn c;
	__u64 aead = must_key(c, "aes-256-gcm", kAead);
	__u64 hmac = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
	hsm_op mac{};
	mac.handle = aead;
	mac.resp_off = HSM_RESP_NONE;
	mac.in = c.put(kIn, pattern(10, 1));
	mac.out = {kOut, 32};
	cr_expect_eq(c.run(HSM_IOC_MAC, mac).res, -EINVAL);

	hsm_op op = aead_op(c, hmac, pattern(16, 1));
	cr_expect_eq(c.run(HSM_IOC_SEAL, op).res, -EINVAL);
	op.tag = {};
	op.aad = {};
	cr_expect_eq(c.run(HSM_IOC_ENCRYPT, op).res, -EINVAL);
}

Test(keys, bad_key_params)
{
	Conn c;
	Bytes k16 = pattern(16, 1);

	cr_expect_eq(c.key("aes-512-gcm", kAead).res, -EOPNOTSUPP);
	cr_expect_eq(c.key("ecdsa-p256", HSM_PERM_SIGN).res, -EOPNOTSUPP);
	cr_expect_eq(c.key("sha-256", 0).res, -EINVAL, "a hash takes no key");
	cr_expect_eq(c.key("aes-256-gcm", HSM_PERM_SIGN).res, -EINVAL, "GCM cannot sign");
	cr_expect_eq(c.key("aes-256-gcm", 1ULL << 40).res, -EINVAL, "unknown permission");
	cr_expect_eq(c.key("aes-256-gcm", kAead, nullptr, 1U << 7).res, -EINVAL, "unknown flag");
	cr_expect_eq(c.key("aes-256-gcm", kAead, &k16).res, -EINVAL, "16-byte AES-256 key");
	cr_expect_eq(c.key("hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 8).res, -EINVAL);
	cr_expect_eq(c.key("hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 129).res, -EINVAL);
	Bytes xts(64, 0x11);
	cr_expect_eq(c.key("aes-256-xts", kAead, &xts).res, -EINVAL, "XTS halves equal");

	// A params block of the wrong size.
	hsm_key_params p{};
	strcpy(p.alg, "aes-256-gcm");
	p.perms = kAead;
	hsm_op op{};
	op.resp_off = 256;
	op.params = c.put(0, {reinterpret_cast<uint8_t *>(&p), sizeof(p) - 8});
	cr_expect_eq(c.run(HSM_IOC_KEY_GENERATE, op).res, -EINVAL);
	p.reserved[3] = 1;
	op.params = c.put(0, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	cr_expect_eq(c.run(HSM_IOC_KEY_GENERATE, op).res, -EINVAL);
}

Test(keys, ids_of_another_connection_are_not_found)
{
	Conn a, b;
	__u64 id = must_key(a, "aes-256-gcm", kAead);
	hsm_op op = aead_op(b, id, pattern(32, 5));
	Result r = b.run(HSM_IOC_SEAL, op);

	cr_expect_eq(r.res, -ENOENT);
	cr_expect_eq(r.resp.status, HSM_STATUS_NOT_FOUND);
	cr_expect_eq(b.release(id), -ENOENT);
	op = aead_op(a, id, pattern(32, 5));
	cr_expect_eq(a.run(HSM_IOC_SEAL, op).res, 32, "still there for its owner");
}

Test(keys, max_keys_is_enospc_and_recovers)
{
	Conn c;
	hsm_info info{};
	hsm_get_info gi{};
	gi.info_ptr = reinterpret_cast<uintptr_t>(&info);
	gi.info_size = sizeof(info);
	cr_assert_eq(ioctl(c.fd(), HSM_IOC_GET_INFO, &gi), (int)sizeof(info));
	cr_assert_leq(info.max_keys, 4096, "set hsm.max_keys low for this test");

	std::vector<__u64> ids;
	for (unsigned i = 0; i < info.max_keys; i++)
		ids.push_back(must_key(c, "aes-128-ctr", kAead));
	Result r = c.key("aes-128-ctr", kAead);
	cr_expect_eq(r.res, -ENOSPC);
	cr_expect_eq(r.resp.status, HSM_STATUS_LIMIT_EXCEEDED);
	cr_expect_eq(c.release(ids.back()), 0);
	ids.pop_back();
	ids.push_back(must_key(c, "aes-128-ctr", kAead));
	for (__u64 id : ids)
		cr_expect_eq(c.release(id), 0);
}

Test(ops, digests_match_openssl)
{
	Conn c;
	const std::pair<const char *, const EVP_MD *> algs[] = {
		{"sha-256", EVP_sha256()}, {"sha-384", EVP_sha384()}, {"sha-512", EVP_sha512()},
		{"sha3-256", EVP_sha3_256()}, {"sha3-384", EVP_sha3_384()},
		{"sha3-512", EVP_sha3_512()},
	};
	for (auto [name, md] : algs) {
		for (size_t len : {0, 3, 64, 4097, 70000}) {
			Bytes msg = pattern(len, len);
			std::string n = name;
			hsm_op op{};
			op.resp_off = HSM_RESP_NONE;
			op.params = c.put(0, {reinterpret_cast<const uint8_t *>(n.data()), n.size()});
			op.in = c.put(kIn, msg);
			op.out = {kOut, 64};
			long r = c.run(HSM_IOC_DIGEST, op).res;
			Bytes want(EVP_MD_size(md));
			unsigned int wl;
			EVP_Digest(msg.data(), msg.size(), want.data(), &wl, md, nullptr);
			cr_expect_eq(r, (long)want.size(), "%s len %zu", name, len);
			op.out.len = want.size();
			cr_expect(c.get(op.out) == want, "%s of %zu bytes", name, len);
		}
	}
}

Test(ops, digest_errors)
{
	Conn c;
	auto digest = [&](std::string name, uint32_t out_len) {
		hsm_op op{};
		op.resp_off = HSM_RESP_NONE;
		op.params = c.put(0, {reinterpret_cast<const uint8_t *>(name.data()), name.size()});
		op.in = c.put(kIn, pattern(3, 0));
		op.out = {kOut, out_len};
		return c.run(HSM_IOC_DIGEST, op).res;
	};
	cr_expect_eq(digest("sha-256", 31), -EOVERFLOW);
	cr_expect_eq(digest("md5", 32), -EOPNOTSUPP);
	cr_expect_eq(digest("hmac-sha-256", 32), -EINVAL, "a MAC needs a key");
	cr_expect_eq(digest(std::string("sha-256\0x", 9), 32), -EINVAL);
	cr_expect_eq(digest("", 32), -EINVAL);
}

Test(ops, random_bytes)
{
	Conn c;
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.out = {kOut, 4096};
	memset(c.at(kOut), 0, 8192);
	cr_expect_eq(c.run(HSM_IOC_RANDOM, op).res, 4096);
	Bytes a = c.get(op.out);
	cr_expect_eq(c.run(HSM_IOC_RANDOM, op).res, 4096);
	cr_expect(a != c.get(op.out));
	cr_expect(a != Bytes(4096, 0));
	cr_expect_eq(c.at(kOut)[4096], 0, "nothing written past out");
	op.handle = 1;
	cr_expect_eq(c.run(HSM_IOC_RANDOM, op).res, -EINVAL);
}

Test(ops, seal_open_in_place_and_tag_lengths)
{
	Conn c;
	__u64 id = must_key(c, "aes-256-gcm", kAead);
	Bytes msg = pattern(1000, 4);

	for (uint32_t tl : {16u, 12u, 8u, 4u}) {
		hsm_op op = aead_op(c, id, msg, tl);
		op.out = op.in;
		cr_expect_eq(c.run(HSM_IOC_SEAL, op).res, 1000, "tag %u", tl);
		cr_expect(c.get(op.in) != msg);
		cr_expect_eq(c.run(HSM_IOC_OPEN, op).res, 1000, "tag %u", tl);
		cr_expect(c.get(op.in) == msg);
	}
	hsm_op op = aead_op(c, id, msg, 5);
	cr_expect_eq(c.run(HSM_IOC_SEAL, op).res, -EINVAL, "5-byte GCM tag");
	op = aead_op(c, id, msg);
	op.iv.len = 16;
	cr_expect_eq(c.run(HSM_IOC_SEAL, op).res, -EINVAL, "16-byte nonce");
}

Test(ops, failed_open_leaves_no_plaintext)
{
	Conn c;
	__u64 id = must_key(c, "chacha20-poly1305", kAead);
	Bytes msg = pattern(300, 8);
	hsm_op op = aead_op(c, id, msg);

	cr_assert_eq(c.run(HSM_IOC_SEAL, op).res, 300);
	op.in = c.put(kIn, c.get(op.out));
	c.at(kTag)[3] ^= 1;
	memset(c.at(kOut), 0xaa, 300);
	Result r = c.run(HSM_IOC_OPEN, op);
	cr_expect_eq(r.res, -EBADMSG);
	cr_expect_eq(r.resp.status, HSM_STATUS_AUTH_FAILED);
	cr_expect(c.get(op.out) == Bytes(300, 0), "out must be zeroed");
}

Test(ops, ciphers_match_openssl)
{
	Conn c;
	struct Case {
		const char *alg;
		const EVP_CIPHER *cipher;
		size_t key_len, len;
	};
	const Case cases[] = {
		{"aes-128-cbc", EVP_aes_128_cbc(), 16, 4096},
		{"aes-256-cbc", EVP_aes_256_cbc(), 32, 48},
		{"aes-128-ctr", EVP_aes_128_ctr(), 16, 1001},
		{"aes-256-ctr", EVP_aes_256_ctr(), 32, 70000},
		{"aes-128-xts", EVP_aes_128_xts(), 32, 512},
		{"aes-256-xts", EVP_aes_256_xts(), 64, 4096},
		// IEEE 1619 ciphertext stealing: any length of a block or more.
		{"aes-128-xts", EVP_aes_128_xts(), 32, 17},
		{"aes-256-xts", EVP_aes_256_xts(), 64, 31},
		{"aes-256-xts", EVP_aes_256_xts(), 64, 1001},
	};
	for (const Case &k : cases) {
		Bytes key = pattern(k.key_len, 17), iv = pattern(16, 40), msg = pattern(k.len, 5);
		__u64 id = must_key(c, k.alg, kAead, &key);
		hsm_op op{};
		op.handle = id;
		op.resp_off = HSM_RESP_NONE;
		op.iv = c.put(kIv, iv);
		op.in = c.put(kIn, msg);
		op.out = {kOut, static_cast<__u32>(msg.size())};
		cr_expect_eq(c.run(HSM_IOC_ENCRYPT, op).res, (long)msg.size(), "%s", k.alg);
		cr_expect(c.get(op.out) == openssl_cipher(k.cipher, key, iv, msg), "%s", k.alg);
		cr_expect(c.get(op.iv) == iv, "%s: the IV is not written back", k.alg);
		op.in = c.put(kIn, c.get(op.out));
		op.out = op.in;
		cr_expect_eq(c.run(HSM_IOC_DECRYPT, op).res, (long)msg.size());
		cr_expect(c.get(op.in) == msg, "%s round trip", k.alg);
		cr_expect_eq(c.release(id), 0);
	}
	Bytes key = pattern(16, 1);
	__u64 cbc = must_key(c, "aes-128-cbc", kAead, &key);
	hsm_op op{};
	op.handle = cbc;
	op.resp_off = HSM_RESP_NONE;
	op.iv = c.put(kIv, pattern(16, 0));
	op.in = c.put(kIn, pattern(17, 0));
	op.out = {kOut, 17};
	cr_expect_eq(c.run(HSM_IOC_ENCRYPT, op).res, -EINVAL, "CBC without padding");

	Bytes xkey = pattern(32, 3);
	__u64 xts = must_key(c, "aes-128-xts", kAead, &xkey);
	op.handle = xts;
	op.in = c.put(kIn, pattern(15, 0));
	op.out = {kOut, 15};
	cr_expect_eq(c.run(HSM_IOC_ENCRYPT, op).res, -EINVAL, "XTS below one block");
}

Test(ops, large_payload_through_io_wq_matches_ioctl)
{
	Conn u(4 << 20, true), i(4 << 20, false);
	Bytes key = pattern(32, 3), msg = pattern(1 << 20, 6);
	__u64 ku = must_key(u, "aes-256-gcm", kAead, &key);
	__u64 ki = must_key(i, "aes-256-gcm", kAead, &key);
	hsm_op a = aead_op(u, ku, {}), b = aead_op(i, ki, {});

	a.in = u.put(1 << 20, msg);
	a.out = {2 << 20, 1 << 20};
	b.in = i.put(1 << 20, msg);
	b.out = {2 << 20, 1 << 20};
	cr_expect_eq(u.run(HSM_IOC_SEAL, a).res, 1 << 20);
	cr_expect_eq(i.run(HSM_IOC_SEAL, b).res, 1 << 20);
	cr_expect(u.get(a.out) == i.get(b.out));
	cr_expect(u.get(a.tag) == i.get(b.tag));
}

Test(ops, without_region_is_ebadfd)
{
	int fd = open(HSM_DEVICE_PATH, O_RDWR);
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.out = {0, 16};
	cr_assert_geq(fd, 0);
	cr_expect_eq(ioctl(fd, HSM_IOC_RANDOM, &op), -1);
	cr_expect_eq(errno, EBADFD);
	op.out = {};
	op.handle = 42;
	cr_expect_eq(ioctl(fd, HSM_IOC_KEY_RELEASE, &op), -1);
	cr_expect_eq(errno, ENOENT);
	close(fd);
}

Test(ops, many_threads_and_processes)
{
	constexpr int kProcs = 3, kThreads = 4, kIters = 200;
	pid_t pids[kProcs];

	for (int p = 0; p < kProcs; p++) {
		pids[p] = fork();
		if (pids[p])
			continue;
		int bad = 0;
		Conn c(4 << 20);
		Bytes key = pattern(32, p);
		__u64 id = must_key(c, "aes-256-gcm", kAead, &key);
		std::vector<std::thread> ts;
		std::atomic<int> errors{0};
		for (int t = 0; t < kThreads; t++) {
			ts.emplace_back([&, t] {
				// Each thread its own ring (Conn's ring is not shared) via ioctl.
				uint32_t base = (t << 20) | 65536;
				for (int i = 0; i < kIters; i++) {
					Bytes msg = pattern(64 + i, t * 31 + i);
					hsm_op op{};
					op.handle = id;
					op.resp_off = HSM_RESP_NONE;
					op.iv = c.put(base, pattern(12, i));
					op.in = c.put(base + 4096, msg);
					op.out = {base + 8192, static_cast<__u32>(msg.size())};
					op.tag = {base + 12288, 16};
					long x = ioctl(c.fd(), HSM_IOC_SEAL, &op);
					op.in = op.out;
					long y = ioctl(c.fd(), HSM_IOC_OPEN, &op);
					if (x != (long)msg.size() || y != x || c.get(op.out) != msg)
						errors++;
				}
			});
		}
		for (auto &th : ts)
			th.join();
		bad = errors.load();
		_exit(bad ? 1 : 0);
	}
	for (int p = 0; p < kProcs; p++) {
		int status;
		cr_assert_eq(waitpid(pids[p], &status, 0), pids[p]);
		cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "process %d", p);
	}
}

namespace {

Result derive(Conn &c, __u64 base, const std::string &kdf, const char *alg, __u64 perms,
	      __u32 flags, __u32 key_len, const Bytes &salt, const Bytes &info)
{
	hsm_key_params p{};
	strcpy(p.alg, alg);
	p.perms = perms;
	p.flags = flags;
	p.key_len = key_len;
	hsm_op op{};
	op.handle = base;
	op.resp_off = Conn::kResp;
	op.params = c.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	op.in = c.put(2048, {reinterpret_cast<const uint8_t *>(kdf.data()), kdf.size()});
	op.iv = c.put(kIv, salt);
	op.aad = c.put(kAad, info);
	return c.run(HSM_IOC_KEY_DERIVE, op);
}

Bytes export_key(Conn &c, __u64 id, uint32_t len)
{
	hsm_op ex{};
	ex.handle = id;
	ex.resp_off = HSM_RESP_NONE;
	ex.out = {kOut, len};
	cr_assert_eq(c.run(HSM_IOC_KEY_EXPORT, ex).res, (long)len);
	return c.get(ex.out);
}

Bytes openssl_kbkdf(const char *digest, const Bytes &key, const Bytes &info, size_t len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(nullptr, "KBKDF", nullptr);
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	int zero = 0;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string("mode", const_cast<char *>("counter"), 0),
		OSSL_PARAM_construct_utf8_string("mac", const_cast<char *>("HMAC"), 0),
		OSSL_PARAM_construct_utf8_string("digest", const_cast<char *>(digest), 0),
		OSSL_PARAM_construct_octet_string("key", const_cast<uint8_t *>(key.data()), key.size()),
		OSSL_PARAM_construct_octet_string("salt", const_cast<uint8_t *>(info.data()), info.size()),
		OSSL_PARAM_construct_int("use-l", &zero),
		OSSL_PARAM_construct_int("use-separator", &zero),
		OSSL_PARAM_construct_end(),
	};
	Bytes out(len);
	cr_assert_eq(EVP_KDF_derive(ctx, out.data(), len, params), 1, "OpenSSL KBKDF");
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return out;
}

}  // namespace

Test(derive, kdf108_matches_openssl_and_derived_keys_work)
{
	Conn c;
	const std::pair<const char *, const char *> kdfs[] = {
		{"kdf108-ctr-hmac-sha-256", "SHA256"},
		{"kdf108-ctr-hmac-sha-384", "SHA384"},
		{"kdf108-ctr-hmac-sha-512", "SHA512"},
	};
	Bytes key = pattern(64, 77), info = pattern(40, 3);
	// Exportable, so that what is derived from it may be exported.
	__u64 base = must_key(c, "secret", HSM_PERM_DERIVE, &key, HSM_KEY_F_EXPORTABLE);
	__u64 sensitive = must_key(c, "secret", HSM_PERM_DERIVE, &key);
	cr_expect_eq(derive(c, sensitive, kdfs[0].first, "secret", HSM_PERM_EXPORT,
			    HSM_KEY_F_EXPORTABLE, 32, {}, info).res, -EPERM,
		     "an exportable key from a non-exportable base");
	for (auto [kdf, md] : kdfs) {
		for (uint32_t len : {16u, 32u, 100u, 1000u}) {
			Result d = derive(c, base, kdf, "secret", HSM_PERM_EXPORT,
					  HSM_KEY_F_EXPORTABLE, len, {}, info);
			cr_assert_eq(d.res, 0, "%s %u: %ld", kdf, len, d.res);
			cr_expect(export_key(c, d.resp.value, len) == openssl_kbkdf(md, key, info, len),
				  "%s, %u bytes", kdf, len);
			c.release(d.resp.value);
		}
	}

	// A derived AES key is usable, and equal derivations give equal keys.
	Result a = derive(c, base, "hkdf-sha-256", "aes-256-gcm", kAead, 0, 0, pattern(8, 1), info);
	Result b = derive(c, base, "hkdf-sha-256", "aes-256-gcm", kAead, 0, 0, pattern(8, 1), info);
	cr_assert_eq(a.res, 0);
	cr_assert_eq(b.res, 0);
	hsm_op op = aead_op(c, a.resp.value, pattern(50, 2));
	cr_assert_eq(c.run(HSM_IOC_SEAL, op).res, 50);
	op.handle = b.resp.value;
	op.in = c.put(kIn, c.get(op.out));
	op.out = op.in;
	cr_expect_eq(c.run(HSM_IOC_OPEN, op).res, 50);
	cr_expect(c.get(op.in) == pattern(50, 2));
}

Test(derive, errors)
{
	Conn c;
	Bytes key = pattern(32, 1);
	__u64 base = must_key(c, "secret", HSM_PERM_DERIVE, &key);
	__u64 noderive = must_key(c, "secret", HSM_PERM_EXPORT, &key);
	__u64 gcm = must_key(c, "aes-256-gcm", kAead);

	Result r = derive(c, noderive, "hkdf-sha-256", "secret", 0, 0, 32, {}, {});
	cr_expect_eq(r.res, -EPERM);
	cr_expect_eq(r.resp.status, HSM_STATUS_NOT_PERMITTED);
	cr_expect_eq(derive(c, gcm, "hkdf-sha-256", "secret", 0, 0, 32, {}, {}).res, -EPERM,
		     "a GCM key cannot have DERIVE");
	cr_expect_eq(derive(c, base, "hkdf-md5", "secret", 0, 0, 32, {}, {}).res, -EOPNOTSUPP);
	cr_expect_eq(derive(c, base, "sha-256", "secret", 0, 0, 32, {}, {}).res, -EINVAL,
		     "a hash is not a KDF");
	cr_expect_eq(derive(c, base, "hkdf-sha-256", "secret", 0, 0, 0, {}, {}).res, -EINVAL,
		     "a secret needs a size");
	cr_expect_eq(derive(c, base, "hkdf-sha-256", "secret", 0, 0, 255 * 32 + 1, {}, {}).res,
		     -EINVAL, "longer than HKDF can give");
	cr_expect_eq(derive(c, base, "kdf108-ctr-hmac-sha-256", "secret", 0, 0, 32,
			    pattern(4, 0), {}).res, -EINVAL, "SP800-108 takes no salt");
	cr_expect_eq(derive(c, base, "kdf108-ctr-hmac-sha-512", "secret", 0, 0, 32, {}, {}).res,
		     -EINVAL, "a 32-byte key for HMAC-SHA-512 KDF108");
	cr_expect_eq(derive(c, 12345, "hkdf-sha-256", "secret", 0, 0, 32, {}, {}).res, -ENOENT);
	cr_expect_eq(derive(c, base, "hkdf-sha-256", "aes-256-gcm", HSM_PERM_SIGN, 0, 0, {}, {}).res,
		     -EINVAL, "a permission the new key's algorithm cannot use");
}

namespace {

Bytes public_key(Conn &c, __u64 id, uint32_t len)
{
	hsm_op op{};
	op.handle = id;
	op.resp_off = HSM_RESP_NONE;
	op.out = {kOut, len};
	cr_assert_eq(c.run(HSM_IOC_KEY_PUBLIC, op).res, (long)len);
	return c.get(op.out);
}

}  // namespace

Test(agree, generated_keys_agree_both_ways)
{
	Conn c;
	const std::tuple<const char *, uint32_t, uint32_t> algs[] = {
		{"x25519", 32, 32}, {"ecdh-p256", 64, 32}, {"ecdh-p384", 96, 48},
	};
	for (auto [alg, pub_len, secret_len] : algs) {
		// Exportable, so that the secrets they agree may be exported.
		__u64 a = must_key(c, alg, HSM_PERM_AGREE, nullptr, HSM_KEY_F_EXPORTABLE);
		__u64 b = must_key(c, alg, HSM_PERM_AGREE, nullptr, HSM_KEY_F_EXPORTABLE);
		Bytes pa = public_key(c, a, pub_len), pb = public_key(c, b, pub_len);
		cr_expect(pa != pb, "%s", alg);
		Result ab = agree_with(c, a, pb), ba = agree_with(c, b, pa);
		cr_assert_eq(ab.res, 0, "%s: %ld", alg, ab.res);
		cr_assert_eq(ba.res, 0, "%s: %ld", alg, ba.res);
		cr_expect(export_key(c, ab.resp.value, secret_len) ==
			  export_key(c, ba.resp.value, secret_len), "%s: secrets differ", alg);
	}
}

Test(agree, p256_public_key_matches_openssl)
{
	Conn c;
	Bytes d = unhex("0612465c89a023ab17855b0a6bcebfd3febb53aef84138647b5352e02c10c346");
	__u64 id = must_key(c, "ecdh-p256", HSM_PERM_AGREE, &d);
	Bytes pub = public_key(c, id, 64);

	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	EC_POINT *q = EC_POINT_new(g);
	BIGNUM *k = BN_bin2bn(d.data(), d.size(), nullptr);
	cr_assert(EC_POINT_mul(g, q, k, nullptr, nullptr, nullptr));
	Bytes want(65);
	EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, want.data(), 65, nullptr);
	cr_expect(Bytes(want.begin() + 1, want.end()) == pub);
	BN_free(k);
	EC_POINT_free(q);
	EC_GROUP_free(g);
}

Test(agree, errors)
{
	Conn c;
	__u64 x = must_key(c, "x25519", HSM_PERM_AGREE, nullptr, HSM_KEY_F_EXPORTABLE);
	__u64 noagree = must_key(c, "x25519", HSM_PERM_EXPORT);
	__u64 p256 = must_key(c, "ecdh-p256", HSM_PERM_AGREE, nullptr, HSM_KEY_F_EXPORTABLE);
	__u64 sensitive = must_key(c, "x25519", HSM_PERM_AGREE);
	__u64 gcm = must_key(c, "aes-256-gcm", kAead);
	Bytes px = public_key(c, x, 32), pp = public_key(c, p256, 64);

	cr_expect_eq(agree_with(c, noagree, px).res, -EPERM);
	cr_expect_eq(agree_with(c, sensitive, px).res, -EPERM,
		     "an exportable secret from a non-exportable key");
	cr_expect_eq(agree_with(c, x, Bytes(31, 9)).res, -EINVAL, "short peer key");
	cr_expect_eq(agree_with(c, x, Bytes(32, 0)).res, -EINVAL, "low-order peer: zero secret");
	cr_expect_eq(agree_with(c, p256, px).res, -EINVAL, "an X25519 key on P-256");
	Bytes off = pp;
	off[63] ^= 1;
	cr_expect_eq(agree_with(c, p256, off).res, -EINVAL, "a point off the curve");
	cr_expect_eq(agree_with(c, gcm, px).res, -EINVAL, "not a key-agreement key");
	cr_expect_eq(agree_with(c, x, px, HSM_PERM_ENCRYPT).res, -EINVAL,
		     "a secret cannot encrypt");

	hsm_op op{};
	op.handle = x;
	op.resp_off = HSM_RESP_NONE;
	op.out = {kOut, 31};
	cr_expect_eq(c.run(HSM_IOC_KEY_PUBLIC, op).res, -EOVERFLOW);
	op.handle = gcm;
	op.out.len = 64;
	cr_expect_eq(c.run(HSM_IOC_KEY_PUBLIC, op).res, -EINVAL);

	Bytes n = unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
	cr_expect_eq(c.key("ecdh-p256", HSM_PERM_AGREE, &n).res, -EINVAL, "d = n");
	Bytes zero(32, 0);
	cr_expect_eq(c.key("ecdh-p256", HSM_PERM_AGREE, &zero).res, -EINVAL, "d = 0");
}

Test(rsa, sign_3072_verifies_with_openssl_and_errors)
{
	Conn c;
	EVP_PKEY *pk = EVP_RSA_gen(3072);
	cr_assert_not_null(pk);
	auto [priv, pub] = rsa_der(pk);
	__u64 k = must_key(c, "rsa-pkcs1-sha384", HSM_PERM_SIGN | HSM_PERM_VERIFY, &priv);
	Bytes msg = pattern(5000, 3);

	hsm_op op{};
	op.handle = k;
	op.resp_off = HSM_RESP_NONE;
	op.in = c.put(kIn, msg);
	op.out = {kOut, 383};
	cr_expect_eq(c.run(HSM_IOC_SIGN, op).res, -EOVERFLOW);
	op.out.len = 384;
	cr_assert_eq(c.run(HSM_IOC_SIGN, op).res, 384);
	Bytes sig = c.get(op.out);

	EVP_MD_CTX *v = EVP_MD_CTX_new();
	cr_assert(EVP_DigestVerifyInit(v, nullptr, EVP_sha384(), nullptr, pk));
	cr_expect_eq(EVP_DigestVerify(v, sig.data(), sig.size(), msg.data(), msg.size()), 1,
		     "OpenSSL verifies the module's signature");
	EVP_MD_CTX_free(v);

	// Verify with a public-only key; a flipped bit fails.
	__u64 vk = must_key(c, "rsa-pkcs1-sha384", HSM_PERM_VERIFY, &pub);
	hsm_op ver{};
	ver.handle = vk;
	ver.resp_off = 1024;
	ver.in = op.in;
	ver.tag = c.put(kTag, sig);
	cr_expect_eq(c.run(HSM_IOC_VERIFY, ver).res, 0);
	c.at(kTag)[100] ^= 4;
	Result r = c.run(HSM_IOC_VERIFY, ver);
	cr_expect_eq(r.res, -EBADMSG);
	cr_expect_eq(r.resp.status, HSM_STATUS_AUTH_FAILED);
	ver.tag.len = 383;
	cr_expect_eq(c.run(HSM_IOC_VERIFY, ver).res, -EBADMSG, "short signature");

	cr_expect_eq(c.key("rsa-pkcs1-sha384", HSM_PERM_SIGN, &pub).res, -EINVAL,
		     "a public key cannot sign");
	op.handle = vk;
	cr_expect_eq(c.run(HSM_IOC_SIGN, op).res, -EPERM);
	cr_expect_eq(c.key("rsa-pkcs1-sha256", HSM_PERM_SIGN).res, -EOPNOTSUPP,
		     "the kernel cannot generate RSA keys");
	Bytes junk = pattern(300, 1);
	cr_expect_eq(c.key("rsa-pkcs1-sha256", HSM_PERM_VERIFY, &junk).res, -EINVAL);
	EVP_PKEY_free(pk);

	EVP_PKEY *small = EVP_RSA_gen(1024);
	auto [spriv, spub] = rsa_der(small);
	cr_expect_eq(c.key("rsa-pkcs1-sha256", HSM_PERM_SIGN, &spriv).res, -EINVAL, "1024 bits");
	EVP_PKEY_free(small);
}

// An allocation failing while a valid RSA key is read in says nothing
// about the key: ENOMEM, never EINVAL (fault injection only).
Test(rsa, failed_allocation_is_enomem_not_einval)
{
	FailNth fail;
	if (!fail.available())
		cr_skip_test("no fault injection (CONFIG_FAULT_INJECTION) in this kernel");
	Conn c(1 << 20, false);
	EVP_PKEY *pk = EVP_RSA_gen(2048);
	cr_assert_not_null(pk);
	auto [priv, pub] = rsa_der(pk);
	EVP_PKEY_free(pk);
	hsm_key_params p{};
	strcpy(p.alg, "rsa-pkcs1-sha256");
	p.perms = HSM_PERM_SIGN | HSM_PERM_VERIFY;
	for (unsigned n = 1; n < 1000; n++) {
		hsm_op op{};
		op.resp_off = Conn::kResp;
		op.params = c.put_struct(Conn::kParams, p);
		op.in = c.put(kIn, priv);
		fail.arm(n);
		long r = ioctl(c.fd(), HSM_IOC_KEY_IMPORT, &op);
		const int err = errno;
		const bool injected = fail.injected();
		cr_expect(r == 0 || err == ENOMEM, "fault point %u: %s", n, strerror(err));
		if (r == 0)
			c.release(reinterpret_cast<hsm_resp *>(c.at(Conn::kResp))->value);
		if (!injected)
			break;
	}
}

namespace {

Result wrap(Conn &c, __u64 wk, __u64 target, uint32_t out_len)
{
	hsm_wrap_params p{};
	p.key = target;
	hsm_op op{};
	op.handle = wk;
	op.resp_off = 1024;
	op.params = c.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	op.iv = c.put(kIv, pattern(12, 21));
	op.aad = c.put(kAad, pattern(7, 22));
	op.out = {kOut, out_len};
	op.tag = {kTag, 16};
	return c.run(HSM_IOC_KEY_WRAP, op);
}

Result unwrap(Conn &c, __u64 wk, const Bytes &wrapped, const char *alg, __u64 perms)
{
	hsm_key_params p{};
	strcpy(p.alg, alg);
	p.perms = perms;
	hsm_op op{};
	op.handle = wk;
	op.resp_off = Conn::kResp;
	op.params = c.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	op.in = c.put(kIn, wrapped);
	op.iv = c.put(kIv, pattern(12, 21));
	op.aad = c.put(kAad, pattern(7, 22));
	op.tag = {kTag, 16};
	return c.run(HSM_IOC_KEY_UNWRAP, op);
}

}  // namespace

Test(wrap, round_trip_matches_openssl_gcm)
{
	Conn c;
	Bytes wkey = pattern(32, 50), tkey = pattern(32, 60);
	__u64 wk = must_key(c, "aes-256-gcm", HSM_PERM_WRAP | HSM_PERM_UNWRAP, &wkey);
	__u64 t = must_key(c, "aes-256-gcm", kAead | HSM_PERM_EXPORT, &tkey, HSM_KEY_F_EXPORTABLE);

	Result w = wrap(c, wk, t, 64);
	cr_assert_eq(w.res, 32, "%ld", w.res);
	Bytes wrapped = c.get({kOut, 32}), tag = c.get({kTag, 16});

	// The same AES-256-GCM with OpenSSL.
	Bytes iv = pattern(12, 21), aad = pattern(7, 22), ct(32), want_tag(16);
	int n;
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	cr_assert(EVP_EncryptInit_ex(x, EVP_aes_256_gcm(), nullptr, wkey.data(), iv.data()));
	cr_assert(EVP_EncryptUpdate(x, nullptr, &n, aad.data(), aad.size()));
	cr_assert(EVP_EncryptUpdate(x, ct.data(), &n, tkey.data(), tkey.size()));
	cr_assert(EVP_EncryptFinal_ex(x, ct.data() + n, &n));
	cr_assert(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, want_tag.data()));
	EVP_CIPHER_CTX_free(x);
	cr_expect(wrapped == ct);
	cr_expect(tag == want_tag);

	// Unwrapped as a non-exportable key, it encrypts like the original.
	Result u = unwrap(c, wk, wrapped, "aes-256-gcm", kAead);
	cr_assert_eq(u.res, 0, "%ld", u.res);
	hsm_op a = aead_op(c, t, pattern(40, 1));
	cr_assert_eq(c.run(HSM_IOC_SEAL, a).res, 40);
	Bytes first = c.get(a.out);
	a.handle = u.resp.value;
	cr_assert_eq(c.run(HSM_IOC_SEAL, a).res, 40);
	cr_expect(c.get(a.out) == first);
	hsm_op ex{};
	ex.handle = u.resp.value;
	ex.resp_off = HSM_RESP_NONE;
	ex.out = {kOut, 32};
	cr_expect_eq(c.run(HSM_IOC_KEY_EXPORT, ex).res, -EPERM, "unwrapped as non-exportable");
}

Test(wrap, errors)
{
	Conn c;
	__u64 wk = must_key(c, "chacha20-poly1305", HSM_PERM_WRAP | HSM_PERM_UNWRAP);
	__u64 nowrap = must_key(c, "aes-256-gcm", kAead);
	__u64 hmac = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
	__u64 locked = must_key(c, "aes-128-ctr", kAead | HSM_PERM_EXPORT);
	__u64 open = must_key(c, "aes-128-ctr", kAead | HSM_PERM_EXPORT, nullptr,
			      HSM_KEY_F_EXPORTABLE);

	cr_expect_eq(wrap(c, wk, locked, 16).res, -EPERM, "a non-exportable key never leaves");
	cr_expect_eq(wrap(c, nowrap, open, 16).res, -EPERM, "no WRAP permission");
	cr_expect_eq(wrap(c, hmac, open, 16).res, -EINVAL, "an HMAC key does not wrap");
	cr_expect_eq(wrap(c, wk, open, 15).res, -EOVERFLOW);
	cr_expect_eq(wrap(c, wk, 4242, 16).res, -ENOENT);
	cr_assert_eq(wrap(c, wk, open, 16).res, 16);

	Bytes wrapped = c.get({kOut, 16});
	c.at(kTag)[0] ^= 1;
	Result u = unwrap(c, wk, wrapped, "aes-128-ctr", kAead);
	cr_expect_eq(u.res, -EBADMSG);
	cr_expect_eq(u.resp.status, HSM_STATUS_AUTH_FAILED);
	c.at(kTag)[0] ^= 1;
	cr_expect_eq(unwrap(c, wk, wrapped, "aes-256-ctr", kAead).res, -EINVAL, "wrong length");
	cr_expect_eq(unwrap(c, nowrap, wrapped, "aes-128-ctr", kAead).res, -EPERM);
	cr_expect_eq(unwrap(c, wk, wrapped, "aes-128-ctr", kAead).res, 0);
}

namespace {

// KEY_WRAP / KEY_UNWRAP with an AES-KW key: no iv, aad or tag.
Result kw_wrap(Conn &c, __u64 wk, __u64 target, uint32_t out_len)
{
	hsm_wrap_params p{};
	p.key = target;
	hsm_op op{};
	op.handle = wk;
	op.resp_off = 1024;
	op.params = c.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	op.out = {kOut, out_len};
	return c.run(HSM_IOC_KEY_WRAP, op);
}

Result kw_unwrap(Conn &c, __u64 wk, const Bytes &wrapped, const char *alg, __u64 perms,
		 __u32 flags = 0)
{
	hsm_key_params p{};
	strcpy(p.alg, alg);
	p.perms = perms;
	p.flags = flags;
	hsm_op op{};
	op.handle = wk;
	op.resp_off = Conn::kResp;
	op.params = c.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	op.in = c.put(kIn, wrapped);
	return c.run(HSM_IOC_KEY_UNWRAP, op);
}

}  // namespace

// RFC 3394, section 4: 128-bit data under 128-, 192- and 256-bit KEKs, and
// 256-bit data under a 256-bit KEK.
Test(wrap, aes_kw_rfc3394_vectors)
{
	struct {
		const char *alg, *kek, *data, *wrapped;
	} v[] = {
		{"aes-128-kw", "000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF",
		 "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"},
		{"aes-192-kw", "000102030405060708090A0B0C0D0E0F1011121314151617",
		 "00112233445566778899AABBCCDDEEFF",
		 "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D"},
		{"aes-256-kw", "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
		 "00112233445566778899AABBCCDDEEFF",
		 "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7"},
		{"aes-256-kw", "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
		 "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
		 "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"},
	};
	Conn c;
	for (auto &t : v) {
		Bytes kek = unhex(t.kek), data = unhex(t.data), want = unhex(t.wrapped);
		// Exportable, so that what it unwraps may be exported.
		__u64 wk = must_key(c, t.alg, HSM_PERM_WRAP | HSM_PERM_UNWRAP, &kek,
				    HSM_KEY_F_EXPORTABLE);
		__u64 target = must_key(c, "secret", HSM_PERM_DERIVE | HSM_PERM_EXPORT, &data,
					HSM_KEY_F_EXPORTABLE);
		Result w = kw_wrap(c, wk, target, 64);
		cr_assert_eq(w.res, (long)want.size(), "%s: %ld", t.alg, w.res);
		cr_expect(c.get({kOut, (uint32_t)want.size()}) == want, "%s wraps as RFC 3394", t.alg);

		Result u = kw_unwrap(c, wk, want, "secret", HSM_PERM_DERIVE | HSM_PERM_EXPORT,
				     HSM_KEY_F_EXPORTABLE);
		cr_assert_eq(u.res, 0, "%s: %ld", t.alg, u.res);
		cr_expect(export_key(c, u.resp.value, data.size()) == data, "%s unwraps", t.alg);
	}
}

Test(wrap, aes_kw_matches_openssl_and_errors)
{
	Conn c;
	Bytes kek = pattern(32, 90);
	__u64 wk = must_key(c, "aes-256-kw", HSM_PERM_WRAP | HSM_PERM_UNWRAP, &kek);
	Bytes tkey = pattern(32, 91);
	__u64 t = must_key(c, "aes-256-gcm", kAead | HSM_PERM_EXPORT, &tkey, HSM_KEY_F_EXPORTABLE);

	cr_assert_eq(kw_wrap(c, wk, t, 40).res, 40);
	Bytes wrapped = c.get({kOut, 40});
	Bytes want(40);
	int n = 0, m = 0;
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	cr_assert(EVP_EncryptInit_ex(x, EVP_aes_256_wrap(), nullptr, kek.data(), nullptr));
	cr_assert(EVP_EncryptUpdate(x, want.data(), &n, tkey.data(), tkey.size()));
	cr_assert(EVP_EncryptFinal_ex(x, want.data() + n, &m));
	EVP_CIPHER_CTX_free(x);
	cr_assert_eq(n + m, 40);
	cr_expect(wrapped == want, "the same bytes as OpenSSL's id-aes256-wrap");

	// Unwrapped as a non-exportable key, it seals like the original.
	Result u = kw_unwrap(c, wk, wrapped, "aes-256-gcm", kAead);
	cr_assert_eq(u.res, 0, "%ld", u.res);
	hsm_op a = aead_op(c, t, pattern(40, 1));
	cr_assert_eq(c.run(HSM_IOC_SEAL, a).res, 40);
	Bytes first = c.get(a.out);
	a.handle = u.resp.value;
	cr_assert_eq(c.run(HSM_IOC_SEAL, a).res, 40);
	cr_expect(c.get(a.out) == first);

	// Integrity: any flipped bit is EBADMSG.
	for (size_t i : {size_t(0), size_t(7), size_t(8), size_t(39)}) {
		Bytes bad = wrapped;
		bad[i] ^= 0x10;
		Result r = kw_unwrap(c, wk, bad, "aes-256-gcm", kAead);
		cr_expect_eq(r.res, -EBADMSG, "byte %zu flipped: %ld", i, r.res);
		cr_expect_eq(r.resp.status, HSM_STATUS_AUTH_FAILED);
	}

	cr_expect_eq(kw_wrap(c, wk, t, 39).res, -EOVERFLOW, "out shorter than key + 8");
	__u64 locked = must_key(c, "aes-256-gcm", kAead | HSM_PERM_EXPORT);
	cr_expect_eq(kw_wrap(c, wk, locked, 40).res, -EPERM, "a non-exportable key never leaves");
	Bytes eight = pattern(8, 3);
	__u64 short_key = must_key(c, "secret", HSM_PERM_EXPORT, &eight, HSM_KEY_F_EXPORTABLE);
	cr_expect_eq(kw_wrap(c, wk, short_key, 40).res, -EINVAL, "RFC 3394 needs 16 bytes or more");
	Bytes odd = pattern(20, 3);
	__u64 odd_key = must_key(c, "secret", HSM_PERM_EXPORT, &odd, HSM_KEY_F_EXPORTABLE);
	cr_expect_eq(kw_wrap(c, wk, odd_key, 40).res, -EINVAL, "not a multiple of 8: needs KWP");
	cr_expect_eq(kw_unwrap(c, wk, Bytes(wrapped.begin(), wrapped.end() - 4), "secret",
			       HSM_PERM_EXPORT).res, -EINVAL, "truncated");
	cr_expect_eq(kw_unwrap(c, wk, wrapped, "aes-128-gcm", kAead).res, -EINVAL,
		     "32 bytes are no AES-128 key");

	// An AES-KW key wraps and does nothing else.
	hsm_op e{};
	e.handle = wk;
	e.resp_off = HSM_RESP_NONE;
	e.iv = c.put(kIv, pattern(16, 1));
	e.in = c.put(kIn, pattern(16, 2));
	e.out = {kOut, 16};
	cr_expect_eq(c.run(HSM_IOC_ENCRYPT, e).res, -EINVAL);
	cr_expect_eq(c.key("aes-256-kw", HSM_PERM_ENCRYPT).res, -EINVAL, "no ENCRYPT permission");
	__u64 nowrap = must_key(c, "aes-256-kw", HSM_PERM_UNWRAP);
	cr_expect_eq(kw_wrap(c, nowrap, t, 40).res, -EPERM);
	// An AEAD wrapping request's iv, aad and tag mean nothing to AES-KW.
	hsm_wrap_params p{};
	p.key = t;
	hsm_op op{};
	op.handle = wk;
	op.resp_off = HSM_RESP_NONE;
	op.params = c.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	op.out = {kOut, 40};
	op.iv = c.put(kIv, pattern(12, 1));
	cr_expect_eq(c.run(HSM_IOC_KEY_WRAP, op).res, -EINVAL);
}

namespace {

std::vector<hsm_key_info> key_list(Conn &c, __u32 flags = 0, __u32 room = 64, long *total = nullptr)
{
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.flags = flags;
	op.out = {kOut, room * (__u32)sizeof(hsm_key_info)};
	long n = c.run(HSM_IOC_KEY_LIST, op).res;
	if (total)
		*total = n;
	if (n < 0)
		return {};
	auto *p = reinterpret_cast<hsm_key_info *>(c.at(kOut));
	return std::vector<hsm_key_info>(p, p + std::min<long>(n, room));
}

}  // namespace

Test(keys, key_list_shows_metadata_never_material)
{
	Conn a, b;
	Bytes m = pattern(32, 5);
	__u64 k1 = must_key(a, "aes-256-gcm", kAead, &m);
	__u64 k2 = must_key(a, "hmac-sha-384", HSM_PERM_SIGN | HSM_PERM_EXPORT, nullptr,
			    HSM_KEY_F_EXPORTABLE, 48);
	auto keys = key_list(a);
	cr_assert_eq(keys.size(), 2u);
	cr_expect_eq(keys[0].id, k1);
	cr_expect_str_eq(keys[0].alg, "aes-256-gcm");
	cr_expect_eq(keys[0].perms, kAead);
	cr_expect_eq(keys[0].key_len, 32u);
	cr_expect_eq(keys[0].users, 0u);
	cr_expect_eq(keys[1].id, k2);
	cr_expect_eq(keys[0].flags, 0u, "imported: not LOCAL");
	cr_expect_eq(keys[1].flags, (__u32)(HSM_KEY_F_EXPORTABLE | HSM_KEY_F_LOCAL), "generated");
	cr_expect_eq(keys[1].key_len, 48u);
	for (auto &k : keys)
		cr_expect(memmem(&k, sizeof(k), m.data(), 8) == nullptr, "no material");

	// A context holds the key: one user besides the table.
	hsm_ctx_params p{};
	strcpy(p.alg, "hmac-sha-384");
	p.op = HSM_CTX_MAC;
	hsm_op op{};
	op.handle = k2;
	op.resp_off = Conn::kResp;
	op.params = a.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	cr_assert_eq(a.run(HSM_IOC_CTX_CREATE, op).res, 0);
	cr_expect_eq(key_list(a)[1].users, 1u);

	// Room for one: the count is still the whole.
	long total = 0;
	cr_expect_eq(key_list(a, 0, 1, &total).size(), 1u);
	cr_expect_eq(total, 2);

	// b sees only its own; with ALL_CONNECTIONS (root) a's too, without IDs.
	cr_expect(key_list(b).empty());
	__u64 kb = must_key(b, "aes-128-ctr", kAead);
	auto all = key_list(b, HSM_OP_F_ALL_CONNECTIONS);
	unsigned from_a = 0, from_b = 0;
	for (auto &k : all) {
		if (k.id == kb)
			from_b++;
		else if (k.id == 0 && (!strcmp(k.alg, "aes-256-gcm") || !strcmp(k.alg, "hmac-sha-384")))
			from_a++;
		cr_expect(k.id == 0 || k.id == kb, "another connection's ID never shows");
	}
	cr_expect_eq(from_b, 1u);
	cr_expect_geq(from_a, 2u);
	hsm_op bad{};
	bad.resp_off = HSM_RESP_NONE;
	bad.flags = 1U << 7;
	bad.out = {kOut, 4096};
	cr_expect_eq(b.run(HSM_IOC_KEY_LIST, bad).res, -EINVAL, "unknown flag");

	// Without CAP_SYS_ADMIN, every connection's keys are EPERM.
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		// Rights are the opener's: open only once CAP_SYS_ADMIN is gone.
		if (!drop_cap_sys_admin())
			_exit(10);
		Conn c;
		long n = 0;
		key_list(c, HSM_OP_F_ALL_CONNECTIONS, 64, &n);
		_exit(n == -EPERM ? 0 : 11);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit %d",
		  WEXITSTATUS(status));

	FILE *f = popen("hsmctl keys --connections", "r");
	cr_assert_not_null(f);
	char buf[8192] = "";
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	cr_expect_eq(pclose(f), 0);
	cr_expect_not_null(strstr(buf, "hmac-sha-384"), "%s", buf);
	cr_expect_not_null(strstr(buf, "sign,export"), "%s", buf);
}

namespace {

Result bench(Conn &c, hsm_op op, __u32 cmd, __u32 iterations, const char *alg = "")
{
	hsm_bench_params p{};
	strncpy(p.alg, alg, sizeof(p.alg) - 1);
	p.cmd = cmd;
	p.iterations = iterations;
	op.resp_off = Conn::kResp;
	op.params = c.put(1024 + 512, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	return c.run(HSM_IOC_BENCH, op);
}

}  // namespace

Test(ops, bench_runs_the_real_operation_in_the_module)
{
	Conn c;
	Bytes key = pattern(32, 7);
	__u64 k = must_key(c, "aes-256-gcm", kAead, &key);
	hsm_op one = aead_op(c, k, pattern(64, 3));
	cr_assert_eq(c.run(HSM_IOC_SEAL, one).res, 64);
	Bytes ct = c.get(one.out), tag = c.get(one.tag);
	memset(c.at(kOut), 0, 64);

	hsm_op b = aead_op(c, k, pattern(64, 3));
	Result r = bench(c, b, HSM_IOC_SEAL, 1000);
	cr_assert_eq(r.res, 1000, "%ld", r.res);
	cr_expect_gt(r.resp.value, 0u, "nanoseconds");
	cr_expect(c.get(b.out) == ct && c.get(b.tag) == tag, "the same ciphertext as SEAL");

	__u64 h = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
	hsm_op m{};
	m.handle = h;
	m.in = c.put(kIn, pattern(1024, 1));
	m.out = {kOut, 32};
	cr_expect_eq(bench(c, m, HSM_IOC_MAC, 10).res, 10);
	hsm_op d{};
	d.in = m.in;
	d.out = {kOut, 32};
	cr_expect_eq(bench(c, d, HSM_IOC_DIGEST, 10, "sha-256").res, 10);
	Bytes want(32);
	unsigned int wl = 0;
	Bytes msg = pattern(1024, 1);
	EVP_Digest(msg.data(), msg.size(), want.data(), &wl, EVP_sha256(), nullptr);
	cr_expect(c.get(d.out) == want);

	// Errors: as the real command, plus the benchmark's own.
	cr_expect_eq(bench(c, b, HSM_IOC_SEAL, 0).res, -EINVAL, "no iterations");
	cr_expect_eq(bench(c, b, HSM_IOC_SEAL, HSM_BENCH_MAX_ITERATIONS + 1).res, -EINVAL);
	cr_expect_eq(bench(c, b, HSM_IOC_ENCRYPT, 1).res, -EINVAL, "not a benchmarked command");
	cr_expect_eq(bench(c, d, HSM_IOC_DIGEST, 1, "sha-999").res, -EOPNOTSUPP);
	cr_expect_eq(bench(c, d, HSM_IOC_DIGEST, 1).res, -EINVAL, "DIGEST names its hash");
	cr_expect_eq(bench(c, m, HSM_IOC_SEAL, 1).res, -EINVAL, "an HMAC key does not seal");
	__u64 dec = must_key(c, "aes-256-gcm", HSM_PERM_DECRYPT, &key);
	b.handle = dec;
	cr_expect_eq(bench(c, b, HSM_IOC_SEAL, 1).res, -EPERM);
	b.handle = k;
	b.out = {kOut, 63};
	cr_expect_eq(bench(c, b, HSM_IOC_SEAL, 1).res, -EINVAL, "out shorter than in");
}

Test(ops, vector_runs_each_entry_as_if_alone)
{
	Conn c(4 << 20);
	Bytes key = pattern(32, 9);
	__u64 k = must_key(c, "aes-256-gcm", kAead, &key);
	__u64 h = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
	constexpr unsigned n = 64;
	constexpr uint32_t kVec = 1 << 20, kRec = 2 << 20, kData = 3 << 20;
	c.put(kIv, pattern(12, 1));

	std::vector<hsm_vec_entry> v(n);
	for (unsigned i = 0; i < n; i++) {
		hsm_op &op = v[i].op;
		op.resp_off = kRec + i * 32;
		op.in = c.put(kData + i * 256, pattern(64, static_cast<uint8_t>(i)));
		op.out = {kData + i * 256 + 64, i % 2 ? 32u : 64u};
		if (i % 2) {
			v[i].cmd = HSM_IOC_MAC;
			op.handle = h;
		} else {
			v[i].cmd = HSM_IOC_SEAL;
			op.handle = k;
			op.iv = {kIv, 12};
			op.tag = {kData + i * 256 + 128, 16};
		}
	}
	v[5].op.handle = 4242;	/* one entry fails alone */
	auto put_vec = [&] {
		memset(c.at(kRec), 0xee, n * 32);
		hsm_op op{};
		op.resp_off = HSM_RESP_NONE;
		op.in = c.put(kVec, {reinterpret_cast<uint8_t *>(v.data()), v.size() * sizeof(v[0])});
		return op;
	};
	hsm_op vec = put_vec();
	cr_assert_eq(c.run(HSM_IOC_VECTOR, vec).res, (long)n);
	for (unsigned i = 0; i < n; i++) {
		auto *r = reinterpret_cast<hsm_resp *>(c.at(kRec + i * 32));
		long want = i == 5 ? -ENOENT : i % 2 ? 32 : 64;
		cr_expect_eq(r->result, want, "entry %u: %d", i, r->result);
		if (i == 5 || r->result < 0)
			continue;
		// The same answer as the command alone.
		hsm_op alone = v[i].op;
		alone.resp_off = HSM_RESP_NONE;
		alone.out.off = kData + 255 * 256;
		if (i % 2 == 0)
			alone.tag.off = kData + 255 * 256 + 128;
		cr_assert_eq(c.run(v[i].cmd, alone).res, want);
		cr_expect(c.get(alone.out) == c.get(v[i].op.out), "entry %u output", i);
	}

	// One malformed entry: nothing runs, no record is written.
	auto untouched = [&] {
		for (unsigned i = 0; i < n; i++)
			if (reinterpret_cast<hsm_resp *>(c.at(kRec + i * 32))->status != 0xeeeeeeee)
				return false;
		return true;
	};
	for (int bad = 0; bad < 5; bad++) {
		auto saved = v[9];
		switch (bad) {
		case 0: v[9].cmd = HSM_IOC_VECTOR; break;
		case 1: v[9].op.resp_off = HSM_RESP_NONE; break;
		case 2: v[9].op.out.off = 0xfffff000; break;
		case 3: v[9].cmd = HSM_IOC_GET_INFO; break;
		case 4: v[9].reserved0 = 1; break;
		}
		vec = put_vec();
		cr_expect_eq(c.run(HSM_IOC_VECTOR, vec).res, -EINVAL, "malformed entry (%d)", bad);
		cr_expect(untouched(), "no entry ran (%d)", bad);
		v[9] = saved;
	}
	vec = put_vec();
	vec.in.len = 0;
	cr_expect_eq(c.run(HSM_IOC_VECTOR, vec).res, -EINVAL, "empty");
	vec.in.len = sizeof(hsm_vec_entry) * n - 1;
	cr_expect_eq(c.run(HSM_IOC_VECTOR, vec).res, -EINVAL, "not whole entries");
	std::vector<hsm_vec_entry> big(HSM_VECTOR_MAX + 1, v[0]);
	hsm_op bop{};
	bop.resp_off = HSM_RESP_NONE;
	bop.in = c.put(kVec, {reinterpret_cast<uint8_t *>(big.data()), big.size() * sizeof(big[0])});
	cr_expect_eq(c.run(HSM_IOC_VECTOR, bop).res, -EINVAL, "above HSM_VECTOR_MAX");

	// Through ioctl too, and with an entry that must leave the inline path.
	Conn s(4 << 20, false);
	__u64 k2 = must_key(s, "aes-256-gcm", kAead, &key);
	hsm_vec_entry e{};
	e.cmd = HSM_IOC_SEAL;
	e.op.handle = k2;
	e.op.resp_off = kRec;
	e.op.iv = s.put(kIv, pattern(12, 1));
	e.op.in = s.put(kData, pattern(8192, 1));
	e.op.out = {kData + 8192, 8192};
	e.op.tag = {kData + 16384, 16};
	hsm_op one{};
	one.resp_off = HSM_RESP_NONE;
	one.in = s.put(kVec, {reinterpret_cast<uint8_t *>(&e), sizeof(e)});
	cr_expect_eq(s.run(HSM_IOC_VECTOR, one).res, 1);
	cr_expect_eq(reinterpret_cast<hsm_resp *>(s.at(kRec))->result, 8192);
	// Through io_uring, the 8 KiB entry takes its vector to io-wq.
	e.op.handle = k;
	c.put(kIv, pattern(12, 1));
	c.put(kData, pattern(8192, 1));
	memset(c.at(kRec), 0xee, 32);
	c.put(kVec, {reinterpret_cast<uint8_t *>(&e), sizeof(e)});
	cr_expect_eq(c.run(HSM_IOC_VECTOR, one).res, 1);
	cr_expect_eq(reinterpret_cast<hsm_resp *>(c.at(kRec))->result, 8192);
	cr_expect(c.get({kData + 8192, 8192}) == s.get({kData + 8192, 8192}), "same ciphertext");

	// With a record of its own, the vector answers there too, once its
	// entries have (here after its trip through io-wq).
	one.resp_off = Conn::kResp;
	Result own = c.run(HSM_IOC_VECTOR, one);
	cr_expect_eq(own.res, 1);
	cr_expect_eq(own.resp.result, 1, "the vector's own record: %d", own.resp.result);
	cr_expect_eq(own.resp.status, HSM_STATUS_OK);
}
