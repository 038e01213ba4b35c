// SPDX-License-Identifier: MIT
//
// hsm/stack.hpp: the control plane.  A CryptoStack talks to /dev/hsm through
// the process's one connection (every stack of a process shares it, and with
// it key IDs, slot IDs and the shared region); it makes keys (KeyManager),
// streaming contexts and one-shot operations, and batches of any of them
// (Batch) submitted with one io_uring_enter.
//
// Errors: every call returns Result<T>; Error carries the module's status
// unchanged (Status::kNotFound for a released key, Status::kInvalidState
// for a context call out of order, ...), the errno it came with, and a
// message naming the call.  Errors common to every module call, not
// repeated below:
//   kNotFound         a key or context ID this connection does not hold
//   kNotPermitted     the key lacks the permission the call needs
//   kInvalidArgument  a payload of the wrong length, a bad algorithm name,
//                     a ref outside the region, a truncated AlgorithmId
//   kTimedOut         the deadline passed before the module could run the call
//   kUnsupported      an algorithm the module does not know or cannot serve
//
// fork(): the child inherits neither the region nor the rings, so the
// parent's stacks, guards, contexts, buffers and batches are inert there:
// their calls fail with kInvalidState (errno ECHILD) without reaching the
// module, and their destructors forget them (a guard's or context's ID
// stays the parent's, a buffer is not wiped).  The child may return or
// exit() normally with them alive; the parent keeps every key and context.
// CryptoStack::create() in the child opens a connection of its own.  The
// contents of a parent's Buffer must not be touched in the child.
//
// Threads: a CryptoStack, KeyManager and MemoryAllocator may be shared by
// any number of threads.  A context may be called from several threads; the
// module runs its calls one at a time, in arrival order.  A Batch belongs to
// one thread at a time (build, submit and wait from the same thread, or hand
// it over with your own synchronisation); many threads may each run their
// own Batch on one stack at once, each thread through an io_uring of its
// own while there are no more threads than lanes (one per CPU, up to 8).
// A Buffer must not be written while an operation that reads it is in
// flight, nor read while one writes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "hsm/context.hpp"
#include "hsm/keys.hpp"
#include "hsm/memory.hpp"
#include "hsm/result.hpp"
#include "hsm/types.hpp"

namespace hsm {

namespace detail {
class Connection;
}

/// Settings of a CryptoStack.
struct CryptoStackConfig {
	/// Deadline of every call of this stack whose context does not
	/// override it.  Default: the module's default_timeout_ms.
	Timeout timeout = Timeout::module_default();
	/// Bytes of the shared region, used only by the stack that opens the
	/// process's connection (the first one): a multiple of the page size.
	std::size_t region_size = 4u << 20;

	CryptoStackConfig &set_timeout(std::uint32_t ms) noexcept
	{
		timeout = Timeout::milliseconds(ms);
		return *this;
	}
	CryptoStackConfig &disable_timeout() noexcept
	{
		timeout = Timeout::disabled();
		return *this;
	}
	CryptoStackConfig &set_region_size(std::size_t bytes) noexcept
	{
		region_size = bytes;
		return *this;
	}
};

/// What the module reports about itself (a subset of struct hsm_info).
struct ModuleInfo {
	std::uint32_t abi_version = 0;
	std::string module_version;
	std::uint32_t platform = 0;	///< enum hsm_platform
	std::uint32_t max_inflight = 0;
	std::uint32_t default_timeout_ms = 0;
	std::size_t region_size = 0;	///< of this process's connection
	std::uint32_t op_slots = 0;	///< operations the library keeps in flight at most
};

class Batch;

/// The entry point.  Thread-safe.  Copyable: copies share the connection
/// and the default timeout.
class CryptoStack {
public:
	/// Opens (or joins) the process's connection to /dev/hsm.  Errors:
	/// kNotFound (no /dev/hsm: module not loaded), kNotPermitted (device
	/// permissions), kLimitExceeded (max_connections, region limits),
	/// kUnsupported (module without shared regions or io_uring commands),
	/// kInvalidArgument (region size not a page multiple), kInternal.
	[[nodiscard]] static Result<CryptoStack> create(const CryptoStackConfig &cfg = {});

	[[nodiscard]] KeyManager keys() const noexcept { return KeyManager(conn_); }
	[[nodiscard]] MemoryAllocator allocator() const noexcept { return MemoryAllocator(conn_); }
	[[nodiscard]] ModuleInfo info() const noexcept;
	[[nodiscard]] Timeout default_timeout() const noexcept { return timeout_; }

