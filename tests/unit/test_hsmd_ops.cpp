// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmd's asymmetric operations (userspace/hsmd/ops.hpp), natively under
// ASan/UBSan: the Wycheproof vectors of each algorithm (tests/data/
// wycheproof, see its README), round trips of every algorithm, and each
// refusal with its errno.  The tests reach into OpenSSL only to make
// inputs the API cannot (SEC1, raw scalars, a 1024-bit key).
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <criterion/criterion.h>
#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "hsmd/cache.hpp"
#include "hsmd/ops.hpp"

namespace {

using Bytes = std::vector<uint8_t>;
using json = nlohmann::json;

constexpr const char *p256 = "ecdsa-p256-sha256";
constexpr const char *p384 = "ecdsa-p384-sha384";
constexpr const char *ed = "ed25519";
constexpr const char *pss256 = "rsa-pss-sha256";
constexpr const char *oaep = "rsa-oaep-sha256";

// --- data -----------------------------------------------------------------

json load(const std::string &name)
{
	const char *dir = std::getenv("HSM_WYCHEPROOF_DATA");
	std::string path = std::string(dir ? dir : HSM_WYCHEPROOF_DATA) + "/" + name;
	std::ifstream f(path);
	cr_assert(f.good(), "cannot open %s", path.c_str());
	return json::parse(f);
}

Bytes unhex(std::string_view h)
{
	Bytes b(h.size() / 2);
	for (size_t i = 0; i < b.size(); i++)
		b[i] = static_cast<uint8_t>(std::stoi(std::string(h.substr(2 * i, 2)), nullptr, 16));
	return b;
}

Bytes hex(const json &v)
{
	return unhex(v.get<std::string>());
}

Bytes text(std::string_view s)
{
	return {s.begin(), s.end()};
}

Bytes cat(Bytes a, const Bytes &b)
{
	a.insert(a.end(), b.begin(), b.end());
	return a;
}

Bytes flip(Bytes b, size_t byte, uint8_t mask = 0x01)
{
	b.at(byte) ^= mask;
	return b;
}

// --- the API, with results as values -----------------------------------------

struct Keys {
	int rc;
	Bytes priv, pub;
};

struct Out {
	int rc;
	Bytes data;
};

Keys keys_of(int rc, Bytes priv, size_t priv_len, Bytes pub, size_t pub_len)
{
	if (rc == 0) {
		priv.resize(priv_len);
		pub.resize(pub_len);
	} else {
		cr_expect(priv_len == 0 && pub_len == 0, "lengths left set on error %d", rc);
		priv.clear();
		pub.clear();
	}
	return {rc, priv, pub};
}

Keys gen(const char *alg, unsigned bits = 0, size_t priv_cap = 8192, size_t pub_cap = 8192)
{
	Bytes priv(priv_cap), pub(pub_cap);
	size_t pl = 1, ul = 1;
	int rc = hsmd::generate(alg, bits, priv, pl, pub, ul);
	return keys_of(rc, priv, pl, pub, ul);
}

/// want_priv false: an empty priv buffer (for Ed25519, raw 32 bytes are
/// then a public key).
Keys import(const char *alg, const Bytes &in, bool want_priv = true, size_t pub_cap = 8192)
{
	Bytes priv(want_priv ? 8192 : 0), pub(pub_cap);
	size_t pl = 1, ul = 1;
	int rc = hsmd::import_key(alg, in, priv, pl, pub, ul);
	return keys_of(rc, priv, pl, pub, ul);
}

Out out_of(int rc, Bytes b, size_t len)
{
	if (rc == 0) {
		b.resize(len);
	} else {
		cr_expect(len == 0, "length left set on error %d", rc);
		b.clear();
	}
	return {rc, b};
}

Out sign(const char *alg, unsigned flags, const Bytes &priv, const Bytes &msg, size_t cap = 1024)
{
	Bytes sig(cap);
	size_t len = 1;
	int rc = hsmd::sign(alg, flags, priv, msg, sig, len);
	return out_of(rc, sig, len);
}

int verify(const char *alg, unsigned flags, const Bytes &pub, const Bytes &msg, const Bytes &sig)
{
	return hsmd::verify(alg, flags, pub, msg, sig);
}

Out encrypt(const char *alg, const Bytes &pub, const Bytes &label, const Bytes &msg,
	    size_t cap = 1024)
{
	Bytes out(cap);
	size_t len = 1;
	int rc = hsmd::encrypt(alg, pub, label, msg, out, len);
	return out_of(rc, out, len);
}

Out decrypt(const char *alg, const Bytes &priv, const Bytes &label, const Bytes &ct,
	    size_t cap = 1024)
{
	Bytes out(cap);
	size_t len = 1;
	int rc = hsmd::decrypt(alg, priv, label, ct, out, len);
	return out_of(rc, out, len);
}

Out public_raw(const char *alg, const Bytes &pub, size_t cap = 1024)
{
	Bytes out(cap);
	size_t len = 1;
	int rc = hsmd::public_raw(alg, pub, out, len);
	return out_of(rc, out, len);
}

// --- OpenSSL, for inputs the API does not make ------------------------------

struct PkeyFree {
	void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey parse_pkcs8(const Bytes &der)
{
	const unsigned char *p = der.data();
	Pkey k(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
	cr_assert(k, "test: PKCS#8 does not parse");
	return k;
}

/// The traditional form: SEC1 ECPrivateKey or PKCS#1 RSAPrivateKey.
Bytes traditional(const Bytes &pkcs8)
{
	Pkey k = parse_pkcs8(pkcs8);
	int n = i2d_PrivateKey(k.get(), nullptr);
	cr_assert(n > 0);
	Bytes out(static_cast<size_t>(n));
	unsigned char *p = out.data();
	cr_assert(i2d_PrivateKey(k.get(), &p) == n);
	return out;
}

Bytes ec_scalar(const Bytes &pkcs8, size_t len)
{
	Pkey k = parse_pkcs8(pkcs8);
	BIGNUM *d = nullptr;
	cr_assert(EVP_PKEY_get_bn_param(k.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d));
	Bytes out(len);
	BN_bn2binpad(d, out.data(), static_cast<int>(len));
	BN_clear_free(d);
	return out;
}

Bytes ed_seed(const Bytes &pkcs8)
{
	Pkey k = parse_pkcs8(pkcs8);
	Bytes out(32);
	size_t n = out.size();
	cr_assert(EVP_PKEY_get_raw_private_key(k.get(), out.data(), &n) && n == 32);
	return out;
}

/// The curve order n of nid, plus add (0: n itself), big-endian in len.
Bytes order_plus(int nid, long add, size_t len)
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(nid);
	BIGNUM *n = BN_dup(EC_GROUP_get0_order(g));
	if (add >= 0)
		BN_add_word(n, static_cast<BN_ULONG>(add));
	else
		BN_sub_word(n, static_cast<BN_ULONG>(-add));
	Bytes out(len);
	BN_bn2binpad(n, out.data(), static_cast<int>(len));
	BN_free(n);
	EC_GROUP_free(g);
	return out;
}

Bytes digest(const char *md, const Bytes &msg)
{
	Bytes out(EVP_MAX_MD_SIZE);
	unsigned n = 0;
	cr_assert(EVP_Digest(msg.data(), msg.size(), out.data(), &n, EVP_get_digestbyname(md),
			     nullptr));
	out.resize(n);
	return out;
}

/// Replaces the one occurrence of from in b with to (same length).
Bytes replace(Bytes b, const Bytes &from, const Bytes &to)
{
	auto it = std::search(b.begin(), b.end(), from.begin(), from.end());
	cr_assert(it != b.end(), "test: bytes to replace not found");
	std::copy(to.begin(), to.end(), it);
	return b;
}

// --- Wycheproof --------------------------------------------------------------

/// What one file proved.  A group whose key is refused at import counts
/// its vectors as refused; that is right only if all of them are invalid.
struct Tally {
	explicit Tally(std::string f) : file(std::move(f)) {}

