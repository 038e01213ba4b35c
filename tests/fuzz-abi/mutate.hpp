// SPDX-License-Identifier: GPL-2.0 OR MIT
// Mutations of commands.  Random ones change fields of the argument (IDs,
// lengths, offsets, flags, reserved words, the command number), of the
// parameter blocks and payloads; their answer is only known to lie in the
// documented set.  Targeted ones break exactly one rule the funnel checks
// before anything runs, so their answer is known: EINVAL or ENOTTY, and
// no completion record.
#pragma once

#include "input.hpp"

namespace fz {

struct Worker;

// 1..4 random mutations of u, which runs in lane `lane` of w's area.
// by_ioctl: the number will go to ioctl(2), where the VFS takes some.
void mutate_random(Worker &w, Input &u, int lane, bool by_ioctl);
// Break one checked rule of the valid command u; false when none applies.
bool mutate_targeted(Worker &w, Input &u, int lane, bool by_ioctl);
// Make every range u names one it may name (region.hpp); true when one
// had to move.
bool confine(Worker &w, Input &u, int lane);

}  // namespace fz
