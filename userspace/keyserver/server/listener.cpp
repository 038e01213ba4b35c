// SPDX-License-Identifier: MIT
#include "listener.hpp"

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <netdb.h>
#include <poll.h>
#include <set>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "../proto/frame.hpp"
#include "service.hpp"

namespace ks {

namespace {

int listen_on(const ListenSettings &ls)
{
	addrinfo hints{}, *res = nullptr;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
	if (int e = getaddrinfo(ls.address.c_str(), ls.port.c_str(), &hints, &res); e) {
		std::fprintf(stderr, "hsm-keyserver: %s:%s: %s\n", ls.address.c_str(), ls.port.c_str(), gai_strerror(e));
		return -1;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 128)) {
		std::fprintf(stderr, "hsm-keyserver: listen on %s:%s: %s\n", ls.address.c_str(), ls.port.c_str(),
			     std::strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

// One connection: a handshake, then frames until the client closes, the
// idle timeout passes, a frame is malformed at the framing level, or the
// server stops (its reading end shut).  The caller closes fd.
void converse(int fd, SSL_CTX *ctx, Service &svc, unsigned idle)
{
	timeval tv{time_t(idle), 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	SSL *ssl = SSL_new(ctx);
	if (ssl && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1) {
		Bytes body;
		for (;;) {
			FrameRead fr = read_frame(ssl, body);
			if (fr == FrameRead::kTooLarge)
				(void)write_frame(ssl, error_body(Code::kMalformed, "frame over the size limit"));
			if (fr != FrameRead::kOk)
				break;
			if (!write_frame(ssl, svc.handle(body)))
				break;
		}
		SSL_shutdown(ssl);
	}
	SSL_free(ssl);
}

// The connections' sockets and their count, shared with their threads,
// which outlive no serve() call: serve waits for every one to end.
struct Live {
	std::mutex mu;
	std::condition_variable cv;
	std::set<int> fds;
};

} // namespace

int serve(const ListenSettings &ls, SSL_CTX *ctx, Service &svc, const std::atomic<bool> &stop)
{
	int lfd = listen_on(ls);
	if (lfd < 0)
		return 1;
	std::fprintf(stderr, "hsm-keyserver: listening on %s:%s\n", ls.address.c_str(), ls.port.c_str());
	Live live;
	while (!stop) {
		{
			std::unique_lock l(live.mu);
			if (!live.cv.wait_for(l, std::chrono::seconds(1),
					      [&] { return live.fds.size() < ls.max_connections; }))
				continue;
		}
		pollfd p{lfd, POLLIN, 0};
		if (poll(&p, 1, 1000) <= 0)
			continue;
		int fd = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		std::lock_guard l(live.mu);
		live.fds.insert(fd);
		std::thread([&, fd] {
			converse(fd, ctx, svc, ls.idle_seconds);
			// Closed under the lock: serve never shuts a number reused.
			std::lock_guard g(live.mu);
			live.fds.erase(fd);
			close(fd);
			live.cv.notify_all();
		}).detach();
	}
	close(lfd);
	// A request in progress is answered (its socket still writes); every
	// connection then reads its end at once, idle ones included, and serve
	// returns only when no thread is left to touch what it shares.
	std::unique_lock l(live.mu);
	for (int fd : live.fds)
		shutdown(fd, SHUT_RD);
	live.cv.wait(l, [&] { return live.fds.empty(); });
	return 0;
}

} // namespace ks
