// SPDX-License-Identifier: MIT
//
// Buffers of the shared region and their allocator.
#include <cerrno>
#include <cstring>
#include <string.h>

#include "hsm/memory.hpp"
#include "hsm/stack.hpp"

#include "op.hpp"

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
