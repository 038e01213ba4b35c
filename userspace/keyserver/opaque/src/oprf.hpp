// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The OPRF of RFC 9497 in its base mode (modeOPRF), with the suite
// ristretto255-SHA512: the client blinds its input, the server evaluates
// the blinded element under its key, the client unblinds and hashes the
// result.  The server learns nothing of the input; the client nothing of
// the key.
#pragma once

#include <string_view>

#include "keypair.hpp"
#include "result.hpp"

namespace opaque::oprf {

/// Blind(input, blind): the blinded element.
/// Errors: kInvalidScalar (blind), kInvalidElement, kInternal.
[[nodiscard]] Result<Bytes> blind(In input, In blind);

/// BlindEvaluate(key, blinded): the evaluated element.
/// Errors: kInvalidScalar (key), kInvalidElement (blinded).
[[nodiscard]] Result<Bytes> blind_evaluate(In key, In blinded);

/// Finalize(input, blind, evaluated): the OPRF output, kHashSize bytes.
/// Errors: kInvalidScalar, kInvalidElement, kInputTooLong, kInternal.
[[nodiscard]] Result<SecretBytes> finalize(In input, In blind, In evaluated);

/// DeriveKeyPair(seed, info): a key pair of the suite's group.
/// Errors: kInputTooLong (info), kInternal.
[[nodiscard]] Result<KeyPair> derive_key_pair(In seed, std::string_view info);

} // namespace opaque::oprf
