// SPDX-License-Identifier: MIT
//
// One TLS 1.3 connection to the key server: the server authenticated by
// the pinned certificate (or CA) and its name, one frame out and one in
// per exchange, one exchange at a time.
#pragma once

#include <mutex>

#include <openssl/ssl.h>

#include "client.hpp"

namespace ks {

class Link {
public:
	static ClientResult<std::shared_ptr<Link>> open(const ClientSettings &s);
	~Link();
	ClientResult<Bytes> exchange(std::span<const std::uint8_t> body);
	// The server certificate's public key (for attestation checks).
	EVP_PKEY *peer_key() const;

private:
	Link() = default;
	std::mutex mu_;
	SSL_CTX *ctx_ = nullptr;
	SSL *ssl_ = nullptr;
	int fd_ = -1;
};

// An error answer's code and message, or kMalformed.
ClientError error_of(std::span<const std::uint8_t> body);

} // namespace ks
