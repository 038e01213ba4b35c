// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmd's operations: the algorithm table, the calls of ops.hpp (validation
// then dispatch to the families in ops_ec.cpp, ops_ed25519.cpp and
// ops_rsa.cpp) and the helpers they share.
#include "ops.hpp"

#include <cerrno>
#include <cstring>
#include <new>
#include <utility>

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include "cache.hpp"
#include "ops_internal.hpp"

namespace hsmd {
namespace detail {

namespace {

constexpr Alg algs[] = {
	{"ecdsa-p256-sha256", Family::ec, Scheme::ecdsa, "SHA256", 32, NID_X9_62_prime256v1, 32},
	{"ecdsa-p384-sha384", Family::ec, Scheme::ecdsa, "SHA384", 48, NID_secp384r1, 48},
	{"ed25519", Family::ed25519, Scheme::eddsa, nullptr, 0, NID_undef, 0},
	{"rsa-pss-sha256", Family::rsa, Scheme::pss, "SHA256", 32, NID_undef, 0},
	{"rsa-pss-sha384", Family::rsa, Scheme::pss, "SHA384", 48, NID_undef, 0},
	{"rsa-pss-sha512", Family::rsa, Scheme::pss, "SHA512", 64, NID_undef, 0},
	{"rsa-oaep-sha256", Family::rsa, Scheme::oaep, "SHA256", 32, NID_undef, 0},
};

/// ECDH keys stay in the module, which computes with them; the worker
/// sees one only for the few valid inputs the kernel's ladder cannot
/// compute, and never generates, imports or signs with one.
constexpr Alg agree_algs[] = {
	{"ecdh-p256", Family::ec, Scheme::ecdh, nullptr, 0, NID_X9_62_prime256v1, 32},
	{"ecdh-p384", Family::ec, Scheme::ecdh, nullptr, 0, NID_secp384r1, 48},
};

const Alg *find_in(std::span<const Alg> table, std::string_view name)
{
	for (const Alg &a : table)
		if (a.name == name)
			return &a;
	return nullptr;
}

const char *key_type(const Alg &a)
{
	switch (a.family) {
	case Family::ec:
		return "EC";
	case Family::ed25519:
		return "ED25519";
	case Family::rsa:
		break;
	}
	return "RSA";
}

int fits(const Alg &a, const EVP_PKEY *key)
{
	switch (a.family) {
	case Family::ec:
		return ec_fits(a, key);
	case Family::ed25519:
		return ed_fits(key);
	case Family::rsa:
		break;
	}
	return rsa_fits(key);
}

/// Runs one call of the API: OpenSSL's errors stay inside it, and an
/// allocation that throws is -ENOMEM (nothing else throws here).
template <typename F>
int guarded(F &&f) noexcept
{
	ErrorMark mark;
	try {
		return f();
	} catch (const std::bad_alloc &) {
		return -ENOMEM;
	}
}

/// A key of a request: the cached one parsed from these bytes, or a new
/// parse, checked for the algorithm and then cached.
int load(const Alg &a, std::span<const uint8_t> der, bool priv, Pkey &key)
{
	const KeyDigest d = key_digest(der);
	key.reset(cache_find(d, a.name));
	if (key)
		return 0;
	key = priv ? decode(der, "PrivateKeyInfo", key_type(a), EVP_PKEY_KEYPAIR)
		   : decode(der, "SubjectPublicKeyInfo", key_type(a), EVP_PKEY_PUBLIC_KEY);
	if (!key)
		return ossl_err(-EINVAL);
	int rc = fits(a, key.get());
	if (!rc)
		cache_put(d, a.name, key.get());
	return rc;
}

int load_private(const Alg &a, std::span<const uint8_t> der, Pkey &key)
{
	return load(a, der, true, key);
}

int load_public(const Alg &a, std::span<const uint8_t> der, Pkey &key)
{
	return load(a, der, false, key);
}

/// The key's PKCS#8.
int encode_private(EVP_PKEY *key, std::span<uint8_t> out, size_t &len)
{
	return encode(key, EVP_PKEY_KEYPAIR, "PrivateKeyInfo", out, len);
}

int encode_public(EVP_PKEY *key, std::span<uint8_t> out, size_t &len)
{
	int n = i2d_PUBKEY(key, nullptr);
	if (n <= 0)
		return ossl_err(-EIO);
	if (static_cast<size_t>(n) > out.size())
		return -EOVERFLOW;
	unsigned char *p = out.data();
	if (i2d_PUBKEY(key, &p) != n)
		return ossl_err(-EIO);
	len = static_cast<size_t>(n);
	return 0;
}

/// Writes the key's PKCS#8 (if is_private) and SPKI.  On failure the
/// private key already written is wiped.
int write_keys(EVP_PKEY *key, bool is_private, std::span<uint8_t> priv, size_t &priv_len,
	       std::span<uint8_t> pub, size_t &pub_len)
{
	int rc = is_private ? encode_private(key, priv, priv_len) : 0;
	if (!rc)
		rc = encode_public(key, pub, pub_len);
	if (rc && priv_len)
		OPENSSL_cleanse(priv.data(), priv_len);
	return rc;
}

/// The consistency check of an imported key: a private key's public part
/// must match its private part (pairwise), a public key must be valid
/// (EC: on the curve, of order n; RSA: SP 800-56B's public checks).
int check_key(EVP_PKEY *key, bool is_private)
{
	PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
	if (!ctx)
		return ossl_err(-EIO);
	int ok = is_private ? EVP_PKEY_check(ctx.get()) : EVP_PKEY_public_check(ctx.get());
	return ok == 1 ? 0 : ossl_err(-EINVAL);
}

/// Whether msg is a DigestInfo PKCS#1 v1.5 pads as it is (CKM_RSA_PKCS).
bool raw_pkcs1(unsigned flags)
{
	return (flags & PKCS1) && (flags & SIG_RAW);
}

/// The flags each scheme takes.  PKCS1's RAW is the DigestInfo to pad,
/// which is never also a digest.
int check_flags(const Alg &a, unsigned flags)
{
	unsigned allowed = a.scheme == Scheme::ecdsa ? SIG_RAW | PREHASHED
			 : a.scheme == Scheme::pss   ? PREHASHED | PKCS1
						     : 0u;
	if (flags & PKCS1)
		allowed |= SIG_RAW;
	if (raw_pkcs1(flags) && (flags & PREHASHED))
		return -EINVAL;
	return flags & ~allowed ? -EINVAL : 0;
}

int setup(EVP_PKEY_CTX *ctx, const Alg &a, unsigned flags)
{
	if (flags & PKCS1)
		return rsa_pkcs1_setup(ctx);
	return a.scheme == Scheme::pss ? rsa_pss_setup(ctx, a) : 0;
}

/// A context for the one-shot EVP_PKEY_sign/verify of a digest (msg, of
/// a.md) or, for PKCS1 | SIG_RAW, of an encoded DigestInfo (no md).
PkeyCtx digest_ctx(const Alg &a, unsigned flags, EVP_PKEY *key, bool sign)
{
	PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
	if (!ctx || (sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) <= 0 ||
	    (!raw_pkcs1(flags) && set_digest(ctx.get(), a.md)) || setup(ctx.get(), a, flags))
		return PkeyCtx();
	return ctx;
}

/// Whether msg goes to EVP_PKEY_sign/verify as it is: a digest, or the
/// DigestInfo PKCS1 | SIG_RAW pads.
bool one_shot(unsigned flags)
{
	return (flags & PREHASHED) || raw_pkcs1(flags);
}

/// Signs msg, or the digest msg if prehashed; sig is sized by the call.
int sign_with(const Alg &a, unsigned flags, EVP_PKEY *key, std::span<const uint8_t> msg,
	      std::vector<uint8_t> &sig)
{
	int max = EVP_PKEY_get_size(key);
	if (max <= 0)
		return ossl_err(-EIO);
	sig.resize(static_cast<size_t>(max));
	size_t n = sig.size();
	if (one_shot(flags)) {
		PkeyCtx ctx = digest_ctx(a, flags, key, true);
		if (!ctx || EVP_PKEY_sign(ctx.get(), sig.data(), &n, msg.data(), msg.size()) <= 0)
			return ossl_err(-EIO);
	} else {
		MdCtx md(EVP_MD_CTX_new());
		EVP_PKEY_CTX *pctx = nullptr;
		if (!md ||
		    EVP_DigestSignInit_ex(md.get(), &pctx, a.md, nullptr, nullptr, key, nullptr) <= 0 ||
		    setup(pctx, a, flags) ||
		    EVP_DigestSign(md.get(), sig.data(), &n, msg.data(), msg.size()) <= 0)
			return ossl_err(-EIO);
	}
	sig.resize(n);
	return 0;
}

/// 0 if sig verifies; a context OpenSSL cannot set up is -EIO, a
/// signature it does not accept (for whatever reason) -EBADMSG.
int verify_with(const Alg &a, unsigned flags, EVP_PKEY *key, std::span<const uint8_t> msg,
		std::span<const uint8_t> sig)
{
	int ok;
	if (one_shot(flags)) {
		PkeyCtx ctx = digest_ctx(a, flags, key, false);
		if (!ctx)
			return ossl_err(-EIO);
		ok = EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), msg.data(), msg.size());
	} else {
		MdCtx md(EVP_MD_CTX_new());
		EVP_PKEY_CTX *pctx = nullptr;
		if (!md ||
		    EVP_DigestVerifyInit_ex(md.get(), &pctx, a.md, nullptr, nullptr, key, nullptr) <= 0 ||
		    setup(pctx, a, flags))
			return ossl_err(-EIO);
		ok = EVP_DigestVerify(md.get(), sig.data(), sig.size(), msg.data(), msg.size());
	}
	return ok == 1 ? 0 : ossl_err(-EBADMSG);
}

/// The input's length for the flags: a digest is exactly the hash's, and
/// PKCS1's DigestInfo leaves room for at least 8 bytes of padding.
bool msg_len_ok(const Alg &a, unsigned flags, EVP_PKEY *key, size_t n)
{
	if (raw_pkcs1(flags))
		return n + 11 <= static_cast<size_t>(EVP_PKEY_get_size(key));
	return !(flags & PREHASHED) || n == a.md_len;
}

/// The signature lengths a scheme can produce; anything else is refused
/// before OpenSSL sees it (OpenSSL's RSA takes a signature shorter than
/// the modulus as if zero-padded).
bool sig_len_ok(const Alg &a, unsigned flags, EVP_PKEY *key, size_t n)
{
	switch (a.scheme) {
	case Scheme::ecdsa:
		return flags & SIG_RAW ? n == 2 * a.field_len : n > 0;
	case Scheme::eddsa:
		return n == 64;
	case Scheme::ecdh:
		return false;
	case Scheme::pss:
	case Scheme::oaep:
		break;
	}
	return n == static_cast<size_t>(EVP_PKEY_get_size(key));
}

int do_sign(const Alg &a, unsigned flags, std::span<const uint8_t> priv,
	    std::span<const uint8_t> msg, std::span<uint8_t> out, size_t &len)
{
	if (a.scheme == Scheme::oaep || check_flags(a, flags))
		return -EINVAL;
	Pkey key;
	int rc = load_private(a, priv, key);
	if (rc)
		return rc;
	if (!msg_len_ok(a, flags, key.get(), msg.size()))
		return -EINVAL;
	std::vector<uint8_t> sig;
	rc = sign_with(a, flags, key.get(), msg, sig);
	if (rc)
		return rc;
	if (a.scheme == Scheme::ecdsa && (flags & SIG_RAW))
		return ecdsa_der_to_raw(a, sig, out, len);
	return put(sig, out, len);
}

int do_verify(const Alg &a, unsigned flags, std::span<const uint8_t> pub,
	      std::span<const uint8_t> msg, std::span<const uint8_t> sig)
{
	if (a.scheme == Scheme::oaep || check_flags(a, flags))
		return -EINVAL;
	Pkey key;
	int rc = load_public(a, pub, key);
	if (rc)
		return rc;
	if (!msg_len_ok(a, flags, key.get(), msg.size()))
		return -EINVAL;
	if (!sig_len_ok(a, flags, key.get(), sig.size()))
		return -EBADMSG;
	std::vector<uint8_t> der;
	if (a.scheme == Scheme::ecdsa && (flags & SIG_RAW)) {
		if ((rc = ecdsa_raw_to_der(a, sig, der)))
			return rc;
		sig = der;
	}
	return verify_with(a, flags, key.get(), msg, sig);
}

int do_generate(const Alg &a, unsigned bits, std::span<uint8_t> priv, size_t &priv_len,
		std::span<uint8_t> pub, size_t &pub_len)
{
	Pkey key;
	int rc;
	if (a.family == Family::rsa)
		rc = rsa_generate(bits, key);
	else if (bits)
		rc = -EINVAL;
	else
		rc = a.family == Family::ec ? ec_generate(a, key) : ed_generate(key);
	if (rc)
		return rc;
	return write_keys(key.get(), true, priv, priv_len, pub, pub_len);
}

int do_import(const Alg &a, std::span<const uint8_t> in, std::span<uint8_t> priv,
	      size_t &priv_len, std::span<uint8_t> pub, size_t &pub_len)
{
	Pkey key;
	bool is_private = false;
	int rc;
	switch (a.family) {
	case Family::ec:
		rc = ec_import(a, in, key, is_private);
		break;
	case Family::ed25519:
		rc = ed_import(in, priv.empty(), key, is_private);
		break;
	case Family::rsa:
	default:
		rc = rsa_import(in, key, is_private);
		break;
	}
	if (!rc)
		rc = fits(a, key.get());
	if (!rc)
		rc = check_key(key.get(), is_private);
	if (!rc)
		rc = write_keys(key.get(), is_private, priv, priv_len, pub, pub_len);
	return rc;
}

int do_public_raw(const Alg &a, std::span<const uint8_t> pub, std::span<uint8_t> out,
		  size_t &len)
{
	Pkey key;
	int rc = load_public(a, pub, key);
	if (rc)
		return rc;
	switch (a.family) {
	case Family::ec:
		return ec_public_raw(a, key.get(), out, len);
	case Family::ed25519:
		return ed_public_raw(key.get(), out, len);
	case Family::rsa:
		break;
	}
	return rsa_public_raw(key.get(), out, len);
}

/// Runs op on a table row a: -EOPNOTSUPP for none (an unknown name);
/// every length in lens is 0 unless op succeeds.
template <typename F, typename... Len>
int call(const Alg *a, F &&op, Len &...lens) noexcept
{
	((lens = 0), ...);
	if (!a)
		return -EOPNOTSUPP;
	int rc = guarded([&] { return op(*a); });
	if (rc)
		((lens = 0), ...);
	return rc;
}

/// call() on the signing table's row of name.
template <typename F, typename... Len>
int call(std::string_view name, F &&op, Len &...lens) noexcept
{
	return call(find_alg(name), std::forward<F>(op), lens...);
}

} // namespace

