// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// expand_message_xmd with SHA-512 (RFC 9380 section 5.3.1): the uniform
// bytes that hashing to ristretto255 and to its scalars start from.
#pragma once

#include <cstddef>
#include <string_view>

#include "opaque/bytes.hpp"
#include "result.hpp"

namespace opaque {

/// len uniform bytes from msg under the domain separation tag dst.
/// Errors: kInternal if len or dst is beyond what the construction allows
/// (callers pass constants well inside it).
[[nodiscard]] Result<SecretBytes> expand_message_xmd(In msg, std::string_view dst, std::size_t len);

} // namespace opaque
