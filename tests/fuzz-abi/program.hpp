// SPDX-License-Identifier: GPL-2.0 OR MIT
// One step of a fuzzing thread: choose a way to send (ioctl, io_uring, a
// batch, a VECTOR), fill it with commands (new valid ones, or ones the
// corpus kept), mutate some, and afterwards learn from the answers.
#pragma once

#include <string>
#include <vector>

#include "input.hpp"

namespace fz {

struct Worker;

Program make_program(Worker &w);
// Releases of IDs the thread made but does not track (mutated commands').
Program orphan_program(Worker &w);
// Update the thread's pool and the run's counters from the answers.
void absorb(Worker &w, const Program &p, const std::vector<Answer> &answers, const Answer &vec);
// What a finding prints to reproduce: the program, the command at fault.
std::string describe(const Program &p, int unit, const std::vector<Answer> &answers,
		     const Answer &vec);

}  // namespace fz
