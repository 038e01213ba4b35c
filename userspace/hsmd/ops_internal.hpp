// SPDX-License-Identifier: GPL-2.0 OR MIT
// Private to hsmd's operations (ops*.cpp): the algorithm table, RAII for
// OpenSSL objects, and what the families (EC, Ed25519, RSA) provide to
// the dispatch in ops.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

namespace hsmd::detail {

enum class Family { ec, ed25519, rsa };
enum class Scheme { ecdsa, eddsa, pss, oaep, ecdh };

struct Alg {
	std::string_view name;
	Family family;
	Scheme scheme;
	const char *md;		///< OpenSSL digest name; nullptr for Ed25519
	size_t md_len;		///< its output length; 0 for Ed25519
	int curve;		///< EC: the curve's NID; else NID_undef
	size_t field_len;	///< EC: bytes of a coordinate or scalar; else 0
};

/// The table row of name, or nullptr.
const Alg *find_alg(std::string_view name);

// --- RAII ---------------------------------------------------------------

template <auto Fn>
struct Free {
	template <typename T>
	void operator()(T *p) const noexcept { Fn(p); }
};

using Pkey = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Free<EVP_MD_CTX_free>>;
/// BN_clear_free: any BIGNUM here may hold a private scalar.
using Bn = std::unique_ptr<BIGNUM, Free<BN_clear_free>>;
using BnCtx = std::unique_ptr<BN_CTX, Free<BN_CTX_free>>;
using EcGroup = std::unique_ptr<EC_GROUP, Free<EC_GROUP_free>>;
using EcPoint = std::unique_ptr<EC_POINT, Free<EC_POINT_free>>;

/// A byte buffer wiped when it goes; sized once, never grown (growing
/// would leave an unwiped copy behind).
class Secret {
public:
	explicit Secret(size_t n) : buf_(n) {}
	~Secret() { OPENSSL_cleanse(buf_.data(), buf_.size()); }
	Secret(const Secret &) = delete;
	Secret &operator=(const Secret &) = delete;

	uint8_t *data() noexcept { return buf_.data(); }
	size_t size() const noexcept { return buf_.size(); }
	/// The first n bytes (n <= size()).
	std::span<const uint8_t> first(size_t n) const noexcept { return {buf_.data(), n}; }

private:
	std::vector<uint8_t> buf_;
};

/// OpenSSL's errors stay inside a call: what it queues is dropped on the
/// way out, and only that (a mark, not a clear).
class ErrorMark {
public:
	ErrorMark() noexcept { ERR_set_mark(); }
	~ErrorMark() { ERR_pop_to_mark(); }
	ErrorMark(const ErrorMark &) = delete;
	ErrorMark &operator=(const ErrorMark &) = delete;
};

// --- shared helpers (ops.cpp) -------------------------------------------

/// What an OpenSSL failure means: -ENOMEM if it ran out of memory, else
/// fallback (-EIO for an internal failure, -EINVAL for input it refused).
int ossl_err(int fallback);

/// Copies data into out: -EOVERFLOW if it does not fit.
int put(std::span<const uint8_t> data, std::span<uint8_t> out, size_t &len);

/// Encodes the selected part of key (EVP_PKEY_KEYPAIR, EVP_PKEY_PUBLIC_KEY)
/// as DER of the given structure ("PrivateKeyInfo", "type-specific") into
/// out.
int encode(const EVP_PKEY *key, int selection, const char *structure, std::span<uint8_t> out,
	   size_t &len);

/// Decodes in as exactly one DER structure ("PrivateKeyInfo",
/// "SubjectPublicKeyInfo", "type-specific") of key type type ("EC",
/// "ED25519", "RSA"); nullptr unless every byte of in was used.
Pkey decode(std::span<const uint8_t> in, const char *structure, const char *type, int selection);

/// Whether key holds the BIGNUM param (EC "priv", RSA "d"): a decoder may
/// answer a public key where a private one was asked for.
bool has_bn(const EVP_PKEY *key, const char *param);

/// Sets OSSL_SIGNATURE_PARAM_DIGEST (EVP_PKEY_sign/verify on a digest).
int set_digest(EVP_PKEY_CTX *ctx, const char *md);

// --- the families ---------------------------------------------------------
// Each *_import parses every form import_key() accepts and returns the
// key with is_private set; the caller then runs the consistency check.
// Each *_fits checks that a decoded key has the algorithm's type, curve
// or size: 0 or -EINVAL.

int ec_generate(const Alg &a, Pkey &key);
int ec_import(const Alg &a, std::span<const uint8_t> in, Pkey &key, bool &is_private);
int ec_fits(const Alg &a, const EVP_PKEY *key);
int ec_public_raw(const Alg &a, const EVP_PKEY *key, std::span<uint8_t> out, size_t &len);
/// OpenSSL's DER signature as r||s, each left-padded to field_len
/// (-EOVERFLOW if out is short); and back: -EBADMSG unless raw is exactly
/// 2 * field_len bytes.
int ecdsa_der_to_raw(const Alg &a, std::span<const uint8_t> der, std::span<uint8_t> out,
		     size_t &len);
int ecdsa_raw_to_der(const Alg &a, std::span<const uint8_t> raw, std::vector<uint8_t> &der);
/// ECDH: the x coordinate of d * peer, d the big-endian scalar and peer
/// x || y, each field_len bytes a coordinate; with no peer, d's public
/// key x || y.
int ec_agree(const Alg &a, std::span<const uint8_t> d, std::span<const uint8_t> peer,
	     std::span<uint8_t> out, size_t &len);

int ed_generate(Pkey &key);
int ed_import(std::span<const uint8_t> in, bool public_only, Pkey &key, bool &is_private);
int ed_fits(const EVP_PKEY *key);
int ed_public_raw(const EVP_PKEY *key, std::span<uint8_t> out, size_t &len);

int rsa_generate(unsigned bits, Pkey &key);
int rsa_import(std::span<const uint8_t> in, Pkey &key, bool &is_private);
int rsa_fits(const EVP_PKEY *key);
int rsa_public_raw(const EVP_PKEY *key, std::span<uint8_t> out, size_t &len);
/// PSS padding, salt = hash length, MGF1 with md, on a sign/verify ctx.
int rsa_pss_setup(EVP_PKEY_CTX *ctx, const Alg &a);
/// PKCS#1 v1.5 (block type 1) padding, on a sign/verify ctx.
int rsa_pkcs1_setup(EVP_PKEY_CTX *ctx);
int rsa_oaep_encrypt(const Alg &a, EVP_PKEY *key, std::span<const uint8_t> label,
		     std::span<const uint8_t> msg, std::span<uint8_t> out, size_t &len);
int rsa_oaep_decrypt(const Alg &a, EVP_PKEY *key, std::span<const uint8_t> label,
		     std::span<const uint8_t> ct, std::span<uint8_t> out, size_t &len);

} // namespace hsmd::detail
