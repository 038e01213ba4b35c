// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The KSFs: Identity, and Argon2id from libargon2 with RFC 9807's fixed
// salt (16 zero bytes) and output length (Nh).
#include "ksf.hpp"

#include <argon2.h>

#include "encode.hpp"

namespace opaque {

namespace {

constexpr std::size_t kSaltSize = 16;

bool valid_argon2id(const Argon2id &a) noexcept
{
	return a.iterations >= ARGON2_MIN_TIME && a.parallelism >= ARGON2_MIN_LANES &&
	       a.parallelism <= ARGON2_MAX_LANES && a.memory_kib >= 8ull * a.parallelism;
}

Result<SecretBytes> stretch(const Argon2id &a, In input)
{
	if (!valid_argon2id(a))
		return fail(Error::kInvalidConfig);
	const std::uint8_t salt[kSaltSize] = {};
	SecretBytes out(kHashSize);
	int rc = argon2id_hash_raw(a.iterations, a.memory_kib, a.parallelism, input.data(),
				   input.size(), salt, sizeof(salt), out.data(), out.size());
	if (rc != ARGON2_OK)
		return fail(Error::kKsf);
	return out;
}

Result<SecretBytes> stretch(const IdentityKsf &, In input)
{
	return to_secret(input);
}

} // namespace

bool valid_ksf(const Ksf &ksf) noexcept
{
	const Argon2id *a = std::get_if<Argon2id>(&ksf);
	return !a || valid_argon2id(*a);
}

Result<SecretBytes> stretch(const Ksf &ksf, In input)
{
	return std::visit([&](const auto &k) { return stretch(k, input); }, ksf);
}

} // namespace opaque
