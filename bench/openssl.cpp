// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// OpenSSL in the same process: no isolation at all, the ceiling.  Also the
// reference every other competitor's answer is checked against.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdexcept>

#include "bench.hpp"

namespace bench {

const char *algo_name(Algo a)
{
	switch (a) {
	case Algo::Gcm: return "aes-256-gcm";
	case Algo::Hmac: return "hmac-sha-256";
	case Algo::Sha: return "sha-256";
	}
	return "?";
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

class OpenSslRunner final : public Runner {
public:
	~OpenSslRunner() override
	{
		EVP_CIPHER_CTX_free(cctx_);
		EVP_MAC_CTX_free(mctx_);
		EVP_MAC_free(mac_);
		EVP_MD_CTX_free(dctx_);
	}

	bool setup(const Case &c) override
	{
		c_ = c;
		key_ = Inputs::key(c.algo);
		iv_ = Inputs::iv();
		in_ = Inputs::payload(c.size);
		out_.assign(Inputs::out_len(c.algo, c.size), 0);
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
		}
		return false;
	}

	void run() override
	{
		for (unsigned i = 0; i < c_.batch; i++)
			one();
	}

	Bytes output() override { return out_; }

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
		}
		if (!ok)
			throw std::runtime_error("OpenSSL failed");
	}

	Case c_{};
	Bytes key_, iv_, in_, out_;
	EVP_CIPHER_CTX *cctx_ = nullptr;
	EVP_MAC *mac_ = nullptr;
	EVP_MAC_CTX *mctx_ = nullptr;
	EVP_MD_CTX *dctx_ = nullptr;
};

}  // namespace

Bytes Inputs::expected(Algo a, std::size_t n)
{
	OpenSslRunner r;
	if (!r.setup({a, n, 1}))
		throw std::runtime_error("OpenSSL reference setup failed");
	r.run();
	return r.output();
}

void add_openssl(std::vector<Competitor> &out)
{
	out.push_back({"openssl", "OpenSSL 3 EVP in the calling thread, no isolation", false,
		       [] { return std::make_unique<OpenSslRunner>(); }});
}

}  // namespace bench
