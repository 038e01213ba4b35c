// SPDX-License-Identifier: GPL-2.0 OR MIT
// A connection to /dev/hsm with its region mapped, and the tally of what
// its statistics must show: every answer the module gave on it, counted
// as the module counts them.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include <linux/hsm.h>

namespace fz {

class Device {
public:
	Device() = default;
	~Device() { close(); }
	Device(const Device &) = delete;
	Device &operator=(const Device &) = delete;

	// Open, SHM_SETUP of size bytes, map.  0 or -errno (nothing left open).
	int open(size_t size);
	void close();
	// Unmap the region and map it again (perhaps elsewhere).  0 or -errno.
	int remap();

	int fd() const { return fd_; }
	uint8_t *base() const { return base_; }
	size_t size() const { return size_; }

private:
	int fd_ = -1;
	uint8_t *base_ = nullptr;
	size_t size_ = 0;
};

// GET_INFO and GET_STATS of fd; false when the module did not answer all.
bool get_info(int fd, hsm_info &info);
bool get_stats(int fd, bool connection, hsm_stats &st);

class Tally {
public:
	void reset();
	// An answer of the module.  `ran`: the number is a command and passed
	// the transport's checks, so the module counted a request.
	void add(unsigned cmd, long res, bool ran);
	// A VECTOR entry that ran but whose result cannot be read back.
	void add_unknown(unsigned cmd);
	// Commands ran that nobody can count (a child killed mid-batch).
	void lose_requests()
	{
		req_exact_ = false;
		err_exact_ = false;
	}
	void merge(const uint64_t *req, const uint64_t *err);
	// Why the connection's statistics disagree, or "".
	std::string compare(const hsm_stats &s) const;
	void snapshot(uint64_t *req, uint64_t *err) const;

private:
	std::atomic<uint64_t> req_[HSM_STATS_CMDS] = {};
	std::atomic<uint64_t> err_[HSM_STATS_STATUSES] = {};
	std::atomic<bool> req_exact_{true};
	std::atomic<bool> err_exact_{true};
};

}  // namespace fz
