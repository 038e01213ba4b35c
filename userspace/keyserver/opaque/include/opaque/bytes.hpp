// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// opaque/bytes.hpp: the byte containers of the API.  Messages and records
// are public and travel as Bytes; keys, passwords and protocol state are
// SecretBytes, whose memory is wiped whenever it is released (on
// destruction and on every reallocation), so no copy outlives its owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace opaque {

/// Wipes n bytes at p in a way the compiler cannot elide (sodium_memzero).
void wipe(void *p, std::size_t n) noexcept;

/// An allocator that wipes what it frees.
template <typename T>
struct WipingAllocator {
	using value_type = T;

	WipingAllocator() noexcept = default;
	template <typename U>
	WipingAllocator(const WipingAllocator<U> &) noexcept {}

	[[nodiscard]] T *allocate(std::size_t n)
	{
		return static_cast<T *>(::operator new(n * sizeof(T)));
	}

	void deallocate(T *p, std::size_t n) noexcept
	{
		wipe(p, n * sizeof(T));
		::operator delete(p);
	}

	template <typename U>
	bool operator==(const WipingAllocator<U> &) const noexcept { return true; }
};

using Bytes = std::vector<std::uint8_t>;
using SecretBytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;

/// Releases s's memory now, wiping it (clear() would keep the bytes).
inline void discard(SecretBytes &s) noexcept
{
	SecretBytes().swap(s);
}

} // namespace opaque
