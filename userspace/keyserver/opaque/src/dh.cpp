// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The 3DH group over libsodium.  ristretto255 keys are derived as the
// OPRF derives its own (RFC 9497's DeriveKeyPair with the
// "OPAQUE-DeriveDiffieHellmanKeyPair" info); an X25519 private key is the
// seed itself, clamped by X25519 when used.
#include "dh.hpp"

#include <sodium.h>

#include "encode.hpp"
#include "oprf.hpp"
#include "random.hpp"
#include "ristretto.hpp"

namespace opaque::dh {

namespace {

static_assert(crypto_scalarmult_curve25519_BYTES == kPublicKeySize &&
	      crypto_scalarmult_curve25519_SCALARBYTES == kPrivateKeySize);

constexpr std::string_view kDeriveInfo = "OPAQUE-DeriveDiffieHellmanKeyPair";

Result<Bytes> x25519_public_key(In private_key)
{
	if (private_key.size() != kPrivateKeySize)
		return fail(Error::kInvalidLength);
	Bytes pk(kPublicKeySize);
	if (crypto_scalarmult_curve25519_base(pk.data(), private_key.data()) != 0)
		return fail(Error::kInvalidScalar);
	return pk;
}

Result<SecretBytes> x25519(In private_key, In pk)
{
	if (private_key.size() != kPrivateKeySize || pk.size() != kPublicKeySize)
		return fail(Error::kInvalidLength);
	SecretBytes out(kPublicKeySize);
	// Fails when the result is all zeros: pk is of low order.
	if (crypto_scalarmult_curve25519(out.data(), private_key.data(), pk.data()) != 0)
		return fail(Error::kInvalidElement);
	return out;
}

} // namespace

Result<KeyPair> derive_key_pair(Group group, In seed)
{
	if (seed.size() != kSeedSize)
		return fail(Error::kInvalidLength);
	if (group == Group::kRistretto255)
		return oprf::derive_key_pair(seed, kDeriveInfo);
	OPAQUE_TRY(pk, x25519_public_key(seed));
	return KeyPair{to_secret(seed), std::move(*pk)};
}

Result<KeyPair> random_key_pair(Group group)
{
	return derive_key_pair(group, random_bytes(kSeedSize));
}

Result<Bytes> public_key(Group group, In private_key)
{
	if (private_key.size() != kPrivateKeySize)
		return fail(Error::kInvalidLength);
	if (group == Group::kRistretto255)
		return ristretto::mult_base(private_key);
	return x25519_public_key(private_key);
}

bool valid_public_key(Group group, In pk) noexcept
{
	if (group == Group::kRistretto255)
		return ristretto::valid_element(pk);
	return pk.size() == kPublicKeySize && !sodium_is_zero(pk.data(), pk.size());
}

Result<SecretBytes> dh(Group group, In private_key, In pk)
{
	if (private_key.size() != kPrivateKeySize || pk.size() != kPublicKeySize)
		return fail(Error::kInvalidLength);
	if (group == Group::kRistretto255)
		return ristretto::mult(private_key, pk);
	return x25519(private_key, pk);
}

} // namespace opaque::dh