const Alg *find_alg(std::string_view name)
{
	return find_in(algs, name);
}

int ossl_err(int fallback)
{
	unsigned long e = ERR_peek_last_error();
	return e && ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE ? -ENOMEM : fallback;
}

int encode(const EVP_PKEY *key, int selection, const char *structure, std::span<uint8_t> out,
	   size_t &len)
{
	std::unique_ptr<OSSL_ENCODER_CTX, Free<OSSL_ENCODER_CTX_free>> ctx(
		OSSL_ENCODER_CTX_new_for_pkey(key, selection, "DER", structure, nullptr));
	if (!ctx || OSSL_ENCODER_CTX_get_num_encoders(ctx.get()) == 0)
		return ossl_err(-EIO);
	unsigned char *der = nullptr;
	size_t der_len = 0;
	if (!OSSL_ENCODER_to_data(ctx.get(), &der, &der_len))
		return ossl_err(-EIO);
	int rc = put({der, der_len}, out, len);
	// OSSL_ENCODER hands back its own buffer: wiped, for it may hold a
	// private key.
	OPENSSL_clear_free(der, der_len);
	return rc;
}

int put(std::span<const uint8_t> data, std::span<uint8_t> out, size_t &len)
{
	if (data.size() > out.size())
		return -EOVERFLOW;
	if (!data.empty())
		std::memcpy(out.data(), data.data(), data.size());
	len = data.size();
	return 0;
}

