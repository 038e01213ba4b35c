// SPDX-License-Identifier: GPL-2.0 OR MIT
// The Wycheproof driver: every valid vector must give the expected output
// and every invalid one must be refused.  Vectors whose parameters the
// module does not offer (GCM nonces other than 96 bits, SHA-1 signatures,
// SPKI encodings) are counted as skipped, and such a vector must be
// refused, never answered wrongly.  Counts are printed per file.
//
// The worker's algorithms (ECDSA, Ed25519, RSA-PSS, RSA-OAEP) run the
// same way, through the module, with hsmd attached; their files give
// public keys only (OAEP's a private one), so only verification and
// decryption are checked here, signing by test_worker.  Their vectors are
// judged by Tally::verdict: a valid one must give the right answer, an
// invalid one must be refused with EBADMSG (the ABI's only answer for a
// signature that does not verify or a ciphertext that does not decrypt),
// an acceptable one either.
//
// The driver runs on a backend: the raw ABI (test_wycheproof.cpp) or
// libhsm (test_lib_wycheproof.cpp).  A backend B has
//   static constexpr const char *kName;  the prefix of its count lines
//   using Key;                           a key, released when it goes
// and these calls, each answering a value or the module's negative errno:
//   import(alg, perms, material, exportable = false, key_len = 0) -> Key
//   import_public(alg, material)         -> Key  (HSM_OP_F_PUBLIC, VERIFY only)
//   derive(base, kdf, salt, info, size)  -> Key  (an exportable "secret")
//   agree(private_key, peer_point)       -> Key  (an exportable "secret")
//   export_key(key, max)                 -> its bytes
//   open(key, iv, aad, ct, tag)          -> the plaintext
//   seal(key, iv, aad, msg, tag_len)     -> {ciphertext, tag}
//   mac(key, msg, len)                   -> the tag, truncated to len
//   mac_verify(key, msg, tag)            -> nothing
//   verify(key, msg, signature, raw = false) -> nothing (raw: ECDSA r || s)
//   sign(key, msg, max)                  -> the signature
//   oaep_decrypt(key, label, ct, max)    -> the plaintext
#pragma once

#include <criterion/criterion.h>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <expected>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <linux/hsm.h>
#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "worker.hpp"

namespace wycheproof {

using Bytes = std::vector<std::uint8_t>;
using json = nlohmann::json;

/// What a backend reports for a call the module refused.
struct Failure {
	long err;		///< the negative errno
	std::string why;	///< for the log
};

template <typename T>
using Answer = std::expected<T, Failure>;

inline Bytes unhex(std::string_view h)
{
	Bytes b(h.size() / 2);
	for (size_t i = 0; i < b.size(); i++)
		b[i] = std::stoi(std::string(h.substr(2 * i, 2)), nullptr, 16);
	return b;
}

inline Bytes hex(const json &v)
{
	return unhex(v.get<std::string>());
}

template <typename T>
std::string describe(const Answer<T> &a)
{
	return a ? "ok" : a.error().why;
}

inline json load(const std::string &name)
{
	const char *d = getenv("HSM_TESTDATA");
	std::string dir = d ? d : "/data";
	std::ifstream f(dir + "/wycheproof/" + name);
	cr_assert(f.good(), "cannot open %s/wycheproof/%s", dir.c_str(), name.c_str());
	return json::parse(f);
}

/// A vector's tcId, a number or (in some files) a string.
inline int tc_id(const json &v)
{
	return v["tcId"].is_string() ? std::stoi(v["tcId"].get<std::string>()) : v["tcId"].get<int>();
}

/// The counts of one file, printed and checked when it goes.
struct Tally {
	Tally(const char *backend, std::string f) : name(backend), file(std::move(f)) {}

	const char *name;
	std::string file;
	int passed = 0, failed = 0;
	std::map<std::string, int> skipped;
	// What verdict() passed, by result; by_key of `invalid` were refused
	// with their group's key.
	int valid = 0, invalid = 0, by_key = 0, acceptable_taken = 0, acceptable_refused = 0;

	void fail(int tc, const std::string &why)
	{
		failed++;
		cr_log_error("%s tcId %d: %s", file.c_str(), tc, why.c_str());
	}