	std::string file;
	int valid = 0, invalid = 0, acceptable_ok = 0, acceptable_refused = 0;
	int key_refused = 0, failed = 0, signed_kat = 0;

	/// Judges one vector: ok says the operation succeeded (and gave the
	/// right output), rc is what it returned.
	void judge(const json &t, bool ok, int rc, int refusal = -EBADMSG)
	{
		const std::string result = t["result"];
		bool right = result == "valid"	  ? ok
			   : result == "invalid" ? rc == refusal
						 : ok || rc == refusal;
		if (!right) {
			failed++;
			cr_log_error("%s tcId %d (%s, %s): rc %d", file.c_str(), t["tcId"].get<int>(),
				     result.c_str(), t["comment"].get<std::string>().c_str(), rc);
			return;
		}
		if (result == "valid")
			valid++;
		else if (result == "invalid")
			invalid++;
		else
			(ok ? acceptable_ok : acceptable_refused)++;
	}

	/// A group whose key import_key refused with rc.
	void refused_group(const json &group, int rc)
	{
		for (const auto &t : group["tests"]) {
			if (rc == -EINVAL && t["result"] == "invalid") {
				key_refused++;
				continue;
			}
			failed++;
			cr_log_error("%s tcId %d (%s): key refused with %d", file.c_str(),
				     t["tcId"].get<int>(), t["result"].get<std::string>().c_str(), rc);
		}
	}

