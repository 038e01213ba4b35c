// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmd's end of the worker channel: one /dev/hsm connection attached as
// the module's worker, a region cut into one buffer per slot, and one
// io_uring ring per serving thread (a lane), which keeps a FETCH (or
// COMMIT-and-fetch) posted in each of its slots: slot t belongs to lane
// t % lanes.  Requests that arrive together on a lane are served
// together, and their answers go back in one io_uring_enter().
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include <linux/hsm.h>

namespace hsmd {

// Serves one request: req is the slot's buffer, len the request's length.
// Writes the answer at the start of req and returns its length, or a
// negative errno for the caller.
using Handler = std::function<int(std::span<std::uint8_t> req, std::size_t len)>;

class Channel {
public:
	// The smallest buffer the module accepts, in whole pages.
	static constexpr std::size_t kBufSize = (HSM_WORKER_BUF_MIN + 4095) & ~std::size_t{4095};

	Channel() = default;
	Channel(const Channel &) = delete;
	Channel &operator=(const Channel &) = delete;
	~Channel();

	// Opens the device, sets up and maps the region, attaches with
	// `slots` slots and makes a ring for each of `lanes` (1..slots)
	// lanes: 0 or -errno, and what failed in *step.  Needs
	// CAP_SYS_ADMIN.
	int open(const char *path, unsigned slots, unsigned lanes, const char **step);
	// Posts a FETCH in every slot of the lane.
	int start(unsigned lane);
	// Waits for requests on the lane, serves every one that came,
	// commits them.  0, or -errno when the ring or the module fails
	// (ECANCELED: detached).  Lanes may be served from their own threads.
	int serve(unsigned lane, const Handler &handle);

private:
	struct Ring {
		io_uring ring{};
		bool ready = false;
	};

	std::span<std::uint8_t> buf(unsigned tag);
	void post(io_uring &ring, unsigned tag, std::uint32_t cmd, std::int32_t result);

	int fd_ = -1;
	std::uint8_t *base_ = nullptr;
	std::size_t size_ = 0;
	unsigned slots_ = 0;
	unsigned lanes_ = 0;
	std::unique_ptr<Ring[]> rings_;
};

} // namespace hsmd
