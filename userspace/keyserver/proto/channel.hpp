// SPDX-License-Identifier: MIT
//
// The request session's inner channel: AES-256-GCM under keys derived from
// OPAQUE's session_key, one key per direction, the nonce a direction label
// and the message's sequence number.  Each side accepts only the next
// sequence number, so a replayed, reordered or dropped message fails; the
// session id and the sequence number are the associated data, so a message
// cannot move to another session.  The session key never leaves the two
// ends; TLS protects the channel's framing, this protects the requests
// even from whoever terminates TLS.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ks {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::size_t kSessionIdLen = 16;
using SessionId = std::array<std::uint8_t, kSessionIdLen>;

class Channel {
public:
	enum class Side { kClient, kServer };

	// Keys from OPAQUE's session_key (64 bytes) and the session id.
	Channel(std::span<const std::uint8_t> session_key, const SessionId &id, Side side);
	~Channel();
	Channel(const Channel &) = delete;
	Channel &operator=(const Channel &) = delete;

	// The next outgoing message: its sequence number and ciphertext || tag.
	std::pair<std::uint64_t, Bytes> seal(std::span<const std::uint8_t> plain);
	// An incoming message with its sequence number: nullopt if the number
	// is not the next one or the ciphertext does not verify.
	std::optional<Bytes> open(std::uint64_t seq, std::span<const std::uint8_t> sealed);
	// The sequence number open() expects next.
	std::uint64_t expected() const { return recv_seq_; }

private:
	std::array<std::uint8_t, 32> send_key_{}, recv_key_{};
	SessionId id_;
	std::uint32_t send_label_, recv_label_;
	std::uint64_t send_seq_ = 1, recv_seq_ = 1;
};

// HKDF-SHA-512 (OpenSSL's): out.size() bytes from ikm, salt and info.
bool hkdf_sha512(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
		 std::span<const std::uint8_t> info, std::span<std::uint8_t> out);

// AES-256-GCM with OpenSSL, tag appended; open() fails on any mismatch.
Bytes gcm_seal(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
	       std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plain);
std::optional<Bytes> gcm_open(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
			      std::span<const std::uint8_t> aad, std::span<const std::uint8_t> sealed);

} // namespace ks