	void finish() const
	{
		std::fprintf(stderr,
			     "hsmd %s: %d valid, %d invalid (+%d by key), acceptable %d taken %d refused, "
			     "%d signed KATs, %d failed\n",
			     file.c_str(), valid, invalid, key_refused, acceptable_ok, acceptable_refused,
			     signed_kat, failed);
		cr_expect_eq(failed, 0, "%s: %d vectors failed", file.c_str(), failed);
		cr_expect_gt(valid, 0, "%s: no valid vector checked", file.c_str());
		cr_expect_gt(invalid + key_refused, 0, "%s: no invalid vector checked", file.c_str());
	}
};

void run_ecdsa(const char *file, const char *alg, unsigned flags)
{
	json j = load(file);
	Tally tally(file);
	for (const auto &g : j["testGroups"]) {
		Bytes der = hex(g["publicKeyDer"]);
		Keys k = import(alg, hex(g["publicKey"]["uncompressed"]));
		Keys kd = import(alg, der);
		cr_expect_eq(k.rc, kd.rc, "%s: point %d, SPKI %d", file, k.rc, kd.rc);
		if (k.rc) {
			tally.refused_group(g, k.rc);
			continue;
		}
		cr_expect(k.priv.empty() && k.pub == kd.pub && k.pub == der,
			  "%s: the public key does not come back as Wycheproof's SPKI", file);
		for (const auto &t : g["tests"]) {
			int rc = verify(alg, flags, k.pub, hex(t["msg"]), hex(t["sig"]));
			tally.judge(t, rc == 0, rc);
		}
	}
	tally.finish();
}

} // namespace

Test(wycheproof, ecdsa_p256_der)
{
	run_ecdsa("ecdsa_secp256r1_sha256_test.json", p256, 0);
}

Test(wycheproof, ecdsa_p256_p1363)
{
	run_ecdsa("ecdsa_secp256r1_sha256_p1363_test.json", p256, hsmd::SIG_RAW);
}

Test(wycheproof, ecdsa_p384_der)
{
	run_ecdsa("ecdsa_secp384r1_sha384_test.json", p384, 0);
}

Test(wycheproof, ecdsa_p384_p1363)
{
	run_ecdsa("ecdsa_secp384r1_sha384_p1363_test.json", p384, hsmd::SIG_RAW);
}

// Verify every vector; where a group gives the private key (the file at
// dac1dd4 gives none: the count says so), sign and compare byte for byte.
Test(wycheproof, ed25519)
{
	const char *file = "ed25519_test.json";
	json j = load(file);
	Tally tally(file);
	for (const auto &g : j["testGroups"]) {
		Bytes der = hex(g["publicKeyDer"]);
		Keys k = import(ed, hex(g["publicKey"]["pk"]), false);
		Keys kd = import(ed, der);
		cr_expect_eq(k.rc, kd.rc, "%s: raw %d, SPKI %d", file, k.rc, kd.rc);
		if (k.rc) {
			tally.refused_group(g, k.rc);
			continue;
		}
		cr_expect(k.priv.empty() && kd.priv.empty() && k.pub == der && kd.pub == der,
			  "%s: the public key does not come back as Wycheproof's SPKI", file);
		Keys sk{-ENOENT, {}, {}};
		if (g["publicKey"].contains("sk"))
			sk = import(ed, hex(g["publicKey"]["sk"]));
		else if (g.contains("privateKey"))
			sk = import(ed, hex(g["privateKey"]));
		cr_expect(sk.rc == -ENOENT || (sk.rc == 0 && sk.pub == der), "%s: seed gives another key",
			  file);
		for (const auto &t : g["tests"]) {
			Bytes msg = hex(t["msg"]), sig = hex(t["sig"]);
			int rc = verify(ed, 0, k.pub, msg, sig);
			tally.judge(t, rc == 0, rc);
			if (sk.rc == 0 && t["result"] == "valid") {
				Out s = sign(ed, 0, sk.priv, msg);
				cr_expect(s.rc == 0 && s.data == sig, "%s tcId %d: signature differs", file,
					  t["tcId"].get<int>());
				tally.signed_kat++;
			}
		}
	}
	tally.finish();
}

Test(wycheproof, rsa_pss_2048_sha256)
{
	const char *file = "rsa_pss_2048_sha256_mgf1_32_test.json";
	json j = load(file);
	Tally tally(file);
	for (const auto &g : j["testGroups"]) {
		cr_assert(g["sha"] == "SHA-256" && g["mgfSha"] == "SHA-256" && g["sLen"] == 32);
		Bytes der = hex(g["publicKeyDer"]);
		Keys k = import(pss256, der);
		Keys k1 = import(pss256, hex(g["publicKeyAsn"]));	// PKCS#1
		cr_expect_eq(k.rc, k1.rc, "%s: SPKI %d, PKCS#1 %d", file, k.rc, k1.rc);
		if (k.rc) {
			tally.refused_group(g, k.rc);
			continue;
		}
		cr_expect(k.priv.empty() && k.pub == der && k1.pub == der,
			  "%s: the public key does not come back as Wycheproof's SPKI", file);
		for (const auto &t : g["tests"]) {
			int rc = verify(pss256, 0, k.pub, hex(t["msg"]), hex(t["sig"]));
			tally.judge(t, rc == 0, rc);
		}
	}
	tally.finish();
}

// RSASSA-PKCS1-v1_5: an "rsa-pss-*" key with PKCS1.
namespace {

/// RFC 8017 9.2, note 1: a DigestInfo's DER up to the digest, then h.
Bytes digest_info(const std::string &sha, const Bytes &h)
{
	static const std::map<std::string, std::string> prefix = {
		{"SHA-1", "3021300906052b0e03021a05000414"},
		{"SHA-224", "302d300d06096086480165030402040500041c"},
		{"SHA-256", "3031300d060960864801650304020105000420"},
		{"SHA-384", "3041300d060960864801650304020205000430"},
		{"SHA-512", "3051300d060960864801650304020305000440"},
	};
	return cat(unhex(prefix.at(sha)), h);
}

/// OpenSSL's digest name for Wycheproof's "SHA-256".
std::string md_name(std::string sha)
{
	sha.erase(std::remove(sha.begin(), sha.end(), '-'), sha.end());
	return sha;
}

} // namespace

// Each vector twice: the message hashed by the worker, and its DigestInfo
// padded as it is (PKCS1 | SIG_RAW, CKM_RSA_PKCS).  Both must judge alike.
Test(wycheproof, rsa_pkcs1_2048_sha256_verify)
{
	const char *file = "rsa_signature_2048_sha256_test.json";
	json j = load(file);
	Tally tally(file);
	for (const auto &g : j["testGroups"]) {
		cr_assert(g["sha"] == "SHA-256");
		Keys k = import(pss256, hex(g["publicKeyDer"]));
		if (k.rc) {
			tally.refused_group(g, k.rc);
			continue;
		}
		for (const auto &t : g["tests"]) {
			const Bytes msg = hex(t["msg"]), sig = hex(t["sig"]);
			int rc = verify(pss256, hsmd::PKCS1, k.pub, msg, sig);
			tally.judge(t, rc == 0, rc);
			const Bytes info = digest_info("SHA-256", digest("SHA256", msg));
			int raw = verify(pss256, hsmd::PKCS1 | hsmd::SIG_RAW, k.pub, info, sig);
			cr_expect_eq(raw, rc, "%s tcId %d: DigestInfo %d, message %d", file,
				     t["tcId"].get<int>(), raw, rc);
			// Not a PSS signature, under the same key.
			if (rc == 0)
				cr_expect_eq(verify(pss256, 0, k.pub, msg, sig), -EBADMSG);
		}
	}
	tally.finish();
}

// PKCS#1 v1.5 signatures are deterministic: each must be Wycheproof's, byte
// for byte, through every way of asking for it the key's hash allows.
Test(wycheproof, rsa_pkcs1_2048_sign)
{
	const char *file = "rsa_pkcs1_2048_sig_gen_test.json";
	json j = load(file);
	int signed_kat = 0, by_message = 0;
	const std::map<std::string, const char *> named = {
		{"SHA-256", "rsa-pss-sha256"}, {"SHA-384", "rsa-pss-sha384"}, {"SHA-512", "rsa-pss-sha512"}};
	for (const auto &g : j["testGroups"]) {
		const std::string sha = g["sha"];
		Keys k = import(pss256, hex(g["privateKeyPkcs8"]));
		cr_assert_eq(k.rc, 0, "%s: %s key refused (%d)", file, sha.c_str(), k.rc);
		for (const auto &t : g["tests"]) {
			const Bytes msg = hex(t["msg"]), sig = hex(t["sig"]);
			const int id = t["tcId"];
			const Bytes h = digest(md_name(sha).c_str(), msg);
			Out raw = sign(pss256, hsmd::PKCS1 | hsmd::SIG_RAW, k.priv, digest_info(sha, h));
			cr_expect(raw.rc == 0 && raw.data == sig, "%s tcId %d: DigestInfo signed %d", file,
				  id, raw.rc);
			signed_kat++;
			auto alg = named.find(sha);
			if (alg == named.end())
				continue;
			Out whole = sign(alg->second, hsmd::PKCS1, k.priv, msg);
			Out pre = sign(alg->second, hsmd::PKCS1 | hsmd::PREHASHED, k.priv, h);
			cr_expect(whole.rc == 0 && whole.data == sig, "%s tcId %d: message signed %d", file,
				  id, whole.rc);
			cr_expect(pre.rc == 0 && pre.data == sig, "%s tcId %d: digest signed %d", file, id,
				  pre.rc);
			cr_expect_eq(verify(alg->second, hsmd::PKCS1, k.pub, msg, sig), 0);
			by_message++;
		}
	}
	std::fprintf(stderr, "hsmd %s: %d signed KATs (DigestInfo), %d also by message and digest\n",
		     file, signed_kat, by_message);
	cr_expect_gt(by_message, 0);
}

Test(wycheproof, rsa_oaep_2048_sha256)
{
	const char *file = "rsa_oaep_2048_sha256_mgf1sha256_test.json";
	json j = load(file);
	Tally tally(file);
	for (const auto &g : j["testGroups"]) {
		cr_assert(g["sha"] == "SHA-256" && g["mgfSha"] == "SHA-256");
		Bytes pkcs8 = hex(g["privateKeyPkcs8"]);
		Keys k = import(oaep, pkcs8);
		if (k.rc) {
			tally.refused_group(g, k.rc);
			continue;
		}
		cr_expect(k.priv == pkcs8, "%s: the private key does not come back as itself", file);
		for (const auto &t : g["tests"]) {
			Out pt = decrypt(oaep, k.priv, hex(t["label"]), hex(t["ct"]));
			tally.judge(t, pt.rc == 0 && pt.data == hex(t["msg"]), pt.rc);
		}
	}
	tally.finish();
}

// --- round trips ---------------------------------------------------------------

namespace {

/// sig (over msg, under pub, with flags) verifies; a flipped bit in the
/// message or in the signature does not.
void expect_signature(const char *alg, unsigned flags, const Bytes &pub, const Bytes &msg,
		      const Bytes &sig)
{
	cr_expect_eq(verify(alg, flags, pub, msg, sig), 0, "%s: does not verify", alg);
	if (!msg.empty())
		cr_expect_eq(verify(alg, flags, pub, flip(msg, msg.size() / 2), sig), -EBADMSG,
			     "%s: verifies a flipped message", alg);
	for (size_t at : {size_t{0}, sig.size() / 2, sig.size() - 1})
		cr_expect_eq(verify(alg, flags, pub, msg, flip(sig, at, 0x10)), -EBADMSG,
			     "%s: verifies with byte %zu of the signature flipped", alg, at);
	cr_expect_eq(verify(alg, flags, pub, msg, cat(sig, {0})), -EBADMSG,
		     "%s: verifies with a trailing byte", alg);
}

void roundtrip_ecdsa(const char *alg, const char *md, size_t flen)
{
	Keys k = gen(alg);
	cr_assert_eq(k.rc, 0, "%s: generate %d", alg, k.rc);
	const Bytes msg = text("hsmd: the worker signs what hsm.ko hands it");

	Out der = sign(alg, 0, k.priv, msg);
	cr_assert_eq(der.rc, 0, "%s: sign %d", alg, der.rc);
	expect_signature(alg, 0, k.pub, msg, der.data);

	// PREHASHED is hashing yourself, either way round.
	const Bytes h = digest(md, msg);
	Out pre = sign(alg, hsmd::PREHASHED, k.priv, h);
	cr_assert_eq(pre.rc, 0);
	cr_expect_eq(verify(alg, 0, k.pub, msg, pre.data), 0, "%s: prehashed sig", alg);
	cr_expect_eq(verify(alg, hsmd::PREHASHED, k.pub, h, der.data), 0, "%s: prehashed verify", alg);

	Out raw = sign(alg, hsmd::SIG_RAW, k.priv, msg);
	cr_assert_eq(raw.rc, 0);
	cr_expect_eq(raw.data.size(), 2 * flen);
	expect_signature(alg, hsmd::SIG_RAW, k.pub, msg, raw.data);
	cr_expect_eq(verify(alg, hsmd::SIG_RAW | hsmd::PREHASHED, k.pub, h, raw.data), 0);
	cr_expect_eq(verify(alg, 0, k.pub, msg, raw.data), -EBADMSG, "%s: r||s taken as DER", alg);
	cr_expect_eq(verify(alg, hsmd::SIG_RAW, k.pub, msg, der.data), -EBADMSG);

	// The raw point, back in: the same key.
	Out point = public_raw(alg, k.pub);
	cr_assert_eq(point.rc, 0);
	cr_expect(point.data.size() == 2 * flen + 1 && point.data[0] == 0x04);
	Keys kp = import(alg, point.data);
	cr_assert_eq(kp.rc, 0, "%s: raw point import %d", alg, kp.rc);
	cr_expect(kp.priv.empty() && kp.pub == k.pub);
	cr_expect_eq(verify(alg, 0, kp.pub, msg, der.data), 0);

	// Every private form gives the same canonical PKCS#8.
	for (const Bytes &in : {k.priv, traditional(k.priv), ec_scalar(k.priv, flen)}) {
		Keys ki = import(alg, in);
		cr_expect(ki.rc == 0 && ki.priv == k.priv && ki.pub == k.pub,
			  "%s: a %zu-byte private form comes back as another key (%d)", alg, in.size(),
			  ki.rc);
	}
	Keys ks = import(alg, k.pub);
	cr_expect(ks.rc == 0 && ks.priv.empty() && ks.pub == k.pub);

	// r or s below 2^(8(flen-1)) (1 in 128 signatures) must still come
	// out left-padded to flen bytes.
	int bad = 0;
	for (int i = 0; i < 1500; i++) {
		Bytes m = text("pad " + std::to_string(i));
		Out r = sign(alg, hsmd::SIG_RAW, k.priv, m);
		bad += r.rc != 0 || r.data.size() != 2 * flen ||
		       verify(alg, hsmd::SIG_RAW, k.pub, m, r.data) != 0;
	}
	cr_expect_eq(bad, 0, "%s: %d of 1500 r||s signatures bad", alg, bad);
}

} // namespace

Test(roundtrip, ecdsa_p256)
{
	roundtrip_ecdsa(p256, "SHA256", 32);
}

Test(roundtrip, ecdsa_p384)
{
	roundtrip_ecdsa(p384, "SHA384", 48);
}

Test(roundtrip, ed25519)
{
	Keys k = gen(ed);
	cr_assert_eq(k.rc, 0, "generate %d", k.rc);
	for (const Bytes &msg : {Bytes{}, text("hsmd: Ed25519 is deterministic")}) {
		Out a = sign(ed, 0, k.priv, msg), b = sign(ed, 0, k.priv, msg);
		cr_assert(a.rc == 0 && b.rc == 0);
		cr_expect_eq(a.data.size(), 64u);
		cr_expect(a.data == b.data, "two signatures of one message differ");
		expect_signature(ed, 0, k.pub, msg, a.data);
	}
	Out raw = public_raw(ed, k.pub);
	cr_assert(raw.rc == 0 && raw.data.size() == 32);
	Keys kp = import(ed, raw.data, false);
	cr_expect(kp.rc == 0 && kp.priv.empty() && kp.pub == k.pub, "raw public import %d", kp.rc);
	for (const Bytes &in : {k.priv, ed_seed(k.priv)}) {
		Keys ki = import(ed, in);
		cr_expect(ki.rc == 0 && ki.priv == k.priv && ki.pub == k.pub,
			  "a %zu-byte private form comes back as another key (%d)", in.size(), ki.rc);
	}
}

// One 2048-bit key for every RSA algorithm (generating is slow).
Test(roundtrip, rsa)
{
	Keys k = gen(pss256, 2048);
	cr_assert_eq(k.rc, 0, "generate %d", k.rc);
	const Bytes msg = text("hsmd: RSA-PSS, salt = hash length");
	struct {
		const char *alg, *md;
	} pss[] = {{"rsa-pss-sha256", "SHA256"}, {"rsa-pss-sha384", "SHA384"},
		   {"rsa-pss-sha512", "SHA512"}};
	for (auto [alg, md] : pss) {
		Out s = sign(alg, 0, k.priv, msg);
		cr_assert_eq(s.rc, 0, "%s: sign %d", alg, s.rc);
		cr_expect_eq(s.data.size(), 256u);
		expect_signature(alg, 0, k.pub, msg, s.data);
		const Bytes h = digest(md, msg);
		Out pre = sign(alg, hsmd::PREHASHED, k.priv, h);
		cr_assert_eq(pre.rc, 0);
		cr_expect_eq(verify(alg, 0, k.pub, msg, pre.data), 0, "%s: prehashed sig", alg);
		cr_expect_eq(verify(alg, hsmd::PREHASHED, k.pub, h, s.data), 0);
		// The name picks the hash: another one does not verify.
		const char *other = alg == pss[0].alg ? pss[1].alg : pss[0].alg;
		cr_expect_eq(verify(other, 0, k.pub, msg, s.data), -EBADMSG, "%s as %s", alg, other);
	}

	// Raw public (PKCS#1) and the private forms, back in under any RSA name.
	Out raw = public_raw(oaep, k.pub);
	cr_assert_eq(raw.rc, 0);
	Keys kp = import(pss256, raw.data);
	cr_expect(kp.rc == 0 && kp.priv.empty() && kp.pub == k.pub, "PKCS#1 public %d", kp.rc);
	Out s = sign(pss256, 0, k.priv, msg);
	cr_expect_eq(verify(pss256, 0, kp.pub, msg, s.data), 0);
	for (const Bytes &in : {k.priv, traditional(k.priv)}) {
		Keys ki = import(oaep, in);
		cr_expect(ki.rc == 0 && ki.priv == k.priv && ki.pub == k.pub,
			  "a %zu-byte private form comes back as another key (%d)", in.size(), ki.rc);
	}

	// OpenSSL takes an RSA signature or ciphertext with its leading zero
	// byte dropped (as if zero-padded); hsmd must not.
	bool signed_zero = false, sealed_zero = false;
	for (int i = 0; i < 8192 && !signed_zero; i++) {
		Bytes m = text("zero " + std::to_string(i));
		Out z = sign(pss256, 0, k.priv, m);
		if (z.rc == 0 && z.data[0] == 0) {
			signed_zero = true;
			cr_expect_eq(verify(pss256, 0, k.pub, m, z.data), 0);
			cr_expect_eq(verify(pss256, 0, k.pub, m, Bytes(z.data.begin() + 1, z.data.end())),
				     -EBADMSG, "verifies a signature without its leading zero");
		}
	}
	for (int i = 0; i < 16384 && !sealed_zero; i++) {
		Out z = encrypt(oaep, k.pub, {}, text("zero"));
		if (z.rc == 0 && z.data[0] == 0) {
			sealed_zero = true;
			cr_expect_eq(decrypt(oaep, k.priv, {}, z.data).rc, 0);
			cr_expect_eq(decrypt(oaep, k.priv, {}, Bytes(z.data.begin() + 1, z.data.end())).rc,
				     -EBADMSG, "decrypts a ciphertext without its leading zero");
		}
	}
	cr_expect(signed_zero && sealed_zero, "no leading zero in 8192 signatures or 16384 ciphertexts");

	// OAEP, with and without a label.
	const Bytes secret = text("a wrapped key"), label = text("hsm label");
	for (const Bytes &l : {Bytes{}, label}) {
		Out ct = encrypt(oaep, k.pub, l, secret);
		cr_assert_eq(ct.rc, 0, "encrypt %d", ct.rc);
		cr_expect_eq(ct.data.size(), 256u);
		Out pt = decrypt(oaep, k.priv, l, ct.data);
		cr_expect(pt.rc == 0 && pt.data == secret, "decrypt %d", pt.rc);
		cr_expect_eq(decrypt(oaep, k.priv, l.empty() ? label : Bytes{}, ct.data).rc, -EBADMSG,
			     "decrypts under the wrong label");
		cr_expect_eq(decrypt(oaep, k.priv, l, flip(ct.data, 100)).rc, -EBADMSG);
		cr_expect_eq(decrypt(oaep, k.priv, l, Bytes(ct.data.begin() + 1, ct.data.end())).rc,
			     -EBADMSG, "decrypts a short ciphertext");
	}
	Out empty = encrypt(oaep, k.pub, {}, {});
	cr_assert_eq(empty.rc, 0);
	Out pt = decrypt(oaep, k.priv, {}, empty.data);
	cr_expect(pt.rc == 0 && pt.data.empty());
	// 2048 bits, SHA-256: at most 256 - 2 * 32 - 2 = 190 bytes.
	cr_expect_eq(encrypt(oaep, k.pub, {}, Bytes(190, 7)).rc, 0);
	cr_expect_eq(encrypt(oaep, k.pub, {}, Bytes(191, 7)).rc, -EINVAL);
	// One byte short, each output.
	cr_expect_eq(sign(pss256, 0, k.priv, msg, 255).rc, -EOVERFLOW);
	cr_expect_eq(encrypt(oaep, k.pub, {}, secret, 255).rc, -EOVERFLOW);
	Out ct = encrypt(oaep, k.pub, {}, secret);
	cr_expect_eq(decrypt(oaep, k.priv, {}, ct.data, secret.size() - 1).rc, -EOVERFLOW);
	cr_expect_eq(decrypt(oaep, k.priv, {}, ct.data, secret.size()).rc, 0);
	cr_expect_eq(public_raw(oaep, k.pub, raw.data.size() - 1).rc, -EOVERFLOW);
	cr_expect_eq(import(oaep, k.priv, true, k.pub.size() - 1).rc, -EOVERFLOW);
}

// The daemon calls from several threads: the same keys, at once.
Test(roundtrip, threads)
{
	Keys ec = gen(p256), e = gen(ed);
	cr_assert(ec.rc == 0 && e.rc == 0);
	std::atomic<int> bad{0};
	std::vector<std::thread> threads;
	for (int t = 0; t < 4; t++)
		threads.emplace_back([&, t] {
			for (int i = 0; i < 25; i++) {
				Bytes msg = text("thread " + std::to_string(t) + " " + std::to_string(i));
				for (auto [alg, k] : {std::pair{p256, &ec}, std::pair{ed, &e}}) {
					Bytes sig(256);
					size_t len = 0;
					if (hsmd::sign(alg, 0, k->priv, msg, sig, len) != 0 ||
					    (sig.resize(len), hsmd::verify(alg, 0, k->pub, msg, sig)) != 0)
						bad++;
				}
			}
		});
	for (auto &th : threads)
		th.join();
	cr_expect_eq(bad.load(), 0, "%d operations failed across threads", bad.load());
}

// --- refusals ------------------------------------------------------------------

namespace {

/// The Wycheproof OAEP key: a valid RSA key without generating one.
json wycheproof_rsa()
{
	return load("rsa_oaep_2048_sha256_mgf1sha256_test.json")["testGroups"][0];
}

} // namespace

Test(refuse, unknown_algorithm)
{
	Keys k = gen(p256);
	cr_assert_eq(k.rc, 0);
	cr_expect(hsmd::known(p256) && hsmd::known(oaep) && hsmd::known("rsa-pss-sha512"));
	for (const char *alg : {"ecdsa-p521-sha512", "", "ECDSA-P256-SHA256", "ecdsa-p256-sha256 ",
				"rsa-pkcs1-sha256"}) {
		cr_expect(!hsmd::known(alg), "knows '%s'", alg);
		cr_expect_eq(gen(alg).rc, -EOPNOTSUPP, "'%s'", alg);
		cr_expect_eq(import(alg, k.priv).rc, -EOPNOTSUPP);
		cr_expect_eq(sign(alg, 0, k.priv, text("m")).rc, -EOPNOTSUPP);
		cr_expect_eq(verify(alg, 0, k.pub, text("m"), Bytes(64)), -EOPNOTSUPP);
		cr_expect_eq(encrypt(alg, k.pub, {}, text("m")).rc, -EOPNOTSUPP);
		cr_expect_eq(decrypt(alg, k.priv, {}, Bytes(256)).rc, -EOPNOTSUPP);
		cr_expect_eq(public_raw(alg, k.pub).rc, -EOPNOTSUPP);
	}
}

Test(refuse, wrong_key_type_or_curve)
{
	Keys k384 = gen(p384), k256 = gen(p256), ked = gen(ed);
	cr_assert(k384.rc == 0 && k256.rc == 0 && ked.rc == 0);
	const Bytes rsa_priv = hex(wycheproof_rsa()["privateKeyPkcs8"]);
	const Bytes m = text("m");
	// A P-384 key, in each form, is not a P-256 key.
	for (const Bytes &in : {k384.priv, k384.pub, traditional(k384.priv),
				public_raw(p384, k384.pub).data, ec_scalar(k384.priv, 48)})
		cr_expect_eq(import(p256, in).rc, -EINVAL, "P-384 %zu bytes as P-256", in.size());
	cr_expect_eq(sign(p256, 0, k384.priv, m).rc, -EINVAL);
	cr_expect_eq(verify(p256, 0, k384.pub, m, Bytes(64)), -EINVAL);
	cr_expect_eq(public_raw(p256, k384.pub).rc, -EINVAL);
	// Families do not mix.
	for (const char *alg : {p256, p384, ed})
		cr_expect_eq(import(alg, rsa_priv).rc, -EINVAL, "RSA key as %s", alg);
	for (const char *alg : {pss256, oaep, ed})
		cr_expect_eq(import(alg, k256.priv).rc, -EINVAL, "P-256 key as %s", alg);
	cr_expect_eq(import(p256, ked.priv).rc, -EINVAL);
	cr_expect_eq(sign(ed, 0, k256.priv, m).rc, -EINVAL);
	cr_expect_eq(sign(pss256, 0, k256.priv, m).rc, -EINVAL);
	cr_expect_eq(sign(p256, 0, rsa_priv, m).rc, -EINVAL);
	cr_expect_eq(verify(ed, 0, k256.pub, m, Bytes(64)), -EINVAL);
	cr_expect_eq(decrypt(oaep, k256.priv, {}, Bytes(256)).rc, -EINVAL);
	// Keys are canonical: a public key is not a private one.
	cr_expect_eq(sign(p256, 0, k256.pub, m).rc, -EINVAL);
	cr_expect_eq(verify(p256, 0, k256.priv, m, Bytes(64)), -EINVAL);
}

Test(refuse, rsa_sizes_and_exponent)
{
	Pkey small(EVP_RSA_gen(1024));
	cr_assert(small);
	unsigned char *der = nullptr;
	int n = i2d_PUBKEY(small.get(), &der);
	cr_assert(n > 0);
	Bytes spki(der, der + n);
	OPENSSL_free(der);
	der = nullptr;
	n = i2d_PrivateKey(small.get(), &der);	// PKCS#1
	cr_assert(n > 0);
	Bytes pkcs1(der, der + n);
	OPENSSL_clear_free(der, static_cast<size_t>(n));
	cr_expect_eq(import(pss256, spki).rc, -EINVAL, "RSA-1024 public");
	cr_expect_eq(import(pss256, pkcs1).rc, -EINVAL, "RSA-1024 private");
	cr_expect_eq(verify(pss256, 0, spki, text("m"), Bytes(128)), -EINVAL);
	for (unsigned bits : {0u, 1024u, 2047u, 8192u})
		cr_expect_eq(gen(pss256, bits).rc, -EINVAL, "generate %u bits", bits);

	// An even public exponent (65536): RSAPublicKey ends 02 03 01 00 01.
	Bytes asn = hex(load("rsa_pss_2048_sha256_mgf1_32_test.json")["testGroups"][0]["publicKeyAsn"]);
	cr_assert(import(pss256, asn).rc == 0);
	cr_expect_eq(import(pss256, flip(asn, asn.size() - 1)).rc, -EINVAL, "e = 65536");
}

Test(refuse, ec_points_and_scalars)
{
	struct {
		const char *alg;
		int nid;
		size_t flen;
	} curves[] = {{p256, NID_X9_62_prime256v1, 32}, {p384, NID_secp384r1, 48}};
	for (auto [alg, nid, flen] : curves) {
		Keys k = gen(alg);
		Bytes point = public_raw(alg, k.pub).data;
		cr_assert_eq(point.size(), 2 * flen + 1);
		// Off the curve: y + 1 (or - 1), raw and inside an SPKI.
		cr_expect_eq(import(alg, flip(point, point.size() - 1)).rc, -EINVAL, "%s: raw", alg);
		cr_expect_eq(import(alg, flip(k.pub, k.pub.size() - 1)).rc, -EINVAL, "%s: SPKI", alg);
		cr_expect_eq(verify(alg, 0, flip(k.pub, k.pub.size() - 1), text("m"), Bytes(64)), -EINVAL);
		// Compressed and hybrid points are not the raw form.
		cr_expect_eq(import(alg, flip(point, 0, 0x06)).rc, -EINVAL, "%s: 02||X||Y", alg);
		cr_expect_eq(import(alg, Bytes(point.begin(), point.begin() + 1 + flen)).rc, -EINVAL);
		// The scalar must be in [1, n-1].
		cr_expect_eq(import(alg, Bytes(flen, 0)).rc, -EINVAL, "%s: d = 0", alg);
		cr_expect_eq(import(alg, order_plus(nid, 0, flen)).rc, -EINVAL, "%s: d = n", alg);
		cr_expect_eq(import(alg, order_plus(nid, 1, flen)).rc, -EINVAL, "%s: d = n + 1", alg);
		cr_expect_eq(import(alg, Bytes(flen, 0xff)).rc, -EINVAL, "%s: d = 2^k - 1", alg);
		cr_expect_eq(import(alg, order_plus(nid, -1, flen)).rc, 0, "%s: d = n - 1", alg);
		Bytes one(flen, 0);
		one.back() = 1;
		Keys k1 = import(alg, one);
		cr_expect_eq(k1.rc, 0, "%s: d = 1", alg);
		// d = 1: the public key is G, and it signs.
		Out s = sign(alg, 0, k1.priv, text("m"));
		cr_expect(s.rc == 0 && verify(alg, 0, k1.pub, text("m"), s.data) == 0);
	}
}

// Explicit curve parameters are refused even when they are P-256's.
Test(refuse, ec_explicit_parameters)
{
	Keys k = gen(p256);
	cr_assert_eq(k.rc, 0);
	Pkey key = parse_pkcs8(k.priv);
	cr_assert(EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_ENCODING,
						 OSSL_PKEY_EC_ENCODING_EXPLICIT));
	unsigned char *der = nullptr;
	int n = i2d_PUBKEY(key.get(), &der);
	cr_assert(n > 0);
	Bytes spki(der, der + n);
	OPENSSL_free(der);
	cr_assert(spki.size() > k.pub.size(), "test: the SPKI did not get explicit parameters");
	Bytes sec1 = traditional(k.priv);
	der = nullptr;
	n = i2d_PrivateKey(key.get(), &der);
	cr_assert(n > 0);
	Bytes explicit_sec1(der, der + n);
	OPENSSL_clear_free(der, static_cast<size_t>(n));
	cr_assert(explicit_sec1.size() > sec1.size());
	cr_expect_eq(import(p256, spki).rc, -EINVAL, "explicit SPKI");
	cr_expect_eq(import(p256, explicit_sec1).rc, -EINVAL, "explicit SEC1");
	cr_expect_eq(verify(p256, 0, spki, text("m"), Bytes(64)), -EINVAL);
}

