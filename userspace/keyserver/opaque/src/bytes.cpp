// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// Wiping, for SecretBytes' allocator.
#include "opaque/bytes.hpp"

#include <sodium.h>

namespace opaque {

void wipe(void *p, std::size_t n) noexcept
{
	sodium_memzero(p, n);
}

} // namespace opaque
