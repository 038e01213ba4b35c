// SPDX-License-Identifier: MIT
//
// The connection: one per process, shared by every CryptoStack and
// MemoryAllocator, closed when the last of them goes (the reference-counted
// anchor).  Threads are dealt out over lanes, each an io_uring of its own.
// On a lane, completions are reaped by whichever waiting thread gets there
// first (leader/follower): it waits in io_uring_enter without the lock,
// records every completion in its operation, frees the slot and wakes the
// others.  Small one-shot operations submitted together travel as one
// HSM_IOC_VECTOR SQE; each still answers in its own record.
#include "conn.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace hsm::detail {

namespace {

std::mutex g_mu;
std::weak_ptr<Connection> g_conn;

constexpr std::int32_t kNoRecord = INT32_MIN;

// user_data: a vector flag, the slot's (or vector buffer's) generation,
// and its index.
constexpr std::uint64_t kVecFlag = 1ull << 63;
constexpr std::uint32_t kGenMask = 0x7fffffff;

std::uint64_t make_ud(std::uint32_t gen, std::uint32_t idx, bool vec) noexcept
{
	return (vec ? kVecFlag : 0) | (std::uint64_t(gen & kGenMask) << 32) | idx;
}

constexpr std::uint32_t align64(std::uint64_t n) noexcept
{
	return static_cast<std::uint32_t>((n + 63) & ~std::uint64_t(63));
}

// Every operation slot of a connection, over all its lanes.
constexpr std::uint32_t kMaxSlots = 512;

// Seats: each thread that submits holds the lowest free number while it
// lives, and uses lane (number % lanes).  Threads that come and go (a pool
// per job) thus keep spreading over the lanes, where a counter would deal
// every other new thread the lane of a thread still running.
std::mutex g_seat_mu;
std::vector<bool> g_seats;

struct Seat {
	unsigned n = 0;

	Seat()
	{
		std::lock_guard lk(g_seat_mu);
		while (n < g_seats.size() && g_seats[n])
			n++;
		if (n == g_seats.size())
			g_seats.push_back(true);
		else
			g_seats[n] = true;
	}
	~Seat()
	{
		std::lock_guard lk(g_seat_mu);
		g_seats[n] = false;
	}
};

// fork(): a child inherits the parent's objects but neither its region
// (VM_DONTCOPY) nor its rings (io_uring_ring_dontfork()), and the open file
// they name is still the parent's.  Each fork bumps the generation in the
// child, and a connection of an older generation touches nothing.  The
// global locks are held across fork(), so the child never inherits one
// taken by a thread that does not exist there.
std::atomic<unsigned> g_fork_gen{0};

void fork_prepare() noexcept
{
	g_mu.lock();
	g_seat_mu.lock();
}

void fork_parent() noexcept
{
	g_seat_mu.unlock();
	g_mu.unlock();
}

void fork_child() noexcept
{
	g_fork_gen.fetch_add(1, std::memory_order_relaxed);
	g_seat_mu.unlock();
	g_mu.unlock();
}

[[maybe_unused]] const int g_atfork = pthread_atfork(fork_prepare, fork_parent, fork_child);

std::uint64_t now_ns() noexcept
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000ull + std::uint64_t(ts.tv_nsec);
}

std::unexpected<Error> sys_fail(int err, std::string what)
{
	// strerror() may share its buffer between threads; the description
	// table does not.
	const char *desc = strerrordesc_np(err);
	return fail(status_from_errno(err), err,
		    what + ": " + (desc ? desc : "error " + std::to_string(err)));
}

} // namespace

Result<std::shared_ptr<Connection>> Connection::get(std::size_t region_size)
{
	std::lock_guard lk(g_mu);
	// A fork()ed child inherits the parent's objects but not its region:
	// it gets a connection of its own.
	if (auto c = g_conn.lock(); c && c->alive())
		return c;
	std::shared_ptr<Connection> c(new Connection());
	auto r = c->open(region_size);
	if (!r)
		return std::unexpected(r.error());
	g_conn = c;
	return c;
}

