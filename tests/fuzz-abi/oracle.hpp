// SPDX-License-Identifier: GPL-2.0 OR MIT
// The checks on a program's answers, beyond "the kernel did not crash":
// every result is a success or an errno the ABI documents; completion
// records agree with the result and appear exactly when the ABI says;
// lengths a command reports fit the buffer it was given; a VECTOR answers
// for every entry or for none; and a command whose right answer is known
// (valid, or broken in one known way) gives that answer.
#pragma once

#include <string>
#include <vector>

#include "input.hpp"

namespace fz {

struct Verdict {
	int unit;		// the command at fault, or -1 for the program
	std::string what;
};

std::vector<Verdict> judge(const Program &p, const std::vector<Answer> &answers,
			   const Answer &vec, bool hooks);

// "EINVAL" or "32".
std::string result_text(long res);

}  // namespace fz
