// SPDX-License-Identifier: GPL-2.0 OR MIT
// Mode "fuzz": threads on one connection send random and mutated command
// streams while a racer rewrites their inputs and a chaos thread forks,
// kills, closes and remaps; every answer is checked, and at the end the
// module's counters must show everything released.
#pragma once

namespace fz {

struct Options;
struct Worker;

int run_fuzz(const Options &o);
// One program of w's, checked and learnt from.  Call with the run's lock
// read-held.
void step(Worker &w);

}  // namespace fz
