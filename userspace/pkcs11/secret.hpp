// SPDX-License-Identifier: MIT
//
// Secret keys (AES, HMAC): their module algorithms, their attributes, and
// the module keys made for them at once when their material is at hand.
#pragma once

#include <string>
#include <vector>

#include "p11.hpp"

namespace p11 {

/// The module algorithm a secret key of type `kt` and `len` bytes is first
/// made as ("aes-256-gcm", "hmac-sha-256"), or empty for a size the module
/// lacks.
std::string secret_alg(CK_KEY_TYPE kt, CK_ULONG len);
/// Every module algorithm the key may serve with its usage attributes `a`.
std::vector<std::string> usable_algs(const Attrs &a, CK_KEY_TYPE kt, CK_ULONG len);
/// A secret key's value length: CKA_VALUE_LEN, or the given CKA_VALUE's.
CK_RV secret_len(const Attrs &t, CK_ULONG &len);
/// The attributes of a secret key made from template `t`; `local` when
/// the module generated it.  Errors: CKR_TEMPLATE_INCONSISTENT for usage
/// the module keeps apart (encryption with wrapping, HMAC with derivation:
/// see docs/pkcs11.md).
CK_RV set_secret_attrs(Attrs &a, const Attrs &t, CK_KEY_TYPE kt, CK_ULONG len, bool local,
		       CK_MECHANISM_TYPE gen);
/// Keeps a new module key of `o` for `alg`, owned by a guard.
void hold(Object &o, const std::string &alg, hsm::CryptoResourceGuard g);

} // namespace p11
