// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// Store and Recover (RFC 9807 sections 4.1.2 and 4.1.3): the same keys
// derived the same way, sealed once and checked at every login.
#include "envelope.hpp"

#include <sodium.h>

#include "dh.hpp"
#include "encode.hpp"
#include "hash.hpp"

namespace opaque::envelope {

namespace {

/// What the randomized password and the nonce give: the MAC key, the
/// export key and the client's key pair.
struct Keys {
	SecretBytes auth_key;
	SecretBytes export_key;
	KeyPair client;
};

Result<SecretBytes> expand_labelled(In randomized_password, In nonce, std::string_view label,
				    std::size_t len)
{
	Bytes info;
	append(info, nonce);
	append(info, label);
	return hkdf_expand(randomized_password, info, len);
}

Result<Keys> derive(Group group, In randomized_password, In nonce)
{
	OPAQUE_TRY(auth_key, expand_labelled(randomized_password, nonce, "AuthKey", kHashSize));
	OPAQUE_TRY(export_key, expand_labelled(randomized_password, nonce, "ExportKey", kHashSize));
	OPAQUE_TRY(seed, expand_labelled(randomized_password, nonce, "PrivateKey", kSeedSize));
	OPAQUE_TRY(client, dh::derive_key_pair(group, *seed));
	return Keys{std::move(*auth_key), std::move(*export_key), std::move(*client)};
}

Bytes serialize(const CleartextCredentials &c)
{
	Bytes out;
	append(out, c.server_public_key);
	append_prefixed(out, c.server_identity);
	append_prefixed(out, c.client_identity);
	return out;
}

/// MAC(auth_key, nonce || cleartext_credentials).
Result<SecretBytes> auth_tag(In auth_key, In nonce, const CleartextCredentials &c)
{
	Bytes msg;
	append(msg, nonce);
	append(msg, serialize(c));
	return hmac(auth_key, msg);
}

} // namespace

Result<CleartextCredentials> cleartext_credentials(In server_public_key, In client_public_key,
						   const Identities &ids)
{
	if ((ids.server && ids.server->size() > kMaxField) ||
	    (ids.client && ids.client->size() > kMaxField))
		return fail(Error::kInputTooLong);
	return CleartextCredentials{
		to_bytes(server_public_key),
		ids.server ? *ids.server : to_bytes(server_public_key),
		ids.client ? *ids.client : to_bytes(client_public_key),
	};
}

Result<Sealed> store(Group group, In randomized_password, In server_public_key,
		     const Identities &ids, In envelope_nonce)
{
	if (envelope_nonce.size() != kNonceSize)
		return fail(Error::kInvalidLength);
	OPAQUE_TRY(keys, derive(group, randomized_password, envelope_nonce));
	OPAQUE_TRY(creds, cleartext_credentials(server_public_key, keys->client.public_key, ids));
	OPAQUE_TRY(tag, auth_tag(keys->auth_key, envelope_nonce, *creds));
	Bytes envelope;
	append(envelope, envelope_nonce);
	append(envelope, *tag);
	return Sealed{std::move(envelope), std::move(keys->client.public_key),
		      std::move(keys->export_key)};
}

Result<Opened> recover(Group group, In randomized_password, In server_public_key, In envelope,
		       const Identities &ids)
{
	if (envelope.size() != kEnvelopeSize)
		return fail(Error::kInvalidLength);
	In nonce = envelope.first(kNonceSize);
	In tag = envelope.subspan(kNonceSize);
	OPAQUE_TRY(keys, derive(group, randomized_password, nonce));
	OPAQUE_TRY(creds, cleartext_credentials(server_public_key, keys->client.public_key, ids));
	OPAQUE_TRY(expected, auth_tag(keys->auth_key, nonce, *creds));
	if (sodium_memcmp(expected->data(), tag.data(), kMacSize) != 0)
		return fail(Error::kEnvelopeRecovery);
	return Opened{std::move(keys->client.private_key), std::move(*creds),
		      std::move(keys->export_key)};
}

} // namespace opaque::envelope
