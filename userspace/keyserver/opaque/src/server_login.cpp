// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The server's side of login (RFC 9807 sections 6.2.2 and 6.3.2.1): KE2
// from KE1 and the record (or a fake one), then KE3's check.
#include "opaque/login.hpp"

#include <utility>

#include <sodium.h>

#include "ake.hpp"
#include "dh.hpp"
#include "encode.hpp"
#include "envelope.hpp"
#include "masking.hpp"
#include "messages.hpp"
#include "oprf.hpp"
#include "random.hpp"
#include "server_secrets.hpp"

namespace opaque {

namespace {

/// A record for a client that does not exist: a client key, a masking
/// key and an all-zero envelope (RFC 9807 section 6.3.2.1).  The client
/// key only enters the 3DH; the masking key makes the masked response as
/// random as a real one.
Result<SecretBytes> fake_record(const ServerLoginSeeds &seeds)
{
	if (seeds.fake_client_public_key.size() != kPublicKeySize ||
	    seeds.fake_masking_key.size() != kHashSize)
		return fail(Error::kInvalidLength);
	SecretBytes record;
	append(record, seeds.fake_client_public_key);
	append(record, seeds.fake_masking_key);
	record.resize(kRecordSize, 0);
	return record;
}

/// The record to answer from: the client's, or a fake one.
Result<SecretBytes> record_or_fake(std::optional<In> record, const ServerLoginSeeds &seeds)
{
	if (record)
		return to_secret(*record);
	return fake_record(seeds);
}

/// The record's fields; its client key must be one of the group.
Result<messages::Record> checked_record(Group group, In bytes)
{
	OPAQUE_TRY(rec, messages::parse_record(bytes));
	if (!dh::valid_public_key(group, rec->client_public_key))
		return fail(Error::kInvalidElement);
	return rec;
}

/// CreateCredentialResponse: the OPRF evaluation, the masking nonce and
/// the masked (server public key || envelope).
Result<Bytes> credential_response(const ServerKeys &keys, In blinded, const messages::Record &rec,
				  In credential_identifier, In masking_nonce)
{
	OPAQUE_TRY(key, oprf_key(keys.oprf_seed, credential_identifier));
	OPAQUE_TRY(evaluated, oprf::blind_evaluate(*key, blinded));
	SecretBytes plain = to_secret(keys.public_key);
	append(plain, rec.envelope);
	OPAQUE_TRY(masked, masking::apply(rec.masking_key, masking_nonce, plain));
	Bytes out = std::move(*evaluated);
	append(out, masking_nonce);
	append(out, *masked);
	return out;
}

} // namespace

Result<ServerLogin> ServerLogin::start(const Config &config, const ServerKeys &keys, In ke1,
				       std::optional<In> record, In credential_identifier,
				       const Identities &ids)
{
	if (!sodium_ready())
		return fail(Error::kInternal);
	const SecretBytes masking_nonce = random_bytes(kNonceSize);
	const SecretBytes nonce = random_bytes(kNonceSize);
	const SecretBytes seed = random_bytes(kSeedSize);
	// Made whether or not there is a record, so that the time KE2 takes
	// does not tell either.
	OPAQUE_TRY(fake, dh::random_key_pair(config.group));
	const SecretBytes fake_masking_key = random_bytes(kHashSize);
	return start(config, keys, ke1, record, credential_identifier, ids,
		     {masking_nonce, nonce, seed, fake->public_key, fake_masking_key});
}

Result<ServerLogin> ServerLogin::start(const Config &config, const ServerKeys &keys, In ke1,
				       std::optional<In> record, In credential_identifier,
				       const Identities &ids, const ServerLoginSeeds &seeds)
{
	if (!sodium_ready())
		return fail(Error::kInternal);
	OPAQUE_TRY(checked, check_server_keys(config.group, keys));
	OPAQUE_TRY(k1, messages::parse_ke1(ke1));
	OPAQUE_TRY(record_bytes, record_or_fake(record, seeds));
	OPAQUE_TRY(rec, checked_record(config.group, *record_bytes));
	if (seeds.nonce.size() != kNonceSize)
		return fail(Error::kInvalidLength);

	OPAQUE_TRY(response, credential_response(keys, k1->blinded, *rec, credential_identifier,
						 seeds.masking_nonce));
	OPAQUE_TRY(cc, envelope::cleartext_credentials(keys.public_key, rec->client_public_key, ids));
	OPAQUE_TRY(keyshare, dh::derive_key_pair(config.group, seeds.keyshare_seed));
	// 3DH from the server's side: our key share with the client's key
	// share and static key, our static key with the client's key share.
	OPAQUE_TRY(outcome, ake::run(config.group,
				     {{
					     {keyshare->private_key, k1->keyshare},
					     {keys.private_key, k1->keyshare},
					     {keyshare->private_key, rec->client_public_key},
				     }},
				     {config.context, cc->client_identity, ke1, cc->server_identity,
				      *response, seeds.nonce, keyshare->public_key}));

	ServerLogin s;
	// KE2: credential_response || server_nonce || server_public_keyshare
	// || server_mac.
	s.ke2_ = std::move(*response);
	append(s.ke2_, seeds.nonce);
	append(s.ke2_, keyshare->public_key);
	append(s.ke2_, outcome->server_mac);
	s.expected_client_mac_ = std::move(outcome->client_mac);
	s.session_key_ = std::move(outcome->session_key);
	return s;
}

Result<SecretBytes> ServerLogin::finish(In ke3)
{
	if (expected_client_mac_.empty())
		return fail(Error::kInvalidState);
	// One attempt per KE2, whatever the outcome.
	const SecretBytes expected = std::exchange(expected_client_mac_, {});
	SecretBytes session_key = std::exchange(session_key_, {});
	if (ke3.size() != kKe3Size)
		return fail(Error::kInvalidLength);
	if (sodium_memcmp(expected.data(), ke3.data(), kMacSize) != 0)
		return fail(Error::kClientAuthentication);
	return session_key;
}

} // namespace opaque
