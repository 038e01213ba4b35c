// SPDX-License-Identifier: GPL-2.0 OR MIT
// What the fuzzer knows of the ABI, independently of the module: the
// command table (from HSM_COMMANDS), the refs and flags each command takes
// (from the header's prose), and the documented errno set.  The oracles
// check the module against this, never against the module's own table.
#pragma once

#include <cstdint>
#include <span>

#include <linux/hsm.h>

namespace fz {

// The payload refs of struct hsm_op, in their order in the struct.
enum RefIdx : unsigned { R_PARAMS, R_IN, R_OUT, R_IV, R_AAD, R_TAG, R_NR };
constexpr unsigned rbit(RefIdx r) { return 1U << r; }

struct CmdSpec {
	const char *name;
	unsigned cmd;		// HSM_IOC_*
	unsigned idx;		// hsm_cmd_index(): its statistics slot
	unsigned cls;		// HSM_CMD_*
	unsigned size;		// its argument's size
	unsigned refs;		// rbit() of the refs it may name
	unsigned outs;		// rbit() of the refs it writes
	uint32_t flags;		// HSM_OP_F_* it allows
	bool handle;		// hsm_op.handle may be non-zero
};

std::span<const CmdSpec> commands();
// The row of exactly this number, or nullptr.
const CmdSpec *spec_of(unsigned cmd);
const CmdSpec &spec_at(unsigned idx);

inline bool is_op(const CmdSpec *s) { return s && (s->cls & HSM_CMD_OP); }

// What the module's lookup answers for a number before anything else:
// 0 for a command, -ENOTTY for a number that is not one (wrong type or
// nr, or a test hook of a module without them), -EINVAL for a command's
// nr with another size or direction.
int lookup_error(unsigned cmd, bool test_hooks);

// Errnos the ABI documents (HSM_STATUSES and hsm_status_of()'s extras).
bool errno_documented(int err);
const char *errno_name(int err);

// hsm_op accessors by index.
inline hsm_ref &op_ref(hsm_op &op, unsigned i) { return (&op.params)[i]; }
inline const hsm_ref &op_ref(const hsm_op &op, unsigned i) { return (&op.params)[i]; }

}  // namespace fz
