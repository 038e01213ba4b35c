// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The envelope (RFC 9807 section 4.1): a nonce and a MAC under a key
// derived from the randomized password.  It stores nothing encrypted:
// the client's key pair is re-derived from the password and the nonce,
// and the MAC binds it to the server's public key and both identities.
#pragma once

#include "opaque/config.hpp"
#include "result.hpp"

namespace opaque::envelope {

/// The identities as the envelope and the AKE bind them, with the
/// defaults (the public keys) filled in.
struct CleartextCredentials {
	Bytes server_public_key;
	Bytes server_identity;
	Bytes client_identity;
};

/// CreateCleartextCredentials.  Errors: kInputTooLong (an identity).
[[nodiscard]] Result<CleartextCredentials> cleartext_credentials(In server_public_key,
								 In client_public_key,
								 const Identities &ids);

struct Sealed {
	Bytes envelope;			///< kEnvelopeSize bytes
	Bytes client_public_key;
	SecretBytes export_key;
};

/// Store: seals an envelope under envelope_nonce (kNonceSize bytes).
/// Errors: kInvalidLength, kInputTooLong, kInternal.
[[nodiscard]] Result<Sealed> store(Group group, In randomized_password, In server_public_key,
				   const Identities &ids, In envelope_nonce);

struct Opened {
	SecretBytes client_private_key;
	CleartextCredentials credentials;
	SecretBytes export_key;
};

/// Recover: re-derives the client's key pair and checks the envelope's
/// MAC in constant time.
/// Errors: kInvalidLength, kEnvelopeRecovery (the MAC), kInputTooLong,
/// kInternal.
[[nodiscard]] Result<Opened> recover(Group group, In randomized_password, In server_public_key,
				     In envelope, const Identities &ids);

} // namespace opaque::envelope
