// SPDX-License-Identifier: GPL-2.0 OR MIT
// Valid commands of every kind in the command table, made from what the
// thread's pool holds, each with the answer a correct module gives (and,
// where OpenSSL can tell, the output it writes).
#pragma once

#include "input.hpp"

namespace fz {

struct Worker;

// A valid command of table index idx, in a small lane unless big_ok.  A
// command whose prerequisite is missing (a key of some kind) makes the
// prerequisite instead.
Input make_valid(Worker &w, unsigned idx, bool big_ok);
// The table index of the next command to make, weighted toward the data
// plane and toward whatever keeps the pool useful.
unsigned pick_command(Worker &w);
// Valid data-plane commands for a VECTOR entry.
unsigned pick_vector_command(Worker &w);

}  // namespace fz
