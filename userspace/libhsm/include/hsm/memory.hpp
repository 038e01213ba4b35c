// SPDX-License-Identifier: MIT
//
// hsm/memory.hpp: the data plane.  A MemoryAllocator hands out Buffers in the
// connection's shared region; the module reads inputs and writes outputs
// there in place, so a payload is never copied between the application and
// the module.  Only the application allocates and frees in the region.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "hsm/result.hpp"

namespace hsm {

namespace detail {
class Connection;
}

/// A byte range of the shared region, as operations take it: an input or
/// an output.  Obtained from a Buffer (implicitly, or with Buffer::slice());
/// it does not own the memory: the Buffer must outlive every operation that
/// uses the ref.
struct BufferRef {
	std::uint32_t off = 0;
	std::uint32_t len = 0;

	[[nodiscard]] constexpr bool empty() const noexcept { return len == 0; }
};

/// A block of the shared region, freed (and wiped) when destroyed.
/// Move-only.  Thread-safe to destroy from any thread.
class Buffer {
public:
	Buffer() noexcept = default;
	Buffer(Buffer &&o) noexcept;
	Buffer &operator=(Buffer &&o) noexcept;
	Buffer(const Buffer &) = delete;
	Buffer &operator=(const Buffer &) = delete;
	~Buffer();

	/// The bytes, writable by the application.
	[[nodiscard]] std::span<std::uint8_t> span() const noexcept { return {ptr_, len_}; }
	[[nodiscard]] std::uint8_t *data() const noexcept { return ptr_; }
	[[nodiscard]] std::size_t size() const noexcept { return len_; }
	[[nodiscard]] bool empty() const noexcept { return len_ == 0; }

	/// The whole buffer as an operation argument.
	[[nodiscard]] operator BufferRef() const noexcept
	{
		return {off_, static_cast<std::uint32_t>(len_)};
	}
	/// `len` bytes from `offset`, clamped to the buffer (so a slice never
	/// reaches past it).
	[[nodiscard]] BufferRef slice(std::size_t offset, std::size_t len) const noexcept;

	/// Frees the block now (wiping it); the Buffer becomes empty.
	void reset() noexcept;

private:
	friend class MemoryAllocator;
	std::shared_ptr<detail::Connection> conn_;
	std::uint8_t *ptr_ = nullptr;
	std::uint32_t off_ = 0;
	std::size_t len_ = 0;
	std::size_t cap_ = 0;
};

/// The allocator of the process's shared region (the region of the
/// connection every CryptoStack of the process shares).  Copyable: copies
/// allocate from the same region.  Thread-safe.
class MemoryAllocator {
public:
	/// The allocator of the process's connection, opening it if needed
	/// (with the default region size when no CryptoStack opened it yet).
	/// Errors: as CryptoStack::create().
	[[nodiscard]] static Result<MemoryAllocator> create();

	/// A zeroed buffer of `size` bytes (1..the region), aligned to `align`
	/// (a power of two, 8..4096; default 64, a cache line).
	/// Errors: kInvalidArgument (size 0, bad alignment), kOutOfMemory
	/// (no free block that large: free buffers or use a bigger region).
	[[nodiscard]] Result<Buffer> allocate(std::size_t size, std::size_t align = 64) const;

	/// Bytes of the region left for buffers, and the largest free block.
	[[nodiscard]] std::size_t available() const noexcept;
	[[nodiscard]] std::size_t largest_free() const noexcept;

	explicit MemoryAllocator(std::shared_ptr<detail::Connection> c) noexcept : conn_(std::move(c)) {}

private:
	std::shared_ptr<detail::Connection> conn_;
};

} // namespace hsm
