// SPDX-License-Identifier: MIT
//
// Public-key work, done in the process with OpenSSL: a public key is no
// secret, so verifying and encrypting need no trip to the module.
#pragma once

#include <openssl/evp.h>

#include "object.hpp"

namespace p11 {

/// The SubjectPublicKeyInfo of an imported public key's attributes
/// (CKA_EC_PARAMS and CKA_EC_POINT, or CKA_MODULUS and
/// CKA_PUBLIC_EXPONENT).  Errors: CKR_TEMPLATE_INCOMPLETE,
/// CKR_ATTRIBUTE_VALUE_INVALID, CKR_CURVE_NOT_SUPPORTED.
CK_RV spki_of(const Attrs &a, CK_KEY_TYPE kt, Bytes &spki);
/// Sets a key's public attributes from its SubjectPublicKeyInfo:
/// CKA_EC_POINT, or CKA_MODULUS, CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT.
CK_RV set_public(Attrs &a, CK_KEY_TYPE kt, const Bytes &spki);
/// Checks a signature with the object's public key (CKA_PUBLIC_KEY_INFO).
/// `in` is the digest for CKM_ECDSA and CKM_RSA_PKCS_PSS, else the message.
/// Errors: CKR_SIGNATURE_INVALID, CKR_SIGNATURE_LEN_RANGE.
CK_RV public_verify(const Object &o, CK_MECHANISM_TYPE mech, const char *hash,
		    std::span<const std::uint8_t> in, std::span<const std::uint8_t> sig);
/// RSA-OAEP with SHA-256 and MGF1-SHA-256 under the object's public key.
CK_RV public_encrypt_oaep(const Object &o, std::span<const std::uint8_t> label,
			  std::span<const std::uint8_t> in, Bytes &out);
/// OpenSSL's digest for a hash name ("sha-256"), or nullptr.
const EVP_MD *md_of(const char *hash);
/// The bytes of the EC group order (ECDSA's r and s), or of the modulus.
std::size_t public_size(const Object &o);

} // namespace p11
