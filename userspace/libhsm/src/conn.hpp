// SPDX-License-Identifier: MIT
//
// The process's connection to /dev/hsm: the fd, the mapped region (a control
// area per lane of completion records, parameter blocks and vector buffers,
// then the heap the MemoryAllocator hands out), and the lanes: SQE128 rings,
// each with the operation slots that bound what it has in flight.  Internal
// to libhsm.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <liburing.h>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <linux/hsm.h>

#include "hsm/result.hpp"
#include "hsm/types.hpp"

namespace hsm::detail {

struct BatchImpl;

/// Parameter bytes an operation may carry inline (copied into its slot's
/// control block at submission): the largest parameter struct.
inline constexpr std::uint32_t kInlineParams = 192;
/// Bytes of control area per slot: the hsm_resp record, then the params.
inline constexpr std::uint32_t kSlotBytes = 256;
inline constexpr std::uint32_t kParamsAt = 64;
/// Entries of the submission ring: batches of 256 go out in one enter.
inline constexpr unsigned kRingEntries = 256;

enum class OpState : std::uint8_t { kQueued, kInFlight, kDone };

/// One operation: the command, its hsm_op, inline parameters, and where
/// the completion lands.  Lives in a Batch's preallocated array or on the
/// caller's stack for a synchronous call.
struct OpRecord {
	unsigned int cmd = 0;
	hsm_op op{};
	std::uint32_t params_len = 0;
	std::int32_t res = 0;
	std::uint32_t status = 0;
	std::uint64_t value = 0;
	// Written under the lane's lock; Batch::done() and get() read it
	// without, and take the answer's fields once it says kDone.
	std::atomic<OpState> state = OpState::kQueued;
	BatchImpl *owner = nullptr;
	std::uint32_t index = 0;
	// The batch's previous call on the same context: this one may start
	// only after it, and not at all when it failed.
	OpRecord *after = nullptr;
	alignas(8) std::uint8_t params[kInlineParams];
};

/// The most a data-plane operation may report as its result: the length of
/// its input or of what it wrote.
inline std::uint32_t result_bound(const hsm_op &op) noexcept
{
	return op.in.len > op.out.len ? op.in.len : op.out.len;
}

/// Vector buffers per lane: one batch per thread needs one at a time.
inline constexpr unsigned kVectorBuffers = 2;
/// Lanes at most, and the fewest operation slots a lane is given.
inline constexpr unsigned kMaxLanes = 8;
inline constexpr std::uint32_t kMinLaneSlots = 16;

/// A submission lane: an SQE128 ring with its lock, the operation slots it
/// owns (each a completion record and parameter block in the region) and
/// its vector buffers.  Threads are spread over the lanes, so that threads
/// on one connection do not serialise on one ring.
class Lane {
public:
	/// Sends as many of recs[0..n) (all kQueued) as slots allow, in one
	/// io_uring_enter; returns how many went.  Never blocks.
	std::size_t submit(OpRecord *const *recs, std::size_t n);
	/// Under the lock: submit (for `more` callbacks of wait()).
	std::size_t submit_locked(OpRecord *const *recs, std::size_t n);
	/// Runs one operation and waits for it (a batch of one).
	void run(OpRecord &rec);
	/// Blocks until done() is true, reaping completions for every waiter;
	/// `more` is called (under the lock) after each reap round to submit
	/// what became possible.
	template <typename Done, typename More>
	void wait(Done done, More more)
	{
		std::unique_lock lk(m_);
		while (!done()) {
			more();
			if (done())
				break;
			reap(lk, true);
		}
	}
	/// Reaps what has completed, without blocking.
	void poll();
	/// Runs f() under the lane's lock (the reaper writes batch
	/// bookkeeping under it).
	template <typename F>
	auto locked(F f)
	{
		std::lock_guard lk(m_);
		return f();
	}

	~Lane();

private:
	friend class Connection;

	struct Slot {
		OpRecord *rec = nullptr;
		std::uint32_t gen = 0;
	};
	struct VecBuf {
		std::uint32_t gen = 0;
		bool busy = false;
		std::vector<std::uint32_t> members;	// slot indices, in entry order
	};

	Result<void> init(int fd, std::uint8_t *base, std::uint32_t ctl,
				    std::uint32_t nslots, std::uint32_t vec_cap);
	static std::uint32_t ctl_bytes(std::uint32_t nslots, std::uint32_t vec_cap) noexcept;
	void reap(std::unique_lock<std::mutex> &lk, bool block);
	void complete(std::uint64_t ud, std::int32_t res) noexcept;
	void complete_slot(std::uint32_t idx, std::int32_t res, bool from_record) noexcept;
	std::uint32_t take_slot(OpRecord *rec, std::uint64_t t) noexcept;
	void prep_single(io_uring_sqe *sqe, std::uint32_t idx) noexcept;
	bool vectorizable(const OpRecord &rec) const noexcept;
	void vector_failed(VecBuf &vb, std::int32_t res) noexcept;
	bool flush() noexcept;
	unsigned next_pause_us() noexcept;
	void forget() noexcept;