	/// Judges vector v: took says the module gave the right answer,
	/// refused that it refused as an invalid vector must be.
	void verdict(const json &v, bool took, bool refused, const std::string &what)
	{
		const std::string result = v["result"];
		if (result == "valid" ? !took : result == "invalid" ? !refused : !took && !refused) {
			fail(tc_id(v), result + ": " + what);
			return;
		}
		passed++;
		(result == "valid"     ? valid
		 : result == "invalid" ? invalid
		 : took		       ? acceptable_taken
				       : acceptable_refused)++;
	}

	/// A group whose key the module refused: right only for its invalid
	/// vectors, and only with EINVAL.
	void key_refused(const json &g, const Failure &f)
	{
		for (auto &v : g["tests"]) {
			if (v["result"] == "invalid" && f.err == -EINVAL) {
				passed++;
				invalid++;
				by_key++;
			} else {
				fail(tc_id(v), v["result"].get<std::string>() + ": key refused: " + f.why);
			}
		}
	}

	~Tally()
	{
		int s = 0;
		std::string why, by;
		for (auto &[k, n] : skipped) {
			s += n;
			why += (why.empty() ? "" : ", ") + std::to_string(n) + " " + k;
		}
		const bool judged = valid + invalid + acceptable_taken + acceptable_refused > 0;
		const int acceptable = acceptable_taken + acceptable_refused;
		if (judged)
			by = " (" + std::to_string(valid) + " valid, " + std::to_string(invalid) +
			     " invalid refused" +
			     (by_key ? " (" + std::to_string(by_key) + " by their key)" : "") + ", " +
			     std::to_string(acceptable) + " acceptable" +
			     (acceptable ? ": " + std::to_string(acceptable_taken) + " taken, " +
						   std::to_string(acceptable_refused) + " refused"
					 : "") +
			     ")";
		std::printf("%s %s: %d vectors: %d passed%s, %d failed, %d skipped%s%s%s\n", name,
			    file.c_str(), passed + failed + s, passed, by.c_str(), failed, s,
			    s ? " (" : "", why.c_str(), s ? ")" : "");
		std::fflush(stdout);
		cr_expect_eq(failed, 0, "%s: %d vectors failed", file.c_str(), failed);
		cr_expect_gt(passed, 0, "%s: no vector ran", file.c_str());
		if (judged) {
			cr_expect_gt(valid, 0, "%s: no valid vector passed", file.c_str());
			cr_expect_gt(invalid, 0, "%s: no invalid vector refused", file.c_str());
		}
	}
};

/// Runs body(tally, backend, group) on every test group of `file`, with a
/// backend of its own; the tally prints and checks the counts at the end.
template <typename B, typename F>
void each_group(const std::string &file, F body)
{
	json doc = load(file);
	Tally t(B::kName, file);
	B b;
	for (auto &g : doc["testGroups"])
		body(t, b, g);
}

template <typename B>
void run_aead(const std::string &file, const char *(*alg_for)(int key_bits))
{
	each_group<B>(file, [&](Tally &t, B &b, json &g) {
		int key_bits = g["keySize"], iv_bits = g["ivSize"], tag_bits = g["tagSize"];
		const char *alg = alg_for(key_bits);
		for (auto &v : g["tests"]) {
			int tc = v["tcId"];
			bool valid = v["result"] != "invalid";
			Bytes iv = hex(v["iv"]), aad = hex(v["aad"]), msg = hex(v["msg"]);
			Bytes ct = hex(v["ct"]), tag = hex(v["tag"]);

			auto k = b.import(alg, HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT, hex(v["key"]));
			if (!k) {
				t.fail(tc, "key import: " + k.error().why);
				continue;
			}
			auto open = b.open(*k, iv, aad, ct, tag);
			if (iv_bits != 96) {
				// Not offered: must be refused, whatever the vector says.
				if (open || open.error().err != -EINVAL)
					t.fail(tc, "nonce of " + std::to_string(iv_bits) + " bits not refused");
				else
					t.skipped["with " + std::to_string(iv_bits) + "-bit nonces"]++;
				continue;
			}
			if (!valid) {
				if (open)
					t.fail(tc, "invalid vector opened");
				else
					t.passed++;
				continue;
			}
			// Seal the plaintext and compare with the expected ciphertext and tag.
			auto seal = b.seal(*k, iv, aad, msg, tag_bits / 8);
			if (open && *open == msg && seal && seal->first == ct && seal->second == tag)
				t.passed++;
			else
				t.fail(tc, "open " + describe(open) + ", seal " + describe(seal));
		}
	});
}

inline const char *gcm_alg(int bits)
{
	return bits == 128 ? "aes-128-gcm" : bits == 192 ? "aes-192-gcm" : "aes-256-gcm";
}

inline const char *chacha_alg(int)
{
	return "chacha20-poly1305";
}

// MACs, truncated to the vector's tag size: the key size decides whether
// the module accepts the key at all.
template <typename B>
void run_mac(const std::string &file, std::string (*alg_for)(int key_bits))
{
	each_group<B>(file, [&](Tally &t, B &b, json &g) {
		int key_bits = g["keySize"], tag_bits = g["tagSize"];
		std::string alg = alg_for(key_bits);
		for (auto &v : g["tests"]) {
			int tc = v["tcId"];
			bool valid = v["result"] != "invalid";
			Bytes key = hex(v["key"]), msg = hex(v["msg"]), tag = hex(v["tag"]);

			auto k = b.import(alg.c_str(), HSM_PERM_SIGN | HSM_PERM_VERIFY, key, false,
					  alg.rfind("hmac", 0) == 0 ? key.size() : 0);
			if (!k) {
				long err = k.error().err;
				if (alg.empty() || key_bits / 8 < 16) {
					// Key sizes the module refuses: must be refused.
					if (err == -EINVAL || err == -EOPNOTSUPP)
						valid ? t.skipped["with refused key sizes"]++ : t.passed++;
					else
						t.fail(tc, "odd key refusal " + k.error().why);
				} else {
					t.fail(tc, "key import: " + k.error().why);
				}
				continue;
			}
			auto m = b.mac(*k, msg, tag_bits / 8);
			bool same = m && m->size() == std::size_t(tag_bits / 8) && *m == tag;
			auto vr = b.mac_verify(*k, msg, tag);
			bool ok = valid ? same && vr.has_value()
					: !vr && vr.error().err == -EBADMSG && !same;
			if (ok)
				t.passed++;
			else
				t.fail(tc, "mac " + describe(m) + ", verify " + describe(vr));
		}
	});
}

inline std::string hmac256(int) { return "hmac-sha-256"; }
inline std::string hmac384(int) { return "hmac-sha-384"; }
inline std::string hmac512(int) { return "hmac-sha-512"; }

inline std::string cmac(int bits)
{
	switch (bits) {
	case 128: return "aes-128-cmac";
	case 192: return "aes-192-cmac";
	case 256: return "aes-256-cmac";
	}
	return "";
}

// HKDF: import the IKM as a "secret", derive an exportable "secret" of the
// requested size, export it and compare.
template <typename B>
void run_hkdf(const std::string &file, const char *kdf)
{
	each_group<B>(file, [&](Tally &t, B &b, json &g) {
		for (auto &v : g["tests"]) {
			int tc = v["tcId"];
			bool valid = v["result"] != "invalid";
			Bytes okm = hex(v["okm"]);
			unsigned size = v["size"];

			// Exportable, so the derived key may be exported to compare.
			auto base = b.import("secret", HSM_PERM_DERIVE, hex(v["ikm"]), true);
			if (!base) {
				t.fail(tc, "ikm import: " + base.error().why);
				continue;
			}
			auto d = b.derive(*base, kdf, hex(v["salt"]), hex(v["info"]), size);
			if (!valid) {
				if (!d && d.error().err == -EINVAL)
					t.passed++;
				else
					t.fail(tc, "invalid derivation gave " + describe(d));
			} else if (!d) {
				t.fail(tc, "derive: " + d.error().why);
			} else {
				auto x = b.export_key(*d, size);
				if (x && *x == okm)
					t.passed++;
				else
					t.fail(tc, "export " + describe(x) + " or wrong okm");
			}
		}
	});
}

// Agree with an imported private key and a raw peer key; export the secret.
// Returns 0 or the module's negative errno, and fills shared on success.
template <typename B>
long agree(B &b, const char *alg, const Bytes &priv, const Bytes &peer, Bytes &shared)
{
	// Exportable, so the agreed secret may be exported to compare.
	auto k = b.import(alg, HSM_PERM_AGREE, priv, true);
	if (!k)
		return k.error().err;
	auto a = b.agree(*k, peer);
	if (!a)
		return a.error().err;
	auto x = b.export_key(*a, 64);
	if (!x)
		return x.error().err;
	shared = std::move(*x);
	return 0;
}

// Judge one agreement vector: valid must match, invalid must be refused,
// acceptable may be either (but a secret it gives must be the right one).
inline void judge(Tally &t, int tc, const std::string &result, long r, const Bytes &got,
		  const Bytes &want)
{
	bool ok = r == 0 && got == want;
	if (result == "valid" ? ok : result == "invalid" ? r != 0 : (r != 0 || ok))
		t.passed++;
	else
		t.fail(tc, "agree " + std::to_string(r) + (r ? "" : ", secret differs"));
}

// The uncompressed point (x || y) of a DER SubjectPublicKeyInfo on `group`,
// or empty when OpenSSL does not parse it as a key on that curve.
inline Bytes spki_point(const Bytes &der, const char *group, size_t n)
{
	const unsigned char *p = der.data();
	EVP_PKEY *pk = d2i_PUBKEY(nullptr, &p, der.size());
	Bytes xy;
	char name[64] = "";
	if (!pk)
		return xy;
	if (p == der.data() + der.size() &&
	    EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
					   nullptr) && !strcmp(name, group)) {
		BIGNUM *x = nullptr, *y = nullptr;
		if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &x) &&
		    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y)) {
			xy.resize(2 * n);
			BN_bn2binpad(x, xy.data(), n);
			BN_bn2binpad(y, xy.data() + n, n);
		}
		BN_free(x);
		BN_free(y);
	}
	EVP_PKEY_free(pk);
	return xy;
}