Result<void> Connection::open(std::size_t region_size)
{
	gen_ = g_fork_gen.load(std::memory_order_relaxed);
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
		return fail(Status::kUnsupported, EOPNOTSUPP,
			    "the module lacks shared regions, io_uring commands or keys");

	// Lanes: one per CPU (up to kMaxLanes), sharing the in-flight budget,
	// each with at least kMinLaneSlots of it.
	std::uint32_t budget = kMaxSlots;
	if (info_.max_inflight && info_.max_inflight < budget)
		budget = info_.max_inflight;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	std::uint32_t nlanes = static_cast<std::uint32_t>(std::clamp<long>(cpus, 1, kMaxLanes));
	while (nlanes > 1 && budget / nlanes < kMinLaneSlots)
		nlanes--;
	const std::uint32_t per = std::min<std::uint32_t>(kRingEntries, budget / nlanes);
	const std::uint32_t vec_cap = std::min<std::uint32_t>(per, HSM_VECTOR_MAX);
	const std::uint32_t lane_ctl = Lane::ctl_bytes(per, vec_cap);
	std::size_t page = info_.page_size ? info_.page_size : 4096;
	std::size_t ctl = (std::size_t(nlanes) * lane_ctl + page - 1) / page * page;
	if (region_size == 0 || region_size % page)
		return fail(Status::kInvalidArgument, EINVAL,
			    "region size must be a non-zero multiple of the page size");
	if (region_size <= ctl || region_size > UINT32_MAX)
		return fail(Status::kInvalidArgument, EINVAL,
			    "region size must exceed the control area (" + std::to_string(ctl) +
				    " bytes) and fit 32 bits");
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

	for (std::uint32_t i = 0; i < nlanes; i++) {
		auto l = std::make_unique<Lane>();
		if (auto r = l->init(fd_, base_, i * lane_ctl, per, vec_cap); !r)
			return std::unexpected(r.error());
		lanes_.push_back(std::move(l));
	}
	op_slots_ = per * nlanes;
	heap_start_ = static_cast<std::uint32_t>(ctl);
	free_blocks_[heap_start_] = static_cast<std::uint32_t>(region_size - ctl);
	return {};
}

bool Connection::alive() const noexcept
{
	return gen_ == g_fork_gen.load(std::memory_order_relaxed);
}

Connection::~Connection()
{
	if (!alive()) {
		// A fork()ed child: the region's and the rings' addresses may be
		// the child's own mappings by now, so nothing is unmapped; only
		// the child's copies of the fds go.
		for (auto &l : lanes_)
			l->forget();
		lanes_.clear();
		if (fd_ >= 0)
			::close(fd_);
		return;
	}
	lanes_.clear();		// the rings go before the region they point into
	if (base_)
		munmap(base_, size_);
	if (fd_ >= 0)
		::close(fd_);
}

// ---- lanes -------------------------------------------------------------------

Lane &Connection::lane()
{
	thread_local const Seat seat;
	return *lanes_[seat.n % lanes_.size()];
}

void Connection::run(OpRecord &rec)
{
	if (!alive()) {
		answer_unsent(rec, ECHILD, Status::kInvalidState);
		return;
	}
	lane().run(rec);
}

void answer_unsent(OpRecord &rec, int err, Status st) noexcept
{
	rec.res = -err;
	rec.status = static_cast<std::uint32_t>(st);
	rec.value = 0;
	if (rec.owner)
		batch_completed(rec.owner, rec.index);
	rec.state.store(OpState::kDone, std::memory_order_release);
}

std::uint32_t Lane::ctl_bytes(std::uint32_t nslots, std::uint32_t vec_cap) noexcept
{
	return align64(std::uint64_t(nslots) * kSlotBytes) +
	       align64(std::uint64_t(kVectorBuffers) * vec_cap * sizeof(hsm_vec_entry));
}

Result<void> Lane::init(int fd, std::uint8_t *base, std::uint32_t ctl, std::uint32_t nslots,
				  std::uint32_t vec_cap)
{
	fd_ = fd;
	base_ = base;
	ctl_ = ctl;
	vec_ctl_ = ctl + align64(std::uint64_t(nslots) * kSlotBytes);
	vec_cap_ = vec_cap;
	int r = io_uring_queue_init(kRingEntries, &ring_, IORING_SETUP_SQE128);
	if (r < 0)
		return sys_fail(-r, "io_uring_queue_init (SQE128)");
	ring_ok_ = true;
	// A fork()ed child must not see the rings: SQEs it wrote would go out
	// with the parent's next submission, on the parent's connection.
	r = io_uring_ring_dontfork(&ring_);
	if (r < 0)
		return sys_fail(-r, "io_uring_ring_dontfork");
	slots_.resize(nslots);
	free_.reserve(nslots);
	for (std::uint32_t i = nslots; i-- > 0;)
		free_.push_back(i);
	vecs_.resize(kVectorBuffers);
	for (auto &v : vecs_)
		v.members.reserve(vec_cap);
	return {};
}