Test(refuse, trailing_garbage_and_truncation)
{
	Keys ec = gen(p256), e = gen(ed);
	cr_assert(ec.rc == 0 && e.rc == 0);
	const Bytes rsa_priv = hex(wycheproof_rsa()["privateKeyPkcs8"]);
	Keys rsa = import(oaep, rsa_priv);
	cr_assert_eq(rsa.rc, 0);
	struct {
		const char *alg;
		Bytes priv, pub, traditional;
	} keys[] = {{p256, ec.priv, ec.pub, traditional(ec.priv)},
		    {ed, e.priv, e.pub, {}},
		    {oaep, rsa.priv, rsa.pub, traditional(rsa.priv)}};
	for (const auto &k : keys) {
		for (const Bytes &in : {k.priv, k.pub, k.traditional}) {
			if (in.empty())
				continue;
			cr_expect_eq(import(k.alg, cat(in, {0})).rc, -EINVAL, "%s: + 00", k.alg);
			cr_expect_eq(import(k.alg, cat(in, in)).rc, -EINVAL, "%s: twice", k.alg);
			cr_expect_eq(import(k.alg, Bytes(in.begin(), in.end() - 1)).rc, -EINVAL,
				     "%s: truncated", k.alg);
		}
		cr_expect_eq(sign(k.alg == oaep ? pss256 : k.alg, 0, cat(k.priv, {0}), text("m")).rc,
			     -EINVAL, "%s: sign", k.alg);
		cr_expect_eq(public_raw(k.alg, cat(k.pub, {0})).rc, -EINVAL, "%s: public_raw", k.alg);
	}
	cr_expect_eq(verify(p256, 0, cat(ec.pub, {0}), text("m"), Bytes(64)), -EINVAL);
	cr_expect_eq(encrypt(oaep, cat(rsa.pub, {0}), {}, text("m")).rc, -EINVAL);
	cr_expect_eq(decrypt(oaep, cat(rsa.priv, {0}), {}, Bytes(256)).rc, -EINVAL);
	cr_expect_eq(import(p256, {}).rc, -EINVAL, "empty");
}

