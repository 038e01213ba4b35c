// SPDX-License-Identifier: MIT
#include "listener.hpp"

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <netdb.h>
#include <poll.h>
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
// idle timeout passes, or a frame is malformed at the framing level.
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
	close(fd);
}

} // namespace

int serve(const ListenSettings &ls, SSL_CTX *ctx, Service &svc, const std::atomic<bool> &stop)
{
	int lfd = listen_on(ls);
	if (lfd < 0)
		return 1;
	std::fprintf(stderr, "hsm-keyserver: listening on %s:%s\n", ls.address.c_str(), ls.port.c_str());
	std::mutex mu;
	std::condition_variable cv;
	unsigned live = 0;
	while (!stop) {
		{
			std::unique_lock l(mu);
			cv.wait(l, [&] { return live < ls.max_connections; });
		}
		pollfd p{lfd, POLLIN, 0};
		if (poll(&p, 1, 1000) <= 0)
			continue;
		int fd = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		std::lock_guard l(mu);
		live++;
		std::thread([&, fd] {
			converse(fd, ctx, svc, ls.idle_seconds);
			std::lock_guard g(mu);
			live--;
			cv.notify_all();
		}).detach();
	}
	close(lfd);
	// Let the connections in progress finish their request.
	std::unique_lock l(mu);
	cv.wait_for(l, std::chrono::seconds(5), [&] { return live == 0; });
	return 0;
}

} // namespace ks