Lane::~Lane()
{
	if (ring_ok_)
		io_uring_queue_exit(&ring_);
}

// In a fork()ed child: the ring's mappings were not inherited (their
// addresses may hold the child's own mappings now), only its fd.
void Lane::forget() noexcept
{
	if (ring_ok_)
		::close(ring_.ring_fd);
	ring_ok_ = false;
}

// ---- submission and completion ----------------------------------------------

// What the module runs on the submission path inside a VECTOR (the ABI's
// table): commands that neither sleep nor wait for a context, with small
// payloads.  Others go alone, to io-wq, without taking small ones along.
bool Lane::vectorizable(const OpRecord &rec) const noexcept
{
	if (!vectors_ok_ || vec_cap_ < 2)
		return false;
	const unsigned cls = hsm_cmd_class(rec.cmd);
	if (!(cls & HSM_CMD_VECTOR) || (cls & (HSM_CMD_SLEEPS | HSM_CMD_CTX)))
		return false;
	const hsm_op &o = rec.op;
	std::uint64_t bytes = std::uint64_t(rec.params_len ? rec.params_len : o.params.len) + o.in.len +
			      o.out.len + o.iv.len + o.aad.len + o.tag.len;
	return bytes <= HSM_INLINE_MAX;
}

std::uint32_t Lane::take_slot(OpRecord *rec, std::uint64_t t) noexcept
{
	std::uint32_t idx = free_.back();
	free_.pop_back();
	slots_[idx].rec = rec;
	const std::uint32_t ctl = ctl_ + idx * kSlotBytes;
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
	rec->state.store(OpState::kInFlight, std::memory_order_relaxed);
	return idx;
}