Test(refuse, short_buffers)
{
	Keys ec = gen(p256), e = gen(ed);
	cr_assert(ec.rc == 0 && e.rc == 0);
	const Bytes m = text("m");
	cr_expect_eq(gen(p256, 0, ec.priv.size() - 1).rc, -EOVERFLOW, "generate: priv");
	cr_expect_eq(gen(p256, 0, ec.priv.size(), ec.pub.size() - 1).rc, -EOVERFLOW, "generate: pub");
	cr_expect_eq(gen(p256, 0, ec.priv.size(), ec.pub.size()).rc, 0, "generate: exact");
	cr_expect_eq(import(p256, ec.priv, true, ec.pub.size() - 1).rc, -EOVERFLOW);
	cr_expect_eq(sign(p256, hsmd::SIG_RAW, ec.priv, m, 63).rc, -EOVERFLOW);
	cr_expect_eq(sign(p256, hsmd::SIG_RAW, ec.priv, m, 64).rc, 0);
	cr_expect_eq(sign(ed, 0, e.priv, m, 63).rc, -EOVERFLOW);
	cr_expect_eq(sign(ed, 0, e.priv, m, 64).rc, 0);
	cr_expect_eq(public_raw(p256, ec.pub, 64).rc, -EOVERFLOW);
	cr_expect_eq(public_raw(ed, e.pub, 31).rc, -EOVERFLOW);
	// Ed25519's private key is asked for with a priv buffer.
	Bytes priv(e.priv.size() - 1), pub(64);
	size_t pl = 1, ul = 1;
	cr_expect_eq(hsmd::import_key(ed, e.priv, priv, pl, pub, ul), -EOVERFLOW);
	cr_expect(pl == 0 && ul == 0);
}

