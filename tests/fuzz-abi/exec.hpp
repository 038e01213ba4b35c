// SPDX-License-Identifier: GPL-2.0 OR MIT
// Runs a program on a connection: puts its payloads in its lanes, sends it
// by ioctl, io_uring or as a VECTOR, and collects exactly one answer per
// command, reading back the completion records.  Transport-level wrong
// answers (a CQE missing, duplicated or unknown) are its findings.
#pragma once

#include <functional>
#include <liburing.h>
#include <string>
#include <vector>

#include "device.hpp"
#include "input.hpp"
#include "kcov.hpp"
#include "race.hpp"
#include "region.hpp"

namespace fz {

// Where a program runs.
struct Target {
	int fd;
	uint8_t *base;
	const RegionMap *map;
	unsigned area;
	Tally *tally;		// nullptr: not counted
	bool hooks;		// the module has its test hooks
	// Read records back (false: the region may be gone once submitted).
	bool read_back = true;
};

class Executor {
public:
	Executor();
	~Executor();
	Executor(const Executor &) = delete;
	Executor &operator=(const Executor &) = delete;

	// answers[i] is units[i]'s; vec is the VECTOR's own.  Returns "" or
	// what went wrong in the transport.
	std::string run(const Target &t, const Program &p, std::vector<Answer> &answers,
			Answer &vec, Kcov *kcov, RaceSlot *race,
			const std::function<void()> &after_submit = {});

	// The thread's buffer for GET_INFO, GET_STATS and GET_ALGS: two
	// pages, then a page that faults; and a page that only reads.
	static constexpr size_t kBuf = 8192;
	uint8_t *buf() const { return buf_; }
	uint8_t *ro_page() const { return ro_; }

	// The answers that arrived after their program was over: a finding.
	std::string strays();

	// Called right before and right after the system call that sends a
	// program (fault injection arms and reads /proc/thread-self/fail-nth).
	void set_syscall_hooks(std::function<void()> before, std::function<void()> after)
	{
		before_ = std::move(before);
		after_ = std::move(after);
	}

private:
	struct Staged;

	void stage(const Target &t, const Input &u, uint32_t lane, int lane_no, bool racy,
		   uint8_t *arg, Answer &a);
	void read_record(const Target &t, Answer &a);
	std::string submit_uring(const Target &t, const Program &p, uint8_t (*args)[HSM_CMD_MAX_SIZE],
				 const unsigned *cmds, unsigned n, std::vector<Answer> &answers,
				 const std::function<void()> &after_submit);
	std::string submit_small(const Target &t, const uint8_t *arg, unsigned cmd, Answer &a);
	void build_vector(const Target &t, const Program &p, std::vector<Answer> &answers,
			  hsm_op &vop, RaceRange *ranges, unsigned &nr);
	void tally_vector(const Target &t, const Program &p, const std::vector<Answer> &answers,
			  const Answer &vec);
	bool safe_pointer(uint64_t p) const;

	io_uring ring_{};
	bool ring_ok_ = false;
	io_uring small_{};
	bool small_ok_ = false;
	uint8_t *buf_ = nullptr;
	uint8_t *ro_ = nullptr;
	uint64_t tag_ = 0;
	std::function<void()> before_, after_;
};

}  // namespace fz