/*
 * Valid vectors that the kernel's crypto/ecc.c cannot compute, on 6.1 and
 * 6.12 alike: its co-Z ladder meets the point at infinity for these edge
 * cases (an x-coordinate of 0, scalars of special form).  The module
 * hands them to the worker; each must come back with the right secret.
 */
inline const std::set<std::pair<std::string, int>> kernel_edge_cases = {
	{"ecdh_secp256r1_test.json", 69},  {"ecdh_secp256r1_test.json", 199},
	{"ecdh_secp256r1_test.json", 329}, {"ecdh_secp384r1_test.json", 53},
	{"ecdh_secp384r1_test.json", 480}, {"ecdh_secp384r1_test.json", 772},
};

// An ECDH vector's private key as the module takes it: the big-endian
// scalar in exactly n bytes, or empty if it is longer than the curve.
inline Bytes ecdh_scalar(const json &v, size_t n)
{
	Bytes d = hex(v["private"]);
	while (d.size() > n && d.front() == 0)
		d.erase(d.begin());
	if (d.size() > n)
		return {};
	d.insert(d.begin(), n - d.size(), 0);
	return d;
}

// The raw point of an ECDH vector's public key, or empty for an SPKI
// problem (ASN.1, curve parameters, another curve): the module takes raw
// points, never SPKI.  Vectors whose fault is in the point itself keep it,
// so that the module must refuse it as OpenSSL does.
inline Bytes ecdh_point(const json &v, const char *group, size_t n)
{
	Bytes der = hex(v["public"]);
	bool point_level = false, unnamed = false;
	for (auto &f : v["flags"]) {
		point_level |= f == "InvalidPublic" || f == "InvalidCurveAttack";
		unnamed |= f == "UnnamedCurve";
	}
	point_level &= !unnamed;
	Bytes xy = unnamed ? Bytes() : spki_point(der, group, n);
	if (xy.empty() && point_level && der.size() > 2 * n && der[der.size() - 2 * n - 1] == 0x04)
		xy.assign(der.end() - 2 * n, der.end());
	return xy;
}

