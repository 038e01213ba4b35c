// SPDX-License-Identifier: MIT
//
// One operation: how every call describes it (an Op), the one function that
// turns it into an OpRecord, and what a call does with the record's answer.
// A synchronous call and a Batch build the same record the same way; only
// where it lives (the caller's stack or the batch's array) differs.
// Internal to libhsm.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "conn.hpp"
#include "hsm/memory.hpp"

namespace hsm::detail {

/// The data refs of one operation, by role; a role the command does not
/// use stays empty.  Built with designated initialisers: {.in = a, .out = b}.
struct Refs {
	BufferRef params = {}, in = {}, out = {}, iv = {}, aad = {}, tag = {};
};

/// One operation as a call describes it.
struct Op {
	unsigned int cmd = 0;
	std::uint64_t handle = 0;		///< the key or context; 0 for none
	Refs refs = {};
	/// A parameter struct or name, copied into the record (at most
	/// kInlineParams bytes); it need not outlive make_op().
	std::span<const std::byte> inline_params = {};
	std::uint32_t flags = 0;		///< HSM_OP_F_*
	/// A context's deadline; without one, the stack's or the batch's.
	std::optional<Timeout> timeout = {};
};

/// The bytes of a parameter struct, for Op::inline_params.
template <typename T>
std::span<const std::byte> param_bytes(const T &p) noexcept
{
	static_assert(sizeof(T) <= kInlineParams);
	return std::as_bytes(std::span(&p, 1));
}

inline hsm_ref abi_ref(BufferRef r) noexcept
{
	return {r.off, r.len};
}

/// Fills `rec` for `op`, with deadline `t` unless the op has its own: the
/// one place an OpRecord is built.
inline void make_op(OpRecord &rec, const Op &op, Timeout t) noexcept
{
	rec.cmd = op.cmd;
	rec.op.handle = op.handle;
	rec.op.flags = op.flags;
	rec.op.timeout_ms = op.timeout.value_or(t).abi();
	rec.op.params = abi_ref(op.refs.params);
	rec.op.in = abi_ref(op.refs.in);
	rec.op.out = abi_ref(op.refs.out);
	rec.op.iv = abi_ref(op.refs.iv);
	rec.op.aad = abi_ref(op.refs.aad);
	rec.op.tag = abi_ref(op.refs.tag);
	const std::size_t n = std::min<std::size_t>(op.inline_params.size(), kInlineParams);
	if (n) {
		std::memcpy(rec.params, op.inline_params.data(), n);
		rec.params_len = static_cast<std::uint32_t>(n);
	}
}

/// The command's name from the ABI's table ("SEAL").
const char *op_name(unsigned int cmd) noexcept;

/// The error of a failed operation, naming `what` (default: the command).
Error op_error(const OpRecord &rec, std::string_view what = {});

/// A length the module returned for an output of `asked` bytes: never more
/// (a module bug must not become an overflow here).
Result<std::size_t> checked_len(const OpRecord &rec, std::size_t asked, std::string_view what = {});

/// The answer of a completed data-plane operation: the length the module
/// returned (never beyond its refs) or its error, naming `what`.
Result<std::uint32_t> answer(const OpRecord &rec, std::string_view what = {});

/// Builds `rec` for `op` and runs it; the record then holds the answer.
/// Errors: the operation's.
Result<void> run(Connection &c, OpRecord &rec, const Op &op, Timeout t = {});

/// Runs a data-plane operation: its answer().
Result<std::size_t> run_data(Connection &c, const Op &op, Timeout t);

/// Runs a call that creates a key or context; returns its ID.
Result<CryptoResourceId> run_create(Connection &c, const Op &op);

/// Gives up the key or context `id` held through `conn`: releases it in
/// the module (KEY_RELEASE, CTX_RELEASE; no deadline) and clears both,
/// whatever the answer.  Errors: kInvalidState when `what` ("the guard")
/// holds nothing; the release's.
Result<void> release(std::shared_ptr<Connection> &conn, std::uint64_t &id, unsigned int cmd,
		     const char *what);

/// release() for destructors and move assignments, which may not throw:
/// errors are dropped, bad_alloc from building one included.
template <typename T>
void release_quietly(T &owner) noexcept
{
	try {
		(void)owner.release();
	} catch (...) {
	}
}

/// kInvalidArgument for an empty or truncated algorithm name.
Result<void> check_alg(const AlgorithmId &a, const char *what);

/// Success without r's value, or r's error: what r.transform([](auto &&) {})
/// says where <expected> has the monadic operations (libstdc++ 13).
template <typename T>
Result<void> drop_value(Result<T> r)
{
	if (!r)
		return std::unexpected(std::move(r.error()));
	return {};
}

// The one-shot operations, described once for CryptoStack (which runs them)
// and Batch (which queues them).  The calls check what they must first
// (digest()'s name: check_alg()).

inline Op digest_op(const AlgorithmId &alg, BufferRef in, BufferRef out) noexcept
{
	return {.cmd = HSM_IOC_DIGEST, .refs = {.in = in, .out = out},
		.inline_params = std::as_bytes(std::span(alg.c_str(), alg.size()))};
}

inline Op mac_op(const CryptoResourceId &k, BufferRef in, BufferRef tag, bool truncate) noexcept
{
	return {.cmd = HSM_IOC_MAC, .handle = k.value, .refs = {.in = in, .out = tag},
		.flags = truncate ? std::uint32_t(HSM_OP_F_TRUNCATE) : 0};
}

inline Op mac_verify_op(const CryptoResourceId &k, BufferRef in, BufferRef tag) noexcept
{
	return {.cmd = HSM_IOC_MAC_VERIFY, .handle = k.value, .refs = {.in = in, .tag = tag}};
}

/// SEAL or OPEN.
inline Op aead_op(unsigned int cmd, const CryptoResourceId &k, BufferRef nonce, BufferRef aad,
		  BufferRef in, BufferRef out, BufferRef tag) noexcept
{
	return {.cmd = cmd, .handle = k.value,
		.refs = {.in = in, .out = out, .iv = nonce, .aad = aad, .tag = tag}};
}

/// ENCRYPT or DECRYPT.
inline Op cipher_op(unsigned int cmd, const CryptoResourceId &k, BufferRef iv, BufferRef in,
		    BufferRef out) noexcept
{
	return {.cmd = cmd, .handle = k.value, .refs = {.in = in, .out = out, .iv = iv}};
}

/// RSA-OAEP ENCRYPT or DECRYPT: no IV, the label in aad.
inline Op oaep_op(unsigned int cmd, const CryptoResourceId &k, BufferRef label, BufferRef in,
		  BufferRef out) noexcept
{
	return {.cmd = cmd, .handle = k.value, .refs = {.in = in, .out = out, .aad = label}};
}

inline Op sign_op(const CryptoResourceId &k, BufferRef in, BufferRef sig, SignFormat f = {}) noexcept
{
	return {.cmd = HSM_IOC_SIGN, .handle = k.value, .refs = {.in = in, .out = sig}, .flags = f.flags()};
}

inline Op verify_op(const CryptoResourceId &k, BufferRef in, BufferRef sig, SignFormat f = {}) noexcept
{
	return {.cmd = HSM_IOC_VERIFY, .handle = k.value, .refs = {.in = in, .tag = sig}, .flags = f.flags()};
}

inline Op random_op(BufferRef out) noexcept
{
	return {.cmd = HSM_IOC_RANDOM, .refs = {.out = out}};
}

} // namespace hsm::detail
