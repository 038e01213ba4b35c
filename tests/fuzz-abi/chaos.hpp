// SPDX-License-Identifier: GPL-2.0 OR MIT
// What happens to a connection besides commands, while the fuzzing threads
// run: a fork()ed child uses and closes what it inherited; a child is
// killed in the middle of a batch; an fd is closed with commands in
// flight; a whole connection goes away with commands in flight; the
// region is unmapped and mapped again; the connection is closed and
// opened again (its statistics checked first).
#pragma once

#include <string>

namespace fz {

struct Shared;
struct Worker;

// The chaos thread: w is its own worker (the last area of the region).
void chaos_main(Worker &w);
// Before reopening or at the end: the connection's statistics against
// what its users counted.  Call with the run's lock write-held.
void check_counters(Worker &w, const char *when);
// The contexts every thread shares, made on the connection w uses.  Call
// before the threads run or with the run's lock write-held.
void make_shared_contexts(Worker &w);
// "fork 3, kill 2, ...": what the chaos thread did.
std::string chaos_summary(const Shared &sh);
// At the end: delete every slot the chaos thread's user stored, whatever
// its name (a mutated SLOT_STORE names slots after algorithms).  Slots
// outlive connections, and root's SLOT_LIST does not show another uid's,
// so a user killed before it deleted its own would leave them, and their
// keys, behind.  The user holds none before the run: the suites before it
// each check that the module's counts come back.
void delete_user_slots();

}  // namespace fz
