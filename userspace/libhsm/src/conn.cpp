// SPDX-License-Identifier: MIT
//
// The connection: one per process, shared by every CryptoStack and
// MemoryAllocator, closed when the last of them goes (the reference-counted
// anchor).  Completions are reaped by whichever waiting thread gets there
// first (leader/follower): it waits in io_uring_enter without the lock,
// records every completion in its operation, frees the slot and wakes the
// others.
#include "conn.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace hsm::detail {

namespace {

std::mutex g_mu;
std::weak_ptr<Connection> g_conn;

constexpr std::int32_t kNoRecord = INT32_MIN;

std::uint64_t now_ns() noexcept
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000ull + std::uint64_t(ts.tv_nsec);
}

std::unexpected<Error> sys_fail(int err, std::string what)
{
	return fail(status_from_errno(err), err, what + ": " + strerror(err));
}

} // namespace

Result<std::shared_ptr<Connection>> Connection::get(std::size_t region_size)
{
	std::lock_guard lk(g_mu);
	// A fork()ed child inherits the parent's objects but not its region:
	// it gets a connection of its own.
	if (auto c = g_conn.lock(); c && c->pid_ == getpid())
		return c;
	std::shared_ptr<Connection> c(new Connection());
	auto r = c->open(region_size);
	if (!r)
		return std::unexpected(r.error());
	g_conn = c;
	return c;
}

Result<std::monostate> Connection::open(std::size_t region_size)
{
	pid_ = getpid();
	fd_ = ::open(HSM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd_ < 0)
		return sys_fail(errno, "open " HSM_DEVICE_PATH);
	hsm_get_info gi{};
	gi.info_ptr = reinterpret_cast<std::uintptr_t>(&info_);
	gi.info_size = sizeof(info_);
	if (ioctl(fd_, HSM_IOC_GET_INFO, &gi) < 0)
		return sys_fail(errno, "HSM_IOC_GET_INFO");
	const std::uint64_t need = HSM_FEAT_SHM | HSM_FEAT_URING_CMD | HSM_FEAT_KEYS;
	if ((info_.features & need) != need)
		return fail(Status::Unsupported, EOPNOTSUPP,
			    "the module lacks shared regions, io_uring commands or keys");

	std::uint32_t nslots = kRingEntries;
	if (info_.max_inflight && info_.max_inflight < nslots)
		nslots = info_.max_inflight;
	std::size_t page = info_.page_size ? info_.page_size : 4096;
	std::size_t ctl = (std::size_t(nslots) * kSlotBytes + page - 1) / page * page;
	if (region_size == 0 || region_size % page)
		return fail(Status::InvalidArgument, EINVAL,
			    "region size must be a non-zero multiple of the page size");
	if (region_size <= ctl || region_size > UINT32_MAX)
		return fail(Status::InvalidArgument, EINVAL,
			    "region size must exceed the control area and fit 32 bits");
	hsm_shm_setup s{};
	s.size = region_size;
	if (ioctl(fd_, HSM_IOC_SHM_SETUP, &s) < 0)
		return sys_fail(errno, "HSM_IOC_SHM_SETUP");
	void *p = mmap(nullptr, region_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_,
		       HSM_SHM_MMAP_OFFSET);
	if (p == MAP_FAILED)
		return sys_fail(errno, "mmap of the shared region");
	base_ = static_cast<std::uint8_t *>(p);
	size_ = region_size;

	int r = io_uring_queue_init(kRingEntries, &ring_, IORING_SETUP_SQE128);
	if (r < 0)
		return sys_fail(-r, "io_uring_queue_init (SQE128)");
	ring_ok_ = true;

	slots_.resize(nslots);
	free_.reserve(nslots);
	for (std::uint32_t i = nslots; i-- > 0;)
		free_.push_back(i);
	heap_start_ = static_cast<std::uint32_t>(ctl);
	free_blocks_[heap_start_] = static_cast<std::uint32_t>(region_size - ctl);
	return std::monostate{};
}

