// SPDX-License-Identifier: MIT
//
// hsm/types.hpp: the small value types of the libhsm API: algorithm names,
// key permissions, resource IDs, slot names and timeouts.  All are
// heap-free and noexcept to copy.
#pragma once

#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <linux/hsm.h>

namespace hsm {

/// A string of at most N-1 characters stored inline (N bytes with the NUL).
/// Longer input is cut and truncated() is set: the library refuses a
/// truncated name with Status::kInvalidArgument rather than use it.
template <std::size_t N>
class FixedCapacityString {
public:
	constexpr FixedCapacityString() noexcept = default;
	/// Copies up to N-1 characters of s; sets truncated() when s is longer.
	constexpr FixedCapacityString(std::string_view s) noexcept { assign(s); }
	constexpr FixedCapacityString(const char *s) noexcept
		: FixedCapacityString(std::string_view(s ? s : "")) {}

	constexpr FixedCapacityString &operator=(std::string_view s) noexcept
	{
		assign(s);
		return *this;
	}

	/// The stored characters.
	[[nodiscard]] constexpr std::string_view view() const noexcept { return {buf_, len_}; }
	[[nodiscard]] constexpr const char *c_str() const noexcept { return buf_; }
	[[nodiscard]] constexpr std::size_t size() const noexcept { return len_; }
	[[nodiscard]] constexpr bool empty() const noexcept { return len_ == 0; }
	/// True when the input did not fit and was cut.
	[[nodiscard]] constexpr bool truncated() const noexcept { return truncated_; }
	static constexpr std::size_t capacity() noexcept { return N - 1; }

	friend constexpr bool operator==(const FixedCapacityString &a,
					 const FixedCapacityString &b) noexcept
	{
		return a.view() == b.view() && a.truncated_ == b.truncated_;
	}

private:
	constexpr void assign(std::string_view s) noexcept
	{
		len_ = std::min(s.size(), N - 1);
		truncated_ = s.size() > N - 1;
		std::fill(buf_, buf_ + N, '\0');
		std::copy_n(s.data(), len_, buf_);
	}

	char buf_[N] = {};
	std::size_t len_ = 0;
	bool truncated_ = false;
};

/// An algorithm name as the module spells it ("aes-256-gcm", "sha-256",
/// "hmac-sha-256", "hkdf-sha-256", ...: see hsm.h).  64 bytes with the NUL,
/// as hsm_key_params.alg.
using AlgorithmId = FixedCapacityString<HSM_ALG_NAME_LEN>;

/// What a key may be used for: a bitmask of named capabilities, enforced by
/// the module (at context creation for contexts, per call for one-shots).
enum class KeyOperationPermission : std::uint64_t {
	kNone = 0,
	kEncrypt = HSM_PERM_ENCRYPT,
	kDecrypt = HSM_PERM_DECRYPT,
	kSign = HSM_PERM_SIGN,		///< MAC generation and signing
	kVerify = HSM_PERM_VERIFY,	///< MAC and signature verification
	kDerive = HSM_PERM_DERIVE,
	kAgree = HSM_PERM_AGREE,
	kWrap = HSM_PERM_WRAP,
	kUnwrap = HSM_PERM_UNWRAP,
	kExport = HSM_PERM_EXPORT,
	kAll = HSM_PERM_ALL,
};

[[nodiscard]] constexpr KeyOperationPermission operator|(KeyOperationPermission a,
							 KeyOperationPermission b) noexcept
{
	return KeyOperationPermission(std::uint64_t(a) | std::uint64_t(b));
}

[[nodiscard]] constexpr KeyOperationPermission operator&(KeyOperationPermission a,
							 KeyOperationPermission b) noexcept
{
	return KeyOperationPermission(std::uint64_t(a) & std::uint64_t(b));
}

/// True when every bit of `want` is in `have`.
[[nodiscard]] constexpr bool has(KeyOperationPermission have, KeyOperationPermission want) noexcept
{
	return (std::uint64_t(have) & std::uint64_t(want)) == std::uint64_t(want);
}

/// The ID of a key in the module, private to the process's connection.
/// 0 is never a valid ID.
struct CryptoResourceId {
	std::uint64_t value = 0;

	[[nodiscard]] constexpr bool valid() const noexcept { return value != 0; }
	friend constexpr bool operator==(CryptoResourceId, CryptoResourceId) noexcept = default;
};

/// The name of a persistent key slot, 1..63 characters.  A group slot lives
/// in the namespace of the module's slot_group group instead of the
/// caller's user (HSM_SLOT_F_GROUP).
struct KeySlot {
	FixedCapacityString<HSM_ALG_NAME_LEN> name;
	bool group = false;

	KeySlot() = default;
	KeySlot(std::string_view n, bool in_group = false) noexcept : name(n), group(in_group) {}
	KeySlot(const char *n, bool in_group = false) noexcept : name(n), group(in_group) {}
};

/// A deadline for module calls.  module_default(): the connection's default
/// (module parameter default_timeout_ms); disabled(): none at all.
/// How SIGN and VERIFY take their input and signature, for worker keys.
/// The defaults: the whole message, and the algorithm's usual encoding
/// (DER for ECDSA).
struct SignFormat {
	/// The input is the digest of the key's hash, not the message (ECDSA,
	/// RSA-PSS; PKCS#11's CKM_ECDSA and CKM_RSA_PKCS_PSS).
	bool prehashed = false;
	/// ECDSA: the signature is r || s (PKCS#11's and JOSE's), not DER.
	/// With pkcs1: the input is an encoded DigestInfo, padded as it is
	/// (PKCS#11's CKM_RSA_PKCS).
	bool raw = false;
	/// "rsa-pss-*" keys: RSASSA-PKCS1-v1_5 instead of PSS, same key.
	bool pkcs1 = false;

	[[nodiscard]] constexpr std::uint32_t flags() const noexcept
	{
		return (prehashed ? HSM_OP_F_PREHASHED : 0) | (raw ? HSM_OP_F_RAW : 0) |
		       (pkcs1 ? HSM_OP_F_PKCS1 : 0);
	}
};

class Timeout {
public:
	constexpr Timeout() noexcept = default;
	/// A deadline of ms milliseconds (1..0xfffffffe).
	[[nodiscard]] static constexpr Timeout milliseconds(std::uint32_t ms) noexcept
	{
		return Timeout(ms == 0 ? 1 : (ms == HSM_TIMEOUT_NONE ? HSM_TIMEOUT_NONE - 1 : ms));
	}
	[[nodiscard]] static constexpr Timeout module_default() noexcept { return Timeout(0); }
	[[nodiscard]] static constexpr Timeout disabled() noexcept { return Timeout(HSM_TIMEOUT_NONE); }

	/// The value of hsm_op.timeout_ms.
	[[nodiscard]] constexpr std::uint32_t abi() const noexcept { return ms_; }
	[[nodiscard]] constexpr bool is_disabled() const noexcept { return ms_ == HSM_TIMEOUT_NONE; }
	[[nodiscard]] constexpr bool is_default() const noexcept { return ms_ == 0; }

private:
	constexpr explicit Timeout(std::uint32_t ms) noexcept : ms_(ms) {}
	std::uint32_t ms_ = 0;
};

} // namespace hsm
