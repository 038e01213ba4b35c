// SPDX-License-Identifier: GPL-2.0 OR MIT
// One command as the fuzzer makes, mutates, runs and checks it, and a
// program: commands sent together one way (ioctl, io_uring, a batch of
// SQEs, a VECTOR).
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include <linux/hsm.h>

#include "abi.hpp"

namespace fz {

struct Worker;

// A set of (small, positive) errnos.
class ErrSet {
public:
	ErrSet() = default;
	ErrSet(std::initializer_list<int> errs)
	{
		for (int e : errs)
			add(e);
	}
	void add(int e)
	{
		if (e > 0 && e < 128)
			w_[e / 64] |= 1ULL << (e % 64);
	}
	bool has(int e) const { return e > 0 && e < 128 && (w_[e / 64] >> (e % 64)) & 1; }
	ErrSet operator|(const ErrSet &o) const
	{
		ErrSet r;
		r.w_[0] = w_[0] | o.w_[0];
		r.w_[1] = w_[1] | o.w_[1];
		return r;
	}

private:
	uint64_t w_[2] = {0, 0};
};

// Expect::value of a command whose every success is right.
constexpr long kAnyOk = -(1L << 62);

// What a correct answer to a command looks like.
struct Expect {
	enum Mode : uint8_t {
		Loose,	// a result of the documented set; nothing more is known
		Valid,	// `value` (any success for kAnyOk), or an error of `tolerate`
		Exact,	// exactly -`err`
	} mode = Loose;
	long value = kAnyOk;
	ErrSet tolerate;
	int err = 0;
	bool no_record = false;	// Exact: the completion record stays untouched
};

// A command's answer, as the checks and the state updates see it.
struct Answer {
	long res = 0;
	bool done = false;		// an answer arrived (ioctl returned, a CQE)
	unsigned cmd = 0;		// the number submitted
	hsm_op op{};			// the argument as submitted (data-plane)
	bool rec_own = false;		// its record lies in its lane: read back
	bool rec_checked = false;	// ... and nothing but the module wrote it
	bool rec_written = false;
	hsm_resp rec{};
	const uint8_t *region = nullptr;	// the mapping, to read outputs
	bool racy = false;		// its inputs were rewritten while it ran
};

// A payload put in the lane before the command is sent.
struct Blob {
	uint32_t off;	// lane coordinates
	std::vector<uint8_t> data;
};

// Fields of the argument given in lane coordinates (bits R_* for refs).
constexpr unsigned kLocalResp = 1U << 6;
// The argument's user pointer (offset 0 of GET_INFO, GET_STATS, GET_ALGS)
// is an offset into the running thread's own buffer.
constexpr unsigned kLocalPtr = 1U << 7;

// What a handle names, so that a command replayed from the corpus can be
// given a live one of the same kind.
struct Role {
	int key_class = -1;	// the handle is a key of this class
	int ctx_op = 0;		// the handle is a context of this hsm_ctx_op
	int wrap_class = -1;	// KEY_WRAP: params names a key of this class
};

struct Input {
	unsigned cmd = 0;
	alignas(8) uint8_t arg[HSM_CMD_MAX_SIZE] = {};
	unsigned local = 0;
	bool big = false;
	std::vector<Blob> blobs;
	Expect expect;
	unsigned gen = 0;	// the generator's command (a table index)
	unsigned muts = 0;	// mutations applied: 0 for a valid command
	bool contended = false;	// another command of its program names its context
	Role role;
	// State the thread learns from the answer (a new key's ID...).
	std::function<void(Worker &, const Answer &)> learn;
	// The output check of a valid command: "" when right.
	std::function<std::string(const Answer &)> verify;

	hsm_op op() const
	{
		hsm_op o;
		memcpy(&o, arg, sizeof(o));
		return o;
	}
	void set_op(const hsm_op &o) { memcpy(arg, &o, sizeof(o)); }
	template <typename T> T as() const
	{
		T t;
		memcpy(&t, arg, sizeof(t));
		return t;
	}
	template <typename T> void set(const T &t) { memcpy(arg, &t, sizeof(t)); }
	Blob *blob_at(uint32_t off)
	{
		for (Blob &b : blobs)
			if (b.off == off)
				return &b;
		return nullptr;
	}
};

enum class Via : uint8_t {
	Ioctl,
	Uring,
	Batch,		// several SQEs submitted together
	VectorIoctl,
	VectorUring,
	SmallSqe,	// a ring of 64-byte SQEs: the module must refuse
	BadFlags,	// uring_cmd_flags io_uring itself refuses
};

// A malformed VECTOR: the whole vector is EINVAL and nothing runs.
enum class VecFault : uint8_t {
	None, BadCmd, Nested, Reserved, NoResp, Ragged, Empty, TooMany, Handle,
};

struct Program {
	Via via = Via::Ioctl;
	std::vector<Input> units;
	bool racy = false;
	VecFault vfault = VecFault::None;
	unsigned vfault_at = 0;		// the entry vfault spoils
	bool vec_resp = false;		// the VECTOR asks for its own record
	uint32_t bad_flags = 0;		// Via::BadFlags: the uring_cmd_flags
};

const char *via_name(Via v);

}  // namespace fz
