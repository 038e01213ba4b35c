// SPDX-License-Identifier: GPL-2.0 OR MIT
// Keys the worker serves (ECDSA, Ed25519, RSA-PSS), and the ECDH the
// kernel cannot compute: made and kept by the module, computed by hsmd,
// checked here by OpenSSL as an outsider would; and what happens when the
// worker is missing, killed or hung.
#include <atomic>
#include <chrono>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <memory>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>

#include "hsm_conn.hpp"
#include "worker.hpp"
#include "wycheproof.hpp"

using namespace hsmtest;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint32_t kIn = 4096, kOut = 8192, kTag = 12288;
constexpr __u64 kSignVerify = HSM_PERM_SIGN | HSM_PERM_VERIFY;

Result sign(Conn &c, __u64 key, const Bytes &msg, __u32 flags = 0, __u32 out_len = 1024,
	    __u32 timeout_ms = 0)
{
	hsm_op op{};
	op.handle = key;
	op.flags = flags;
	op.timeout_ms = timeout_ms;
	op.resp_off = Conn::kResp;
	op.in = c.put(kIn, msg);
	op.out = {kOut, out_len};
	return c.run(HSM_IOC_SIGN, op);
}

long verify(Conn &c, __u64 key, const Bytes &msg, const Bytes &sig, __u32 flags = 0)
{
	hsm_op op{};
	op.handle = key;
	op.flags = flags;
	op.resp_off = Conn::kResp;
	op.in = c.put(kIn, msg);
	op.tag = c.put(kTag, sig);
	return c.run(HSM_IOC_VERIFY, op).res;
}

Bytes public_key(Conn &c, __u64 key, __u32 flags = 0)
{
	hsm_op op{};
	op.handle = key;
	op.flags = flags;
	op.resp_off = HSM_RESP_NONE;
	op.out = {kOut, 2048};
	long n = c.run(HSM_IOC_KEY_PUBLIC, op).res;
	cr_assert_gt(n, 0, "KEY_PUBLIC: %ld", n);
	return c.get(kOut, n);
}

// OpenSSL's verdict on a signature, from the SPKI the module gave out.
bool openssl_verifies(const Bytes &spki, const char *md, const Bytes &msg, const Bytes &sig,
		      bool pss = false)
{
	const unsigned char *p = spki.data();
	EVP_PKEY *pk = d2i_PUBKEY(nullptr, &p, spki.size());
	cr_assert_not_null(pk, "the SPKI does not parse");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = nullptr;
	int ok = EVP_DigestVerifyInit(ctx, &pctx, md ? EVP_get_digestbyname(md) : nullptr,
				      nullptr, pk);
	if (ok == 1 && pss)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
	ok = ok == 1 && EVP_DigestVerify(ctx, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ok;
}

Bytes signature(Conn &c, __u64 key, const Bytes &msg, __u32 flags = 0)
{
	Result r = sign(c, key, msg, flags);
	cr_assert_gt(r.res, 0, "SIGN: %ld", r.res);
	return c.get(kOut, r.res);
}

// A P-256 ECDH vector of Wycheproof's (ecdh_secp256r1_test.json): the
// private scalar, the peer's raw point and the secret.
struct EcdhVector {
	Bytes d, peer, shared;
};

EcdhVector ecdh_vector(int tc_id)
{
	wycheproof::json doc = wycheproof::load("ecdh_secp256r1_test.json");
	for (auto &g : doc["testGroups"])
		for (auto &v : g["tests"]) {
			if (v["tcId"] != tc_id)
				continue;
			return {wycheproof::ecdh_scalar(v, 32),
				wycheproof::ecdh_point(v, "prime256v1", 32),
				wycheproof::hex(v["shared"])};
		}
	cr_assert_fail("no tcId %d", tc_id);
	return {};
}

// KEY_AGREE of the vector's key with its peer: the result, and on success
// the exported secret.
Result agree(Conn &c, const EcdhVector &v, Bytes &secret)
{
	// Exportable, for the secret it agrees to be exportable.
	__u64 priv = must_key(c, "ecdh-p256", HSM_PERM_AGREE, &v.d, HSM_KEY_F_EXPORTABLE);
	Result r = agree_with(c, priv, v.peer);
	if (r.res == 0) {
		hsm_op x{};
		x.handle = r.resp.value;
		x.resp_off = HSM_RESP_NONE;
		x.out = {kOut, 64};
		long n = c.run(HSM_IOC_KEY_EXPORT, x).res;
		cr_assert_eq(n, 32, "export of the secret: %ld", n);
		secret = c.get(kOut, n);
	}
	return r;
}

// Wycheproof's tcIds 69 (a peer point) and 329 (a private key, whose
// public key the kernel cannot make either): valid, and among the inputs
// the kernel's ECC ladder cannot compute (tests/guest/wycheproof.hpp has
// them all).
constexpr int kKernelEdgeCase = 69, kEdgeCaseKey = 329, kOrdinary = 1;

void init()
{
	start_worker();
}

} // namespace

