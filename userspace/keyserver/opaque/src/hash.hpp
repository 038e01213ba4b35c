// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The configuration's hash, KDF and MAC: SHA-512, HKDF-SHA512 (RFC 5869)
// and HMAC-SHA512, from OpenSSL 3.
#pragma once

#include <cstddef>
#include <initializer_list>

#include "opaque/bytes.hpp"
#include "result.hpp"

namespace opaque {

/// SHA-512 of the concatenation of parts.
[[nodiscard]] Result<SecretBytes> sha512(std::initializer_list<In> parts);

/// HKDF-Extract(salt, ikm): a kHashSize-byte pseudorandom key.
[[nodiscard]] Result<SecretBytes> hkdf_extract(In salt, In ikm);

/// HKDF-Expand(prk, info, len).
[[nodiscard]] Result<SecretBytes> hkdf_expand(In prk, In info, std::size_t len);

/// HMAC-SHA512(key, msg).
[[nodiscard]] Result<SecretBytes> hmac(In key, In msg);

} // namespace opaque
