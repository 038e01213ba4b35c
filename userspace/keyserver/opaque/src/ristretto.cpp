// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// ristretto255 over libsodium's crypto_core_ristretto255_* and
// crypto_scalarmult_ristretto255*.
#include "ristretto.hpp"

#include <algorithm>

#include <sodium.h>

#include "xmd.hpp"

namespace opaque::ristretto {

namespace {

static_assert(crypto_core_ristretto255_BYTES == 32 && crypto_core_ristretto255_SCALARBYTES == 32);
static_assert(crypto_core_ristretto255_HASHBYTES == 64 &&
	      crypto_core_ristretto255_NONREDUCEDSCALARBYTES == 64);

constexpr std::size_t kUniformSize = crypto_core_ristretto255_HASHBYTES;

} // namespace

bool valid_element(In e) noexcept
{
	// The identity's canonical encoding is all zeros, which libsodium
	// accepts as a point.
	return e.size() == crypto_core_ristretto255_BYTES &&
	       crypto_core_ristretto255_is_valid_point(e.data()) == 1 &&
	       !sodium_is_zero(e.data(), e.size());
}

bool valid_scalar(In s) noexcept
{
	if (s.size() != crypto_core_ristretto255_SCALARBYTES || sodium_is_zero(s.data(), s.size()))
		return false;
	// Reduced means unchanged by reduction.
	unsigned char wide[crypto_core_ristretto255_NONREDUCEDSCALARBYTES] = {};
	unsigned char reduced[crypto_core_ristretto255_SCALARBYTES];
	std::copy(s.begin(), s.end(), wide);
	crypto_core_ristretto255_scalar_reduce(reduced, wide);
	bool ok = sodium_memcmp(reduced, s.data(), sizeof(reduced)) == 0;
	sodium_memzero(wide, sizeof(wide));
	sodium_memzero(reduced, sizeof(reduced));
	return ok;
}

Result<Bytes> hash_to_group(In msg, std::string_view dst)
{
	OPAQUE_TRY(uniform, expand_message_xmd(msg, dst, kUniformSize));
	Bytes e(crypto_core_ristretto255_BYTES);
	crypto_core_ristretto255_from_hash(e.data(), uniform->data());
	if (sodium_is_zero(e.data(), e.size()))
		return fail(Error::kInvalidElement);
	return e;
}

Result<SecretBytes> hash_to_scalar(In msg, std::string_view dst)
{
	OPAQUE_TRY(uniform, expand_message_xmd(msg, dst, kUniformSize));
	SecretBytes s(crypto_core_ristretto255_SCALARBYTES);
	crypto_core_ristretto255_scalar_reduce(s.data(), uniform->data());
	return s;
}

Result<SecretBytes> mult(In scalar, In element)
{
	if (!valid_scalar(scalar))
		return fail(Error::kInvalidScalar);
	if (!valid_element(element))
		return fail(Error::kInvalidElement);
	SecretBytes out(crypto_core_ristretto255_BYTES);
	// Fails only when the product is the identity.
	if (crypto_scalarmult_ristretto255(out.data(), scalar.data(), element.data()) != 0)
		return fail(Error::kInvalidElement);
	return out;
}

Result<Bytes> mult_base(In scalar)
{
	if (!valid_scalar(scalar))
		return fail(Error::kInvalidScalar);
	Bytes out(crypto_core_ristretto255_BYTES);
	if (crypto_scalarmult_ristretto255_base(out.data(), scalar.data()) != 0)
		return fail(Error::kInvalidScalar);
	return out;
}

Result<SecretBytes> invert(In scalar)
{
	if (!valid_scalar(scalar))
		return fail(Error::kInvalidScalar);
	SecretBytes out(crypto_core_ristretto255_SCALARBYTES);
	if (crypto_core_ristretto255_scalar_invert(out.data(), scalar.data()) != 0)
		return fail(Error::kInvalidScalar);
	return out;
}

SecretBytes random_scalar()
{
	SecretBytes s(crypto_core_ristretto255_SCALARBYTES);
	crypto_core_ristretto255_scalar_random(s.data());
	return s;
}

} // namespace opaque::ristretto
