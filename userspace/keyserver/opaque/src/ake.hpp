// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// 3DH (RFC 9807 section 6.4): three Diffie-Hellman results keyed by the
// transcript of the login (the preamble) give the two MACs and the
// session key.  Client and server compute the same values from opposite
// halves of the same key pairs.
#pragma once

#include <array>

#include "opaque/config.hpp"
#include "result.hpp"

namespace opaque::ake {

/// What the preamble binds, in its order.  The identities are the
/// cleartext credentials' (defaults filled in).
struct Transcript {
	In context;
	In client_identity;
	In ke1;
	In server_identity;
	In credential_response;
	In server_nonce;
	In server_keyshare;
};

/// One DH: our private key, their public key.
struct DhPair {
	In private_key;
	In public_key;
};

/// The AKE's outputs, the same on both sides when all went well.
struct Outcome {
	SecretBytes server_mac;
	SecretBytes client_mac;
	SecretBytes session_key;
};

/// Computes ikm = dh[0] || dh[1] || dh[2], the preamble and from them
/// the MACs and the session key.
/// Errors: kInvalidLength, kInvalidScalar, kInvalidElement (a peer key),
/// kInputTooLong (context or an identity), kInternal.
[[nodiscard]] Result<Outcome> run(Group group, const std::array<DhPair, 3> &dh,
				  const Transcript &transcript);

} // namespace opaque::ake