TestSuite(worker, .init = init);

Test(worker, info_and_algs_say_who_serves)
{
	Conn c(4096, false);
	hsm_info i = c.info();
	cr_expect_gt(i.worker_slots, 0u);
	cr_expect_gt(i.worker_pid, 0u);
	hsm_alg_info algs[128];
	hsm_get_algs g{};
	g.algs_ptr = reinterpret_cast<__u64>(algs);
	g.count = 128;
	long n = hsm_raw_ioctl(c.fd(), HSM_IOC_GET_ALGS, &g);
	cr_assert_gt(n, 0);
	int seen = 0;
	for (long k = 0; k < n && k < 128; k++)
		if (algs[k].flags & HSM_ALG_F_WORKER) {
			seen++;
			cr_expect(algs[k].flags & HSM_ALG_F_SUPPORTED, "%s", algs[k].name);
		}
	cr_expect_eq(seen, 7, "ECDSA x2, Ed25519, RSA-PSS x3, RSA-OAEP");
	// The post-quantum names are known and served by nobody.
	int pq = 0;
	for (long k = 0; k < n && k < 128; k++)
		if (!strcmp(algs[k].name, "ml-dsa-65") || !strcmp(algs[k].name, "ml-kem-768")) {
			pq++;
			cr_expect(!(algs[k].flags & HSM_ALG_F_SUPPORTED), "%s", algs[k].name);
		}
	cr_expect_eq(pq, 2);
}

// hsmd's start-up probe says what this system's OpenSSL has, as the
// test's own fetch finds it (on Debian 12's OpenSSL 3.0: neither).
Test(worker, start_up_probes_openssl_for_post_quantum_schemes)
{
	std::ifstream log("/tmp/hsmd.log");
	std::string line, said;
	while (std::getline(log, line))
		if (line.find("hsmd: post-quantum in ") == 0)
			said = line;
	cr_assert(!said.empty(), "hsmd said nothing of post-quantum schemes");
	for (const char *t : {"ML-DSA-65", "ML-KEM-768"}) {
		EVP_KEYMGMT *m = EVP_KEYMGMT_fetch(nullptr, t, nullptr);
		std::string want = std::string(t) + (m ? " present" : " absent");
		EVP_KEYMGMT_free(m);
		cr_expect(said.find(want) != std::string::npos, "'%s' does not say '%s'", said.c_str(),
			  want.c_str());
	}
	cr_expect(said.find(OpenSSL_version(OPENSSL_VERSION)) != std::string::npos);
	cr_expect(said.find("; not served") != std::string::npos);
}

Test(worker, ecdsa_signatures_verify_in_openssl)
{
	Conn c;
	const Bytes msg = pattern(1000, 3);
	struct { const char *alg, *md; size_t raw; } curves[] = {
		{"ecdsa-p256-sha256", "SHA256", 64}, {"ecdsa-p384-sha384", "SHA384", 96}};
	for (auto &k : curves) {
		__u64 key = must_key(c, k.alg, kSignVerify);
		Bytes spki = public_key(c, key);
		Bytes der = signature(c, key, msg);
		cr_expect(openssl_verifies(spki, k.md, msg, der), "%s", k.alg);
		cr_expect_eq(verify(c, key, msg, der), 0);
		Bytes raw = signature(c, key, msg, HSM_OP_F_RAW);
		cr_expect_eq(raw.size(), k.raw);
		cr_expect_eq(verify(c, key, msg, raw, HSM_OP_F_RAW), 0);
		der.back() ^= 1;
		cr_expect_eq(verify(c, key, msg, der), -EBADMSG, "%s: a flipped bit", k.alg);
		Bytes point = public_key(c, key, HSM_OP_F_RAW);
		cr_expect_eq(point.size(), 1 + k.raw);
		cr_expect_eq(point[0], 4, "uncompressed");
	}
}

