// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "kcov.hpp"

#include <algorithm>
#include <fcntl.h>
#include <linux/kcov.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace fz {

namespace {

// Entries of the trace buffer, the first of which is the count.  Only
// hsm.ko is instrumented: one program reaches a few thousand PCs at most.
constexpr unsigned long kCoverSize = 64 << 10;

}  // namespace

Kcov::~Kcov()
{
	if (cover_) {
		ioctl(fd_, KCOV_DISABLE, 0);
		munmap(cover_, kCoverSize * sizeof(uint64_t));
	}
	if (fd_ >= 0)
		close(fd_);
}

bool Kcov::open()
{
	fd_ = ::open(kKcovPath, O_RDWR | O_CLOEXEC);
	if (fd_ < 0)
		return false;
	if (ioctl(fd_, KCOV_INIT_TRACE, kCoverSize))
		return false;
	void *p = mmap(nullptr, kCoverSize * sizeof(uint64_t), PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd_, 0);
	if (p == MAP_FAILED)
		return false;
	if (ioctl(fd_, KCOV_ENABLE, KCOV_TRACE_PC)) {
		munmap(p, kCoverSize * sizeof(uint64_t));
		return false;
	}
	cover_ = static_cast<uint64_t *>(p);
	return true;
}

void Kcov::begin()
{
	if (cover_)
		__atomic_store_n(&cover_[0], 0, __ATOMIC_RELAXED);
}

std::span<const uint64_t> Kcov::end() const
{
	if (!cover_)
		return {};
	uint64_t n = __atomic_load_n(&cover_[0], __ATOMIC_RELAXED);
	n = std::min<uint64_t>(n, kCoverSize - 1);
	return {cover_ + 1, static_cast<size_t>(n)};
}

size_t Coverage::add(std::span<const uint64_t> pcs)
{
	size_t fresh = 0;
	std::lock_guard g(lock_);

	for (uint64_t pc : pcs)
		fresh += pcs_.insert(pc).second;
	return fresh;
}

size_t Coverage::size() const
{
	std::lock_guard g(lock_);
	return pcs_.size();
}

}  // namespace fz
