// SPDX-License-Identifier: MIT
//
// The server's OPAQUE secrets: the OPRF seed and the AKE key pair.  Made
// once from the HSM's DRBG, kept in the database sealed under the vault's
// master key, so that every instance sharing the database has the same
// ones and a copy of the database without the vault reveals none.  They are
// in this process's memory while it runs (the group arithmetic is
// libsodium's, not the module's), locked against swapping.
#pragma once

#include <array>
#include <expected>
#include <string>

#include <opaque/server_keys.hpp>

namespace ks {

class Vault;
class Store;

struct ServerSecrets {
	opaque::ServerSecrets opaque;		// the OPRF seed and the AKE key pair
	// The fake record's masking key for unknown users is derived from
	// this seed and the user name, so that an unknown user's answers are
	// stable across logins and instances.
	opaque::SecretBytes fake_seed;		// 32 bytes
};

// Loads the secrets from the database, or (a fresh database) makes them.
std::expected<ServerSecrets, std::string> load_secrets(const Vault &v, Store &db);

} // namespace ks