Test(worker, prehashed_ecdsa_signs_the_digest)
{
	Conn c;
	__u64 key = must_key(c, "ecdsa-p256-sha256", kSignVerify);
	const Bytes msg = pattern(333, 9);
	Bytes digest(32);
	SHA256(msg.data(), msg.size(), digest.data());
	Bytes sig = signature(c, key, digest, HSM_OP_F_PREHASHED);
	cr_expect(openssl_verifies(public_key(c, key), "SHA256", msg, sig));
	cr_expect_eq(verify(c, key, msg, sig), 0, "the same as signing the message");
	cr_expect_eq(sign(c, key, Bytes(31), HSM_OP_F_PREHASHED).res, -EINVAL, "a short digest");
}

Test(worker, ed25519_and_rsa_pss)
{
	Conn c;
	const Bytes msg = pattern(500, 1);
	__u64 ed = must_key(c, "ed25519", kSignVerify);
	Bytes sig = signature(c, ed, msg);
	cr_expect_eq(sig.size(), 64u);
	cr_expect(openssl_verifies(public_key(c, ed), nullptr, msg, sig));
	cr_expect_eq(public_key(c, ed, HSM_OP_F_RAW).size(), 32u);
	cr_expect_eq(sign(c, ed, msg, HSM_OP_F_RAW).res, -EINVAL, "no r || s for EdDSA");
	cr_expect_eq(sign(c, ed, Bytes(64), HSM_OP_F_PREHASHED).res, -EINVAL, "pure EdDSA only");

	__u64 rsa = must_key(c, "rsa-pss-sha256", kSignVerify, nullptr, 0, 256);
	sig = signature(c, rsa, msg);
	cr_expect_eq(sig.size(), 256u);
	cr_expect(openssl_verifies(public_key(c, rsa), "SHA256", msg, sig, true));
	cr_expect_eq(sign(c, rsa, msg, 0, 255).res, -EOVERFLOW, "out shorter than the modulus");
	cr_expect_eq(c.key("rsa-pss-sha256", kSignVerify, nullptr, 0, 128).res, -EINVAL,
		     "RSA-1024 is not generated");
}

namespace {

long oaep(Conn &c, unsigned cmd, __u64 key, const Bytes &in, const Bytes &label, __u32 out_len)
{
	hsm_op op{};
	op.handle = key;
	op.resp_off = Conn::kResp;
	op.in = c.put(kIn, in);
	op.aad = c.put(kTag, label);
	op.out = {kOut, out_len};
	return c.run(cmd, op).res;
}

// OpenSSL's RSA-OAEP (SHA-256, MGF1-SHA-256) with a label, as a peer would.
Bytes openssl_oaep(const Bytes &spki, const Bytes &label, const Bytes &msg)
{
	const unsigned char *p = spki.data();
	EVP_PKEY *pk = d2i_PUBKEY(nullptr, &p, spki.size());
	cr_assert_not_null(pk);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, nullptr);
	unsigned char *l = static_cast<unsigned char *>(OPENSSL_memdup(label.data(), label.size()));
	cr_assert(EVP_PKEY_encrypt_init(ctx) == 1 &&
		  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
		  EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) == 1 &&
		  EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) == 1 &&
		  EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, l, static_cast<int>(label.size())) == 1);
	Bytes ct(512);
	size_t n = ct.size();
	cr_assert_eq(EVP_PKEY_encrypt(ctx, ct.data(), &n, msg.data(), msg.size()), 1);
	ct.resize(n);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ct;
}

} // namespace