Test(refuse, flags_and_digest_lengths)
{
	Keys ec = gen(p256), e = gen(ed);
	cr_assert(ec.rc == 0 && e.rc == 0);
	const Bytes pss_pub = hex(load("rsa_pss_2048_sha256_mgf1_32_test.json")["testGroups"][0]["publicKeyDer"]);
	const Bytes rsa_priv = hex(wycheproof_rsa()["privateKeyPkcs8"]);
	const Bytes m = text("m");
	// PREHASHED takes exactly the hash length.
	for (size_t n : {0, 31, 33, 48, 64})
		cr_expect_eq(sign(p256, hsmd::PREHASHED, ec.priv, Bytes(n, 1)).rc, -EINVAL, "P-256 %zu", n);
	cr_expect_eq(verify(p256, hsmd::PREHASHED, ec.pub, Bytes(31, 1), Bytes(64)), -EINVAL);
	cr_expect_eq(sign(pss256, hsmd::PREHASHED, rsa_priv, Bytes(31, 1)).rc, -EINVAL);
	cr_expect_eq(sign("rsa-pss-sha384", hsmd::PREHASHED, rsa_priv, Bytes(32, 1)).rc, -EINVAL);
	cr_expect_eq(verify(pss256, hsmd::PREHASHED, pss_pub, Bytes(33, 1), Bytes(256)), -EINVAL);
	cr_expect_eq(sign(pss256, hsmd::PREHASHED, rsa_priv, Bytes(32, 1)).rc, 0);
	// Ed25519 is pure: no flag.
	for (unsigned f : {hsmd::PREHASHED, hsmd::SIG_RAW}) {
		cr_expect_eq(sign(ed, f, e.priv, Bytes(32, 1)).rc, -EINVAL, "Ed25519 flag %u", f);
		cr_expect_eq(verify(ed, f, e.pub, Bytes(32, 1), Bytes(64)), -EINVAL);
	}
	// RSA-PSS has no r||s; nothing takes an unknown flag.
	cr_expect_eq(sign(pss256, hsmd::SIG_RAW, rsa_priv, m).rc, -EINVAL);
	// PKCS1: RSA-PSS names only; RAW's DigestInfo leaves 11 bytes of the
	// modulus to the padding, and is never also a digest.
	cr_expect_eq(sign(p256, hsmd::PKCS1, ec.priv, m).rc, -EINVAL);
	cr_expect_eq(sign(ed, hsmd::PKCS1, e.priv, m).rc, -EINVAL);
	cr_expect_eq(sign(oaep, hsmd::PKCS1, rsa_priv, m).rc, -EINVAL);
	cr_expect_eq(sign(oaep, hsmd::PKCS1 | hsmd::SIG_RAW, rsa_priv, m).rc, -EINVAL);
	cr_expect_eq(verify(oaep, hsmd::PKCS1, pss_pub, m, Bytes(256)), -EINVAL);
	cr_expect_eq(sign(pss256, hsmd::PKCS1 | hsmd::SIG_RAW | hsmd::PREHASHED, rsa_priv, Bytes(32, 1)).rc,
		     -EINVAL);
	cr_expect_eq(sign(pss256, hsmd::PKCS1 | hsmd::PREHASHED, rsa_priv, Bytes(31, 1)).rc, -EINVAL);
	cr_expect_eq(sign(pss256, hsmd::PKCS1 | hsmd::SIG_RAW, rsa_priv, Bytes(246, 1)).rc, -EINVAL);
	cr_expect_eq(verify(pss256, hsmd::PKCS1 | hsmd::SIG_RAW, pss_pub, Bytes(246, 1), Bytes(256)),
		     -EINVAL);
	Out longest = sign(pss256, hsmd::PKCS1 | hsmd::SIG_RAW, rsa_priv, Bytes(245, 1));
	cr_expect_eq(longest.rc, 0, "a 245-byte DigestInfo under a 2048-bit key: %d", longest.rc);
	cr_expect_eq(sign(pss256, hsmd::PKCS1 | hsmd::SIG_RAW, rsa_priv, {}).rc, 0);
	cr_expect_eq(sign(p256, 1u << 5, ec.priv, m).rc, -EINVAL);
	cr_expect_eq(verify(p256, 1u << 31, ec.pub, m, Bytes(64)), -EINVAL);
	// OAEP neither signs nor verifies; the others neither encrypt nor decrypt.
	cr_expect_eq(sign(oaep, 0, rsa_priv, m).rc, -EINVAL);
	cr_expect_eq(verify(oaep, 0, pss_pub, m, Bytes(256)), -EINVAL);
	cr_expect_eq(encrypt(pss256, pss_pub, {}, m).rc, -EINVAL);
	cr_expect_eq(decrypt(pss256, rsa_priv, {}, Bytes(256)).rc, -EINVAL);
	cr_expect_eq(encrypt(p256, ec.pub, {}, m).rc, -EINVAL);
	cr_expect_eq(gen(p256, 256).rc, -EINVAL);
	cr_expect_eq(gen(ed, 255).rc, -EINVAL);
	// Signatures of the wrong length are bad signatures.
	Out s = sign(ed, 0, e.priv, m);
	cr_expect_eq(verify(ed, 0, e.pub, m, Bytes(s.data.begin(), s.data.end() - 1)), -EBADMSG);
	cr_expect_eq(verify(ed, 0, e.pub, m, {}), -EBADMSG);
	cr_expect_eq(verify(p256, 0, ec.pub, m, {}), -EBADMSG);
	cr_expect_eq(verify(p256, hsmd::SIG_RAW, ec.pub, m, Bytes(63, 1)), -EBADMSG);
	cr_expect_eq(verify(pss256, 0, pss_pub, m, Bytes(255, 1)), -EBADMSG);
}

