// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The fields of the fixed-size messages and of the record (RFC 9807
// sections 5.1, 6.1 and appendix A), as views into the caller's bytes.
// Parsing checks the length only: each field's content is checked where
// it is used.
#pragma once

#include "opaque/config.hpp"
#include "result.hpp"

namespace opaque::messages {

struct Record {
	In client_public_key;
	In masking_key;
	In envelope;
};

struct RegistrationResponse {
	In evaluated;
	In server_public_key;
};

struct Ke1 {
	In blinded;
	In nonce;
	In keyshare;
};

struct Ke2 {
	In credential_response;		///< the three fields below, together
	In evaluated;
	In masking_nonce;
	In masked_response;
	In nonce;
	In keyshare;
	In mac;
};

/// Each fails with kInvalidLength unless bytes has the message's size.
[[nodiscard]] Result<Record> parse_record(In bytes);
[[nodiscard]] Result<RegistrationResponse> parse_registration_response(In bytes);
[[nodiscard]] Result<Ke1> parse_ke1(In bytes);
[[nodiscard]] Result<Ke2> parse_ke2(In bytes);

} // namespace opaque::messages
