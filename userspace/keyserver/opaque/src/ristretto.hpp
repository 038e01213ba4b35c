// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The prime-order group ristretto255 (RFC 9496) as the OPRF and the 3DH
// use it, over libsodium: element and scalar checks, hashing to the group
// and to scalars (RFC 9380), scalar multiplication and inversion.
// Elements and scalars are 32-byte canonical encodings throughout.
#pragma once

#include <string_view>

#include "opaque/bytes.hpp"
#include "result.hpp"

namespace opaque::ristretto {

/// Whether e is the canonical encoding of an element other than the
/// identity (RFC 9497's DeserializeElement).
[[nodiscard]] bool valid_element(In e) noexcept;

/// Whether s is a reduced, nonzero scalar.
[[nodiscard]] bool valid_scalar(In s) noexcept;

/// hash_to_ristretto255 (RFC 9380 appendix B) of msg under dst; never the
/// identity.  Errors: kInvalidElement if it were, kInternal.
[[nodiscard]] Result<Bytes> hash_to_group(In msg, std::string_view dst);

/// A scalar uniformly from msg under dst (RFC 9497's HashToScalar).
[[nodiscard]] Result<SecretBytes> hash_to_scalar(In msg, std::string_view dst);

/// scalar * element.  Errors: kInvalidElement if element is not a valid
/// encoding or the product is the identity; kInvalidScalar.
[[nodiscard]] Result<SecretBytes> mult(In scalar, In element);

/// scalar * the generator.  Errors: kInvalidScalar.
[[nodiscard]] Result<Bytes> mult_base(In scalar);

/// 1 / scalar.  Errors: kInvalidScalar.
[[nodiscard]] Result<SecretBytes> invert(In scalar);

/// A uniformly random nonzero scalar.
[[nodiscard]] SecretBytes random_scalar();

} // namespace opaque::ristretto
