// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The client's side of login (RFC 9807 sections 6.2.3 and 6.3.2.2):
// KE1, then from KE2 the credentials, the server's MAC and KE3.
#include "opaque/login.hpp"

#include <utility>

#include <sodium.h>

#include "ake.hpp"
#include "dh.hpp"
#include "encode.hpp"
#include "envelope.hpp"
#include "masking.hpp"
#include "messages.hpp"
#include "password.hpp"
#include "random.hpp"
#include "ristretto.hpp"

namespace opaque {

namespace {

struct Credentials {
	envelope::Opened opened;
	Bytes server_public_key;
};

/// RecoverCredentials: unmask the server's public key and the envelope,
/// then open the envelope with the password.
Result<Credentials> recover_credentials(const Config &config, In password, In blind, In blinded,
					const messages::Ke2 &ke2, const Identities &ids)
{
	OPAQUE_TRY(rwd, randomized_password(config, password, blind, blinded, ke2.evaluated));
	OPAQUE_TRY(masking_key, masking::masking_key(*rwd));
	OPAQUE_TRY(plain, masking::apply(*masking_key, ke2.masking_nonce, ke2.masked_response));
	In server_public_key = In(*plain).first(kPublicKeySize);
	In envelope = In(*plain).subspan(kPublicKeySize);
	// The envelope's MAC covers the server's public key, so a wrong
	// password fails here, before that key is used.
	OPAQUE_TRY(opened, envelope::recover(config.group, *rwd, server_public_key, envelope, ids));
	return Credentials{std::move(*opened), to_bytes(server_public_key)};
}

/// 3DH from the client's side: our key share with the server's key share
/// and static key, our static key with the server's key share.
Result<ake::Outcome> authenticate(const Config &config, In keyshare_private, In ke1,
				  const messages::Ke2 &ke2, const Credentials &creds)
{
	const envelope::CleartextCredentials &cc = creds.opened.credentials;
	return ake::run(config.group,
			{{
				{keyshare_private, ke2.keyshare},
				{keyshare_private, creds.server_public_key},
				{creds.opened.client_private_key, ke2.keyshare},
			}},
			{config.context, cc.client_identity, ke1, cc.server_identity,
			 ke2.credential_response, ke2.nonce, ke2.keyshare});
}

} // namespace

Result<ClientLogin> ClientLogin::start(const Config &config, In password)
{
	if (!sodium_ready())
		return fail(Error::kInternal);
	const SecretBytes blind = ristretto::random_scalar();
	const SecretBytes nonce = random_bytes(kNonceSize);
	const SecretBytes seed = random_bytes(kSeedSize);
	return start(config, password, {blind, nonce, seed});
}

Result<ClientLogin> ClientLogin::start(const Config &config, In password,
				       const ClientLoginSeeds &seeds)
{
	OPAQUE_TRY(blinded, blind_password(config, password, seeds.blind));
	if (seeds.nonce.size() != kNonceSize)
		return fail(Error::kInvalidLength);
	OPAQUE_TRY(keyshare, dh::derive_key_pair(config.group, seeds.keyshare_seed));
	ClientLogin c;
	c.config_ = config;
	c.password_ = to_secret(password);
	c.blind_ = to_secret(seeds.blind);
	c.keyshare_private_ = std::move(keyshare->private_key);
	// KE1: blinded_element || client_nonce || client_public_keyshare.
	c.ke1_ = std::move(*blinded);
	append(c.ke1_, seeds.nonce);
	append(c.ke1_, keyshare->public_key);
	return c;
}

Result<LoginResult> ClientLogin::finish(In ke2, const Identities &ids)
{
	if (blind_.empty())
		return fail(Error::kInvalidState);
	// One attempt: the secrets go whatever the outcome.
	const SecretBytes password = std::exchange(password_, {});
	const SecretBytes blind = std::exchange(blind_, {});
	const SecretBytes keyshare_private = std::exchange(keyshare_private_, {});

	OPAQUE_TRY(k, messages::parse_ke2(ke2));
	In blinded = In(ke1_).first(kElementSize);
	OPAQUE_TRY(creds, recover_credentials(config_, password, blind, blinded, *k, ids));
	OPAQUE_TRY(outcome, authenticate(config_, keyshare_private, ke1_, *k, *creds));
	if (sodium_memcmp(outcome->server_mac.data(), k->mac.data(), kMacSize) != 0)
		return fail(Error::kServerAuthentication);
	return LoginResult{to_bytes(outcome->client_mac), std::move(outcome->session_key),
			   std::move(creds->opened.export_key), std::move(creds->server_public_key)};
}

} // namespace opaque
