// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// opaque/server_keys.hpp: the server's long-term secrets.  The library
// never stores them: the caller loads them (the key server from sealed
// storage) and lends them to each call as byte spans.
#pragma once

#include <cstdint>
#include <span>

#include "opaque/bytes.hpp"
#include "opaque/config.hpp"
#include "opaque/error.hpp"

namespace opaque {

/// Borrowed views of the server's secrets.  Every call that takes them
/// checks the sizes, that the private key is a valid scalar of the
/// configured group and that the public key is its own.
struct ServerKeys {
	std::span<const std::uint8_t> oprf_seed;	///< kOprfSeedSize bytes
	std::span<const std::uint8_t> private_key;	///< kPrivateKeySize bytes
	std::span<const std::uint8_t> public_key;	///< kPublicKeySize bytes
};

/// Owned server secrets, as generate_server_keys() makes them.
struct ServerSecrets {
	SecretBytes oprf_seed;
	SecretBytes private_key;
	Bytes public_key;

	[[nodiscard]] ServerKeys keys() const noexcept
	{
		return {oprf_seed, private_key, public_key};
	}
};

/// A fresh OPRF seed and key pair for the group.
/// Errors: kInternal.
[[nodiscard]] Result<ServerSecrets> generate_server_keys(Group group);

} // namespace opaque
