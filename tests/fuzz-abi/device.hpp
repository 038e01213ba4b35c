// SPDX-License-Identifier: GPL-2.0 OR MIT
// A connection to /dev/hsm with its region mapped, and the tally of what
// its statistics must show: every answer the module gave on it, counted
// as the module counts them.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

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

// A slot as SLOT_LIST names it: a name in the caller's namespace or (flags
// HSM_SLOT_F_GROUP) in the group's, which an admin lists and may delete.
struct SlotName {
	std::string name;
	uint32_t flags;
	bool operator==(const SlotName &o) const { return name == o.name && flags == o.flags; }
};

// Every slot SLOT_LIST shows the connection (its region, from offset 0,
// holds the list); SLOT_DELETE of one, its parameters at offset off.
std::vector<SlotName> list_slots(int fd, uint8_t *base, size_t off);
long delete_slot(int fd, uint8_t *base, size_t off, const SlotName &s);

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
