// SPDX-License-Identifier: GPL-2.0 OR MIT
// Mode "faults": systematic fault injection, as syzkaller does it.  For
// every command class and both paths, the n-th allocation of the command
// fails, for n = 1, 2, ... until the command runs through without meeting
// an n-th: each time the answer must be success or a documented errno,
// the connection must still give known answers, and nothing may leak.
// Needs CONFIG_FAULT_INJECTION (/proc/thread-self/fail-nth).
#pragma once

#include <cstdint>
#include <string>

namespace fz {

struct FaultOptions {
	uint64_t seed = 0;
	std::string only;	// one class, or all
};

int run_faults(const FaultOptions &o);

}  // namespace fz
