// SPDX-License-Identifier: GPL-2.0 OR MIT
// What keeps hsmd's memory (which holds key material while it computes)
// to itself, once its device and ring are open: its own uid, no core
// dumps or ptrace by others, memory that never reaches swap, and a
// seccomp allow-list of the few system calls serving needs.
#pragma once

namespace hsmd {

// Before dropping root: memory locking that survives the drop.  0 or -errno.
int lock_memory();
// Become user `name` (its uid and gid, no supplementary groups) for good.
int drop_to(const char *name);
// No dumps, no new privileges, the seccomp filter.  0 or -errno.
int confine();

} // namespace hsmd