Test(refuse, inconsistent_private_keys)
{
	// An EC PKCS#8 carrying another key's public point.
	Keys a = gen(p256), b = gen(p256);
	cr_assert(a.rc == 0 && b.rc == 0);
	Bytes pa = public_raw(p256, a.pub).data, pb = public_raw(p256, b.pub).data;
	Bytes forged = replace(a.priv, pa, pb);
	cr_expect_eq(import(p256, forged).rc, -EINVAL, "PKCS#8 with another public point");
	cr_expect_eq(import(p256, replace(traditional(a.priv), pa, pb)).rc, -EINVAL, "SEC1 likewise");
	cr_expect_eq(import(p256, a.priv).rc, 0);

	// An RSA key whose d was changed (its last byte).
	json g = wycheproof_rsa();
	Bytes pkcs8 = hex(g["privateKeyPkcs8"]), d = hex(g["privateKey"]["privateExponent"]);
	cr_expect_eq(import(oaep, pkcs8).rc, 0);
	cr_expect_eq(import(oaep, replace(pkcs8, d, flip(d, d.size() - 1, 0x02))).rc, -EINVAL,
		     "RSA key with a modified d");
	Bytes p = hex(g["privateKey"]["prime1"]);
	cr_expect_eq(import(oaep, replace(pkcs8, p, flip(p, p.size() - 1, 0x02))).rc, -EINVAL,
		     "RSA key with a modified p");
}

// OpenSSL's error queue is left as it was found, on failure too.
Test(refuse, error_queue_untouched)
{
	ERR_clear_error();
	cr_expect_eq(import(p256, Bytes(100, 0x30)).rc, -EINVAL);
	cr_expect_eq(verify(p256, 0, Bytes(91, 0x30), text("m"), Bytes(64)), -EINVAL);
	cr_expect_eq(decrypt(oaep, hex(wycheproof_rsa()["privateKeyPkcs8"]), {}, Bytes(256, 1)).rc,
		     -EBADMSG);
	cr_expect_eq(ERR_peek_error(), 0ul, "errors left queued");
}