void Lane::prep_single(io_uring_sqe *sqe, std::uint32_t idx) noexcept
{
	const OpRecord *rec = slots_[idx].rec;
	std::memset(sqe, 0, 2 * sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd_;
	sqe->cmd_op = rec->cmd;
	std::memcpy(sqe->cmd, &rec->op, sizeof(rec->op));
	io_uring_sqe_set_data64(sqe, make_ud(slots_[idx].gen, idx, false));
}

// Hands the kernel the SQEs the ring holds; true once it took them all.
// liburing publishes SQEs (the ring's tail) before io_uring_enter, so an
// SQE that a failed or short enter left behind still runs with the next
// enter on this ring: its operation stays in flight, and reap() retries
// the submission with a growing pause.  A failure never answers an
// operation here, since its SQE may yet run against a slot reused by
// then.  Short counts loop; an error returns at once (the lock is held).
bool Lane::flush() noexcept
{
	for (int i = 0; i < 4 && io_uring_sq_ready(&ring_); i++) {
		int r = io_uring_submit(&ring_);
		if (r < 0 && r != -EINTR)
			break;
	}
	if (io_uring_sq_ready(&ring_))
		return false;
	backoff_ = 0;
	return true;
}

// The pause before the next try of a refused submission: 20 us, doubling
// up to 10 ms.
unsigned Lane::next_pause_us() noexcept
{
	unsigned us = 20u << std::min(backoff_, 9u);
	backoff_++;
	return us;
}

namespace {

enum class Order { kGo, kLink, kWait, kCancel };

// Calls on one context keep the order of the batch.  The module runs a
// large call on an io-wq worker and a small one inline, so two SQEs in
// one enter may run in either order; a call therefore goes linked right
// behind its predecessor's SQE (the kernel starts it when that one
// succeeded and cancels it when it failed), or alone once the predecessor
// completed, and not at all if that one failed: a Final must not report on
// a stream that lost a part.  A reset, which recovers a failed context,
// waits for its predecessor but never inherits its failure.
Order order(const OpRecord &rec, const OpRecord *last_sqe_rec) noexcept
{
	const OpRecord &p = *rec.after;
	const bool reset = rec.cmd == HSM_IOC_CTX_RESET;
	if (p.state.load(std::memory_order_relaxed) == OpState::kDone)
		return p.res < 0 && !reset ? Order::kCancel : Order::kGo;
	if (&p == last_sqe_rec && !reset)
		return Order::kLink;
	return Order::kWait;
}

} // namespace

std::size_t Lane::submit_locked(OpRecord *const *recs, std::size_t n)
{
	std::size_t sent = 0;
	const std::uint64_t t = now_ns();
	unsigned nsqe = 0;
	VecBuf *open = nullptr;
	io_uring_sqe *open_sqe = nullptr;
	// The SQE last taken from the ring, and the record it carries alone.
	io_uring_sqe *last_sqe = nullptr;
	const OpRecord *last_rec = nullptr;

	// A vector of one goes as the plain command; otherwise its SQE names
	// the entries written into its buffer.
	auto close_vector = [&] {
		const std::uint32_t vi = static_cast<std::uint32_t>(open - vecs_.data());
		if (open->members.size() == 1) {
			prep_single(open_sqe, open->members[0]);
			open->members.clear();
			open->busy = false;
		} else {
			hsm_op op{};
			op.resp_off = HSM_RESP_NONE;
			op.in = {vec_ctl_ + vi * vec_cap_ * std::uint32_t(sizeof(hsm_vec_entry)),
				 static_cast<std::uint32_t>(open->members.size() * sizeof(hsm_vec_entry))};
			std::memset(open_sqe, 0, 2 * sizeof(*open_sqe));
			open_sqe->opcode = IORING_OP_URING_CMD;
			open_sqe->fd = fd_;
			open_sqe->cmd_op = HSM_IOC_VECTOR;
			std::memcpy(open_sqe->cmd, &op, sizeof(op));
			io_uring_sqe_set_data64(open_sqe, make_ud(open->gen, vi, true));
		}
		open = nullptr;
	};

	while (sent < n && !free_.empty()) {
		OpRecord *rec = recs[sent];
		Order ord = rec->after ? order(*rec, last_rec) : Order::kGo;
		if (ord == Order::kWait)
			break;
		if (ord == Order::kCancel) {
			answer_unsent(*rec, ECANCELED, Status::kCanceled);
			sent++;
			continue;
		}
		if (!rec->after && vectorizable(*rec)) {
			if (open && open->members.size() == vec_cap_)
				close_vector();
			if (!open) {
				for (auto &v : vecs_)
					if (!v.busy) {
						open_sqe = io_uring_get_sqe(&ring_);
						if (open_sqe) {
							open = &v;
							open->busy = true;
							nsqe++;
							last_sqe = open_sqe;
							last_rec = nullptr;
						}
						break;
					}
			}
			if (open) {
				const std::uint32_t vi = static_cast<std::uint32_t>(open - vecs_.data());
				auto *e = reinterpret_cast<hsm_vec_entry *>(
					base_ + vec_ctl_ +
					(std::size_t(vi) * vec_cap_ + open->members.size()) * sizeof(hsm_vec_entry));
				std::uint32_t idx = take_slot(rec, t);
				e->cmd = rec->cmd;
				e->reserved0 = 0;
				e->op = rec->op;
				open->members.push_back(idx);
				sent++;
				continue;
			}
		}
		io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
		if (!sqe)
			break;
		if (ord == Order::kLink)
			last_sqe->flags |= IOSQE_IO_LINK;
		std::uint32_t idx = take_slot(rec, t);
		prep_single(sqe, idx);
		nsqe++;
		last_sqe = sqe;
		last_rec = rec;
		sent++;
	}
	if (open)
		close_vector();
	if (nsqe)
		flush();	// what the kernel refuses, reap() sends
	return sent;
}

std::size_t Lane::submit(OpRecord *const *recs, std::size_t n)
{
	std::lock_guard lk(m_);
	return submit_locked(recs, n);
}

void Lane::complete_slot(std::uint32_t idx, std::int32_t res, bool from_record) noexcept
{
	Slot &s = slots_[idx];
	OpRecord *rec = s.rec;
	const auto *resp = reinterpret_cast<const hsm_resp *>(base_ + ctl_ + idx * kSlotBytes);
	if (from_record)
		res = resp->result == kNoRecord ? -EIO : resp->result;
	rec->res = res;
	if (resp->result == res && resp->result != kNoRecord) {
		rec->status = resp->status;
		rec->value = resp->value;
	} else {
		rec->status = static_cast<std::uint32_t>(status_from_errno(res < 0 ? -res : 0));
		rec->value = 0;
	}
	s.rec = nullptr;
	s.gen++;
	free_.push_back(idx);
	if (rec->owner)
		batch_completed(rec->owner, rec->index);
	// Last: done() reads the state without the lock, and its owner may
	// take the record (or clear() the batch) from then on.
	rec->state.store(OpState::kDone, std::memory_order_release);
}

// The module refused the vector as a whole, before any entry ran: send its
// entries one by one, so that each gets its own answer (the malformed one
// its EINVAL).
void Lane::vector_failed(VecBuf &vb, std::int32_t res) noexcept
{
	if (res == -ENOTTY || res == -EOPNOTSUPP)
		vectors_ok_ = false;
	bool queued = false;
	for (std::uint32_t idx : vb.members) {
		io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
		if (!sqe) {
			flush();
			sqe = io_uring_get_sqe(&ring_);
		}
		if (!sqe) {
			// The ring is full and the kernel takes nothing: this
			// entry never reached it, so it may answer now.
			complete_slot(idx, res, false);
			continue;
		}
		prep_single(sqe, idx);
		queued = true;
	}
	if (queued)
		flush();
}

void Lane::complete(std::uint64_t ud, std::int32_t res) noexcept
{
	std::uint32_t idx = static_cast<std::uint32_t>(ud);
	std::uint32_t gen = static_cast<std::uint32_t>(ud >> 32) & kGenMask;
	if (ud & kVecFlag) {
		if (idx >= vecs_.size())
			return;
		VecBuf &vb = vecs_[idx];
		if (!vb.busy || (vb.gen & kGenMask) != gen)
			return;
		if (res >= 0) {
			for (std::uint32_t m : vb.members)
				complete_slot(m, 0, true);
		} else {
			vector_failed(vb, res);
		}
		vb.members.clear();
		vb.gen++;
		vb.busy = false;
		return;
	}
	if (idx >= slots_.size())
		return;
	Slot &s = slots_[idx];
	if ((s.gen & kGenMask) != gen || !s.rec)
		return;
	complete_slot(idx, res, false);
}

void Lane::reap(std::unique_lock<std::mutex> &lk, bool block)
{
	if (reaping_) {
		if (block)
			cv_.wait(lk);
		return;
	}
	// SQEs a refused enter left in the ring go first (under the lock, as
	// submitters write the ring's tail).  While the kernel refuses them,
	// their completions cannot come: poll with a growing pause rather
	// than block for ever.
	const bool stuck = io_uring_sq_ready(&ring_) && !flush();
	const unsigned pause_us = stuck && block ? next_pause_us() : 0;
	reaping_ = true;
	lk.unlock();
	struct {
		std::uint64_t ud;
		std::int32_t res;
	} got[64];
	unsigned n = 0;
	io_uring_cqe *cqe = nullptr;
	int r = block && !stuck ? io_uring_wait_cqe(&ring_, &cqe) : io_uring_peek_cqe(&ring_, &cqe);
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
	if (!n && pause_us)
		usleep(pause_us);
	lk.lock();
	for (unsigned i = 0; i < n; i++)
		complete(got[i].ud, got[i].res);
	reaping_ = false;
	cv_.notify_all();
}

void Lane::run(OpRecord &rec)
{
	OpRecord *p = &rec;
	std::unique_lock lk(m_);
	// Under the lock, which every writer of the state holds.
	while (rec.state.load(std::memory_order_relaxed) == OpState::kQueued) {
		if (submit_locked(&p, 1))
			break;
		reap(lk, true);
	}
	while (rec.state.load(std::memory_order_relaxed) != OpState::kDone)
		reap(lk, true);
}

void Lane::poll()
{
	std::unique_lock lk(m_);
	reap(lk, false);
}

} // namespace hsm::detail
