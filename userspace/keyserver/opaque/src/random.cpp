// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// libsodium's initialisation and CSPRNG.
#include "random.hpp"

#include <sodium.h>

namespace opaque {

bool sodium_ready() noexcept
{
	static const bool ready = sodium_init() >= 0;
	return ready;
}

SecretBytes random_bytes(std::size_t n)
{
	SecretBytes out(n);
	randombytes_buf(out.data(), out.size());
	return out;
}

} // namespace opaque
