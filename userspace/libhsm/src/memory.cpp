// SPDX-License-Identifier: MIT
//
// The heap of the shared region, and the buffers it hands out.  Only the
// application allocates and frees in the region; the module never does.
#include <cerrno>
#include <cstring>
#include <string.h>

#include "hsm/memory.hpp"
#include "hsm/stack.hpp"

#include "op.hpp"

namespace hsm::detail {

Result<std::uint32_t> Connection::alloc(std::size_t size, std::size_t align, std::size_t *cap)
{
	if (size == 0)
		return fail(Status::kInvalidArgument, EINVAL, "allocate: size 0");
	if (align < 8 || align > 4096 || (align & (align - 1)))
		return fail(Status::kInvalidArgument, EINVAL,
			    "allocate: alignment must be a power of two in 8..4096");
	if (!alive())
		return fail(Status::kInvalidState, ECHILD,
			    "allocate: a connection inherited across fork(): call CryptoStack::create()");
	if (size > size_)
		return fail(Status::kOutOfMemory, ENOMEM, "allocate: larger than the region");
	// Whole 64-byte units, so blocks never share a cache line.
	std::uint32_t want = static_cast<std::uint32_t>((size + 63) & ~std::size_t(63));
	std::lock_guard lk(heap_mu_);
	for (auto it = free_blocks_.begin(); it != free_blocks_.end(); ++it) {
		std::uint32_t start = it->first, len = it->second;
		std::uint32_t off = static_cast<std::uint32_t>((start + align - 1) & ~(align - 1));
		if (off - start > len || len - (off - start) < want)
			continue;
		free_blocks_.erase(it);
		if (off > start)
			free_blocks_[start] = off - start;
		std::uint32_t end = off + want, bend = start + len;
		if (bend > end)
			free_blocks_[end] = bend - end;
		used_[off] = {off, want};
		*cap = want;
		return off;
	}
	return fail(Status::kOutOfMemory, ENOMEM,
		    "allocate: no free block of " + std::to_string(size) + " bytes in the region");
}

void Connection::free(std::uint32_t off) noexcept
{
	// In a fork()ed child the block is the parent's memory, not mapped
	// here (or something else is mapped there now): forget it.  Nor is the
	// heap's lock taken, which a thread of the parent may have held.
	if (!alive())
		return;
	std::lock_guard lk(heap_mu_);
	auto u = used_.find(off);
	if (u == used_.end())
		return;
	auto [start, len] = u->second;
	explicit_bzero(base_ + start, len);
	try {
		give_back(start, len);
	} catch (...) {
		// No memory for the free list's node: the block stays used.
		return;
	}
	used_.erase(u);
}

void Connection::give_back(std::uint32_t start, std::uint32_t len)
{
	auto next = free_blocks_.lower_bound(start);
	if (next != free_blocks_.end() && next->first == start + len) {
		len += next->second;
		next = free_blocks_.erase(next);
	}
	if (next != free_blocks_.begin()) {
		auto prev = std::prev(next);
		if (prev->first + prev->second == start) {
			prev->second += len;
			return;
		}
	}
	free_blocks_[start] = len;
}

std::size_t Connection::available() const noexcept
{
	if (!alive())
		return 0;
	std::lock_guard lk(heap_mu_);
	std::size_t n = 0;
	for (auto &[s, l] : free_blocks_)
		n += l;
	return n;
}

std::size_t Connection::largest_free() const noexcept
{
	if (!alive())
		return 0;
	std::lock_guard lk(heap_mu_);
	std::size_t n = 0;
	for (auto &[s, l] : free_blocks_)
		n = std::max<std::size_t>(n, l);
	return n;
}

} // namespace hsm::detail

namespace hsm {

using namespace detail;

Buffer::Buffer(Buffer &&o) noexcept
	: conn_(std::move(o.conn_)), ptr_(o.ptr_), off_(o.off_), len_(o.len_), cap_(o.cap_)
{
	o.ptr_ = nullptr;
	o.len_ = o.cap_ = 0;
}

Buffer &Buffer::operator=(Buffer &&o) noexcept
{
	if (this != &o) {
		reset();
		conn_ = std::move(o.conn_);
		ptr_ = o.ptr_;
		off_ = o.off_;
		len_ = o.len_;
		cap_ = o.cap_;
		o.ptr_ = nullptr;
		o.len_ = o.cap_ = 0;
	}
	return *this;
}

Buffer::~Buffer() { reset(); }

void Buffer::reset() noexcept
{
	if (conn_ && cap_)
		conn_->free(off_);
	conn_.reset();
	ptr_ = nullptr;
	len_ = cap_ = 0;
}

BufferRef Buffer::slice(std::size_t offset, std::size_t len) const noexcept
{
	offset = std::min(offset, len_);
	len = std::min(len, len_ - offset);
	return {static_cast<std::uint32_t>(off_ + offset), static_cast<std::uint32_t>(len)};
}

Result<MemoryAllocator> MemoryAllocator::create()
{
	auto c = Connection::get(CryptoStackConfig{}.region_size);
	if (!c)
		return std::unexpected(c.error());
	return MemoryAllocator(*c);
}

Result<Buffer> MemoryAllocator::allocate(std::size_t size, std::size_t align) const
{
	Buffer b;
	auto r = conn_->alloc(size, align, &b.cap_);
	if (!r)
		return std::unexpected(r.error());
	b.conn_ = conn_;
	b.off_ = *r;
	b.ptr_ = conn_->at(*r);
	b.len_ = size;
	// Zeroed as promised even if something wrote the block after it was
	// freed (an operation the application left running on it).
	std::memset(b.ptr_, 0, b.cap_);
	return b;
}

std::size_t MemoryAllocator::available() const noexcept { return conn_->available(); }
std::size_t MemoryAllocator::largest_free() const noexcept { return conn_->largest_free(); }

} // namespace hsm