Test(worker, rsa_oaep_decrypts_what_openssl_encrypts_and_back)
{
	Conn c;
	__u64 key = must_key(c, "rsa-oaep-sha256", HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT, nullptr, 0,
			     256);
	const Bytes spki = public_key(c, key), label = pattern(20, 4), msg = pattern(190, 6);
	Bytes ct = openssl_oaep(spki, label, msg);
	cr_assert_eq(oaep(c, HSM_IOC_DECRYPT, key, ct, label, 190), 190);
	cr_expect(c.get(kOut, 190) == msg, "the message OpenSSL sealed");
	cr_expect_eq(oaep(c, HSM_IOC_DECRYPT, key, ct, pattern(20, 5), 190), -EBADMSG,
		     "another label");
	ct[100] ^= 1;
	cr_expect_eq(oaep(c, HSM_IOC_DECRYPT, key, ct, label, 190), -EBADMSG, "a flipped bit");
	cr_expect_eq(oaep(c, HSM_IOC_DECRYPT, key, Bytes(255), label, 190), -EBADMSG,
		     "a short block");
	cr_expect_eq(oaep(c, HSM_IOC_DECRYPT, key, Bytes(256), label, 189), -EOVERFLOW,
		     "room for the longest message");

	// The module's ciphertext opens in the module (two encryptions differ).
	long n = oaep(c, HSM_IOC_ENCRYPT, key, msg, {}, 256);
	cr_assert_eq(n, 256);
	Bytes ct2 = c.get(kOut, 256);
	cr_assert_eq(oaep(c, HSM_IOC_ENCRYPT, key, msg, {}, 256), 256);
	cr_expect(c.get(kOut, 256) != ct2, "OAEP is randomized");
	cr_assert_eq(oaep(c, HSM_IOC_DECRYPT, key, ct2, {}, 190), 190);
	cr_expect(c.get(kOut, 190) == msg);
	cr_expect_eq(oaep(c, HSM_IOC_ENCRYPT, key, pattern(191, 1), {}, 256), -EINVAL,
		     "longer than a 2048-bit block carries");

	__u64 ecdsa = must_key(c, "ecdsa-p256-sha256", kSignVerify);
	cr_expect_eq(oaep(c, HSM_IOC_ENCRYPT, ecdsa, msg, {}, 256), -EINVAL, "ECDSA does not encrypt");
	cr_expect_eq(sign(c, key, msg).res, -EINVAL, "OAEP does not sign");
}

Test(worker, imported_keys_sign_and_public_keys_only_verify)
{
	Conn c;
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	cr_assert_not_null(pk);
	unsigned char *p = nullptr;
	int n = i2d_PrivateKey(pk, &p);	// SEC1 ECPrivateKey
	Bytes sec1(p, p + n);
	OPENSSL_free(p);
	p = nullptr;
	n = i2d_PUBKEY(pk, &p);
	Bytes spki(p, p + n);
	OPENSSL_free(p);
	EVP_PKEY_free(pk);

	__u64 key = must_key(c, "ecdsa-p256-sha256", kSignVerify, &sec1);
	cr_expect(public_key(c, key) == spki, "the same public key");
	const Bytes msg = pattern(64, 5);
	Bytes sig = signature(c, key, msg);
	cr_expect(openssl_verifies(spki, "SHA256", msg, sig));

	__u64 pub = must_key(c, "ecdsa-p256-sha256", HSM_PERM_VERIFY, &spki);
	cr_expect_eq(verify(c, pub, msg, sig), 0);
	// A raw Ed25519 public key says so: 32 raw bytes are a seed otherwise.
	__u64 ed = must_key(c, "ed25519", kSignVerify);
	Bytes ed_raw = public_key(c, ed, HSM_OP_F_RAW), ed_sig = signature(c, ed, msg);
	hsm_key_params kp{};
	strcpy(kp.alg, "ed25519");
	kp.perms = HSM_PERM_VERIFY;
	hsm_op op{};
	op.flags = HSM_OP_F_PUBLIC;
	op.resp_off = Conn::kResp;
	op.params = c.put_struct(Conn::kParams, kp);
	op.in = c.put(Conn::kKey, ed_raw);
	Result r = c.run(HSM_IOC_KEY_IMPORT, op);
	cr_assert_eq(r.res, 0, "raw Ed25519 public key: %ld", r.res);
	cr_expect_eq(verify(c, r.resp.value, msg, ed_sig), 0);
	EVP_PKEY *edk = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
	unsigned char *q = nullptr;
	int m = i2d_PrivateKey(edk, &q);	// PKCS#8
	Bytes ed_pkcs8(q, q + m);
	OPENSSL_free(q);
	EVP_PKEY_free(edk);
	op.in = c.put(Conn::kKey, ed_pkcs8);
	cr_expect_eq(c.run(HSM_IOC_KEY_IMPORT, op).res, -EINVAL, "a private key said to be public");
	op.flags = 0;
	cr_expect_eq(c.run(HSM_IOC_KEY_IMPORT, op).res, 0, "the same key as a private key");
	cr_expect_eq(c.key("ecdsa-p256-sha256", kSignVerify, &spki).res, -EINVAL,
		     "a public key cannot be given SIGN");
	Bytes junk = sec1;
	junk.push_back(0);
	cr_expect_eq(c.key("ecdsa-p256-sha256", kSignVerify, &junk).res, -EINVAL,
		     "trailing bytes");
	cr_expect_eq(c.key("ecdsa-p384-sha384", kSignVerify, &sec1).res, -EINVAL,
		     "a P-256 key is not a P-384 key");
}

