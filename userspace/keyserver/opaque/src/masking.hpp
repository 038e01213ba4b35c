// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// Credential masking (RFC 9807 section 4.2): the server hides the
// record's envelope and its own public key under a pad that only a
// client who knows the password can derive, so that KE2 for an unknown
// client (a fake record) looks like any other.
#pragma once

#include "opaque/config.hpp"
#include "result.hpp"

namespace opaque::masking {

/// masking_key = Expand(randomized_password, "MaskingKey", Nh).
/// Errors: kInternal.
[[nodiscard]] Result<SecretBytes> masking_key(In randomized_password);

/// data XOR Expand(masking_key, masking_nonce || "CredentialResponsePad",
/// kMaskedResponseSize); masking and unmasking alike.
/// Errors: kInvalidLength, kInternal.
[[nodiscard]] Result<SecretBytes> apply(In masking_key, In masking_nonce, In data);

} // namespace opaque::masking
