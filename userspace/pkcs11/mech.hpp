// SPDX-License-Identifier: MIT
//
// The mechanisms libhsm-pkcs11 serves: one table, which C_GetMechanismList
// and C_GetMechanismInfo report and every *Init checks against.
#pragma once

#include <span>
#include <string>

#include "v3.hpp"

namespace p11 {

class Attrs;

/// What a mechanism does, and with which keys.
struct Mech {
	CK_MECHANISM_TYPE type;
	CK_KEY_TYPE key_type;	///< the key it takes; kNoKey for digests
	CK_ULONG min, max;	///< key sizes as PKCS#11 counts them (bytes or bits)
	CK_FLAGS flags;
	bool worker;		///< served by hsmd, the module's worker
};

constexpr CK_KEY_TYPE kNoKey = CKK_VENDOR_DEFINED;

std::span<const Mech> mechanisms();
/// The mechanism `type`, or nullptr.
const Mech *mechanism(CK_MECHANISM_TYPE type);
/// The hash a digest, HMAC or hash-and-sign mechanism uses ("sha-256"),
/// or nullptr.
const char *mech_hash(CK_MECHANISM_TYPE type);
/// Whether `type` is an RSASSA-PKCS1-v1_5 mechanism (CKM_RSA_PKCS and its
/// hash-and-sign forms).
bool rsa_pkcs1(CK_MECHANISM_TYPE type);
/// A hash mechanism's module name ("sha-256" for CKM_SHA256), or nullptr.
const char *hash_name(CK_MECHANISM_TYPE hash);
/// The module algorithm of an EC key with these CKA_EC_PARAMS
/// ("ecdsa-p256-sha256"), or empty for a curve the module lacks.
std::string ec_alg(const Attrs &a);

} // namespace p11
