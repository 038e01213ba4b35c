// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// Server key checks, per-client OPRF keys and fresh server secrets.
#include "server_secrets.hpp"

#include <sodium.h>

#include "dh.hpp"
#include "encode.hpp"
#include "hash.hpp"
#include "oprf.hpp"
#include "random.hpp"
#include "ristretto.hpp"

namespace opaque {

Result<void> check_server_keys(Group group, const ServerKeys &keys)
{
	if (keys.oprf_seed.size() != kOprfSeedSize || keys.private_key.size() != kPrivateKeySize ||
	    keys.public_key.size() != kPublicKeySize)
		return fail(Error::kInvalidLength);
	if (group == Group::kRistretto255 && !ristretto::valid_scalar(keys.private_key))
		return fail(Error::kInvalidScalar);
	OPAQUE_TRY(pk, dh::public_key(group, keys.private_key));
	if (sodium_memcmp(pk->data(), keys.public_key.data(), kPublicKeySize) != 0)
		return fail(Error::kInvalidServerKeys);
	return {};
}

Result<SecretBytes> oprf_key(In oprf_seed, In credential_identifier)
{
	if (oprf_seed.size() != kOprfSeedSize)
		return fail(Error::kInvalidLength);
	if (credential_identifier.size() > kMaxCredentialIdentifierSize)
		return fail(Error::kInputTooLong);
	Bytes info;
	append(info, credential_identifier);
	append(info, std::string_view("OprfKey"));
	OPAQUE_TRY(seed, hkdf_expand(oprf_seed, info, kScalarSize));
	OPAQUE_TRY(pair, oprf::derive_key_pair(*seed, "OPAQUE-DeriveKeyPair"));
	return std::move(pair->private_key);
}

Result<ServerSecrets> generate_server_keys(Group group)
{
	if (!sodium_ready())
		return fail(Error::kInternal);
	ServerSecrets s;
	s.oprf_seed = random_bytes(kOprfSeedSize);
	OPAQUE_TRY(pair, dh::random_key_pair(group));
	s.private_key = std::move(pair->private_key);
	s.public_key = std::move(pair->public_key);
	return s;
}

} // namespace opaque