template <typename B>
void run_ecdh(const std::string &file, const char *alg, const char *group, size_t n)
{
	int edges = 0;
	each_group<B>(file, [&](Tally &t, B &b, json &g) {
		for (auto &v : g["tests"]) {
			int tc = v["tcId"];
			Bytes d = ecdh_scalar(v, n), got;
			if (d.empty()) {
				t.fail(tc, "private key longer than the curve");
				continue;
			}
			Bytes xy = ecdh_point(v, group, n);
			if (xy.empty()) {
				t.skipped["with SPKI encodings the module never sees"]++;
				continue;
			}
			long r = agree(b, alg, d, xy, got);
			edges += kernel_edge_cases.count({file, tc}) && !r && got == hex(v["shared"]);
			judge(t, tc, v["result"], r, got, hex(v["shared"]));
		}
	});
	int want = 0;
	for (auto &[f, tc] : kernel_edge_cases)
		want += f == file;
	std::printf("%s %s: %d of the kernel's %d edge cases computed by the worker\n", B::kName,
		    file.c_str(), edges, want);
	cr_expect_eq(edges, want, "%s: the kernel's edge cases", file.c_str());
}

template <typename B>
void run_x25519(const std::string &file)
{
	each_group<B>(file, [&](Tally &t, B &b, json &g) {
		for (auto &v : g["tests"]) {
			Bytes got;
			long r = agree(b, "x25519", hex(v["private"]), hex(v["public"]), got);
			judge(t, v["tcId"], v["result"], r, got, hex(v["shared"]));
		}
	});
}

