// SPDX-License-Identifier: GPL-2.0 OR MIT
// The fuzzer's only source of choices: xoshiro256**, seeded per stream
// (one per thread) from the run's seed, so that a seed replays every
// thread's choices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace fz {

class Rng {
public:
	explicit Rng(uint64_t seed)
	{
		for (uint64_t &w : s_)
			w = splitmix(seed);
	}

	uint64_t next()
	{
		const uint64_t r = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;

		s_[2] ^= s_[0];
		s_[3] ^= s_[1];
		s_[1] ^= s_[2];
		s_[0] ^= s_[3];
		s_[2] ^= t;
		s_[3] = rotl(s_[3], 45);
		return r;
	}

	// 0..n-1 (0 when n is 0).  The modulo bias does not matter here.
	uint64_t below(uint64_t n) { return n ? next() % n : 0; }
	// lo..hi, both included.
	uint64_t range(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }
	bool one_in(uint64_t n) { return below(n) == 0; }
	bool chance(uint64_t num, uint64_t den) { return below(den) < num; }

	template <typename T> const T &pick(std::span<const T> v) { return v[below(v.size())]; }
	template <typename T, size_t N> const T &pick(const T (&v)[N]) { return v[below(N)]; }

	void fill(uint8_t *p, size_t n)
	{
		for (size_t i = 0; i < n; i += 8) {
			uint64_t r = next();
			for (size_t j = 0; j < 8 && i + j < n; j++)
				p[i + j] = static_cast<uint8_t>(r >> (8 * j));
		}
	}

	// An independent stream for stream number `stream` of a run's seed.
	static Rng stream(uint64_t seed, uint64_t stream)
	{
		return Rng(seed ^ (stream + 1) * 0xd1342543de82ef95ULL);
	}

private:
	static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
	static uint64_t splitmix(uint64_t &x)
	{
		uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		return z ^ (z >> 31);
	}

	uint64_t s_[4];
};

}  // namespace fz
