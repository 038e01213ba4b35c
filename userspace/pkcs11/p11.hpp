// SPDX-License-Identifier: MIT
//
// libhsm-pkcs11: the PKCS#11 module's internal types.  One token (the
// caller's namespace in the module), its objects (object.hpp), sessions
// with one operation of each kind at a time, and the process-wide state
// that C_Initialize makes and a fork() forgets.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <sys/types.h>
#include <vector>

#include <p11-kit/pkcs11.h>

#include "hsm/hsm.hpp"

#include "object.hpp"

namespace p11 {

/// The kinds of operation a session runs, one of each at a time.
enum class OpKind { kDigest, kSign, kVerify, kEncrypt, kDecrypt, kCount };

/// One operation in progress: its mechanism, key and parameters, and the
/// input gathered by the *Update calls (the module works on whole messages).
struct Operation {
	CK_MECHANISM_TYPE mech = CKM_VENDOR_DEFINED;
	std::shared_ptr<Object> key;
	Bytes iv;		///< IV, nonce or counter block
	Bytes aad;		///< GCM's AAD, OAEP's label
	std::uint32_t tag_len = 0;	///< GCM's tag bytes; CTR's counter bits
	const char *hash = nullptr;	///< the hash of a hash-and-sign mechanism, or PSS's
	Secret data;		///< the message so far
	bool updated = false;	///< a multi-part call began: single-part calls are refused
};

struct Session {
	CK_SESSION_HANDLE handle = 0;
	CK_FLAGS flags = 0;
	std::mutex lock;	///< one call at a time per session
	std::optional<Operation> ops[std::size_t(OpKind::kCount)];
	// C_FindObjects: the matches not yet returned.
	bool finding = false;
	std::vector<CK_OBJECT_HANDLE> found;
};

/// What C_Initialize makes: the connection to the module, the token's
/// objects and the sessions.  A fork()ed child sees another pid and treats
/// the library as not initialized until it calls C_Initialize itself.
struct State {
	pid_t pid = 0;
	hsm::CryptoStack stack;
	Store store;
	std::shared_mutex lock;	///< guards sessions
	std::map<CK_SESSION_HANDLE, std::shared_ptr<Session>> sessions;
	CK_SESSION_HANDLE next_session = 1;

	explicit State(hsm::CryptoStack s) : pid(getpid()), stack(std::move(s)), store(stack) {}
};

/// The state of this process, or nullptr (not initialized, or inherited).
State *state() noexcept;

/// The session `h` of the initialized library, or an error code.
CK_RV session(CK_SESSION_HANDLE h, std::shared_ptr<Session> &out);

/// Maps a libhsm error to the nearest PKCS#11 return value.
CK_RV rv_of(const hsm::Error &e) noexcept;

/// Copies `src` to a caller's buffer by PKCS#11's length-query rules:
/// a NULL buffer asks for the length, a short one is CKR_BUFFER_TOO_SMALL.
CK_RV give(std::span<const std::uint8_t> src, CK_BYTE_PTR out, CK_ULONG_PTR out_len);

/// Pads a fixed-size string field of an info struct with blanks.
void blank_copy(CK_UTF8CHAR *dst, std::size_t n, std::string_view src) noexcept;

} // namespace p11
