// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmd --check-confinement: proof, on this kernel, that confine() holds.
// Each probe runs in a child that drops to the user and confines itself
// as the daemon does, then makes one call the filter forbids: socket and
// execve must kill it (SIGSYS), opening a file must fail with EACCES.
#pragma once

namespace hsmd {

// Prints a line per probe; 0 when every one held, 1 otherwise.
int check_confinement(const char *user);

} // namespace hsmd
