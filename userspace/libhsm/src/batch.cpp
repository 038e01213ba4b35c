// SPDX-License-Identifier: MIT
//
// Batches: an array of OpRecords preallocated at construction, submitted
// with one io_uring_enter; completions are matched to records by slot index
// and generation (user_data), never by order.
#include <cerrno>
#include <algorithm>
#include <atomic>
#include <memory>

#include "hsm/batch.hpp"

#include "conn.hpp"
#include "op.hpp"

namespace hsm {

namespace detail {

// A batch's records: room for all of them allocated once, each built in
// place when its operation is queued.  They never move (the lanes hold
// pointers to them, and their state is atomic), so this is not a vector.
class Records {
public:
	explicit Records(std::size_t cap) : mem_(std::allocator<OpRecord>().allocate(cap)), cap_(cap) {}
	~Records()
	{
		clear();
		std::allocator<OpRecord>().deallocate(mem_, cap_);
	}
	Records(const Records &) = delete;
	Records &operator=(const Records &) = delete;

	OpRecord &emplace_back() { return *std::construct_at(mem_ + size_++); }
	void pop_back() noexcept { std::destroy_at(mem_ + --size_); }
	void clear() noexcept
	{
		std::destroy_n(mem_, size_);
		size_ = 0;
	}
	OpRecord &operator[](std::size_t i) noexcept { return mem_[i]; }
	const OpRecord &operator[](std::size_t i) const noexcept { return mem_[i]; }
	OpRecord *begin() noexcept { return mem_; }
	OpRecord *end() noexcept { return mem_ + size_; }
	std::size_t size() const noexcept { return size_; }
	std::size_t capacity() const noexcept { return cap_; }

private:
	OpRecord *mem_;
	std::size_t size_ = 0;
	std::size_t cap_;
};

struct BatchImpl {
	explicit BatchImpl(std::size_t capacity) : recs(capacity) {}

	std::shared_ptr<Connection> conn;	// keeps the lane alive
	Lane *lane = nullptr;			// of the thread that last sent it
	Timeout timeout;
	Records recs;
	std::vector<OpRecord *> pending;	// queued, not yet sent (FIFO from `next`)
	std::size_t next = 0;			// first unsent in pending
	std::size_t done = 0;
	std::vector<std::uint32_t> ready;	// completed, not yet returned by wait_any
	std::size_t ready_head = 0;
	// Per context of the batch, its last call queued (the next one's
	// predecessor): few contexts per batch, so a short list.
	std::vector<std::pair<std::uint64_t, OpRecord *>> last_call;

	// In a fork()ed child the parent's batch has nothing of the child's
	// in flight, and its lane must not be touched (nor its lock taken).
	bool alive() const noexcept { return conn->alive(); }

	// With nothing in flight, the batch moves to the calling thread's
	// lane: its owner may have changed since it was made or last sent.
	void bind()
	{
		if (done == next)
			lane = &conn->lane();
	}

	// Waits for what was sent; what was only queued is dropped.
	void drain()
	{
		if (alive())
			lane->wait([&] { return done == next; }, [] {});
	}

	// Links a context call behind the batch's previous call on that
	// context.
	void chain(OpRecord &r)
	{
		for (auto &[ctx, last] : last_call)
			if (ctx == r.op.handle) {
				r.after = last;
				last = &r;
				return;
			}
		last_call.emplace_back(r.op.handle, &r);
	}

