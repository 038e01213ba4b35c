// SPDX-License-Identifier: GPL-2.0 OR MIT
// How many times slower than on Debian's cloud kernel the guest runs: the
// debug lane's kernel (KASAN, lockdep) and sanitizers set
// HSM_TEST_TIME_SCALE, and a bound on how soon something must happen, or a
// wait for something to have begun, is multiplied by it.
#pragma once

#include <cstdlib>

namespace hsmtest {

inline double time_scale()
{
	const char *s = getenv("HSM_TEST_TIME_SCALE");
	double v = s ? strtod(s, nullptr) : 1.0;
	return v > 1.0 ? v : 1.0;
}

} // namespace hsmtest
