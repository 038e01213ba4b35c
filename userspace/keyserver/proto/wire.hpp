// SPDX-License-Identifier: MIT
//
// The key server's wire format, inside TLS 1.3: frames of a 4-byte
// big-endian length and a body; a body is a one-byte message type and
// fields, each a 4-byte length and its bytes (or a fixed-width integer).
// Every length is checked against what is left and against kMaxFrame before
// anything is read or allocated: a peer that lies gets kMalformed, never a
// large allocation or a read past the frame.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ks {

using Bytes = std::vector<std::uint8_t>;

// A frame's largest body: a secret of kMaxSecret bytes with its framing.
/// The bytes of a text, as the wire and the client's API take them.
inline std::span<const std::uint8_t> bytes_of(std::string_view s)
{
	return {reinterpret_cast<const std::uint8_t *>(s.data()), s.size()};
}

inline constexpr std::size_t kMaxSecret = 64 * 1024;
inline constexpr std::size_t kMaxFrame = kMaxSecret + 4096;
inline constexpr std::size_t kMaxName = 128;	// user names and secret ids

// What the client sends outside a session (TLS only), and what the server
// answers.  Numbers are the wire's: never reuse one.
enum class Msg : std::uint8_t {
	kRegisterStart = 1,	// user, registration request
	kRegisterFinish = 2,	// user, registration record
	kLoginStart = 3,	// user, KE1
	kLoginFinish = 4,	// session id, KE3
	kRequest = 5,		// session id, sequence, sealed request
	kAttest = 6,		// nonce: the TLS key's attestation

	kOk = 64,		// (fields depend on the request)
	kError = 65,		// code, message
};

// A request's operation, inside the session's channel.
enum class Op : std::uint8_t {
	kStore = 1,	// id, blob
	kRetrieve = 2,	// id
	kDelete = 3,	// id
	kList = 4,
	kAudit = 5,
	kClose = 6,	// ends the session
};

// Error codes on the wire (kError's first field).
enum class Code : std::uint8_t {
	kMalformed = 1,
	kUnknownMessage = 2,
	kAuthFailed = 3,	// login failed: wrong password or unknown user, alike
	kRateLimited = 4,
	kExists = 5,
	kNotFound = 6,
	kLimit = 7,
	kNoSession = 8,		// unknown, expired or closed session
	kReplay = 9,		// sequence out of order
	kInternal = 10,
	kUnavailable = 11,	// the HSM or the database failed
	kAuditBroken = 12,	// the stored chain does not verify
	kNotAttested = 13,	// (the client's own) the server's key attestation failed the policy
};

const char *code_name(Code c);

class Writer {
public:
	explicit Writer(Msg m) { buf_.push_back(std::uint8_t(m)); }
	explicit Writer(Op o) { buf_.push_back(std::uint8_t(o)); }
	Writer &u8(std::uint8_t v);
	Writer &u64(std::uint64_t v);
	Writer &bytes(std::span<const std::uint8_t> b);
	Writer &str(std::string_view s);
	Writer &raw(std::span<const std::uint8_t> b);	// fixed width, no length
	const Bytes &body() const { return buf_; }
	Bytes take() { return std::move(buf_); }

private:
	Bytes buf_;
};

// Reads a body's fields in order; any short or oversized field sets bad().
class Reader {
public:
	explicit Reader(std::span<const std::uint8_t> body) : b_(body) {}
	std::uint8_t u8();
	std::uint64_t u64();
	Bytes bytes(std::size_t max);
	std::string str(std::size_t max);
	Bytes raw(std::size_t n);
	// True if every field was well formed and nothing is left over.
	bool done() const { return ok_ && at_ == b_.size(); }
	bool bad() const { return !ok_; }

private:
	bool take(std::size_t n);
	std::span<const std::uint8_t> b_;
	std::size_t at_ = 0;
	bool ok_ = true;
};

// An error body.
Bytes error_body(Code c, std::string_view message);

// Whether a user name or secret id is acceptable: 1..kMaxName bytes of
// printable ASCII, not starting with '.' unless `reserved` (the client
// library's own records).
bool valid_name(std::string_view s, bool reserved = false);

} // namespace ks
