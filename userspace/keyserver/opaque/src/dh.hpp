// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The 3DH group: ristretto255 or curve25519 (X25519, RFC 7748).  Key
// pairs derived from a seed (RFC 9807's DeriveDiffieHellmanKeyPair),
// random key pairs, key checks and the Diffie-Hellman function itself.
#pragma once

#include "keypair.hpp"
#include "opaque/config.hpp"
#include "result.hpp"

namespace opaque::dh {

/// DeriveDiffieHellmanKeyPair(seed), seed of kSeedSize bytes.
/// Errors: kInvalidLength, kInternal.
[[nodiscard]] Result<KeyPair> derive_key_pair(Group group, In seed);

/// A fresh random key pair.  Errors: kInternal.
[[nodiscard]] Result<KeyPair> random_key_pair(Group group);

/// The public key of private_key.  Errors: kInvalidLength, kInvalidScalar.
[[nodiscard]] Result<Bytes> public_key(Group group, In private_key);

/// Whether pk can be a peer's public key: a valid non-identity element
/// (ristretto255), or 32 bytes that are not all zero (X25519, whose
/// low-order points dh() refuses instead).
[[nodiscard]] bool valid_public_key(Group group, In pk) noexcept;

/// DH(private_key, pk).  Errors: kInvalidLength, kInvalidScalar,
/// kInvalidElement (an invalid pk, or a low-order one: an all-zero result).
[[nodiscard]] Result<SecretBytes> dh(Group group, In private_key, In pk);

} // namespace opaque::dh
