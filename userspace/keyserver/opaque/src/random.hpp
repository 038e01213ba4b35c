// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// libsodium's initialisation and its random bytes, for the entry points
// that choose their own blinds, nonces and seeds.
#pragma once

#include <cstddef>

#include "opaque/bytes.hpp"

namespace opaque {

/// sodium_init(), run once; false if libsodium cannot be used.  Every
/// public entry point checks it first.
[[nodiscard]] bool sodium_ready() noexcept;

/// n bytes from libsodium's CSPRNG.
[[nodiscard]] SecretBytes random_bytes(std::size_t n);

} // namespace opaque