Pkey decode(std::span<const uint8_t> in, const char *structure, const char *type, int selection)
{
	EVP_PKEY *raw = nullptr;
	std::unique_ptr<OSSL_DECODER_CTX, Free<OSSL_DECODER_CTX_free>> ctx(
		OSSL_DECODER_CTX_new_for_pkey(&raw, "DER", structure, type, selection, nullptr,
					      nullptr));
	if (!ctx || in.empty())
		return nullptr;
	const unsigned char *p = in.data();
	size_t left = in.size();
	int ok = OSSL_DECODER_from_data(ctx.get(), &p, &left);
	Pkey key(raw);
	// Trailing bytes are refused: the key must be the whole input.
	if (!ok || left != 0)
		return nullptr;
	return key;
}

bool has_bn(const EVP_PKEY *key, const char *param)
{
	BIGNUM *bn = nullptr;
	bool ok = EVP_PKEY_get_bn_param(key, param, &bn) == 1;
	BN_clear_free(bn);
	return ok;
}

int set_digest(EVP_PKEY_CTX *ctx, const char *md)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, const_cast<char *>(md), 0),
		OSSL_PARAM_construct_end(),
	};
	return EVP_PKEY_CTX_set_params(ctx, params) == 1 ? 0 : ossl_err(-EIO);
}

} // namespace detail