// The DER inside a PEM block.
inline Bytes pem_der(const std::string &pem)
{
	std::string b64;
	std::istringstream in(pem);
	for (std::string line; std::getline(in, line);)
		if (line.rfind("-----", 0) != 0)
			b64 += line;
	Bytes out(b64.size());
	int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char *>(b64.data()),
				b64.size());
	cr_assert_geq(n, 0, "bad base64");
	while (!b64.empty() && b64.back() == '=') {
		b64.pop_back();
		n--;
	}
	out.resize(n);
	return out;
}

inline const char *rsa_alg(const std::string &sha)
{
	if (sha == "SHA-256")
		return "rsa-pkcs1-sha256";
	if (sha == "SHA-384")
		return "rsa-pkcs1-sha384";
	if (sha == "SHA-512")
		return "rsa-pkcs1-sha512";
	return nullptr;
}

template <typename B>
void run_rsa_verify(const std::string &file)
{
	each_group<B>(file, [&](Tally &t, B &b, json &g) {
		const char *alg = rsa_alg(g["sha"]);
		cr_assert_not_null(alg);
		auto k = b.import(alg, HSM_PERM_VERIFY, hex(g["publicKeyAsn"]));
		cr_assert(k.has_value(), "RSAPublicKey import: %s", describe(k).c_str());
		for (auto &v : g["tests"]) {
			std::string result = v["result"];
			auto r = b.verify(*k, hex(v["msg"]), hex(v["sig"]));
			bool bad = !r && r.error().err == -EBADMSG;
			bool ok = result == "valid" ? r.has_value() : result == "invalid" ? bad : (r || bad);
			if (ok)
				t.passed++;
			else
				t.fail(tc_id(v), "verify " + (r ? std::string("verified") : r.error().why));
		}
	});
}

template <typename B>
void run_rsa_sign(const std::string &file)
{
	each_group<B>(file, [&](Tally &t, B &b, json &g) {
		std::string sha = g["sha"];
		const char *alg = rsa_alg(sha);
		if (!alg) {
			t.skipped["with " + sha + " (not offered)"] += g["tests"].size();
			return;
		}
		auto k = b.import(alg, HSM_PERM_SIGN | HSM_PERM_VERIFY,
				  pem_der(g["privateKeyPem"].get<std::string>()));
		cr_assert(k.has_value(), "RSAPrivateKey import: %s", describe(k).c_str());
		for (auto &v : g["tests"]) {
			auto r = b.sign(*k, hex(v["msg"]), 512);
			if (r && *r == hex(v["sig"]))
				t.passed++;
			else
				t.fail(tc_id(v), "sign " + (r ? std::string("wrong signature") : r.error().why));
		}
	});
}

// --- the worker's algorithms ---------------------------------------------------

/// The tests of the worker's algorithms start hsmd unless it is attached
/// (the payload starts it; test_worker stops and restarts it), so that
/// they do not depend on the order the suites run in.
inline void need_worker()
{
	hsmtest::start_worker();
}

