// SPDX-License-Identifier: GPL-2.0 OR MIT
// RSA: key forms and sizes, RSASSA-PSS and PKCS1-v1_5 parameters,
// RSAES-OAEP.
#include <cerrno>

#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/rsa.h>

#include "ops_internal.hpp"

namespace hsmd::detail {

namespace {

bool size_ok(int bits)
{
	return bits == 2048 || bits == 3072 || bits == 4096;
}

/// OAEP with a's hash for both the label and MGF1.  OpenSSL copies the
/// label; an empty one is no label (the hash of the empty string).
int oaep_setup(EVP_PKEY_CTX *ctx, const Alg &a, std::span<const uint8_t> label)
{
	if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, a.md, nullptr) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, a.md, nullptr) <= 0)
		return ossl_err(-EIO);
	if (label.empty())
		return 0;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL,
						  const_cast<uint8_t *>(label.data()), label.size()),
		OSSL_PARAM_construct_end(),
	};
	return EVP_PKEY_CTX_set_params(ctx, params) == 1 ? 0 : ossl_err(-EIO);
}

} // namespace

int rsa_generate(unsigned bits, Pkey &key)
{
	if (!size_ok(static_cast<int>(bits)))
		return -EINVAL;
	PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
	Bn e(BN_new());
	EVP_PKEY *raw = nullptr;
	if (!ctx || !e || !BN_set_word(e.get(), RSA_F4) || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)) <= 0 ||
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()) <= 0 ||
	    EVP_PKEY_generate(ctx.get(), &raw) <= 0)
		return ossl_err(-EIO);
	key.reset(raw);
	return 0;
}

int rsa_import(std::span<const uint8_t> in, Pkey &key, bool &is_private)
{
	key = decode(in, "PrivateKeyInfo", "RSA", EVP_PKEY_KEYPAIR);
	if (!key)
		key = decode(in, "type-specific", "RSA", EVP_PKEY_KEYPAIR);	// PKCS#1
	if (!key)
		key = decode(in, "SubjectPublicKeyInfo", "RSA", EVP_PKEY_PUBLIC_KEY);
	if (!key)
		key = decode(in, "type-specific", "RSA", EVP_PKEY_PUBLIC_KEY);
	if (!key)
		return ossl_err(-EINVAL);
	// The type-specific decoder falls back to RSAPublicKey when asked
	// for a key pair: what came out says which it was.
	is_private = has_bn(key.get(), OSSL_PKEY_PARAM_RSA_D);
	return 0;
}

int rsa_fits(const EVP_PKEY *key)
{
	// "RSA-PSS" keys (id-RSASSA-PSS, restricted parameters) are not "RSA".
	if (!EVP_PKEY_is_a(key, "RSA") || !size_ok(EVP_PKEY_get_bits(key)))
		return -EINVAL;
	BIGNUM *raw = nullptr;
	EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &raw);
	Bn e(raw);
	if (!e)
		return ossl_err(-EINVAL);
	return BN_is_odd(e.get()) && !BN_is_one(e.get()) ? 0 : -EINVAL;
}

int rsa_public_raw(const EVP_PKEY *key, std::span<uint8_t> out, size_t &len)
{
	return encode(key, EVP_PKEY_PUBLIC_KEY, "type-specific", out, len);
}

int rsa_pkcs1_setup(EVP_PKEY_CTX *ctx)
{
	return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ? ossl_err(-EIO) : 0;
}

int rsa_pss_setup(EVP_PKEY_CTX *ctx, const Alg &a)
{
	// RSA_PSS_SALTLEN_DIGEST: the salt is the hash length when signing,
	// and must be exactly that when verifying.
	if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, a.md, nullptr) <= 0)
		return ossl_err(-EIO);
	return 0;
}

int rsa_oaep_encrypt(const Alg &a, EVP_PKEY *key, std::span<const uint8_t> label,
		     std::span<const uint8_t> msg, std::span<uint8_t> out, size_t &len)
{
	const size_t k = static_cast<size_t>(EVP_PKEY_get_size(key));
	if (msg.size() + 2 * a.md_len + 2 > k)
		return -EINVAL;
	if (out.size() < k)
		return -EOVERFLOW;
	static const uint8_t none = 0;	// OpenSSL copies from msg even when empty
	PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
	if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) <= 0)
		return ossl_err(-EIO);
	int rc = oaep_setup(ctx.get(), a, label);
	if (rc)
		return rc;
	size_t n = out.size();
	if (EVP_PKEY_encrypt(ctx.get(), out.data(), &n, msg.empty() ? &none : msg.data(),
			     msg.size()) <= 0)
		return ossl_err(-EIO);
	len = n;
	return 0;
}

int rsa_oaep_decrypt(const Alg &a, EVP_PKEY *key, std::span<const uint8_t> label,
		     std::span<const uint8_t> ct, std::span<uint8_t> out, size_t &len)
{
	const size_t k = static_cast<size_t>(EVP_PKEY_get_size(key));
	// OpenSSL would take a short ciphertext as if zero-padded.
	if (ct.size() != k)
		return -EBADMSG;
	PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
	if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) <= 0)
		return ossl_err(-EIO);
	int rc = oaep_setup(ctx.get(), a, label);
	if (rc)
		return rc;
	Secret pt(k);
	size_t n = pt.size();
	// One answer for every way a ciphertext can fail (no padding oracle).
	if (EVP_PKEY_decrypt(ctx.get(), pt.data(), &n, ct.data(), ct.size()) <= 0)
		return -EBADMSG;
	return put(pt.first(n), out, len);
}

} // namespace hsmd::detail