namespace {

// A context call on ctx: in (Update), out (Final SIGN), tag (Final VERIFY).
long ctx_call(Conn &c, unsigned cmd, __u64 ctx, const Bytes &in = {}, __u32 out_len = 0,
	      const Bytes &tag = {})
{
	hsm_op op{};
	op.handle = ctx;
	op.resp_off = HSM_RESP_NONE;
	if (!in.empty())
		op.in = c.put(kIn, in);
	if (out_len)
		op.out = {kOut, out_len};
	if (!tag.empty())
		op.tag = c.put(kTag, tag);
	return c.run(cmd, op).res;
}

} // namespace

Test(worker, signature_contexts_hash_in_the_module_and_sign_in_the_worker)
{
	Conn c;
	const Bytes msg = pattern(3000, 2);
	struct { const char *alg, *md; bool pss; __u32 key_len; } algs[] = {
		{"ecdsa-p384-sha384", "SHA384", false, 0}, {"rsa-pss-sha256", "SHA256", true, 256}};
	for (auto &a : algs) {
		__u64 key = must_key(c, a.alg, kSignVerify, nullptr, 0, a.key_len);
		__u64 ctx = must_ctx(c, a.alg, HSM_CTX_SIGN, key);
		cr_assert_eq(ctx_call(c, HSM_IOC_CTX_INIT, ctx), 0);
		for (size_t off = 0; off < msg.size(); off += 1000)
			cr_assert_eq(ctx_call(c, HSM_IOC_CTX_UPDATE, ctx,
					      Bytes(msg.begin() + off, msg.begin() + off + 1000)), 1000);
		long n = ctx_call(c, HSM_IOC_CTX_FINAL, ctx, {}, 512);
		cr_assert_gt(n, 0, "%s: Final %ld", a.alg, n);
		Bytes sig = c.get(kOut, n);
		cr_expect(openssl_verifies(public_key(c, key), a.md, msg, sig, a.pss),
			  "%s: the streamed signature is the message's", a.alg);

		__u64 vctx = must_ctx(c, a.alg, HSM_CTX_VERIFY, key);
		cr_assert_eq(ctx_call(c, HSM_IOC_CTX_INIT, vctx), 0);
		cr_assert_eq(ctx_call(c, HSM_IOC_CTX_UPDATE, vctx, msg), (long)msg.size());
		cr_expect_eq(ctx_call(c, HSM_IOC_CTX_FINAL, vctx, {}, 0, sig), 0, "%s", a.alg);
		cr_assert_eq(ctx_call(c, HSM_IOC_CTX_RESET, vctx), 0);
		cr_assert_eq(ctx_call(c, HSM_IOC_CTX_INIT, vctx), 0);
		cr_assert_eq(ctx_call(c, HSM_IOC_CTX_UPDATE, vctx, pattern(10, 1)), 10);
		cr_expect_eq(ctx_call(c, HSM_IOC_CTX_FINAL, vctx, {}, 0, sig), -EBADMSG,
			     "%s: another message", a.alg);
	}
	__u64 ed = must_key(c, "ed25519", kSignVerify);
	cr_expect_eq(ctx_create(c, "ed25519", HSM_CTX_SIGN, ed).res, -EINVAL,
		     "pure EdDSA needs the whole message: no context");
	Bytes spki = public_key(c, must_key(c, "ecdsa-p256-sha256", kSignVerify));
	__u64 pub = must_key(c, "ecdsa-p256-sha256", HSM_PERM_VERIFY, &spki);
	cr_expect_eq(ctx_create(c, "ecdsa-p256-sha256", HSM_CTX_SIGN, pub).res, -EPERM,
		     "a public key signs in no context");
	cr_expect_eq(ctx_create(c, "ecdsa-p256-sha256", HSM_CTX_VERIFY, pub).res, 0);
}

