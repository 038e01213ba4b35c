// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// Splitting messages into their fields, front to back.
#include "messages.hpp"

namespace opaque::messages {

namespace {

/// Takes the next n bytes off the front of rest.
In take(In &rest, std::size_t n)
{
	In field = rest.first(n);
	rest = rest.subspan(n);
	return field;
}

} // namespace

Result<Record> parse_record(In bytes)
{
	if (bytes.size() != kRecordSize)
		return fail(Error::kInvalidLength);
	Record r;
	r.client_public_key = take(bytes, kPublicKeySize);
	r.masking_key = take(bytes, kHashSize);
	r.envelope = take(bytes, kEnvelopeSize);
	return r;
}

Result<RegistrationResponse> parse_registration_response(In bytes)
{
	if (bytes.size() != kRegistrationResponseSize)
		return fail(Error::kInvalidLength);
	RegistrationResponse r;
	r.evaluated = take(bytes, kElementSize);
	r.server_public_key = take(bytes, kPublicKeySize);
	return r;
}

Result<Ke1> parse_ke1(In bytes)
{
	if (bytes.size() != kKe1Size)
		return fail(Error::kInvalidLength);
	Ke1 k;
	k.blinded = take(bytes, kElementSize);
	k.nonce = take(bytes, kNonceSize);
	k.keyshare = take(bytes, kPublicKeySize);
	return k;
}

Result<Ke2> parse_ke2(In bytes)
{
	if (bytes.size() != kKe2Size)
		return fail(Error::kInvalidLength);
	Ke2 k;
	k.credential_response = bytes.first(kCredentialResponseSize);
	k.evaluated = take(bytes, kElementSize);
	k.masking_nonce = take(bytes, kNonceSize);
	k.masked_response = take(bytes, kMaskedResponseSize);
	k.nonce = take(bytes, kNonceSize);
	k.keyshare = take(bytes, kPublicKeySize);
	k.mac = take(bytes, kMacSize);
	return k;
}

} // namespace opaque::messages
