// SPDX-License-Identifier: GPL-2.0 OR MIT
// Kernel coverage (Documentation/dev-tools/kcov.rst): one trace buffer per
// thread, the PCs it reached during one program, and the set of every PC
// any thread reached, which decides what the corpus keeps.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <unordered_set>

namespace fz {

constexpr const char *kKcovPath = "/sys/kernel/debug/kcov";

class Kcov {
public:
	Kcov() = default;
	~Kcov();
	Kcov(const Kcov &) = delete;
	Kcov &operator=(const Kcov &) = delete;

	// Set up and enable tracing of the calling thread; false without kcov.
	bool open();
	bool on() const { return cover_ != nullptr; }
	// Forget what was traced so far.
	void begin();
	// The PCs traced since begin().
	std::span<const uint64_t> end() const;

private:
	int fd_ = -1;
	uint64_t *cover_ = nullptr;
};

class Coverage {
public:
	// Adds pcs; returns how many were new.
	size_t add(std::span<const uint64_t> pcs);
	size_t size() const;

private:
	mutable std::mutex lock_;
	std::unordered_set<uint64_t> pcs_;
};

}  // namespace fz
