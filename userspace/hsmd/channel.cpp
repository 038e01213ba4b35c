// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "channel.hpp"

#include <hsm/raw.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace hsmd {

Channel::~Channel()
{
	for (unsigned l = 0; rings_ && l < lanes_; l++)
		if (rings_[l].ready)
			io_uring_queue_exit(&rings_[l].ring);
	struct hsm_raw_conn c = { fd_, base_, size_ };
	hsm_raw_disconnect(&c);
}

int Channel::open(const char *path, unsigned slots, unsigned lanes, const char **step)
{
	struct hsm_raw_conn c;
	int r;

	*step = "serve with as many threads (1..slots)";
	if (!lanes || lanes > slots)
		return -EINVAL;
	*step = "open the device and map its region";
	r = hsm_raw_connect(&c, path, slots * kBufSize);
	if (r)
		return r;
	fd_ = c.fd;
	base_ = static_cast<std::uint8_t *>(c.base);
	size_ = c.size;
	slots_ = slots;

	*step = "attach as the worker (HSM_IOC_WORKER_ATTACH)";
	struct hsm_worker_attach a;
	std::memset(&a, 0, sizeof(a));
	a.slots = slots;
	r = static_cast<int>(hsm_raw_ioctl(fd_, HSM_IOC_WORKER_ATTACH, &a));
	if (r)
		return r;

	*step = "set up the rings";
	rings_ = std::make_unique<Ring[]>(lanes);
	lanes_ = lanes;
	for (unsigned l = 0; l < lanes; l++) {
		// Two SQEs per slot of the lane: each slot has one command at a
		// time in the ring, so there is always room.
		r = hsm_raw_queue_init(2 * ((slots + lanes - 1) / lanes), &rings_[l].ring);
		if (r)
			return r;
		rings_[l].ready = true;
	}
	return 0;
}

std::span<std::uint8_t> Channel::buf(unsigned tag)
{
	return { base_ + tag * kBufSize, kBufSize };
}

// Queue a FETCH or COMMIT for slot tag; user_data is the tag.
void Channel::post(io_uring &ring, unsigned tag, std::uint32_t cmd, std::int32_t result)
{
	struct hsm_worker_cmd k;
	std::memset(&k, 0, sizeof(k));
	k.tag = tag;
	k.result = result;
	k.buf.off = static_cast<__u32>(tag * kBufSize);
	k.buf.len = static_cast<__u32>(kBufSize);
	io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	if (!sqe)
		std::abort();
	hsm_raw_prep_cmd(sqe, fd_, cmd, &k, sizeof(k));
	io_uring_sqe_set_data64(sqe, tag);
}

int Channel::start(unsigned lane)
{
	io_uring &ring = rings_[lane].ring;
	for (unsigned t = lane; t < slots_; t += lanes_)
		post(ring, t, HSM_IOC_WORKER_FETCH, 0);
	int r = io_uring_submit(&ring);
	return r < 0 ? r : 0;
}

int Channel::serve(unsigned lane, const Handler &handle)
{
	io_uring &ring = rings_[lane].ring;
	io_uring_cqe *cqe;
	int r = io_uring_wait_cqe(&ring, &cqe);
	if (r)
		return r == -EINTR ? 0 : r;

	unsigned head, seen = 0;
	int err = 0;
	io_uring_for_each_cqe(&ring, head, cqe) {
		seen++;
		unsigned tag = static_cast<unsigned>(cqe->user_data);
		if (cqe->res < 0 || tag >= slots_ || tag % lanes_ != lane) {
			err = cqe->res < 0 ? cqe->res : -EIO;
			continue;
		}
		int answer = handle(buf(tag), static_cast<std::size_t>(cqe->res));
		post(ring, tag, HSM_IOC_WORKER_COMMIT, answer);
	}
	io_uring_cq_advance(&ring, seen);
	// The answers go back even when a slot failed: their callers wait.
	r = io_uring_submit(&ring);
	return err ? err : r < 0 ? r : 0;
}

} // namespace hsmd
