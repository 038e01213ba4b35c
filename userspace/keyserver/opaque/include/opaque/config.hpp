// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// opaque/config.hpp: the configuration both sides must agree on, and the
// sizes it fixes.  The OPRF is always ristretto255-SHA512 (RFC 9497) and
// the hash, KDF and MAC SHA-512, HKDF-SHA512 and HMAC-SHA512; the 3DH
// group is ristretto255 or curve25519 (X25519).  Every size below is the
// same for both groups.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>

#include "opaque/bytes.hpp"

namespace opaque {

/// The 3DH group: whose keys the envelope derives and the AKE uses.
enum class Group {
	kRistretto255,
	kCurve25519,
};

/// Argon2id (RFC 9106, version 0x13) as RFC 9807 uses it: the OPRF output
/// is the password, the salt 16 zero bytes, the output 64 bytes.  Memory
/// is in KiB and must be at least 8 per lane.
struct Argon2id {
	std::uint32_t memory_kib = 1u << 21;
	std::uint32_t iterations = 1;
	std::uint32_t parallelism = 4;
};

/// The Identity KSF: no stretching at all.  RFC 9807's test vectors use
/// it; a deployment must not, since it leaves a stolen record open to a
/// fast dictionary attack.
struct IdentityKsf {};

using Ksf = std::variant<Argon2id, IdentityKsf>;

struct Config {
	Group group = Group::kRistretto255;
	/// RFC 9807's recommended Argon2id parameters unless set otherwise.
	Ksf ksf = Argon2id{};
	/// The application's context string, bound into the AKE transcript
	/// (the preamble): both sides must use the same one.
	Bytes context;
};

/// Who the parties say they are, bound into the envelope and the AKE
/// transcript.  Either may be absent, in which case it is that party's
/// public key, as RFC 9807 says.  Both sides must pass the same values at
/// registration and at every login.
struct Identities {
	std::optional<Bytes> client;
	std::optional<Bytes> server;
};

/// Sizes in bytes (RFC 9807's Noe, Nn, Nh, Npk, Nsk, Nm).
inline constexpr std::size_t kElementSize = 32;
inline constexpr std::size_t kNonceSize = 32;
inline constexpr std::size_t kSeedSize = 32;
inline constexpr std::size_t kHashSize = 64;
inline constexpr std::size_t kMacSize = 64;
inline constexpr std::size_t kPublicKeySize = 32;
inline constexpr std::size_t kPrivateKeySize = 32;
inline constexpr std::size_t kScalarSize = 32;
inline constexpr std::size_t kOprfSeedSize = kHashSize;
inline constexpr std::size_t kEnvelopeSize = kNonceSize + kMacSize;

/// The longest credential identifier the server takes (an OpenSSL HKDF
/// limit lies further on; user names and IDs stay far below either).
inline constexpr std::size_t kMaxCredentialIdentifierSize = 4096;

/// The serialized messages.
inline constexpr std::size_t kRegistrationRequestSize = kElementSize;
inline constexpr std::size_t kRegistrationResponseSize = kElementSize + kPublicKeySize;
inline constexpr std::size_t kRecordSize = kPublicKeySize + kHashSize + kEnvelopeSize;
inline constexpr std::size_t kKe1Size = kElementSize + kNonceSize + kPublicKeySize;
inline constexpr std::size_t kMaskedResponseSize = kPublicKeySize + kEnvelopeSize;
inline constexpr std::size_t kCredentialResponseSize = kElementSize + kNonceSize + kMaskedResponseSize;
inline constexpr std::size_t kKe2Size = kCredentialResponseSize + kNonceSize + kPublicKeySize + kMacSize;
inline constexpr std::size_t kKe3Size = kMacSize;
inline constexpr std::size_t kSessionKeySize = kHashSize;
inline constexpr std::size_t kExportKeySize = kHashSize;

} // namespace opaque
