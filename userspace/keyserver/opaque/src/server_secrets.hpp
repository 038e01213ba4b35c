// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// What the server does with the secrets it is lent: checks them before
// each use, and derives each client's OPRF key from the OPRF seed.
#pragma once

#include "opaque/server_keys.hpp"
#include "result.hpp"

namespace opaque {

/// The sizes, the private key's validity in the group, and that the
/// public key is its own.
/// Errors: kInvalidLength, kInvalidScalar, kInvalidServerKeys.
[[nodiscard]] Result<void> check_server_keys(Group group, const ServerKeys &keys);

/// The OPRF key for one credential identifier (RFC 9807 section 5.2.2):
/// DeriveKeyPair(Expand(oprf_seed, id || "OprfKey", Nok),
/// "OPAQUE-DeriveKeyPair").  Errors: kInvalidLength, kInputTooLong (an
/// identifier over kMaxCredentialIdentifierSize), kInternal.
[[nodiscard]] Result<SecretBytes> oprf_key(In oprf_seed, In credential_identifier);

} // namespace opaque
