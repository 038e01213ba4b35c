// SPDX-License-Identifier: MIT
//
// hsm/batch.hpp: many operations, one io_uring_enter.  Errors common to
// every module call are listed in hsm/stack.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "hsm/context.hpp"
#include "hsm/memory.hpp"
#include "hsm/result.hpp"
#include "hsm/stack.hpp"
#include "hsm/types.hpp"

namespace hsm {

namespace detail {
struct BatchImpl;
struct Op;
}

/// A batch: queue operations (any mix of keys, contexts and one-shots),
/// submit() them with one io_uring_enter, then wait_all(), wait_any() or
/// poll().  The library matches every completion to its operation; get(id)
/// returns that operation's own result.  At most capacity() operations per
/// batch (fixed at construction, no allocation per operation).  When more
/// are queued than the connection may have in flight, submit() sends what
/// fits and the waits send the rest as earlier ones complete.  Destroying a
/// batch waits for the operations it sent (the module is using their
/// buffers) and drops those never sent.  One thread at a time.
class Batch {
public:
	using OpId = std::uint32_t;

	/// A batch for up to `capacity` operations (1..65536) on `stack`,
	/// with the stack's default timeout.
	explicit Batch(const CryptoStack &stack, std::size_t capacity = 256);
	Batch(Batch &&) noexcept;
	Batch &operator=(Batch &&) noexcept;
	~Batch();

	/// Deadline of operations queued from now on (default: the stack's).
	void set_timeout(Timeout t) noexcept;

	// Queue one operation; returns its id.  Errors (of queuing): kLimitExceeded
	// (the batch is full), kInvalidState (a moved-from batch),
	// kInvalidArgument (truncated algorithm name).  The operation's own
	// errors come from get():
	/// DIGEST: returns the digest size.  kBufferTooSmall.
	[[nodiscard]] Result<OpId> digest(AlgorithmId alg, BufferRef in, BufferRef out);
	/// MAC (kSign): returns the tag length.  kBufferTooSmall, unless
	/// `truncate` asks for the prefix that fits in a shorter tag.
	[[nodiscard]] Result<OpId> mac(const CryptoResourceId &key, BufferRef in, BufferRef tag,
				       bool truncate = false);
	/// MAC_VERIFY (kVerify): 0 or kAuthFailed.
	[[nodiscard]] Result<OpId> mac_verify(const CryptoResourceId &key, BufferRef in, BufferRef tag);
	/// SEAL (kEncrypt): returns in's length.
	[[nodiscard]] Result<OpId> seal(const CryptoResourceId &key, BufferRef nonce, BufferRef aad,
					BufferRef in, BufferRef out, BufferRef tag);
	/// OPEN (kDecrypt): returns in's length, or kAuthFailed (out zeroed).
	[[nodiscard]] Result<OpId> open(const CryptoResourceId &key, BufferRef nonce, BufferRef aad,
					BufferRef in, BufferRef out, BufferRef tag);
	/// ENCRYPT / DECRYPT (block and stream ciphers; no padding).
	[[nodiscard]] Result<OpId> encrypt(const CryptoResourceId &key, BufferRef iv, BufferRef in, BufferRef out);
	[[nodiscard]] Result<OpId> decrypt(const CryptoResourceId &key, BufferRef iv, BufferRef in, BufferRef out);
	/// SIGN (kSign): returns the signature length.  VERIFY: 0 or kAuthFailed.
	[[nodiscard]] Result<OpId> sign(const CryptoResourceId &key, BufferRef in, BufferRef sig);
	[[nodiscard]] Result<OpId> verify(const CryptoResourceId &key, BufferRef in, BufferRef sig);
	/// The same, of a digest or with r || s (SignFormat).
	[[nodiscard]] Result<OpId> sign(const CryptoResourceId &key, BufferRef in, BufferRef sig, SignFormat f);
	[[nodiscard]] Result<OpId> verify(const CryptoResourceId &key, BufferRef in, BufferRef sig,
					  SignFormat f);
	/// RANDOM: returns out's length.
	[[nodiscard]] Result<OpId> random(BufferRef out);
	/// Context calls, as the context's own methods.  Calls on one context
	/// run in the order queued, one after the other, whatever their sizes;
	/// once one fails, the later ones on that context fail with kCanceled
	/// without running (so a finalize() never reports on a stream that lost
	/// a part), up to a reset(), which runs after its predecessor whatever
	/// its outcome.  init(): iv for ciphers, iv = nonce and aad for AEAD.
	/// update(): out for ciphers.  finalize(): out for the digest, tag,
	/// signature or AEAD output; tag for MAC/signature verification and
	/// the AEAD tag.
	[[nodiscard]] Result<OpId> init(const StreamingContext &ctx, BufferRef iv = {}, BufferRef aad = {});
	[[nodiscard]] Result<OpId> update(const StreamingContext &ctx, BufferRef in, BufferRef out = {});
	[[nodiscard]] Result<OpId> finalize(const StreamingContext &ctx, BufferRef out = {}, BufferRef tag = {});
	[[nodiscard]] Result<OpId> reset(const StreamingContext &ctx);

	/// Sends every queued operation that may be in flight now, with one
	/// io_uring_enter; returns how many it sent (counting context calls
	/// answered kCanceled at once).  It stops at a context call whose
	/// predecessor on that context is still running and could not be
	/// linked to it; the waits send the rest.  An operation once sent is
	/// never answered before the module ran it: if the kernel refuses the
	/// submission for a while, the waits retry it.  Errors: kInvalidState
	/// (a batch inherited across fork()).
	[[nodiscard]] Result<std::size_t> submit();
	/// Submits what is queued and waits until every operation completed.
	/// Returns how many failed (their errors are in get()).  Errors:
	/// kInvalidState (a batch inherited across fork()).
	[[nodiscard]] Result<std::size_t> wait_all();
	/// Submits what is queued and waits until one operation not yet
	/// returned by wait_any() completed; returns its id.  Errors:
	/// kInvalidState (every operation was already returned).
	[[nodiscard]] Result<OpId> wait_any();
	/// Reaps what has completed without blocking; returns how many of this
	/// batch's operations are complete.
	[[nodiscard]] std::size_t poll();

	/// The result of an operation: the module's return value (a length, or
	/// 0) or its error.  Errors also: kInvalidState (not complete yet),
	/// kInvalidArgument (no such id), kCanceled (an earlier call on the same
	/// context failed), kInternal (a length beyond the operation's output).
	[[nodiscard]] Result<std::uint32_t> get(OpId id) const;
	/// True once the operation completed.
	[[nodiscard]] bool done(OpId id) const noexcept;
	[[nodiscard]] std::size_t size() const noexcept;
	[[nodiscard]] std::size_t capacity() const noexcept;
	[[nodiscard]] std::size_t completed() const noexcept;
	/// Forgets every operation, to queue new ones.  Errors: kInvalidState
	/// (operations still in flight: wait first).
	[[nodiscard]] Result<void> clear();

private:
	Result<OpId> add(const detail::Op &op);
	std::unique_ptr<detail::BatchImpl> impl_;
};

} // namespace hsm
