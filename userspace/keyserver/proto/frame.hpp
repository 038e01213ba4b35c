// SPDX-License-Identifier: MIT
//
// Frames over a TLS connection: a 4-byte big-endian length, then the body.
// A length over kMaxFrame is refused before anything is allocated.
#pragma once

#include <openssl/ssl.h>

#include "wire.hpp"

namespace ks {

enum class FrameRead { kOk, kClosed, kTooLarge, kError };

FrameRead read_frame(SSL *ssl, Bytes &body);
bool write_frame(SSL *ssl, std::span<const std::uint8_t> body);

} // namespace ks
