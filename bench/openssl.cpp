// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// OpenSSL in the same process: no isolation at all, the ceiling.  Also the
// reference every other competitor's answer is checked against: it computes
// the expected answers and verifies the signatures.
#include <cstring>
#include <map>
#include <mutex>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdexcept>

#include "bench.hpp"

namespace bench {

const char *algo_name(Algo a)
{
	switch (a) {
	case Algo::Gcm: return "aes-256-gcm";
	case Algo::Hmac: return "hmac-sha-256";
	case Algo::Sha: return "sha-256";
	case Algo::EcdsaP256: return "ecdsa-p256-sha256";
	case Algo::Ed25519: return "ed25519";
	case Algo::RsaPss: return "rsa-pss-sha256";
	}
	return "?";
}

std::size_t Inputs::out_len(Algo a, std::size_t n)
{
	switch (a) {
	case Algo::Gcm: return n + 16;
	case Algo::Hmac:
	case Algo::Sha: return 32;
	case Algo::EcdsaP256: return 72;
	case Algo::Ed25519: return 64;
	case Algo::RsaPss: return kRsaBytes;
	}
	return 0;
}

Bytes Inputs::key(Algo a)
{
	Bytes k(32);
	for (std::size_t i = 0; i < k.size(); i++)
		k[i] = static_cast<std::uint8_t>(0x40 + i * 3 + static_cast<int>(a));
	return k;
}

Bytes Inputs::iv()
{
	return Bytes{0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88};
}

Bytes Inputs::payload(std::size_t n)
{
	Bytes b(n);
	for (std::size_t i = 0; i < n; i++)
		b[i] = static_cast<std::uint8_t>(i * 31 + 7);
	return b;
}

namespace {

// The digest a signature algorithm hashes with; nullptr for Ed25519 (pure
// EdDSA hashes inside the signature).
const char *sig_digest(Algo a)
{
	return a == Algo::Ed25519 ? nullptr : "SHA256";
}

// RSA-PSS as every competitor uses it: MGF1 with the signature's digest
// (OpenSSL's default) and a salt the digest's length.
bool set_pss(EVP_PKEY_CTX *pctx)
{
	return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
}

// The key pair OpenSSL signs an algorithm with: one per process, shared by
// the threads (signing only reads it), kept for the process's life.
// Generated once: key generation is not measured, and RSA-2048's takes
// seconds under TCG.
EVP_PKEY *signing_key(Algo a)
{
	static std::mutex lock;
	static std::map<Algo, EVP_PKEY *> keys;
	std::lock_guard<std::mutex> g(lock);
	EVP_PKEY *&k = keys[a];
	if (!k) {
		switch (a) {
		case Algo::EcdsaP256:
			k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
			break;
		case Algo::Ed25519:
			k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
			break;
		case Algo::RsaPss:
			k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", Inputs::kRsaBytes * 8);
			break;
		default:
			break;
		}
		if (!k)
			throw std::runtime_error(std::string("OpenSSL key generation failed: ") +
						 algo_name(a));
	}
	return k;
}

// Whether spki (DER) is a key of a's kind (curve, modulus size) under
// which sig is a valid signature of msg.
bool verifies(Algo a, const Bytes &spki, const Bytes &msg, const Bytes &sig)
{
	const unsigned char *p = spki.data();
	EVP_PKEY *pk = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
	if (!pk)
		return false;
	char group[32] = "";
	bool ok = p == spki.data() + spki.size();
	switch (a) {
	case Algo::EcdsaP256:
		ok = ok && EVP_PKEY_is_a(pk, "EC") &&
		     EVP_PKEY_get_group_name(pk, group, sizeof(group), nullptr) &&
		     !std::strcmp(group, "prime256v1");
		break;
	case Algo::Ed25519:
		ok = ok && EVP_PKEY_is_a(pk, "ED25519");
		break;
	case Algo::RsaPss:
		ok = ok && EVP_PKEY_is_a(pk, "RSA") &&
		     EVP_PKEY_get_bits(pk) == static_cast<int>(Inputs::kRsaBytes * 8);
		break;
	default:
		ok = false;
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = nullptr;
	ok = ok && ctx && EVP_DigestVerifyInit_ex(ctx, &pctx, sig_digest(a), nullptr, nullptr, pk,
						  nullptr) == 1 &&
	     (a != Algo::RsaPss || set_pss(pctx)) &&
	     EVP_DigestVerify(ctx, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ok;
}

class OpenSslRunner final : public Runner {
public:
	~OpenSslRunner() override
	{
		EVP_CIPHER_CTX_free(cctx_);
		EVP_MAC_CTX_free(mctx_);
		EVP_MAC_free(mac_);
		EVP_MD_CTX_free(dctx_);
		EVP_MD_free(md_);
	}

	bool setup(const Case &c) override
	{
		c_ = c;
		key_ = Inputs::key(c.algo);
		iv_ = Inputs::iv();
		in_ = Inputs::payload(c.size);
		out_.assign(Inputs::out_len(c.algo, c.size), 0);
		sig_len_ = 0;
		if (is_signature(c.algo)) {
			pkey_ = signing_key(c.algo);
			// Fetched once, not by name at every signature.
			if (const char *md = sig_digest(c.algo); md && !(md_ = EVP_MD_fetch(nullptr, md, nullptr)))
				return false;
			dctx_ = EVP_MD_CTX_new();
			return dctx_ != nullptr;
		}
		switch (c.algo) {
		case Algo::Gcm:
			cctx_ = EVP_CIPHER_CTX_new();
			return cctx_ && EVP_EncryptInit_ex(cctx_, EVP_aes_256_gcm(), nullptr,
							   key_.data(), nullptr);
		case Algo::Hmac: {
			mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
			mctx_ = mac_ ? EVP_MAC_CTX_new(mac_) : nullptr;
			char digest[] = "SHA256";
			OSSL_PARAM params[] = {
				OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
				OSSL_PARAM_construct_end(),
			};
			return mctx_ && EVP_MAC_init(mctx_, key_.data(), key_.size(), params);
		}
		case Algo::Sha:
			dctx_ = EVP_MD_CTX_new();
			return dctx_ != nullptr;
		default:
			return false;
		}
	}

	void run() override
	{
		for (unsigned i = 0; i < c_.batch; i++)
			one();
	}

	Bytes output() override
	{
		if (is_signature(c_.algo))
			return Bytes(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(sig_len_));
		return out_;
	}

	Bytes public_key() override
	{
		unsigned char *der = nullptr;
		int n = pkey_ ? i2d_PUBKEY(pkey_, &der) : -1;
		if (n <= 0)
			return {};
		Bytes spki(der, der + n);
		OPENSSL_free(der);
		return spki;
	}

private:
	void one()
	{
		int n = 0, m = 0;
		std::size_t len = 0;
		unsigned int dl = 0;
		bool ok = false;

		switch (c_.algo) {
		case Algo::Gcm:
			ok = EVP_EncryptInit_ex(cctx_, nullptr, nullptr, nullptr, iv_.data()) &&
			     EVP_EncryptUpdate(cctx_, out_.data(), &n, in_.data(),
					       static_cast<int>(in_.size())) &&
			     EVP_EncryptFinal_ex(cctx_, out_.data() + n, &m) &&
			     EVP_CIPHER_CTX_ctrl(cctx_, EVP_CTRL_GCM_GET_TAG, 16,
						 out_.data() + in_.size());
			break;
		case Algo::Hmac:
			ok = EVP_MAC_init(mctx_, nullptr, 0, nullptr) &&
			     EVP_MAC_update(mctx_, in_.data(), in_.size()) &&
			     EVP_MAC_final(mctx_, out_.data(), &len, out_.size());
			break;
		case Algo::Sha:
			ok = EVP_DigestInit_ex(dctx_, EVP_sha256(), nullptr) &&
			     EVP_DigestUpdate(dctx_, in_.data(), in_.size()) &&
			     EVP_DigestFinal_ex(dctx_, out_.data(), &dl);
			break;
		case Algo::EcdsaP256:
		case Algo::Ed25519:
		case Algo::RsaPss:
			ok = sign();
			break;
		}
		if (!ok)
			throw std::runtime_error("OpenSSL failed");
	}

	// One signature as an application makes it: a fresh EVP_DigestSign*
	// on the key (Ed25519: no digest; PSS: padding and salt set per call).
	bool sign()
	{
		EVP_PKEY_CTX *pctx = nullptr;
		std::size_t n = out_.size();
		bool ok = EVP_MD_CTX_reset(dctx_) &&
			  EVP_DigestSignInit(dctx_, &pctx, md_, nullptr, pkey_) == 1 &&
			  (c_.algo != Algo::RsaPss || set_pss(pctx)) &&
			  EVP_DigestSign(dctx_, out_.data(), &n, in_.data(), in_.size()) == 1;
		sig_len_ = ok ? n : 0;
		return ok;
	}

	Case c_{};
	Bytes key_, iv_, in_, out_;
	EVP_CIPHER_CTX *cctx_ = nullptr;
	EVP_MAC *mac_ = nullptr;
	EVP_MAC_CTX *mctx_ = nullptr;
	EVP_MD_CTX *dctx_ = nullptr;
	EVP_MD *md_ = nullptr;		// signatures: their digest (Ed25519: none)
	EVP_PKEY *pkey_ = nullptr;	// signatures: signing_key()'s
	std::size_t sig_len_ = 0;	// of the last signature
};

}  // namespace

Check::Check(const Case &c)
	: c_(c), want_(is_signature(c.algo) ? Bytes{} : Inputs::expected(c.algo, c.size))
{
}

bool Check::operator()(Runner &r, std::string &why) const
{
	const Bytes out = r.output();
	if (!is_signature(c_.algo)) {
		if (out != want_)
			why = "differs from OpenSSL's answer";
		return out == want_;
	}
	const Bytes spki = r.public_key();
	if (spki.empty())
		why = "no public key to verify the signature under";
	else if (!verifies(c_.algo, spki, Inputs::payload(c_.size), out))
		why = "OpenSSL does not verify the signature under the competitor's public key";
	else
		return true;
	return false;
}

Bytes Inputs::expected(Algo a, std::size_t n)
{
	if (is_signature(a))
		return {};
	OpenSslRunner r;
	if (!r.setup({a, n, 1}))
		throw std::runtime_error("OpenSSL reference setup failed");
	r.run();
	return r.output();
}

void add_openssl(std::vector<Competitor> &out)
{
	out.push_back({"openssl", "OpenSSL 3 EVP in the calling thread, no isolation (signatures: "
				  "EVP_DigestSign with a key pair OpenSSL generated)", false,
		       [] { return std::make_unique<OpenSslRunner>(); }});
}

}  // namespace bench
