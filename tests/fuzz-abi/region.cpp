// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "region.hpp"

#include <algorithm>

namespace fz {

namespace {

// The params slot holds the largest parameter block (TDX_SIM_SETUP's).
constexpr Geometry kSmallGeom = {
	.size = kSmallLane, .params = 0, .resp = 1024, .iv = 1088, .tag = 1152,
	.aad = 1536, .in = 2560, .out = 9216,
	.tag_max = 384, .aad_max = 1024, .in_max = 6656, .out_max = 7168,
};

// Room for an SNP certificate table (tag), AAD past HSM_KDF_INPUT_MAX, and
// payloads long enough to take io_uring's io-wq path and hashing's slices.
constexpr Geometry kBigGeom = {
	.size = kBigLane, .params = 0, .resp = 1024, .iv = 1088, .tag = 1536,
	.aad = 17920, .in = 34304, .out = 146944,
	.tag_max = 16384, .aad_max = 16384, .in_max = 112640, .out_max = 112640,
};

// No slot may run into the next: a parameter block overlapping the
// completion record, say, would be rewritten before the module reads it.
constexpr bool ordered(const Geometry &g)
{
	return g.params + sizeof(hsm_tdx_sim_params) <= g.resp &&
	       g.resp + sizeof(hsm_resp) <= g.iv && g.iv + 64 <= g.tag &&
	       g.tag + g.tag_max <= g.aad && g.aad + g.aad_max <= g.in &&
	       g.in + g.in_max <= g.out && g.out + g.out_max <= g.size;
}
static_assert(ordered(kSmallGeom) && ordered(kBigGeom));
static_assert(sizeof(hsm_tdx_sim_params) >= sizeof(hsm_snp_sim_params) &&
	      sizeof(hsm_tdx_sim_params) >= sizeof(hsm_snp_key_params));

bool inside(uint64_t off, uint64_t len, uint64_t base, uint64_t size)
{
	return off >= base && off + len <= base + size;
}

}  // namespace

const Geometry &geometry(bool big)
{
	return big ? kBigGeom : kSmallGeom;
}

bool RegionMap::allowed(unsigned a, int l, uint64_t off, uint64_t len) const
{
	if (!len || off + len > size())
		return true;	/* the module writes nothing there */
	return inside(off, len, lane(a, l), lane_size(l)) ||
	       inside(off, len, 0, kScratch) ||
	       inside(off, len, size() - kScratch, kScratch);
}

uint32_t RegionMap::pick_off(Rng &rng, unsigned a, int l) const
{
	const Geometry &g = geometry(l == kBig);
	const uint32_t fields[] = {g.params, g.resp, g.iv, g.tag, g.aad, g.in, g.out};
	static const uint32_t far[] = {0xffffffffU, 0xfffffff8U, 0x80000000U, 0x7fffffffU,
				       0xfffff000U, 0x40000000U};

	switch (rng.below(10)) {
	case 0:
	case 1:
		return lane(a, l) + static_cast<uint32_t>(rng.below(lane_size(l)));
	case 2:
		return lane(a, l) + (static_cast<uint32_t>(rng.below(lane_size(l))) & ~7U);
	case 3:
	case 4:
		return lane(a, l) + rng.pick(fields);
	case 5:
		return static_cast<uint32_t>(rng.below(kScratch));
	case 6:
		return size() - kScratch + static_cast<uint32_t>(rng.below(kScratch));
	case 7:
		return size() - static_cast<uint32_t>(rng.below(65)) + (rng.one_in(4) ? 1 : 0);
	case 8:
		return rng.pick(far);
	default:
		return static_cast<uint32_t>(rng.next());
	}
}

uint32_t RegionMap::pick_len(Rng &rng, int l) const
{
	static const uint32_t interesting[] = {
		0, 1, 4, 7, 8, 11, 12, 13, 15, 16, 17, 24, 31, 32, 33, 40, 47, 48, 63,
		64, 65, 88, 96, 104, 112, 127, 128, 160, 168, 255, 256, 288, 1024,
		0x4a0, 4095, 4096, 4097, 8192, 16384, 16385, 65535, 65536, 65537,
		0x7fffffff, 0x80000000U, 0xffffffffU,
	};

	switch (rng.below(6)) {
	case 0:
	case 1:
	case 2:
		return rng.pick(interesting);
	case 3:
		return static_cast<uint32_t>(rng.below(257));
	case 4:
		return static_cast<uint32_t>(rng.below(lane_size(l) + 1));
	default:
		return rng.one_in(2) ? size() : static_cast<uint32_t>(rng.next());
	}
}

void RegionMap::confine(Rng &rng, unsigned a, int l, uint32_t &off, uint32_t &len) const
{
	if (allowed(a, l, off, len))
		return;
	len = std::min(len, lane_size(l));
	off = lane(a, l) + static_cast<uint32_t>(rng.below(lane_size(l) - len + 1));
}

}  // namespace fz
