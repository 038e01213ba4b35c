// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// opaque/error.hpp: errors as values.  Every fallible call returns a
// Result<T>; nothing throws across the API and the library never prints.
// Malformed input of any kind (a wrong length, an encoding that is not a
// group element, a bad MAC) is one of these errors, never a crash.
#pragma once

#include <expected>

namespace opaque {

enum class Error {
	/// A message, record, key, seed or nonce of the wrong size.
	kInvalidLength,
	/// Bytes that are not the canonical encoding of a group element, or
	/// that encode the identity element.
	kInvalidElement,
	/// A blind or private key that is zero or not a reduced scalar.
	kInvalidScalar,
	/// A password, identity or context longer than 65535 bytes (the
	/// protocol prefixes each with a two-byte length), or a credential
	/// identifier over kMaxCredentialIdentifierSize.
	kInputTooLong,
	/// Argon2id parameters out of range (see Argon2id in config.hpp).
	kInvalidConfig,
	/// The server's public key is not its private key's.
	kInvalidServerKeys,
	/// The server answered the blinded element with itself: its OPRF key
	/// would be 1, which no honest server has.
	kReflectedElement,
	/// The envelope's MAC does not verify: a wrong password, or a
	/// response that is not the one registered (client side).
	kEnvelopeRecovery,
	/// The server's MAC in KE2 does not verify (client side).
	kServerAuthentication,
	/// The client's MAC in KE3 does not verify (server side).
	kClientAuthentication,
	/// A state object used after it finished, or after it was moved from.
	kInvalidState,
	/// The key stretching function failed (Argon2id could not allocate).
	kKsf,
	/// libsodium or OpenSSL failed where it should not.
	kInternal,
};

/// A short, stable name for an error ("envelope-recovery", ...).
[[nodiscard]] const char *to_string(Error e) noexcept;

template <typename T>
using Result = std::expected<T, Error>;

} // namespace opaque
