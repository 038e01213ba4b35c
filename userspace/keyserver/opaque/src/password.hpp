// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The client's password on its way to the randomized password (RFC 9807
// sections 5.2.1 and 5.2.3): blinded for the server, then unblinded,
// hashed, stretched and extracted.  Registration and login share it.
#pragma once

#include "opaque/config.hpp"
#include "result.hpp"

namespace opaque {

/// Checks what a client is started with and blinds the password.
/// Errors: kInputTooLong, kInvalidConfig, kInvalidLength and
/// kInvalidScalar (blind), kInternal.
[[nodiscard]] Result<Bytes> blind_password(const Config &config, In password, In blind);

/// randomized_password = Extract("", oprf_output || Stretch(oprf_output))
/// for the server's evaluation of our blinded element.
/// Errors: kInvalidElement, kReflectedElement, kKsf, kInternal.
[[nodiscard]] Result<SecretBytes> randomized_password(const Config &config, In password, In blind,
						      In blinded, In evaluated);

} // namespace opaque
