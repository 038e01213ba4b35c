// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// Registration (RFC 9807 section 5.2): the client's two steps and the
// server's one.
#include "opaque/registration.hpp"

#include "dh.hpp"
#include "encode.hpp"
#include "envelope.hpp"
#include "masking.hpp"
#include "messages.hpp"
#include "oprf.hpp"
#include "password.hpp"
#include "random.hpp"
#include "ristretto.hpp"
#include "server_secrets.hpp"

namespace opaque {

Result<ClientRegistration> ClientRegistration::start(const Config &config, In password)
{
	if (!sodium_ready())
		return fail(Error::kInternal);
	return start(config, password, ristretto::random_scalar());
}

Result<ClientRegistration> ClientRegistration::start(const Config &config, In password, In blind)
{
	OPAQUE_TRY(request, blind_password(config, password, blind));
	ClientRegistration r;
	r.config_ = config;
	r.password_ = to_secret(password);
	r.blind_ = to_secret(blind);
	r.request_ = std::move(*request);
	return r;
}

Result<RegistrationResult> ClientRegistration::finalize(In response, const Identities &ids)
{
	if (!sodium_ready())
		return fail(Error::kInternal);
	return finalize(response, ids, random_bytes(kNonceSize));
}

Result<RegistrationResult> ClientRegistration::finalize(In response, const Identities &ids,
							In envelope_nonce)
{
	if (blind_.empty())
		return fail(Error::kInvalidState);
	OPAQUE_TRY(r, messages::parse_registration_response(response));
	if (!dh::valid_public_key(config_.group, r->server_public_key))
		return fail(Error::kInvalidElement);
	OPAQUE_TRY(rwd, randomized_password(config_, password_, blind_, request_, r->evaluated));
	OPAQUE_TRY(sealed, envelope::store(config_.group, *rwd, r->server_public_key, ids,
					   envelope_nonce));
	OPAQUE_TRY(masking_key, masking::masking_key(*rwd));
	discard(password_);
	discard(blind_);

	// RegistrationRecord: client_public_key || masking_key || envelope.
	RegistrationResult out;
	append(out.record, sealed->client_public_key);
	append(out.record, *masking_key);
	append(out.record, sealed->envelope);
	out.export_key = std::move(sealed->export_key);
	return out;
}

Result<Bytes> registration_response(const Config &config, const ServerKeys &keys, In request,
				    In credential_identifier)
{
	if (!sodium_ready())
		return fail(Error::kInternal);
	if (request.size() != kRegistrationRequestSize)
		return fail(Error::kInvalidLength);
	OPAQUE_TRY(checked, check_server_keys(config.group, keys));
	OPAQUE_TRY(key, oprf_key(keys.oprf_seed, credential_identifier));
	OPAQUE_TRY(evaluated, oprf::blind_evaluate(*key, request));
	Bytes response = std::move(*evaluated);
	append(response, keys.public_key);
	return response;
}

} // namespace opaque