	std::size_t send_locked()
	{
		if (next == pending.size())
			return 0;
		std::size_t n = lane->submit_locked(pending.data() + next, pending.size() - next);
		next += n;
		return n;
	}
};

void batch_completed(BatchImpl *b, std::uint32_t index) noexcept
{
	b->done++;
	b->ready.push_back(index);	// reserved to capacity: never allocates
}

std::unexpected<Error> forked(const char *what)
{
	return fail(Status::kInvalidState, ECHILD,
		    std::string(what) + ": a batch inherited across fork(): make batches on a stack of the child");
}

} // namespace detail

using detail::OpRecord;

Batch::Batch(const CryptoStack &stack, std::size_t capacity)
	: impl_(std::make_unique<detail::BatchImpl>(std::clamp<std::size_t>(capacity, 1, 65536)))
{
	capacity = impl_->recs.capacity();
	impl_->conn = stack.conn_;
	impl_->lane = &stack.conn_->lane();
	impl_->timeout = stack.timeout_;
	impl_->pending.reserve(capacity);
	impl_->ready.reserve(capacity);
}

Batch::Batch(Batch &&) noexcept = default;

Batch &Batch::operator=(Batch &&o) noexcept
{
	if (this != &o) {
		if (impl_)
			impl_->drain();
		impl_ = std::move(o.impl_);
	}
	return *this;
}

Batch::~Batch()
{
	if (impl_)
		impl_->drain();
}


void Batch::set_timeout(Timeout t) noexcept
{
	if (impl_)
		impl_->timeout = t;
}

Result<Batch::OpId> Batch::add(const detail::Op &op)
{
	if (!impl_)
		return fail(Status::kInvalidState, EBADFD, "a moved-from batch");
	auto &v = impl_->recs;
	if (v.size() == v.capacity())
		return fail(Status::kLimitExceeded, ENOSPC,
			    "the batch is full (" + std::to_string(v.capacity()) + " operations)");
	OpRecord &r = v.emplace_back();
	detail::make_op(r, op, impl_->timeout);
	r.owner = impl_.get();
	r.index = static_cast<std::uint32_t>(v.size() - 1);
	if (hsm_cmd_class(r.cmd) & HSM_CMD_CTX) {
		try {
			impl_->chain(r);
		} catch (...) {
			v.pop_back();
			return fail(Status::kOutOfMemory, ENOMEM, "a batch's context list");
		}
	}
	impl_->pending.push_back(&r);
	return r.index;
}

Result<Batch::OpId> Batch::digest(AlgorithmId alg, BufferRef in, BufferRef out)
{
	if (auto ok = detail::check_alg(alg, "digest"); !ok)
		return std::unexpected(ok.error());
	return add(detail::digest_op(alg, in, out));
}

Result<Batch::OpId> Batch::mac(const CryptoResourceId &k, BufferRef in, BufferRef tag, bool truncate)
{
	return add(detail::mac_op(k, in, tag, truncate));
}

Result<Batch::OpId> Batch::mac_verify(const CryptoResourceId &k, BufferRef in, BufferRef tag)
{
	return add(detail::mac_verify_op(k, in, tag));
}

Result<Batch::OpId> Batch::seal(const CryptoResourceId &k, BufferRef nonce, BufferRef aad, BufferRef in,
				BufferRef out, BufferRef tag)
{
	return add(detail::aead_op(HSM_IOC_SEAL, k, nonce, aad, in, out, tag));
}

Result<Batch::OpId> Batch::open(const CryptoResourceId &k, BufferRef nonce, BufferRef aad, BufferRef in,
				BufferRef out, BufferRef tag)
{
	return add(detail::aead_op(HSM_IOC_OPEN, k, nonce, aad, in, out, tag));
}

Result<Batch::OpId> Batch::encrypt(const CryptoResourceId &k, BufferRef iv, BufferRef in, BufferRef out)
{
	return add(detail::cipher_op(HSM_IOC_ENCRYPT, k, iv, in, out));
}

Result<Batch::OpId> Batch::decrypt(const CryptoResourceId &k, BufferRef iv, BufferRef in, BufferRef out)
{
	return add(detail::cipher_op(HSM_IOC_DECRYPT, k, iv, in, out));
}

Result<Batch::OpId> Batch::sign(const CryptoResourceId &k, BufferRef in, BufferRef sig)
{
	return add(detail::sign_op(k, in, sig));
}

Result<Batch::OpId> Batch::verify(const CryptoResourceId &k, BufferRef in, BufferRef sig)
{
	return add(detail::verify_op(k, in, sig));
}

Result<Batch::OpId> Batch::sign(const CryptoResourceId &k, BufferRef in, BufferRef sig, SignFormat f)
{
	return add(detail::sign_op(k, in, sig, f));
}

Result<Batch::OpId> Batch::verify(const CryptoResourceId &k, BufferRef in, BufferRef sig, SignFormat f)
{
	return add(detail::verify_op(k, in, sig, f));
}

Result<Batch::OpId> Batch::random(BufferRef out)
{
	return add(detail::random_op(out));
}

Result<Batch::OpId> Batch::init(const StreamingContext &c, BufferRef iv, BufferRef aad)
{
	return add(c.op(HSM_IOC_CTX_INIT, {.iv = iv, .aad = aad}));
}

Result<Batch::OpId> Batch::update(const StreamingContext &c, BufferRef in, BufferRef out)
{
	return add(c.op(HSM_IOC_CTX_UPDATE, {.in = in, .out = out}));
}

Result<Batch::OpId> Batch::finalize(const StreamingContext &c, BufferRef out, BufferRef tag)
{
	return add(c.op(HSM_IOC_CTX_FINAL, {.out = out, .tag = tag}));
}

Result<Batch::OpId> Batch::reset(const StreamingContext &c)
{
	return add(c.op(HSM_IOC_CTX_RESET, {}));
}

Result<std::size_t> Batch::submit()
{
	if (!impl_)
		return fail(Status::kInvalidState, EBADFD, "a moved-from batch");
	auto &b = *impl_;
	if (!b.alive())
		return detail::forked("submit");
	if (b.next == b.pending.size())
		return std::size_t(0);
	b.bind();
	std::size_t n = b.lane->submit(b.pending.data() + b.next, b.pending.size() - b.next);
	b.next += n;
	return n;
}

Result<std::size_t> Batch::wait_all()
{
	if (!impl_)
		return fail(Status::kInvalidState, EBADFD, "a moved-from batch");
	auto &b = *impl_;
	if (!b.alive())
		return detail::forked("wait_all");
	b.bind();
	b.lane->wait([&] { return b.done == b.recs.size(); }, [&] { b.send_locked(); });
	std::size_t failed = 0;
	for (auto &r : b.recs)
		failed += r.res < 0;
	return failed;
}

Result<Batch::OpId> Batch::wait_any()
{
	if (!impl_)
		return fail(Status::kInvalidState, EBADFD, "a moved-from batch");
	auto &b = *impl_;
	if (!b.alive())
		return detail::forked("wait_any");
	if (b.ready_head == b.recs.size())
		return fail(Status::kInvalidState, EBADFD, "wait_any: every operation was already returned");
	b.bind();
	b.lane->wait([&] { return b.ready_head < b.ready.size(); }, [&] { b.send_locked(); });
	return b.ready[b.ready_head++];
}

std::size_t Batch::poll()
{
	if (!impl_)
		return 0;
	auto &b = *impl_;
	if (!b.alive())
		return 0;
	b.lane->poll();
	return completed();
}

Result<std::uint32_t> Batch::get(OpId id) const
{
	if (!impl_ || id >= impl_->recs.size())
		return fail(Status::kInvalidArgument, EINVAL, "get: no such operation");
	const OpRecord &r = impl_->recs[id];
	if (r.state.load(std::memory_order_acquire) != detail::OpState::kDone)
		return fail(Status::kInvalidState, EBADFD, "get: the operation has not completed");
	return detail::answer(r, "batch operation " + std::to_string(id));
}

bool Batch::done(OpId id) const noexcept
{
	return impl_ && id < impl_->recs.size() &&
	       impl_->recs[id].state.load(std::memory_order_acquire) == detail::OpState::kDone;
}

std::size_t Batch::size() const noexcept { return impl_ ? impl_->recs.size() : 0; }
std::size_t Batch::capacity() const noexcept { return impl_ ? impl_->recs.capacity() : 0; }
std::size_t Batch::completed() const noexcept
{
	if (!impl_ || !impl_->alive())
		return 0;
	// Under the lane's lock: the reaper may be another thread.
	return impl_->lane->locked([&] { return impl_->done; });
}

Result<void> Batch::clear()
{
	if (!impl_)
		return fail(Status::kInvalidState, EBADFD, "a moved-from batch");
	auto &b = *impl_;
	if (!b.alive())
		return detail::forked("clear");
	// Under the lane's lock: the reaper may still be inside
	// batch_completed() for the last operation.
	return b.lane->locked([&]() -> Result<void> {
		if (b.done != b.recs.size())
			return fail(Status::kInvalidState, EBUSY, "clear: operations still queued or in flight");
		b.recs.clear();
		b.pending.clear();
		b.ready.clear();
		b.last_call.clear();
		b.next = b.done = b.ready_head = 0;
		return {};
	});
}

} // namespace hsm