using namespace detail;

bool known(std::string_view alg)
{
	return find_alg(alg) != nullptr;
}

bool openssl_has(const char *key_type)
{
	ErrorMark mark;
	EVP_KEYMGMT *m = EVP_KEYMGMT_fetch(nullptr, key_type, nullptr);
	EVP_KEYMGMT_free(m);
	return m != nullptr;
}

int generate(std::string_view alg, unsigned bits, std::span<uint8_t> priv, size_t &priv_len,
	     std::span<uint8_t> pub, size_t &pub_len)
{
	return call(alg, [&](const Alg &a) { return do_generate(a, bits, priv, priv_len, pub, pub_len); },
		    priv_len, pub_len);
}

int import_key(std::string_view alg, std::span<const uint8_t> in, std::span<uint8_t> priv,
	       size_t &priv_len, std::span<uint8_t> pub, size_t &pub_len)
{
	return call(alg, [&](const Alg &a) { return do_import(a, in, priv, priv_len, pub, pub_len); },
		    priv_len, pub_len);
}

int sign(std::string_view alg, unsigned flags, std::span<const uint8_t> priv,
	 std::span<const uint8_t> msg, std::span<uint8_t> sig, size_t &sig_len)
{
	return call(alg, [&](const Alg &a) { return do_sign(a, flags, priv, msg, sig, sig_len); },
		    sig_len);
}