/// Right when the module refused as an invalid signature or ciphertext
/// must be: EBADMSG, whatever is wrong with it.
template <typename T>
bool bad_message(const Answer<T> &a)
{
	return !a && a.error().err == -EBADMSG;
}

// Signature verification with the group's public key, imported from its
// SubjectPublicKeyInfo: ECDSA (DER, or raw r || s for the P1363 files) and
// RSA-PSS.  ours(g) says the group's parameters are the algorithm's: the
// files hold no others (SHA256SUMS pins them), so any other is a test error.
template <typename B, typename P>
void run_verify(const std::string &file, const char *alg, bool raw, P ours)
{
	each_group<B>(file, [&](Tally &t, B &b, json &g) {
		cr_assert(ours(g), "%s: a group of other parameters than %s's", file.c_str(), alg);
		auto k = b.import(alg, HSM_PERM_VERIFY, hex(g["publicKeyDer"]));
		if (!k) {
			t.key_refused(g, k.error());
			return;
		}
		for (auto &v : g["tests"]) {
			auto r = b.verify(*k, hex(v["msg"]), hex(v["sig"]), raw);
			t.verdict(v, r.has_value(), bad_message(r),
				  "verify " + (r ? std::string("verified") : r.error().why));
		}
	});
}

template <typename B>
void run_ecdsa(const std::string &file, const char *alg, const char *curve, const char *sha,
	       bool raw)
{
	run_verify<B>(file, alg, raw, [&](const json &g) {
		return g["publicKey"]["curve"] == curve && g["sha"] == sha;
	});
}

// RSASSA-PSS: the module offers salt = hash length with MGF1 of the same
// hash, on 2048-, 3072- and 4096-bit keys.
template <typename B>
void run_pss(const std::string &file, const char *alg)
{
	run_verify<B>(file, alg, false, [](const json &g) {
		return g["sha"] == "SHA-256" && g["mgf"] == "MGF1" && g["mgfSha"] == "SHA-256" &&
		       g["sLen"] == 32 && g["keySize"] == 2048;
	});
}

// Ed25519 (pure): every vector under the group's key imported twice, from
// its SubjectPublicKeyInfo and as the raw 32 bytes with HSM_OP_F_PUBLIC;
// both must give the right answer.
template <typename B>
void run_ed25519(const std::string &file)
{
	each_group<B>(file, [&](Tally &t, B &b, json &g) {
		auto spki = b.import("ed25519", HSM_PERM_VERIFY, hex(g["publicKeyDer"]));
		auto raw = b.import_public("ed25519", hex(g["publicKey"]["pk"]));
		if (!spki || !raw) {
			if (!spki && !raw && spki.error().err == raw.error().err)
				t.key_refused(g, spki.error());
			else
				for (auto &v : g["tests"])
					t.fail(tc_id(v), "key: SPKI " + describe(spki) + ", raw " +
								 describe(raw));
			return;
		}
		for (auto &v : g["tests"]) {
			Bytes msg = hex(v["msg"]), sig = hex(v["sig"]);
			auto r = b.verify(*spki, msg, sig), r2 = b.verify(*raw, msg, sig);
			t.verdict(v, r && r2, bad_message(r) && bad_message(r2),
				  "verify: SPKI key " + describe(r) + ", raw key " + describe(r2));
		}
	});
}

// RSAES-OAEP decryption with the group's PKCS#8 private key, the label
// in aad: a valid vector must give its message back, an invalid one
// EBADMSG.
template <typename B>
void run_oaep(const std::string &file, const char *alg)
{
	each_group<B>(file, [&](Tally &t, B &b, json &g) {
		cr_assert(g["sha"] == "SHA-256" && g["mgfSha"] == "SHA-256" && g["keySize"] == 2048,
			  "%s: a group of other parameters", file.c_str());
		auto k = b.import(alg, HSM_PERM_DECRYPT, hex(g["privateKeyPkcs8"]));
		if (!k) {
			t.key_refused(g, k.error());
			return;
		}
		for (auto &v : g["tests"]) {
			auto pt = b.oaep_decrypt(*k, hex(v["label"]), hex(v["ct"]), 256);
			bool same = pt && *pt == hex(v["msg"]);
			t.verdict(v, same, bad_message(pt),
				  "decrypt " + (pt ? std::string(same ? "ok" : "another message")
						   : pt.error().why));
		}
	});
}

} // namespace wycheproof

