// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// SHA-512, HKDF and HMAC through OpenSSL's EVP_MD, EVP_KDF and EVP_MAC.
// The algorithms are fetched once and kept for the process's lifetime.
#include "hash.hpp"

#include <memory>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "opaque/config.hpp"

namespace opaque {

namespace {

// Not const: OSSL_PARAM_construct_utf8_string() takes a char *.
char kDigest[] = "SHA512";

const EVP_MD *md()
{
	static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> m(
		EVP_MD_fetch(nullptr, kDigest, nullptr), EVP_MD_free);
	return m.get();
}

EVP_KDF *kdf()
{
	static const std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> k(
		EVP_KDF_fetch(nullptr, "HKDF", nullptr), EVP_KDF_free);
	return k.get();
}

EVP_MAC *mac()
{
	static const std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> m(
		EVP_MAC_fetch(nullptr, "HMAC", nullptr), EVP_MAC_free);
	return m.get();
}

/// OSSL_PARAM takes non-const pointers even for inputs it only reads.
OSSL_PARAM octets(const char *key, In bytes)
{
	return OSSL_PARAM_construct_octet_string(key, const_cast<std::uint8_t *>(bytes.data()),
						 bytes.size());
}

/// One HKDF call in the given mode.  Empty inputs are left out: OpenSSL
/// 3.0 refuses an empty octet string, and HKDF treats an absent salt as
/// the empty one.
Result<SecretBytes> hkdf(int mode, In key, In salt, In info, std::size_t len)
{
	std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(
		kdf() ? EVP_KDF_CTX_new(kdf()) : nullptr, EVP_KDF_CTX_free);
	if (!ctx)
		return fail(Error::kInternal);
	OSSL_PARAM params[6];
	std::size_t n = 0;
	params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, kDigest, 0);
	params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	params[n++] = octets(OSSL_KDF_PARAM_KEY, key);
	if (!salt.empty())
		params[n++] = octets(OSSL_KDF_PARAM_SALT, salt);
	if (!info.empty())
		params[n++] = octets(OSSL_KDF_PARAM_INFO, info);
	params[n] = OSSL_PARAM_construct_end();
	SecretBytes out(len);
	if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1)
		return fail(Error::kInternal);
	return out;
}

} // namespace

Result<SecretBytes> sha512(std::initializer_list<In> parts)
{
	std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
								   EVP_MD_CTX_free);
	if (!ctx || !md() || EVP_DigestInit_ex2(ctx.get(), md(), nullptr) != 1)
		return fail(Error::kInternal);
	for (In part : parts)
		if (EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1)
			return fail(Error::kInternal);
	SecretBytes out(kHashSize);
	if (EVP_DigestFinal_ex(ctx.get(), out.data(), nullptr) != 1)
		return fail(Error::kInternal);
	return out;
}

Result<SecretBytes> hkdf_extract(In salt, In ikm)
{
	return hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, salt, {}, kHashSize);
}

Result<SecretBytes> hkdf_expand(In prk, In info, std::size_t len)
{
	return hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, {}, info, len);
}

Result<SecretBytes> hmac(In key, In msg)
{
	std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(
		mac() ? EVP_MAC_CTX_new(mac()) : nullptr, EVP_MAC_CTX_free);
	if (!ctx)
		return fail(Error::kInternal);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, kDigest, 0),
		OSSL_PARAM_construct_end(),
	};
	SecretBytes out(kMacSize);
	std::size_t n = 0;
	if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
	    EVP_MAC_update(ctx.get(), msg.data(), msg.size()) != 1 ||
	    EVP_MAC_final(ctx.get(), out.data(), &n, out.size()) != 1 || n != out.size())
		return fail(Error::kInternal);
	return out;
}

} // namespace opaque