int verify(std::string_view alg, unsigned flags, std::span<const uint8_t> pub,
	   std::span<const uint8_t> msg, std::span<const uint8_t> sig)
{
	return call(alg, [&](const Alg &a) { return do_verify(a, flags, pub, msg, sig); });
}

int encrypt(std::string_view alg, std::span<const uint8_t> pub, std::span<const uint8_t> label,
	    std::span<const uint8_t> msg, std::span<uint8_t> out, size_t &out_len)
{
	return call(alg, [&](const Alg &a) {
		if (a.scheme != Scheme::oaep)
			return -EINVAL;
		Pkey key;
		int rc = load_public(a, pub, key);
		return rc ? rc : rsa_oaep_encrypt(a, key.get(), label, msg, out, out_len);
	}, out_len);
}

int decrypt(std::string_view alg, std::span<const uint8_t> priv, std::span<const uint8_t> label,
	    std::span<const uint8_t> ct, std::span<uint8_t> out, size_t &out_len)
{
	return call(alg, [&](const Alg &a) {
		if (a.scheme != Scheme::oaep)
			return -EINVAL;
		Pkey key;
		int rc = load_private(a, priv, key);
		return rc ? rc : rsa_oaep_decrypt(a, key.get(), label, ct, out, out_len);
	}, out_len);
}

int public_raw(std::string_view alg, std::span<const uint8_t> pub, std::span<uint8_t> out,
	       size_t &out_len)
{
	return call(alg, [&](const Alg &a) { return do_public_raw(a, pub, out, out_len); }, out_len);
}

int agree(std::string_view alg, std::span<const uint8_t> priv, std::span<const uint8_t> peer,
	  std::span<uint8_t> out, size_t &out_len)
{
	return call(find_in(agree_algs, alg),
		    [&](const Alg &a) { return ec_agree(a, priv, peer, out, out_len); }, out_len);
}

} // namespace hsmd