Test(worker, non_exportable_keys_stay_and_exportable_ones_leave_as_pkcs8)
{
	Conn c;
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.out = {kOut, 4096};
	op.handle = must_key(c, "ed25519", kSignVerify);
	cr_expect_eq(c.run(HSM_IOC_KEY_EXPORT, op).res, -EPERM);
	op.handle = must_key(c, "ed25519", kSignVerify | HSM_PERM_EXPORT, nullptr,
			     HSM_KEY_F_EXPORTABLE);
	long n = c.run(HSM_IOC_KEY_EXPORT, op).res;
	cr_assert_gt(n, 0);
	Bytes pkcs8 = c.get(kOut, n);
	const unsigned char *p = pkcs8.data();
	EVP_PKEY *pk = d2i_AutoPrivateKey(nullptr, &p, n);
	cr_expect_not_null(pk, "KEY_EXPORT gives a PKCS#8 OpenSSL reads");
	cr_expect_eq(p, pkcs8.data() + n, "and nothing after it");
	EVP_PKEY_free(pk);
}

// The module computes ordinary ECDH itself; the worker computes what the
// kernel's ladder cannot, and both answer Wycheproof's secret.
Test(worker, ecdh_the_kernel_cannot_compute_comes_from_the_worker)
{
	Conn c;
	for (int tc : {kOrdinary, kKernelEdgeCase, kEdgeCaseKey}) {
		EcdhVector v = ecdh_vector(tc);
		Bytes secret;
		Result r = agree(c, v, secret);
		cr_expect_eq(r.res, 0, "tcId %d: %ld", tc, r.res);
		cr_expect(secret == v.shared, "tcId %d: the wrong secret", tc);
	}
}

Test(worker, batched_requests_are_each_answered)
{
	// More requests at once than the worker has slots: they queue.
	Conn c(4 << 20);
	__u64 key = must_key(c, "ecdsa-p256-sha256", kSignVerify);
	const Bytes spki = public_key(c, key);
	const unsigned n = 48;
	std::vector<hsm_vec_entry> v(n);
	for (unsigned i = 0; i < n; i++) {
		v[i] = {};
		v[i].cmd = HSM_IOC_SIGN;
		v[i].op.handle = key;
		v[i].op.resp_off = 65536 + i * 64;
		v[i].op.in = c.put(131072 + i * 128, pattern(100, i));
		v[i].op.out = {static_cast<__u32>(262144 + i * 128), 128};
	}
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.in = c.put(kIn, {reinterpret_cast<uint8_t *>(v.data()), n * sizeof(v[0])});
	cr_assert_eq(c.run(HSM_IOC_VECTOR, op).res, n);
	for (unsigned i = 0; i < n; i++) {
		auto *resp = reinterpret_cast<hsm_resp *>(c.at(v[i].op.resp_off));
		cr_assert_gt(resp->result, 0, "entry %u: %d", i, resp->result);
		cr_expect(openssl_verifies(spki, "SHA256", pattern(100, i),
					   c.get(v[i].op.out.off, resp->result)), "entry %u", i);
	}
}

