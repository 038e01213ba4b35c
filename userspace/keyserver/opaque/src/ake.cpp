// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The 3DH key schedule: the preamble, the TLS 1.3-style Derive-Secret
// over HKDF, and the MACs over the transcript hash.
#include "ake.hpp"

#include "dh.hpp"
#include "encode.hpp"
#include "hash.hpp"

namespace opaque::ake {

namespace {

struct Keys {
	SecretBytes km2;
	SecretBytes km3;
	SecretBytes session_key;
};

Result<Bytes> preamble(const Transcript &t)
{
	if (t.context.size() > kMaxField || t.client_identity.size() > kMaxField ||
	    t.server_identity.size() > kMaxField)
		return fail(Error::kInputTooLong);
	Bytes p;
	append(p, std::string_view("OPAQUEv1-"));
	append_prefixed(p, t.context);
	append_prefixed(p, t.client_identity);
	append(p, t.ke1);
	append_prefixed(p, t.server_identity);
	append(p, t.credential_response);
	append(p, t.server_nonce);
	append(p, t.server_keyshare);
	return p;
}

/// Derive-Secret(secret, label, context) = Expand-Label(secret, label,
/// context, Nx), with "OPAQUE-" before the label.
Result<SecretBytes> derive_secret(In secret, std::string_view label, In context)
{
	const std::string_view prefix = "OPAQUE-";
	Bytes info;
	append_u16(info, kHashSize);
	info.push_back(static_cast<std::uint8_t>(prefix.size() + label.size()));
	append(info, prefix);
	append(info, label);
	info.push_back(static_cast<std::uint8_t>(context.size()));
	append(info, context);
	return hkdf_expand(secret, info, kHashSize);
}

Result<Keys> derive_keys(In ikm, In preamble_hash)
{
	OPAQUE_TRY(prk, hkdf_extract({}, ikm));
	OPAQUE_TRY(handshake, derive_secret(*prk, "HandshakeSecret", preamble_hash));
	OPAQUE_TRY(session_key, derive_secret(*prk, "SessionKey", preamble_hash));
	OPAQUE_TRY(km2, derive_secret(*handshake, "ServerMAC", {}));
	OPAQUE_TRY(km3, derive_secret(*handshake, "ClientMAC", {}));
	return Keys{std::move(*km2), std::move(*km3), std::move(*session_key)};
}

Result<SecretBytes> ikm(Group group, const std::array<DhPair, 3> &dh)
{
	SecretBytes out;
	for (const DhPair &pair : dh) {
		OPAQUE_TRY(shared, dh::dh(group, pair.private_key, pair.public_key));
		append(out, *shared);
	}
	return out;
}

} // namespace

Result<Outcome> run(Group group, const std::array<DhPair, 3> &dh, const Transcript &transcript)
{
	OPAQUE_TRY(p, preamble(transcript));
	OPAQUE_TRY(secret, ikm(group, dh));
	OPAQUE_TRY(preamble_hash, sha512({*p}));
	OPAQUE_TRY(keys, derive_keys(*secret, *preamble_hash));
	OPAQUE_TRY(server_mac, hmac(keys->km2, *preamble_hash));
	OPAQUE_TRY(client_hash, sha512({*p, *server_mac}));
	OPAQUE_TRY(client_mac, hmac(keys->km3, *client_hash));
	return Outcome{std::move(*server_mac), std::move(*client_mac), std::move(keys->session_key)};
}

} // namespace opaque::ake
