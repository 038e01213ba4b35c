// SPDX-License-Identifier: GPL-2.0 OR MIT
// One request of the module, read from a slot's buffer, computed with
// ops.hpp, answered in the same buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace hsmd {

// The answer's length at the start of buf, or a negative errno.
int serve_request(std::span<std::uint8_t> buf, std::size_t len);

} // namespace hsmd