Connection::~Connection()
{
	if (ring_ok_)
		io_uring_queue_exit(&ring_);
	if (base_)
		munmap(base_, size_);
	if (fd_ >= 0)
		::close(fd_);
}

// ---- the heap --------------------------------------------------------------

Result<std::uint32_t> Connection::alloc(std::size_t size, std::size_t align, std::size_t *cap)
{
	if (size == 0)
		return fail(Status::InvalidArgument, EINVAL, "Allocate: size 0");
	if (align < 8 || align > 4096 || (align & (align - 1)))
		return fail(Status::InvalidArgument, EINVAL,
			    "Allocate: alignment must be a power of two in 8..4096");
	if (size > size_)
		return fail(Status::OutOfMemory, ENOMEM, "Allocate: larger than the region");
	// Whole 64-byte units, so blocks never share a cache line.
	std::uint32_t want = static_cast<std::uint32_t>((size + 63) & ~std::size_t(63));
	std::lock_guard lk(heap_mu_);
	for (auto it = free_blocks_.begin(); it != free_blocks_.end(); ++it) {
		std::uint32_t start = it->first, len = it->second;
		std::uint32_t off = static_cast<std::uint32_t>((start + align - 1) & ~(align - 1));
		if (off - start > len || len - (off - start) < want)
			continue;
		free_blocks_.erase(it);
		if (off > start)
			free_blocks_[start] = off - start;
		std::uint32_t end = off + want, bend = start + len;
		if (bend > end)
			free_blocks_[end] = bend - end;
		used_[off] = {off, want};
		*cap = want;
		return off;
	}
	return fail(Status::OutOfMemory, ENOMEM,
		    "Allocate: no free block of " + std::to_string(size) + " bytes in the region");
}

void Connection::free(std::uint32_t off) noexcept
{
	std::lock_guard lk(heap_mu_);
	auto u = used_.find(off);
	if (u == used_.end())
		return;
	auto [start, len] = u->second;
	used_.erase(u);
	explicit_bzero(base_ + start, len);
	auto next = free_blocks_.lower_bound(start);
	if (next != free_blocks_.end() && next->first == start + len) {
		len += next->second;
		next = free_blocks_.erase(next);
	}
	if (next != free_blocks_.begin()) {
		auto prev = std::prev(next);
		if (prev->first + prev->second == start) {
			prev->second += len;
			return;
		}
	}
	free_blocks_[start] = len;
}

std::size_t Connection::available() const noexcept
{
	std::lock_guard lk(heap_mu_);
	std::size_t n = 0;
	for (auto &[s, l] : free_blocks_)
		n += l;
	return n;
}

std::size_t Connection::largest_free() const noexcept
{
	std::lock_guard lk(heap_mu_);
	std::size_t n = 0;
	for (auto &[s, l] : free_blocks_)
		n = std::max<std::size_t>(n, l);
	return n;
}

// ---- submission and completion ----------------------------------------------