Test(worker_lifecycle, missing_killed_and_hung_worker_answer_at_once)
{
	start_worker();
	Conn c;
	__u64 key = must_key(c, "ecdsa-p256-sha256", kSignVerify);
	__u64 mac = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
	const Bytes msg = pattern(32, 7);
	// Callers for later, with their keys made while the worker serves.
	std::vector<std::unique_ptr<Conn>> conns;
	std::vector<__u64> keys;
	for (int i = 0; i < 4; i++) {
		conns.push_back(std::make_unique<Conn>());
		keys.push_back(must_key(*conns.back(), "ecdsa-p256-sha256", kSignVerify));
	}

	// No worker: refused at once, and kernel algorithms go on.
	kill_worker();
	Result r = sign(c, key, msg);
	cr_expect_eq(r.res, -EHOSTDOWN);
	cr_expect_eq(r.resp.status, HSM_STATUS_UNAVAILABLE);
	cr_expect_eq(c.key("ed25519", kSignVerify).res, -EHOSTDOWN);
	hsm_op op{};
	op.handle = mac;
	op.resp_off = HSM_RESP_NONE;
	op.in = c.put(kIn, msg);
	op.out = {kOut, 32};
	cr_expect_eq(c.run(HSM_IOC_MAC, op).res, 32, "HMAC needs no worker");
	// ECDH: the kernel's own cases go on, its edge cases need the worker.
	Bytes secret;
	EcdhVector ordinary = ecdh_vector(kOrdinary), edge = ecdh_vector(kKernelEdgeCase);
	cr_expect_eq(agree(c, ordinary, secret).res, 0, "ECDH needs no worker");
	cr_expect(secret == ordinary.shared);
	Result e = agree(c, edge, secret);
	cr_expect_eq(e.res, -EHOSTDOWN, "an edge case without the worker: %ld", e.res);
	cr_expect_eq(e.resp.status, HSM_STATUS_UNAVAILABLE);
	EcdhVector edge_key = ecdh_vector(kEdgeCaseKey);
	Result k = c.key("ecdh-p256", HSM_PERM_AGREE, &edge_key.d);
	cr_expect_eq(k.res, -EHOSTDOWN, "a key the kernel cannot make public: %ld", k.res);

	// A hung worker: the deadline answers (and its slot stays taken).
	pid_t silent = start_silent_worker(2);
	auto t0 = Clock::now();
	cr_expect_eq(sign(c, key, msg, 0, 1024, 300).res, -ETIMEDOUT);
	cr_expect_lt(Clock::now() - t0, std::chrono::seconds(5));

	// Killed with one request in its hands and three waiting for a slot:
	// every one answers that the worker went, within a second or so.
	std::atomic<int> aborted{0};
	std::vector<std::thread> callers;
	for (int i = 0; i < 4; i++)
		callers.emplace_back([&, i] {
			if (sign(*conns[i], keys[i], msg).res == -ECONNABORTED)
				aborted++;
		});
	std::this_thread::sleep_for(std::chrono::milliseconds(300));
	auto killed = Clock::now();
	stop_silent_worker(silent);
	for (auto &t : callers)
		t.join();
	cr_expect_eq(aborted.load(), 4, "every request in flight says the worker went");
	auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed);
	cr_expect_lt(took, std::chrono::seconds(2));
	cr_log_info("4 requests answered %lld ms after the worker's SIGKILL",
		    static_cast<long long>(took.count()));

	// A new worker attaches and serves.
	start_worker();
	Bytes sig = signature(c, key, msg);
	cr_expect(openssl_verifies(public_key(c, key), "SHA256", msg, sig));
}

// hsmd killed in the middle of 1,000 signatures (four VECTORs of 250 on
// four connections): every request is answered, by a signature OpenSSL
// verifies, by ECONNABORTED (the worker went with it) or by EHOSTDOWN (no
// worker by then); none is left unanswered or answered wrongly.
Test(worker_lifecycle, killed_mid_batch_of_a_thousand_every_request_answers, .timeout = 300)
{
	start_worker();
	constexpr unsigned kConns = 4, kEach = 250;
	struct Caller {
		std::unique_ptr<Conn> c;
		__u64 key;
		Bytes spki;
		std::vector<hsm_vec_entry> v;
	};
	std::vector<Caller> callers(kConns);
	for (unsigned n = 0; n < kConns; n++) {
		Caller &k = callers[n];
		k.c = std::make_unique<Conn>(4 << 20);
		k.key = must_key(*k.c, "ecdsa-p256-sha256", kSignVerify);
		k.spki = public_key(*k.c, k.key);
		k.v.resize(kEach);
		for (unsigned i = 0; i < kEach; i++) {
			hsm_vec_entry &e = k.v[i];
			e = {};
			e.cmd = HSM_IOC_SIGN;
			e.op.handle = k.key;
			e.op.resp_off = 65536 + i * 64;
			e.op.in = k.c->put(131072 + i * 64, pattern(32, static_cast<uint8_t>(i)));
			e.op.out = {static_cast<__u32>(262144 + i * 128), 128};
			memset(k.c->at(e.op.resp_off), 0x5a, sizeof(hsm_resp));
		}
	}
	std::vector<std::thread> threads;
	std::vector<long> res(kConns);
	for (unsigned n = 0; n < kConns; n++)
		threads.emplace_back([&, n] {
			Caller &k = callers[n];
			hsm_op op{};
			op.resp_off = HSM_RESP_NONE;
			op.in = k.c->put(kIn, {reinterpret_cast<uint8_t *>(k.v.data()), kEach * sizeof(k.v[0])});
			res[n] = k.c->run(HSM_IOC_VECTOR, op).res;
		});
	// Killed once a few dozen have been answered: mid-batch, whatever the
	// speed of this machine.
	auto answered = [&] {
		unsigned n = 0;
		for (Caller &k : callers)
			for (const hsm_vec_entry &e : k.v)
				n += reinterpret_cast<const hsm_resp *>(k.c->at(e.op.resp_off))->result !=
				     static_cast<__s32>(0x5a5a5a5a);
		return n;
	};
	for (int i = 0; i < 3000 && answered() < 40; i++)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	kill_worker();
	auto killed = Clock::now();
	for (auto &t : threads)
		t.join();
	auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed);

	unsigned signed_ok = 0, aborted = 0, no_worker = 0;
	for (unsigned n = 0; n < kConns; n++) {
		Caller &k = callers[n];
		cr_expect_eq(res[n], kEach, "VECTOR %u ran every entry", n);
		for (unsigned i = 0; i < kEach; i++) {
			const auto *r = reinterpret_cast<const hsm_resp *>(k.c->at(k.v[i].op.resp_off));
			if (r->result > 0) {
				cr_expect(openssl_verifies(k.spki, "SHA256", pattern(32, static_cast<uint8_t>(i)),
							   k.c->get(k.v[i].op.out.off, r->result)),
					  "caller %u entry %u", n, i);
				signed_ok++;
			} else if (r->result == -ECONNABORTED) {
				aborted++;
			} else if (r->result == -EHOSTDOWN) {
				no_worker++;
			} else {
				cr_expect(false, "caller %u entry %u: result %d", n, i, r->result);
			}
		}
	}
	cr_expect_eq(signed_ok + aborted + no_worker, kConns * kEach, "every request answered");
	cr_expect_gt(signed_ok, 0u, "the worker was killed mid-batch, not before");
	cr_expect_gt(no_worker, 0u, "and not after");
	cr_expect_lt(took, std::chrono::seconds(3));
	cr_log_info("1000 signatures: %u signed, %u aborted, %u without a worker; all answered %lld ms after the kill",
		    signed_ok, aborted, no_worker, static_cast<long long>(took.count()));
	start_worker();
}

