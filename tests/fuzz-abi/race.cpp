// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "race.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include <linux/hsm.h>

namespace fz {

void RaceSlot::publish(const RaceRange *r, unsigned n)
{
	hold();
	n_ = std::min(n, kMax);
	std::copy(r, r + n_, r_);
	release();
}

void RaceSlot::retract()
{
	hold();
	n_ = 0;
	release();
}

namespace {

void write_bytes(Rng &rng, uint8_t *p, uint32_t len)
{
	if (!len)
		return;
	uint32_t at = static_cast<uint32_t>(rng.below(len));
	switch (rng.below(4)) {
	case 0:
		p[at] ^= static_cast<uint8_t>(1U << rng.below(8));
		break;
	case 1:
		rng.fill(p + at, std::min<uint32_t>(len - at, 1 + static_cast<uint32_t>(rng.below(8))));
		break;
	case 2:
		memset(p + at, rng.one_in(2) ? 0 : 0xff, std::min<uint32_t>(len - at, 16));
		break;
	default:
		rng.fill(p, std::min<uint32_t>(len, 64));
		break;
	}
}

// Rewrite one field of one entry: never the command (the entries that
// run must stay the ones the tally counts), and refs only by a few bytes
// (they must stay in the thread's own lanes).
void write_entry(Rng &rng, uint8_t *p, uint32_t len)
{
	const uint32_t n = len / sizeof(hsm_vec_entry);
	if (!n)
		return;
	uint8_t *e = p + rng.below(n) * sizeof(hsm_vec_entry);
	hsm_op op;
	memcpy(&op, e + offsetof(hsm_vec_entry, op), sizeof(op));
	hsm_ref *refs = &op.params;
	switch (rng.below(6)) {
	case 0:
		op.handle ^= 1ULL << rng.below(64);
		break;
	case 1:
		op.flags ^= 1U << rng.below(32);
		break;
	case 2:
		op.timeout_ms = static_cast<uint32_t>(rng.below(3));
		break;
	case 3:
		refs[rng.below(6)].len = static_cast<uint32_t>(rng.below(80));
		break;
	case 4:
		refs[rng.below(6)].off += static_cast<uint32_t>(rng.below(129)) - 64;
		break;
	default:
		op.reserved0 = 1;
		break;
	}
	memcpy(e + offsetof(hsm_vec_entry, op), &op, sizeof(op));
}

}  // namespace

void race_burst(Rng &rng, uint8_t *base, const RaceSlot &s)
{
	for (int i = 0; i < 32 && s.size(); i++) {
		const RaceRange &r = s.at(static_cast<unsigned>(rng.below(s.size())));
		if (r.vec)
			write_entry(rng, base + r.off, r.len);
		else
			write_bytes(rng, base + r.off, r.len);
	}
}

}  // namespace fz
