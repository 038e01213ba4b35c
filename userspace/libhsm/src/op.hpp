// SPDX-License-Identifier: MIT
//
// What every call does with its one operation: check the algorithm name,
// fill the parameters, run it and turn the module's answer into a Result.
// Internal to libhsm.
#pragma once

#include <cstring>

#include "conn.hpp"
#include "hsm/memory.hpp"

namespace hsm::detail {

/// The error of a failed operation, naming the call.
Error op_error(const OpRecord &rec, const char *what);

/// A length the module returned for an output of `asked` bytes: never more
/// (a module bug must not become an overflow here).
Result<std::size_t> checked_len(const OpRecord &rec, std::size_t asked, const char *what);

/// Fills the data refs of an hsm_op.
void refs(hsm_op &op, BufferRef in, BufferRef out, BufferRef iv, BufferRef aad, BufferRef tag);

/// InvalidArgument for an empty or truncated algorithm name.
Result<void> check_alg(const AlgorithmId &a, const char *what);

/// Copies a parameter struct into the record's inline parameters.
template <typename T>
void set_params(OpRecord &rec, const T &p)
{
	static_assert(sizeof(T) <= kInlineParams);
	std::memcpy(rec.params, &p, sizeof(T));
	rec.params_len = sizeof(T);
}

/// Releases a key or context (KEY_RELEASE, CTX_RELEASE), with no deadline.
Result<void> release(Connection &c, unsigned int cmd, std::uint64_t id, const char *what);

/// Runs a call that creates a key or context; returns its ID.
Result<CryptoResourceId> run_create(Connection &c, OpRecord &rec, const char *what);

/// Success without r's value, or r's error: what r.transform([](auto &&) {})
/// says where <expected> has the monadic operations (libstdc++ 13).
template <typename T>
Result<void> drop_value(Result<T> r)
{
	if (!r)
		return std::unexpected(std::move(r.error()));
	return {};
}

} // namespace hsm::detail
