// SPDX-License-Identifier: MIT
// The TDX verifier's uses of OpenSSL: SHA-256/384, raw ECDSA P-256
// signatures and keys, CRLs, and the compiled-in Intel SGX Root CA.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include "util.hpp"

namespace hsm::tdx {

namespace {

// Intel SGX Root CA (CN=Intel SGX Root CA, O=Intel Corporation, L=Santa
// Clara, ST=CA, C=US), DER, as https://certificates.trustedservices.intel.com
// publishes it.
#include "intel_root_ca.inc"

} // namespace

std::span<const std::uint8_t> intel_root_ca() noexcept
{
	return intel_sgx_root_ca;
}

Result<std::vector<std::vector<std::uint8_t>>> load_certs(std::span<const std::uint8_t> bytes)
{
	return hsm::snp::load_certs(bytes);
}

namespace detail {

X509CrlPtr crl_from_der(std::span<const std::uint8_t> der)
{
	const unsigned char *p = der.data();
	X509_CRL *c = d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size()));
	if (c && p != der.data() + der.size()) {
		X509_CRL_free(c);
		return nullptr;
	}
	return X509CrlPtr(c);
}

std::string hex(std::span<const std::uint8_t> b)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	s.reserve(b.size() * 2);
	for (auto c : b) {
		s += digits[c >> 4];
		s += digits[c & 15];
	}
	return s;
}

std::string describe_time(std::time_t t)
{
	struct tm tm {};
	char buf[32];
	gmtime_r(&t, &tm);
	std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> msg)
{
	std::array<std::uint8_t, 32> out;
	SHA256(msg.data(), msg.size(), out.data());
	return out;
}

std::array<std::uint8_t, 48> sha384(std::span<const std::uint8_t> msg)
{
	std::array<std::uint8_t, 48> out;
	SHA384(msg.data(), msg.size(), out.data());
	return out;
}

Result<bool> ecdsa_p256_verifies(EVP_PKEY *key, std::span<const std::uint8_t, 64> sig,
				 std::span<const std::uint8_t> msg)
{
	BIGNUM *r = BN_bin2bn(sig.data(), 32, nullptr);
	BIGNUM *s = BN_bin2bn(sig.data() + 32, 32, nullptr);
	ECDSA_SIG *es = ECDSA_SIG_new();
	if (!r || !s || !es || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return fail(Status::kOutOfMemory, ENOMEM, "cannot build the ECDSA signature");
	}
	unsigned char *der = nullptr;
	int n = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (n <= 0)
		return fail(Status::kInternal, EIO, "cannot encode the ECDSA signature");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx) {
		OPENSSL_free(der);
		return fail(Status::kOutOfMemory, ENOMEM, "EVP_MD_CTX_new");
	}
	bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
		  EVP_DigestVerify(ctx, der, static_cast<std::size_t>(n), msg.data(), msg.size()) == 1;
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	return ok;
}

Result<EVP_PKEY *> p256_key(std::span<const std::uint8_t, 64> xy)
{
	std::array<std::uint8_t, 65> point;
	point[0] = 0x04;	// uncompressed
	std::memcpy(point.data() + 1, xy.data(), 64);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = nullptr;
	EVP_PKEY_CTX *ctx = nullptr;
	EVP_PKEY *key = nullptr;
	if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
		params = OSSL_PARAM_BLD_to_param(bld);
	if (params)
		ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
	bool ok = ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
		  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	if (!ok) {
		EVP_PKEY_free(key);
		return fail(Status::kInvalidArgument, EINVAL, "the attestation key is not a P-256 point");
	}
	// fromdata does not check the point is on the curve: do it here.
	EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
	bool on_curve = chk && EVP_PKEY_public_check(chk) == 1;
	EVP_PKEY_CTX_free(chk);
	if (!on_curve) {
		EVP_PKEY_free(key);
		return fail(Status::kInvalidArgument, EINVAL, "the attestation key is not on P-256");
	}
	return key;
}

} // namespace detail

} // namespace hsm::tdx