	int fd_ = -1;
	std::uint8_t *base_ = nullptr;
	std::uint32_t ctl_ = 0;		// region offset of the slot blocks
	std::uint32_t vec_ctl_ = 0;	// region offset of the vector buffers
	std::uint32_t vec_cap_ = 0;	// entries per vector buffer
	bool vectors_ok_ = true;	// cleared if the module refuses VECTOR itself
	io_uring ring_{};
	bool ring_ok_ = false;
	unsigned backoff_ = 0;		// refused submissions in a row

	std::mutex m_;
	std::condition_variable cv_;
	bool reaping_ = false;
	std::vector<Slot> slots_;
	std::vector<std::uint32_t> free_;
	std::vector<VecBuf> vecs_;
};

class Connection {
public:
	/// The process's connection: the live one, or a new one with a region
	/// of `region_size` bytes.
	static Result<std::shared_ptr<Connection>> get(std::size_t region_size);
	~Connection();
	Connection(const Connection &) = delete;
	Connection &operator=(const Connection &) = delete;

	const hsm_info &info() const noexcept { return info_; }
	std::size_t region_size() const noexcept { return size_; }
	std::uint32_t op_slots() const noexcept { return op_slots_; }
	std::size_t lanes() const noexcept { return lanes_.size(); }
	std::uint8_t *at(std::uint32_t off) const noexcept { return base_ + off; }
	/// False in a fork()ed child: there the region is not mapped and the
	/// rings are not the child's, so nothing may touch them.
	bool alive() const noexcept;

	// The heap of the region (MemoryAllocator), in memory.cpp.
	Result<std::uint32_t> alloc(std::size_t size, std::size_t align, std::size_t *cap);
	void free(std::uint32_t off) noexcept;
	std::size_t available() const noexcept;
	std::size_t largest_free() const noexcept;

	/// The calling thread's lane: the thread's seat (the lowest number
	/// no living thread holds) modulo the lanes.
	Lane &lane();
	/// Runs one operation on the calling thread's lane and waits for it;
	/// in a fork()ed child, answers kInvalidState (ECHILD) at once.
	void run(OpRecord &rec);

	/// The slot-name registry: one ID per (fsuid, fsgid, name) until the
	/// name is deleted or refreshed through this connection.  Returns the
	/// ID registered under `name`, or (when there is none, or `fresh`)
	/// the one open() returns, registered from then on.  One resolution at
	/// a time, so that threads resolving a name together get one ID.
	template <typename Open>
	Result<CryptoResourceId> resolve_slot(const std::string &name, bool fresh, Open open)
	{
		std::lock_guard lk(reg_mu_);
		if (!fresh)
			if (auto it = registry_.find(name); it != registry_.end())
				return it->second;
		auto id = open();
		if (id)
			registry_[name] = *id;
		return id;
	}
	/// Forgets a name's ID (the slot was deleted).
	void forget_slot(const std::string &name)
	{
		std::lock_guard lk(reg_mu_);
		registry_.erase(name);
	}

private:
	Connection() = default;
	Result<void> open(std::size_t region_size);
	void give_back(std::uint32_t start, std::uint32_t len);

	int fd_ = -1;
	unsigned gen_ = 0;	// the fork generation it was opened in
	std::uint8_t *base_ = nullptr;
	std::size_t size_ = 0;
	hsm_info info_{};
	std::uint32_t op_slots_ = 0;
	std::vector<std::unique_ptr<Lane>> lanes_;

	mutable std::mutex heap_mu_;
	std::uint32_t heap_start_ = 0;
	std::map<std::uint32_t, std::uint32_t> free_blocks_;	// start -> len
	std::map<std::uint32_t, std::pair<std::uint32_t, std::uint32_t>> used_; // off -> start, len

	std::mutex reg_mu_;
	std::map<std::string, CryptoResourceId> registry_;
};

/// Called by the connection, under its lock, when one of a batch's
/// operations completes.
void batch_completed(BatchImpl *b, std::uint32_t index) noexcept;

/// Answers an operation that never reached a ring: with -err and `st`.
/// Under the lane's lock for a batch's operation.
void answer_unsent(OpRecord &rec, int err, Status st) noexcept;

} // namespace hsm::detail
