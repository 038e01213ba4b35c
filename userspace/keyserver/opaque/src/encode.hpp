// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// Building the protocol's byte strings: concatenation and I2OSP, the
// big-endian length prefixes RFC 9807 puts before every variable-length
// field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "opaque/bytes.hpp"
#include "result.hpp"

namespace opaque {

/// The largest field a two-byte length prefix can describe.
inline constexpr std::size_t kMaxField = 0xffff;

template <typename Vec>
void append(Vec &out, In bytes)
{
	out.insert(out.end(), bytes.begin(), bytes.end());
}

template <typename Vec>
void append(Vec &out, std::string_view text)
{
	out.insert(out.end(), text.begin(), text.end());
}

/// I2OSP(n, 2).  Callers check n <= kMaxField first.
template <typename Vec>
void append_u16(Vec &out, std::size_t n)
{
	out.push_back(static_cast<std::uint8_t>(n >> 8));
	out.push_back(static_cast<std::uint8_t>(n));
}

/// I2OSP(len(bytes), 2) || bytes.
template <typename Vec>
void append_prefixed(Vec &out, In bytes)
{
	append_u16(out, bytes.size());
	append(out, bytes);
}

inline In as_bytes(std::string_view text)
{
	return {reinterpret_cast<const std::uint8_t *>(text.data()), text.size()};
}

inline Bytes to_bytes(In bytes)
{
	return Bytes(bytes.begin(), bytes.end());
}

inline SecretBytes to_secret(In bytes)
{
	return SecretBytes(bytes.begin(), bytes.end());
}

} // namespace opaque