/// Every Wycheproof test of the driver, on backend B, in Criterion suite
/// `suite`.
#define WYCHEPROOF_TESTS(suite, B)                                                       \
	namespace wp = wycheproof;                                                       \
	Test(suite, aes_gcm) { wp::run_aead<B>("aes_gcm_test.json", wp::gcm_alg); }      \
	Test(suite, chacha20_poly1305)                                                   \
	{                                                                                \
		wp::run_aead<B>("chacha20_poly1305_test.json", wp::chacha_alg);          \
	}                                                                                \
	Test(suite, hmac_sha256) { wp::run_mac<B>("hmac_sha256_test.json", wp::hmac256); } \
	Test(suite, hmac_sha384) { wp::run_mac<B>("hmac_sha384_test.json", wp::hmac384); } \
	Test(suite, hmac_sha512) { wp::run_mac<B>("hmac_sha512_test.json", wp::hmac512); } \
	Test(suite, aes_cmac) { wp::run_mac<B>("aes_cmac_test.json", wp::cmac); }        \
	Test(suite, hkdf_sha256) { wp::run_hkdf<B>("hkdf_sha256_test.json", "hkdf-sha-256"); } \
	Test(suite, hkdf_sha384) { wp::run_hkdf<B>("hkdf_sha384_test.json", "hkdf-sha-384"); } \
	Test(suite, hkdf_sha512) { wp::run_hkdf<B>("hkdf_sha512_test.json", "hkdf-sha-512"); } \
	Test(suite, x25519) { wp::run_x25519<B>("x25519_test.json"); }                   \
	Test(suite, ecdh_p256)                                                           \
	{                                                                                \
		wp::run_ecdh<B>("ecdh_secp256r1_test.json", "ecdh-p256", "prime256v1", 32); \
	}                                                                                \
	Test(suite, ecdh_p384)                                                           \
	{                                                                                \
		wp::run_ecdh<B>("ecdh_secp384r1_test.json", "ecdh-p384", "secp384r1", 48); \
	}                                                                                \
	Test(suite, rsa_pkcs1_verify) { wp::run_rsa_verify<B>("rsa_signature_2048_sha256_test.json"); } \
	Test(suite, rsa_pkcs1_sign) { wp::run_rsa_sign<B>("rsa_pkcs1_2048_sig_gen_test.json"); } \
	Test(suite, ecdsa_p256, .init = wp::need_worker)                                 \
	{                                                                                \
		wp::run_ecdsa<B>("ecdsa_secp256r1_sha256_test.json", "ecdsa-p256-sha256", \
				 "secp256r1", "SHA-256", false);                         \
	}                                                                                \
	Test(suite, ecdsa_p256_p1363, .init = wp::need_worker)                           \
	{                                                                                \
		wp::run_ecdsa<B>("ecdsa_secp256r1_sha256_p1363_test.json", "ecdsa-p256-sha256", \
				 "secp256r1", "SHA-256", true);                          \
	}                                                                                \
	Test(suite, ecdsa_p384, .init = wp::need_worker)                                 \
	{                                                                                \
		wp::run_ecdsa<B>("ecdsa_secp384r1_sha384_test.json", "ecdsa-p384-sha384", \
				 "secp384r1", "SHA-384", false);                         \
	}                                                                                \
	Test(suite, ecdsa_p384_p1363, .init = wp::need_worker)                           \
	{                                                                                \
		wp::run_ecdsa<B>("ecdsa_secp384r1_sha384_p1363_test.json", "ecdsa-p384-sha384", \
				 "secp384r1", "SHA-384", true);                          \
	}                                                                                \
	Test(suite, ed25519, .init = wp::need_worker) { wp::run_ed25519<B>("ed25519_test.json"); } \
	Test(suite, rsa_pss_verify, .init = wp::need_worker)                             \
	{                                                                                \
		wp::run_pss<B>("rsa_pss_2048_sha256_mgf1_32_test.json", "rsa-pss-sha256"); \
	}                                                                                \
	Test(suite, rsa_oaep_decrypt, .init = wp::need_worker)                           \
	{                                                                                \
		wp::run_oaep<B>("rsa_oaep_2048_sha256_mgf1sha256_test.json", "rsa-oaep-sha256"); \
	}