	/// Contexts.  Errors: kNotFound (the key was released: keep its guard
	/// alive until this returns), kNotPermitted (the key lacks the
	/// operation's permission), kInvalidArgument (the algorithm does not do
	/// the operation), kLimitExceeded (max_contexts).
	[[nodiscard]] Result<HashContext> create_hash_context(const HashContextConfig &c) const;
	[[nodiscard]] Result<MacContext> create_mac_context(const MacContextConfig &c) const;
	[[nodiscard]] Result<CipherContext> create_cipher_context(const CipherContextConfig &c) const;
	[[nodiscard]] Result<AeadContext> create_aead_context(const AeadContextConfig &c) const;
	[[nodiscard]] Result<SignContext> create_sign_context(const SignContextConfig &c) const;
	[[nodiscard]] Result<VerifyContext> create_verify_context(const VerifyContextConfig &c) const;

	/// One-shot operations, each a batch of one (see Batch for the errors
	/// of each).  They return the module's result: a length, or 0.
	[[nodiscard]] Result<std::size_t> digest(AlgorithmId alg, BufferRef in, BufferRef out) const;
	/// MAC; with `truncate`, a tag shorter than the MAC gets its prefix
	/// (else kBufferTooSmall).
	[[nodiscard]] Result<std::size_t> mac(const CryptoResourceId &key, BufferRef in, BufferRef tag,
					      bool truncate = false) const;
	[[nodiscard]] Result<void> mac_verify(const CryptoResourceId &key, BufferRef in,
						       BufferRef tag) const;
	[[nodiscard]] Result<std::size_t> seal(const CryptoResourceId &key, BufferRef nonce, BufferRef aad,
					       BufferRef in, BufferRef out, BufferRef tag) const;
	[[nodiscard]] Result<std::size_t> open(const CryptoResourceId &key, BufferRef nonce, BufferRef aad,
					       BufferRef in, BufferRef out, BufferRef tag) const;
	[[nodiscard]] Result<std::size_t> encrypt(const CryptoResourceId &key, BufferRef iv, BufferRef in,
						  BufferRef out) const;
	[[nodiscard]] Result<std::size_t> decrypt(const CryptoResourceId &key, BufferRef iv, BufferRef in,
						  BufferRef out) const;
	/// RSA-OAEP (SHA-256, MGF1-SHA-256): encrypt with a key pair or a
	/// public key (kEncrypt), decrypt with a key pair (kDecrypt); label
	/// may be empty.  out: at least the modulus's length to encrypt.
	/// Errors also: kAuthFailed (any decryption that fails, alike).
	[[nodiscard]] Result<std::size_t> oaep_encrypt(const CryptoResourceId &key, BufferRef label,
						       BufferRef in, BufferRef out) const;
	[[nodiscard]] Result<std::size_t> oaep_decrypt(const CryptoResourceId &key, BufferRef label,
						       BufferRef in, BufferRef out) const;
	[[nodiscard]] Result<std::size_t> sign(const CryptoResourceId &key, BufferRef in, BufferRef sig) const;
	[[nodiscard]] Result<void> verify(const CryptoResourceId &key, BufferRef in,
						    BufferRef sig) const;
	/// The same, of a digest or with r || s (SignFormat).  Errors also:
	/// kInvalidArgument (a digest of the wrong length; raw for a key that
	/// is not ECDSA).
	[[nodiscard]] Result<std::size_t> sign(const CryptoResourceId &key, BufferRef in, BufferRef sig,
					       SignFormat f) const;
	[[nodiscard]] Result<void> verify(const CryptoResourceId &key, BufferRef in, BufferRef sig,
					  SignFormat f) const;
	[[nodiscard]] Result<std::size_t> random(BufferRef out) const;

	// Platform calls (attestation report, derived keys, report
	// verification) live here once the platform layer lands: see
	// hsm/snp.hpp when present.

private:
	friend class Batch;
	CryptoStack(std::shared_ptr<detail::Connection> c, Timeout t) noexcept
		: conn_(std::move(c)), timeout_(t) {}
	template <typename C, typename Cfg>
	Result<C> create_ctx(const Cfg &c, std::uint32_t op) const;
	std::shared_ptr<detail::Connection> conn_;
	Timeout timeout_;
};

} // namespace hsm
