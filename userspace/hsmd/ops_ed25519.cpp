// SPDX-License-Identifier: GPL-2.0 OR MIT
// Ed25519 (pure, RFC 8032): key forms.  Signing and verifying need nothing
// of their own: ops.cpp's EVP_DigestSign path with no digest is Ed25519.
#include <cerrno>

#include "ops_internal.hpp"

namespace hsmd::detail {

namespace {

constexpr size_t raw_len = 32;

} // namespace

int ed_generate(Pkey &key)
{
	PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "ED25519", nullptr));
	EVP_PKEY *raw = nullptr;
	if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_generate(ctx.get(), &raw) <= 0)
		return ossl_err(-EIO);
	key.reset(raw);
	return 0;
}

int ed_import(std::span<const uint8_t> in, bool public_only, Pkey &key, bool &is_private)
{
	// A raw seed and a raw public key are both 32 bytes: the caller's
	// priv buffer says which it means (see import_key()).
	if (in.size() == raw_len) {
		is_private = !public_only;
		key.reset(is_private ? EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr,
								       in.data(), in.size())
				     : EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr,
								      in.data(), in.size()));
		return key ? 0 : ossl_err(-EINVAL);
	}
	key = decode(in, "PrivateKeyInfo", "ED25519", EVP_PKEY_KEYPAIR);
	is_private = key != nullptr;
	if (!key)
		key = decode(in, "SubjectPublicKeyInfo", "ED25519", EVP_PKEY_PUBLIC_KEY);
	return key ? 0 : ossl_err(-EINVAL);
}

int ed_fits(const EVP_PKEY *key)
{
	return EVP_PKEY_is_a(key, "ED25519") ? 0 : -EINVAL;
}

int ed_public_raw(const EVP_PKEY *key, std::span<uint8_t> out, size_t &len)
{
	size_t n = 0;
	if (!EVP_PKEY_get_raw_public_key(key, nullptr, &n) || n != raw_len)
		return ossl_err(-EIO);
	if (out.size() < n)
		return -EOVERFLOW;
	if (!EVP_PKEY_get_raw_public_key(key, out.data(), &n))
		return ossl_err(-EIO);
	len = n;
	return 0;
}

} // namespace hsmd::detail
