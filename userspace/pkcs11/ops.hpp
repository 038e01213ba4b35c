// SPDX-License-Identifier: MIT
//
// Cryptographic operations: what each mechanism needs at *Init (params.cpp)
// and how its whole message is worked at the end (work.cpp).
#pragma once

#include "p11.hpp"

namespace p11 {

/// Checks mechanism `m` against kind `k` and key `o` (nullptr for a
/// digest) and fills `op` with its parameters.  Errors:
/// CKR_MECHANISM_INVALID, CKR_MECHANISM_PARAM_INVALID,
/// CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_FUNCTION_NOT_PERMITTED.
CK_RV prepare(OpKind k, const CK_MECHANISM &m, const std::shared_ptr<Object> &o, Operation &op);
/// The most bytes the operation's result can take for `in_len` bytes in.
std::size_t result_size(OpKind k, const Operation &op, std::size_t in_len);
/// Runs the operation on `in`: the digest, signature, ciphertext or
/// plaintext in `out`.  A verification checks `sig` and leaves `out` empty.
CK_RV work(State &s, OpKind k, Operation &op, std::span<const std::uint8_t> in,
	   std::span<const std::uint8_t> sig, Secret &out);
/// The longest message an operation gathers: a quarter of the shared region.
std::size_t max_message(const State &s);

} // namespace p11