std::size_t Connection::submit_locked(OpRecord *const *recs, std::size_t n)
{
	std::size_t sent = 0;
	const std::uint64_t t = now_ns();
	while (sent < n && !free_.empty()) {
		io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
		if (!sqe)
			break;
		OpRecord *rec = recs[sent];
		std::uint32_t idx = free_.back();
		free_.pop_back();
		Slot &s = slots_[idx];
		s.rec = rec;
		const std::uint32_t ctl = idx * kSlotBytes;
		auto *resp = reinterpret_cast<hsm_resp *>(base_ + ctl);
		resp->result = kNoRecord;
		resp->status = HSM_STATUS_INTERNAL;
		resp->value = 0;
		rec->op.resp_off = ctl;
		if (rec->params_len) {
			std::memcpy(base_ + ctl + kParamsAt, rec->params, rec->params_len);
			rec->op.params = {ctl + kParamsAt, rec->params_len};
		}
		if (!rec->op.submit_ns)
			rec->op.submit_ns = t;
		rec->state = OpState::kInFlight;
		std::memset(sqe, 0, 2 * sizeof(*sqe));
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = fd_;
		sqe->cmd_op = rec->cmd;
		std::memcpy(sqe->cmd, &rec->op, sizeof(rec->op));
		io_uring_sqe_set_data64(sqe, (std::uint64_t(s.gen) << 32) | idx);
		sent++;
	}
	if (!sent)
		return 0;
	for (int tries = 0;; tries++) {
		int r = io_uring_submit(&ring_);
		if (r >= 0)
			break;
		if ((r == -EINTR || r == -EAGAIN || r == -EBUSY) && tries < 1000)
			continue;
		// The ring refused the submission: answer every operation with the
		// error rather than leave it waiting.  (The SQEs stay queued and
		// their late completions are ignored by generation.)
		for (std::size_t i = 0; i < n && i < sent; i++)
			for (std::uint32_t j = 0; j < slots_.size(); j++)
				if (slots_[j].rec == recs[i])
					complete((std::uint64_t(slots_[j].gen) << 32) | j, r);
		break;
	}
	return sent;
}

std::size_t Connection::submit(OpRecord *const *recs, std::size_t n)
{
	std::lock_guard lk(m_);
	return submit_locked(recs, n);
}

void Connection::complete(std::uint64_t ud, std::int32_t res) noexcept
{
	std::uint32_t idx = static_cast<std::uint32_t>(ud);
	std::uint32_t gen = static_cast<std::uint32_t>(ud >> 32);
	if (idx >= slots_.size())
		return;
	Slot &s = slots_[idx];
	if (s.gen != gen || !s.rec)
		return;
	OpRecord *rec = s.rec;
	const auto *resp = reinterpret_cast<const hsm_resp *>(base_ + idx * kSlotBytes);
	rec->res = res;
	if (resp->result == res && resp->result != kNoRecord) {
		rec->status = resp->status;
		rec->value = resp->value;
	} else {
		rec->status = static_cast<std::uint32_t>(status_from_errno(res < 0 ? -res : 0));
		rec->value = 0;
	}
	std::atomic_ref(rec->state).store(OpState::kDone, std::memory_order_release);
	s.rec = nullptr;
	s.gen++;
	free_.push_back(idx);
	if (rec->owner)
		batch_completed(rec->owner, rec->index);
}

void Connection::reap(std::unique_lock<std::mutex> &lk, bool block)
{
	if (reaping_) {
		if (block)
			cv_.wait(lk);
		return;
	}
	reaping_ = true;
	lk.unlock();
	struct {
		std::uint64_t ud;
		std::int32_t res;
	} got[64];
	unsigned n = 0;
	io_uring_cqe *cqe = nullptr;
	int r = block ? io_uring_wait_cqe(&ring_, &cqe) : io_uring_peek_cqe(&ring_, &cqe);
	if (r == 0) {
		unsigned head;
		io_uring_for_each_cqe(&ring_, head, cqe) {
			if (n == 64)
				break;
			got[n].ud = cqe->user_data;
			got[n].res = cqe->res;
			n++;
		}
		io_uring_cq_advance(&ring_, n);
	}
	lk.lock();
	for (unsigned i = 0; i < n; i++)
		complete(got[i].ud, got[i].res);
	reaping_ = false;
	cv_.notify_all();
}

void Connection::run(OpRecord &rec)
{
	OpRecord *p = &rec;
	std::unique_lock lk(m_);
	while (rec.state == OpState::kQueued) {
		if (submit_locked(&p, 1))
			break;
		reap(lk, true);
	}
	while (rec.state != OpState::kDone)
		reap(lk, true);
}

void Connection::poll()
{
	std::unique_lock lk(m_);
	reap(lk, false);
}

} // namespace hsm::detail
