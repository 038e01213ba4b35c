// SPDX-License-Identifier: GPL-2.0 OR MIT
// The layout of the main connection's shared region.  Each thread owns an
// area: one big lane and eight small lanes for the payloads of the commands
// it runs (one lane per command of a batch or VECTOR entry), a place for
// VECTOR arrays, and a control part for known-answer operations.  Scratch
// at both ends is for anyone's stray outputs.
//
// A mutated command may only name its own lane, the scratch, or bytes
// outside the region: so a mutated output can never overwrite what another
// thread, another command of the same batch, or a known-answer operation
// reads back, and every check of an unmutated answer stays exact.
#pragma once

#include <cstdint>

#include <linux/hsm.h>

#include "rng.hpp"

namespace fz {

// Where a command's payloads lie inside its lane.
struct Geometry {
	uint32_t size;
	uint32_t params, resp, iv, tag, aad, in, out;
	uint32_t tag_max, aad_max, in_max, out_max;
};

const Geometry &geometry(bool big);

constexpr uint32_t kScratch = 32 << 10;
constexpr uint32_t kBigLane = 256 << 10;
constexpr uint32_t kSmallLane = 16 << 10;
constexpr unsigned kSmallLanes = 8;
constexpr uint32_t kVecArea = 32 << 10;
constexpr uint32_t kControl = 64 << 10;
constexpr uint32_t kArea = kBigLane + kSmallLanes * kSmallLane + kVecArea + kControl;

// Lane numbers: kBig, or 0..kSmallLanes-1.
constexpr int kBig = -1;

class RegionMap {
public:
	explicit RegionMap(unsigned areas) : areas_(areas) {}

	uint32_t size() const { return 2 * kScratch + areas_ * kArea; }
	unsigned areas() const { return areas_; }
	uint32_t area(unsigned a) const { return kScratch + a * kArea; }
	uint32_t lane(unsigned a, int l) const
	{
		return l == kBig ? area(a) : area(a) + kBigLane + l * kSmallLane;
	}
	static uint32_t lane_size(int l) { return l == kBig ? kBigLane : kSmallLane; }
	uint32_t vec_area(unsigned a) const { return area(a) + kBigLane + kSmallLanes * kSmallLane; }
	uint32_t control(unsigned a) const { return vec_area(a) + kVecArea; }
	// The part of area a its commands write: every lane and the vec area.
	uint32_t data_size() const { return kArea - kControl; }

	// May a mutated command of lane l of area a name [off, off+len)?
	bool allowed(unsigned a, int l, uint64_t off, uint64_t len) const;
	// An offset worth trying for such a command: in its lane, in the
	// scratch, at the region's edge or far outside it.
	uint32_t pick_off(Rng &rng, unsigned a, int l) const;
	uint32_t pick_len(Rng &rng, int l) const;
	// Move a range that is not allowed into the lane.
	void confine(Rng &rng, unsigned a, int l, uint32_t &off, uint32_t &len) const;

private:
	unsigned areas_;
};

}  // namespace fz
