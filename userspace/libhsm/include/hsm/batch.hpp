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
/// Submit() them with one io_uring_enter, then WaitAll(), WaitAny() or
/// Poll().  The library matches every completion to its operation; Get(id)
/// returns that operation's own result.  At most capacity() operations per
/// batch (fixed at construction, no allocation per operation).  When more
/// are queued than the connection may have in flight, Submit() sends what
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
	void SetTimeout(Timeout t) noexcept;

	// Queue one operation; returns its id.  Errors (of queuing): LimitExceeded
	// (the batch is full), InvalidState (a moved-from batch),
	// InvalidArgument (truncated algorithm name).  The operation's own
	// errors come from Get():
	/// DIGEST: returns the digest size.  BufferTooSmall.
	[[nodiscard]] Result<OpId> Digest(AlgorithmId alg, BufferRef in, BufferRef out);
	/// MAC (kSign): returns the tag length.  BufferTooSmall, unless
	/// `truncate` asks for the prefix that fits in a shorter tag.
	[[nodiscard]] Result<OpId> Mac(const CryptoResourceId &key, BufferRef in, BufferRef tag,
				       bool truncate = false);
	/// MAC_VERIFY (kVerify): 0 or AuthFailed.
	[[nodiscard]] Result<OpId> MacVerify(const CryptoResourceId &key, BufferRef in, BufferRef tag);
	/// SEAL (kEncrypt): returns in's length.
	[[nodiscard]] Result<OpId> Seal(const CryptoResourceId &key, BufferRef nonce, BufferRef aad,
					BufferRef in, BufferRef out, BufferRef tag);
	/// OPEN (kDecrypt): returns in's length, or AuthFailed (out zeroed).
	[[nodiscard]] Result<OpId> Open(const CryptoResourceId &key, BufferRef nonce, BufferRef aad,
					BufferRef in, BufferRef out, BufferRef tag);
	/// ENCRYPT / DECRYPT (block and stream ciphers; no padding).
	[[nodiscard]] Result<OpId> Encrypt(const CryptoResourceId &key, BufferRef iv, BufferRef in, BufferRef out);
	[[nodiscard]] Result<OpId> Decrypt(const CryptoResourceId &key, BufferRef iv, BufferRef in, BufferRef out);
	/// SIGN (kSign): returns the signature length.  VERIFY: 0 or AuthFailed.
	[[nodiscard]] Result<OpId> Sign(const CryptoResourceId &key, BufferRef in, BufferRef sig);
	[[nodiscard]] Result<OpId> Verify(const CryptoResourceId &key, BufferRef in, BufferRef sig);
	/// RANDOM: returns out's length.
	[[nodiscard]] Result<OpId> Random(BufferRef out);
	/// Context calls, as the context's own methods.  Calls on one context
	/// run in the order queued, one after the other, whatever their sizes;
	/// once one fails, the later ones on that context fail with Canceled
	/// without running (so a Finalize never reports on a stream that lost
	/// a part), up to a Reset, which runs after its predecessor whatever
	/// its outcome.  Init: iv for ciphers, iv = nonce and aad for AEAD.
	/// Update: out for ciphers.  Finalize: out for the digest, tag,
	/// signature or AEAD output; tag for MAC/signature verification and
	/// the AEAD tag.
	[[nodiscard]] Result<OpId> Init(const StreamingContext &ctx, BufferRef iv = {}, BufferRef aad = {});
	[[nodiscard]] Result<OpId> Update(const StreamingContext &ctx, BufferRef in, BufferRef out = {});
	[[nodiscard]] Result<OpId> Finalize(const StreamingContext &ctx, BufferRef out = {}, BufferRef tag = {});
	[[nodiscard]] Result<OpId> Reset(const StreamingContext &ctx);

	/// Sends every queued operation that may be in flight now, with one
	/// io_uring_enter; returns how many it sent (counting context calls
	/// answered Canceled at once).  It stops at a context call whose
	/// predecessor on that context is still running and could not be
	/// linked to it; the waits send the rest.  An operation once sent is
	/// never answered before the module ran it: if the kernel refuses the
	/// submission for a while, the waits retry it.  Errors: InvalidState
	/// (a batch inherited across fork()).
	[[nodiscard]] Result<std::size_t> Submit();
	/// Submits what is queued and waits until every operation completed.
	/// Returns how many failed (their errors are in Get()).  Errors:
	/// InvalidState (a batch inherited across fork()).
	[[nodiscard]] Result<std::size_t> WaitAll();
	/// Submits what is queued and waits until one operation not yet
	/// returned by WaitAny() completed; returns its id.  Errors:
	/// InvalidState (every operation was already returned).
	[[nodiscard]] Result<OpId> WaitAny();
	/// Reaps what has completed without blocking; returns how many of this
	/// batch's operations are complete.
	[[nodiscard]] std::size_t Poll();

	/// The result of an operation: the module's return value (a length, or
	/// 0) or its error.  Errors also: InvalidState (not complete yet),
	/// InvalidArgument (no such id), Canceled (an earlier call on the same
	/// context failed), Internal (a length beyond the operation's output).
	[[nodiscard]] Result<std::uint32_t> Get(OpId id) const;
	/// True once the operation completed.
	[[nodiscard]] bool Done(OpId id) const noexcept;
	[[nodiscard]] std::size_t size() const noexcept;
	[[nodiscard]] std::size_t capacity() const noexcept;
	[[nodiscard]] std::size_t completed() const noexcept;
	/// Forgets every operation, to queue new ones.  Errors: InvalidState
	/// (operations still in flight: wait first).
	[[nodiscard]] Result<void> Clear();

private:
	Result<OpId> add(const detail::Op &op);
	std::unique_ptr<detail::BatchImpl> impl_;
};

} // namespace hsm
