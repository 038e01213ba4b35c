// SPDX-License-Identifier: GPL-2.0 OR MIT
// Helpers of the libhsm guest suites: unwrap a Result or fail the test with
// its message, expect a given status, and copy bytes into buffers.
#pragma once

#include <criterion/criterion.h>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <hsm/hsm.hpp>

namespace libtest {

using Bytes = std::vector<std::uint8_t>;

// The value of a Result, or the test fails naming the expression.
template <typename T>
T must(hsm::Result<T> r, const char *expr)
{
	cr_assert(r.has_value(), "%s: %s", expr, r.has_value() ? "" : r.error().message.c_str());
	if constexpr (!std::is_void_v<T>)
		return std::move(*r);
}
#define MUST(expr) libtest::must((expr), #expr)

// The Result must be an error of status `st`.
#define EXPECT_STATUS(expr, st)                                                          \
	do {                                                                             \
		auto _r = (expr);                                                        \
		cr_expect(!_r.has_value(), "%s succeeded, expected %s", #expr,           \
			  hsm::to_string(st));                                           \
		if (!_r.has_value())                                                     \
			cr_expect_eq(_r.error().status, st, "%s: %s, expected %s", #expr, \
				     _r.error().message.c_str(), hsm::to_string(st));    \
	} while (0)

inline Bytes pattern(std::size_t n, std::uint8_t seed)
{
	Bytes b(n);
	for (std::size_t i = 0; i < n; i++)
		b[i] = static_cast<std::uint8_t>(seed + i * 7);
	return b;
}

inline hsm::Buffer buf(const hsm::MemoryAllocator &a, std::span<const std::uint8_t> b)
{
	hsm::Buffer x = MUST(a.allocate(b.empty() ? 1 : b.size()));
	if (!b.empty())
		std::memcpy(x.data(), b.data(), b.size());
	return x;
}

inline Bytes bytes(const hsm::Buffer &b, std::size_t n)
{
	return Bytes(b.data(), b.data() + n);
}

inline std::span<const std::uint8_t> str(const char *s)
{
	return {reinterpret_cast<const std::uint8_t *>(s), std::strlen(s)};
}

} // namespace libtest
