// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// opaque/login.hpp: login, the online AKE (RFC 9807 section 6).  The client
// sends KE1 (a blinded password and a 3DH key share); the server answers
// KE2 (the OPRF evaluation, the masked envelope, its key share and MAC);
// the client recovers its key from the envelope, checks the server's MAC
// and sends KE3 (its own MAC); the server checks it.  Both then hold the
// same session_key; the client also gets the export_key of registration.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "opaque/bytes.hpp"
#include "opaque/config.hpp"
#include "opaque/error.hpp"
#include "opaque/server_keys.hpp"

namespace opaque {

/// The client's chosen randomness, for known-answer tests: the OPRF blind
/// (a nonzero reduced scalar), the nonce and the seed of its key share.
struct ClientLoginSeeds {
	std::span<const std::uint8_t> blind;
	std::span<const std::uint8_t> nonce;
	std::span<const std::uint8_t> keyshare_seed;
};

/// What a successful login gives the client.
struct LoginResult {
	Bytes ke3;			///< for the server (kKe3Size bytes)
	SecretBytes session_key;	///< kSessionKeySize bytes
	SecretBytes export_key;		///< kExportKeySize bytes, as at registration
	Bytes server_public_key;	///< as the envelope vouches for it
};

/// The client's side of a login.  One use: finish() runs once, whatever
/// its outcome.  Password, blind and key share are wiped when the object
/// goes.
class ClientLogin {
public:
	/// Blinds the password and makes a fresh key share and nonce.
	/// Errors: kInputTooLong, kInvalidConfig, kInternal.
	[[nodiscard]] static Result<ClientLogin> start(const Config &config,
						       std::span<const std::uint8_t> password);
	/// The same with the caller's randomness.
	/// Errors: as above, kInvalidLength and kInvalidScalar for the seeds.
	[[nodiscard]] static Result<ClientLogin> start(const Config &config,
						       std::span<const std::uint8_t> password,
						       const ClientLoginSeeds &seeds);

	/// KE1 for the server (kKe1Size bytes).
	[[nodiscard]] const Bytes &ke1() const noexcept { return ke1_; }

	/// Checks KE2 and makes KE3.
	/// Errors: kInvalidLength, kInvalidElement, kReflectedElement,
	/// kEnvelopeRecovery (wrong password, or no such registration),
	/// kServerAuthentication, kInputTooLong (identities), kKsf,
	/// kInvalidState (finish already ran), kInternal.
	[[nodiscard]] Result<LoginResult> finish(std::span<const std::uint8_t> ke2,
						 const Identities &ids = {});

	/// Move-only: a copy would be a second use of the same secrets.
	ClientLogin(ClientLogin &&) = default;
	ClientLogin &operator=(ClientLogin &&) = default;
	ClientLogin(const ClientLogin &) = delete;
	ClientLogin &operator=(const ClientLogin &) = delete;

private:
	ClientLogin() = default;

	Config config_;
	SecretBytes password_;
	SecretBytes blind_;
	SecretBytes keyshare_private_;
	Bytes ke1_;
};

/// The server's chosen randomness, for known-answer tests: the masking
/// nonce, the nonce and the seed of its key share; and, used only when
/// there is no record, the fake record's client public key and masking
/// key (kHashSize bytes).
struct ServerLoginSeeds {
	std::span<const std::uint8_t> masking_nonce;
	std::span<const std::uint8_t> nonce;
	std::span<const std::uint8_t> keyshare_seed;
	std::span<const std::uint8_t> fake_client_public_key;
	std::span<const std::uint8_t> fake_masking_key;
};

/// The server's side of a login.  Without a record (no such client) the
/// server answers from a fake record (RFC 9807 section 10.9), so that
/// KE2 looks like any other and tells nobody whether the client exists;
/// such a login then fails at the client, or at finish() here.
class ServerLogin {
public:
	/// Answers KE1 for the client registered under credential_identifier
	/// with record, or for an unknown one (std::nullopt).
	/// Errors: kInvalidLength, kInvalidElement (KE1 or record),
	/// kInvalidScalar and kInvalidServerKeys (keys), kInputTooLong
	/// (identities, context, credential_identifier), kInternal.
	[[nodiscard]] static Result<ServerLogin>
	start(const Config &config, const ServerKeys &keys, std::span<const std::uint8_t> ke1,
	      std::optional<std::span<const std::uint8_t>> record,
	      std::span<const std::uint8_t> credential_identifier, const Identities &ids = {});
	/// The same with the caller's randomness.
	[[nodiscard]] static Result<ServerLogin>
	start(const Config &config, const ServerKeys &keys, std::span<const std::uint8_t> ke1,
	      std::optional<std::span<const std::uint8_t>> record,
	      std::span<const std::uint8_t> credential_identifier, const Identities &ids,
	      const ServerLoginSeeds &seeds);

	/// KE2 for the client (kKe2Size bytes).
	[[nodiscard]] const Bytes &ke2() const noexcept { return ke2_; }

	/// Checks KE3 and returns the session key.  One attempt per KE2: a
	/// second call fails with kInvalidState, so KE3 cannot be guessed
	/// against one state.
	/// Errors: kInvalidLength, kClientAuthentication, kInvalidState.
	[[nodiscard]] Result<SecretBytes> finish(std::span<const std::uint8_t> ke3);

	/// Move-only: a copy would be a second use of the same secrets.
	ServerLogin(ServerLogin &&) = default;
	ServerLogin &operator=(ServerLogin &&) = default;
	ServerLogin(const ServerLogin &) = delete;
	ServerLogin &operator=(const ServerLogin &) = delete;

private:
	ServerLogin() = default;

	SecretBytes expected_client_mac_;
	SecretBytes session_key_;
	Bytes ke2_;
};

} // namespace opaque
