// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// Internal shorthands: the input span every function takes, and
// OPAQUE_TRY, which binds a Result or returns its error.
#pragma once

#include <cstdint>
#include <expected>
#include <span>

#include "opaque/error.hpp"

namespace opaque {

using In = std::span<const std::uint8_t>;

[[nodiscard]] inline std::unexpected<Error> fail(Error e)
{
	return std::unexpected(e);
}

} // namespace opaque

/// Evaluates expr (a Result); on error returns it from the enclosing
/// function, else binds the Result to var (use *var or var->).
#define OPAQUE_TRY(var, expr)                              \
	auto var = (expr);                                 \
	if (!var)                                          \
		return ::opaque::fail(var.error())
