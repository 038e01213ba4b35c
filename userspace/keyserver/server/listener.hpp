// SPDX-License-Identifier: MIT
//
// The TCP listener: TLS 1.3 handshakes and frames, a thread per connection
// up to max_connections (further connections wait in the backlog), an idle
// timeout per connection.  It moves frames to the Service and back; it
// decides nothing about them.
#pragma once

#include <atomic>
#include <string>

#include <openssl/ssl.h>

namespace ks {

class Service;

struct ListenSettings {
	std::string address = "127.0.0.1";
	std::string port = "7443";
	unsigned max_connections = 256;
	unsigned idle_seconds = 300;
};

// Serves until `stop` is set (checked at least once a second), then
// answers the requests in progress, ends every connection and returns
// once their threads have ended; returns a process exit status.  Logs to
// stderr.
int serve(const ListenSettings &ls, SSL_CTX *ctx, Service &svc, const std::atomic<bool> &stop);

} // namespace ks
