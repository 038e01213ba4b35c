// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// opaque/registration.hpp: registration (RFC 9807 section 5).  The client
// blinds its password into a request; the server evaluates it with the
// OPRF key it derives for the credential identifier and returns it with
// its public key; the client seals an envelope and uploads the record,
// which the server stores as it is.  The client keeps export_key.
#pragma once

#include <cstdint>
#include <span>

#include "opaque/bytes.hpp"
#include "opaque/config.hpp"
#include "opaque/error.hpp"
#include "opaque/server_keys.hpp"

namespace opaque {

/// What the client sends the server to store (kRecordSize bytes), and the
/// key it keeps (kExportKeySize bytes).
struct RegistrationResult {
	Bytes record;
	SecretBytes export_key;
};

/// The client's side of registration: start, send request(), finalize
/// with the server's response.  One use: finalize() succeeds once.  The
/// password and blind are wiped when the object goes.
class ClientRegistration {
public:
	/// Blinds the password with a random scalar.
	/// Errors: kInputTooLong (password over 65535 bytes), kInvalidConfig,
	/// kInternal.
	[[nodiscard]] static Result<ClientRegistration> start(const Config &config,
							      std::span<const std::uint8_t> password);
	/// The same with the caller's blind, for known-answer tests.
	/// Errors: as above, kInvalidLength and kInvalidScalar for the blind.
	[[nodiscard]] static Result<ClientRegistration> start(const Config &config,
							      std::span<const std::uint8_t> password,
							      std::span<const std::uint8_t> blind);

	/// The request for the server (kRegistrationRequestSize bytes).
	[[nodiscard]] const Bytes &request() const noexcept { return request_; }

	/// Seals the envelope under a random nonce and makes the record.
	/// Errors: kInvalidLength, kInvalidElement (response),
	/// kReflectedElement, kInputTooLong (identities), kKsf, kInvalidState
	/// (already finalized), kInternal.
	[[nodiscard]] Result<RegistrationResult> finalize(std::span<const std::uint8_t> response,
							  const Identities &ids = {});
	/// The same with the caller's envelope nonce (kNonceSize bytes).
	[[nodiscard]] Result<RegistrationResult> finalize(std::span<const std::uint8_t> response,
							  const Identities &ids,
							  std::span<const std::uint8_t> envelope_nonce);

	/// Move-only: a copy would be a second use of the same secrets.
	ClientRegistration(ClientRegistration &&) = default;
	ClientRegistration &operator=(ClientRegistration &&) = default;
	ClientRegistration(const ClientRegistration &) = delete;
	ClientRegistration &operator=(const ClientRegistration &) = delete;

private:
	ClientRegistration() = default;

	Config config_;
	SecretBytes password_;
	SecretBytes blind_;
	Bytes request_;
};

/// The server's side: evaluates the request under the OPRF key for
/// credential_identifier and returns the response
/// (kRegistrationResponseSize bytes).  Stateless: the server then stores
/// the client's record under credential_identifier.
/// Errors: kInvalidLength, kInvalidElement (request), kInvalidScalar and
/// kInvalidServerKeys (keys), kInputTooLong (credential_identifier),
/// kInternal.
[[nodiscard]] Result<Bytes> registration_response(const Config &config, const ServerKeys &keys,
						  std::span<const std::uint8_t> request,
						  std::span<const std::uint8_t> credential_identifier);

} // namespace opaque