Test(worker_lifecycle, the_worker_is_confined)
{
	start_worker();
	pid_t pid = worker_pid();
	std::ifstream st("/proc/" + std::to_string(pid) + "/status");
	std::string line;
	bool seccomp = false, nnp = false, uid = false, locked = false;
	while (std::getline(st, line)) {
		if (line.rfind("Seccomp:", 0) == 0)
			seccomp = line.find('2') != std::string::npos;
		if (line.rfind("NoNewPrivs:", 0) == 0)
			nnp = line.find('1') != std::string::npos;
		if (line.rfind("Uid:", 0) == 0)
			uid = line.find("\t0\t") == std::string::npos && line.find("998") != std::string::npos;
		if (line.rfind("VmLck:", 0) == 0)
			locked = std::stoul(line.substr(6)) > 0;
	}
	cr_expect(seccomp, "a seccomp filter");
	cr_expect(nnp, "no new privileges");
	cr_expect(uid, "serving as hsmd, not root");
	cr_expect(locked, "memory locked");
	struct stat sb;
	cr_assert_eq(stat(("/proc/" + std::to_string(pid) + "/environ").c_str(), &sb), 0);
	cr_expect_eq(sb.st_uid, 0u, "not dumpable: its /proc files are root's");
	std::ifstream lim("/proc/" + std::to_string(pid) + "/limits");
	bool core0 = false;
	while (std::getline(lim, line))
		if (line.rfind("Max core file size", 0) == 0)
			core0 = line.find(" 0 ") != std::string::npos;
	cr_expect(core0, "no core dumps");

	// What the filter forbids, tried by children that confine themselves
	// as hsmd does: socket and execve are killed, opening a file fails.
	FILE *f = popen("/usr/bin/hsmd --check-confinement 2>&1", "r");
	cr_assert_not_null(f);
	std::string out;
	char buf[256];
	while (fgets(buf, sizeof(buf), f))
		out += buf;
	int rc = pclose(f);
	cr_expect(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "hsmd --check-confinement: %s", out.c_str());
	cr_expect(out.find("socket: held (Bad system call)") != std::string::npos, "%s", out.c_str());
	cr_expect(out.find("execve: held (Bad system call)") != std::string::npos, "%s", out.c_str());
	cr_expect(out.find("open  : held (exit 0)") != std::string::npos, "%s", out.c_str());
}
