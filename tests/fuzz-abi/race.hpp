// SPDX-License-Identifier: GPL-2.0 OR MIT
// Racing writes to the shared region: a thread publishes the input ranges
// of the program it is running, and the racer rewrites them while the
// module works on them (the module must copy what it checks once).
#pragma once

#include <atomic>
#include <cstdint>

#include "rng.hpp"

namespace fz {

struct RaceRange {
	uint32_t off, len;
	bool vec;	// a VECTOR's entry array: rewrite fields, never the command
};

class RaceSlot {
public:
	static constexpr unsigned kMax = 32;

	void publish(const RaceRange *r, unsigned n);
	// Returns once the racer has stopped writing the ranges.
	void retract();
	// For the racer: hold the slot while writing its ranges.
	bool try_hold() { return !lock_.test_and_set(std::memory_order_acquire); }
	void release() { lock_.clear(std::memory_order_release); }
	unsigned size() const { return n_.load(std::memory_order_relaxed); }
	const RaceRange &at(unsigned i) const { return r_[i]; }

private:
	void hold()
	{
		while (!try_hold())
			;
	}

	std::atomic_flag lock_ = ATOMIC_FLAG_INIT;
	RaceRange r_[kMax];
	std::atomic<unsigned> n_{0};
};

// One burst of racing writes into the ranges of s, in the region at base.
void race_burst(Rng &rng, uint8_t *base, const RaceSlot &s);

}  // namespace fz