// RFC 8032, 7.1, TESTs 1 and 2: Wycheproof's Ed25519 file gives no private
// keys, so these are the signing known answers (Ed25519 is deterministic).
Test(rfc8032, ed25519_signatures_are_the_published_ones)
{
	struct {
		const char *seed, *pub, *msg, *sig;
	} v[] = {
		{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
		 "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
		 "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
		{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
		 "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
		 "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
	};
	for (auto &t : v) {
		Keys k = import("ed25519", unhex(t.seed));
		cr_assert_eq(k.rc, 0);
		Out raw = public_raw("ed25519", k.pub);
		cr_assert_eq(raw.rc, 0);
		cr_expect(raw.data == unhex(t.pub), "the seed's public key");
		Out s = sign("ed25519", 0, k.priv, unhex(t.msg));
		cr_assert_eq(s.rc, 0);
		cr_expect(s.data == unhex(t.sig), "RFC 8032's signature");
		cr_expect_eq(verify("ed25519", 0, k.pub, unhex(t.msg), s.data), 0);
	}
}

// The cache of parsed keys (hsmd/cache.hpp): a key parsed once signs from
// the cache; the module's eviction, by the digest of the bytes it sent,
// drops it (and the next request parses it again); the cache holds at most
// kCacheMax keys.
Test(cache, keeps_a_parsed_key_until_evicted)
{
	const size_t before = hsmd::cache_size();
	Keys k = gen(p256);
	cr_assert_eq(k.rc, 0);
	const Bytes msg = {1, 2, 3};
	cr_assert_eq(sign(p256, 0, k.priv, msg).rc, 0);
	cr_expect_eq(hsmd::cache_size(), before + 1, "parsed once, kept");
	Out s = sign(p256, 0, k.priv, msg);
	cr_assert_eq(s.rc, 0);
	cr_expect_eq(hsmd::cache_size(), before + 1, "found, not parsed again");
	cr_expect_eq(verify(p256, 0, k.pub, msg, s.data), 0);
	cr_expect_eq(hsmd::cache_size(), before + 2, "the public key too");

	hsmd::cache_evict(hsmd::key_digest(k.priv));
	hsmd::cache_evict(hsmd::key_digest(k.pub));
	cr_expect_eq(hsmd::cache_size(), before, "evicted");
	s = sign(p256, 0, k.priv, msg);
	cr_assert_eq(s.rc, 0, "parsed again");
	cr_expect_eq(verify(p256, 0, k.pub, msg, s.data), 0);

	// The same bytes under another algorithm are checked for it anew.
	cr_expect_eq(sign(p384, 0, k.priv, msg).rc, -EINVAL);
}

Test(cache, is_bounded)
{
	const Bytes msg = {7};
	for (size_t i = 0; i < hsmd::kCacheMax + 20; i++) {
		Keys k = gen(ed);
		cr_assert_eq(k.rc, 0);
		cr_assert_eq(sign(ed, 0, k.priv, msg).rc, 0);
	}
	cr_expect_eq(hsmd::cache_size(), hsmd::kCacheMax);
}

// --- ECDH: what the module asks of the worker --------------------------------

namespace {

Out agree(const char *alg, const Bytes &d, const Bytes &peer, size_t cap = 64)
{
	Bytes out(cap);
	size_t len = 1;
	int rc = hsmd::agree(alg, d, peer, out, len);
	return out_of(rc, out, len);
}

/// x || y of an SPKI on the named curve group, or empty.
Bytes spki_xy(const Bytes &der, const char *group, size_t flen)
{
	const unsigned char *p = der.data();
	Pkey k(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
	char name[64] = "";
	if (!k || p != der.data() + der.size() ||
	    !EVP_PKEY_get_utf8_string_param(k.get(), OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
					    nullptr) ||
	    std::strcmp(name, group) != 0)
		return {};
	BIGNUM *x = nullptr, *y = nullptr;
	Bytes xy(2 * flen);
	bool ok = EVP_PKEY_get_bn_param(k.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x) &&
		  EVP_PKEY_get_bn_param(k.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y) &&
		  BN_bn2binpad(x, xy.data(), static_cast<int>(flen)) > 0 &&
		  BN_bn2binpad(y, xy.data() + flen, static_cast<int>(flen)) > 0;
	BN_free(x);
	BN_free(y);
	return ok ? xy : Bytes();
}

/// Every valid vector whose key is a point on the named curve agrees on
/// Wycheproof's secret, the kernel's edge cases among them (the ones the
/// module sends here, see tests/guest/wycheproof.hpp).
void run_ecdh(const char *file, const char *alg, const char *group, size_t flen,
	      std::initializer_list<int> edge)
{
	json j = load(file);
	size_t agreed = 0, edges = 0;
	for (const auto &g : j["testGroups"])
		for (const auto &t : g["tests"]) {
			Bytes d = hex(t["private"]);
			while (d.size() > flen && d.front() == 0)
				d.erase(d.begin());
			d.insert(d.begin(), flen - std::min(flen, d.size()), 0);
			Bytes xy = spki_xy(hex(t["public"]), group, flen);
			if (xy.empty() || t["result"] == "invalid")
				continue;
			Out s = agree(alg, d, xy);
			int tc = t["tcId"];
			cr_expect(s.rc == 0 && s.data == hex(t["shared"]), "%s tcId %d: rc %d", file,
				  tc, s.rc);
			agreed++;
			edges += std::count(edge.begin(), edge.end(), tc);
		}
	cr_expect_eq(edges, edge.size(), "%s: the kernel's edge cases are not all here", file);
	cr_log_info("%s: %zu valid vectors agreed", file, agreed);
	cr_expect_gt(agreed, 100u);
}

} // namespace

Test(ecdh, wycheproof_p256)
{
	run_ecdh("ecdh_secp256r1_test.json", "ecdh-p256", "prime256v1", 32, {69, 199, 329});
}

Test(ecdh, wycheproof_p384)
{
	run_ecdh("ecdh_secp384r1_test.json", "ecdh-p384", "secp384r1", 48, {53, 480, 772});
}

Test(ecdh, refusals)
{
	Keys k = gen(p256);
	Bytes point = public_raw(p256, k.pub).data;
	Bytes xy(point.begin() + 1, point.end());
	Bytes d(32, 0);
	d.back() = 2;
	cr_assert_eq(agree("ecdh-p256", d, xy).rc, 0);
	cr_expect_eq(agree("ecdh-p256", d, flip(xy, 63)).rc, -EINVAL, "a point off the curve");
	cr_expect_eq(agree("ecdh-p256", Bytes(32, 0), xy).rc, -EINVAL, "d = 0");
	cr_expect_eq(agree("ecdh-p256", order_plus(NID_X9_62_prime256v1, 0, 32), xy).rc, -EINVAL,
		     "d = n");
	cr_expect_eq(agree("ecdh-p256", Bytes(31, 1), xy).rc, -EINVAL, "a short scalar");
	cr_expect_eq(agree("ecdh-p256", d, point).rc, -EINVAL, "04 || x || y is not the form");
	cr_expect_eq(agree("ecdh-p384", d, xy).rc, -EINVAL, "a P-256 input for P-384");
	cr_expect_eq(agree("ecdh-p256", d, xy, 31).rc, -EOVERFLOW);
	// No peer: the public key, as the ECDSA import of the same scalar
	// gives it (less the 04), for every scalar the kernel cannot do.
	for (const Bytes &e : {d, order_plus(NID_X9_62_prime256v1, -2, 32),
			       order_plus(NID_X9_62_prime256v1, -1, 32)}) {
		Bytes want = public_raw(p256, import(p256, e).pub).data;
		Out pub = agree("ecdh-p256", e, {});
		cr_expect(pub.rc == 0 && pub.data == Bytes(want.begin() + 1, want.end()),
			  "public key: %d", pub.rc);
	}
	cr_expect_eq(agree("ecdh-p256", d, {}, 63).rc, -EOVERFLOW);
	// The signing names do not agree, and the ECDH names do nothing else.
	cr_expect_eq(agree(p256, d, xy).rc, -EOPNOTSUPP);
	cr_expect_eq(agree("x25519", d, xy).rc, -EOPNOTSUPP);
	cr_expect_eq(gen("ecdh-p256").rc, -EOPNOTSUPP);
	cr_expect_eq(sign("ecdh-p256", 0, k.priv, text("m")).rc, -EOPNOTSUPP);
	cr_expect(!hsmd::known("ecdh-p256"));
}
