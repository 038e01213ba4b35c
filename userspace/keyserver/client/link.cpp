// SPDX-License-Identifier: MIT
#include "link.hpp"

#include <cstring>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "../proto/frame.hpp"

namespace ks {

namespace {

ClientError down(const std::string &m)
{
	return {Code::kUnavailable, m};
}

int dial(const ClientSettings &s, std::string &err)
{
	addrinfo hints{}, *res = nullptr;
	hints.ai_socktype = SOCK_STREAM;
	if (int e = getaddrinfo(s.host.c_str(), s.port.c_str(), &hints, &res); e) {
		err = s.host + ":" + s.port + ": " + gai_strerror(e);
		return -1;
	}
	int fd = -1;
	for (addrinfo *a = res; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
			err = s.host + ":" + s.port + ": " + std::strerror(errno);
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		timeval tv{time_t(s.timeout_seconds), 0};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	}
	return fd;
}

} // namespace

ClientError error_of(std::span<const std::uint8_t> body)
{
	Reader r(body);
	if (Msg(r.u8()) != Msg::kError)
		return {Code::kMalformed, "the server's answer is not one"};
	Code c = Code(r.u8());
	std::string m = r.str(4096);
	if (!r.done())
		return {Code::kMalformed, "the server's error does not parse"};
	return {c, m};
}

ClientResult<std::shared_ptr<Link>> Link::open(const ClientSettings &s)
{
	std::shared_ptr<Link> l(new Link);
	l->ctx_ = SSL_CTX_new(TLS_client_method());
	if (!l->ctx_ || !SSL_CTX_set_min_proto_version(l->ctx_, TLS1_3_VERSION))
		return std::unexpected(down("TLS: OpenSSL failed"));
	if (s.ca_file.empty() || SSL_CTX_load_verify_locations(l->ctx_, s.ca_file.c_str(), nullptr) != 1)
		return std::unexpected(down("TLS: " + (s.ca_file.empty() ? std::string("no server certificate to trust given")
									  : s.ca_file + ": not a PEM certificate")));
	SSL_CTX_set_verify(l->ctx_, SSL_VERIFY_PEER, nullptr);
	std::string err;
	l->fd_ = dial(s, err);
	if (l->fd_ < 0)
		return std::unexpected(down(err));
	l->ssl_ = SSL_new(l->ctx_);
	if (!l->ssl_ || SSL_set_fd(l->ssl_, l->fd_) != 1 || SSL_set1_host(l->ssl_, s.server_name.c_str()) != 1 ||
	    SSL_set_tlsext_host_name(l->ssl_, s.server_name.c_str()) != 1 || SSL_connect(l->ssl_) != 1) {
		long v = l->ssl_ ? SSL_get_verify_result(l->ssl_) : X509_V_OK;
		return std::unexpected(down("TLS handshake with " + s.host + ":" + s.port + " failed" +
					    (v != X509_V_OK ? std::string(": ") + X509_verify_cert_error_string(v) : "")));
	}
	return l;
}

Link::~Link()
{
	if (ssl_) {
		SSL_shutdown(ssl_);
		SSL_free(ssl_);
	}
	if (fd_ >= 0)
		close(fd_);
	SSL_CTX_free(ctx_);
}

EVP_PKEY *Link::peer_key() const
{
	X509 *x = SSL_get0_peer_certificate(ssl_);
	return x ? X509_get0_pubkey(x) : nullptr;
}

ClientResult<Bytes> Link::exchange(std::span<const std::uint8_t> body)
{
	std::lock_guard l(mu_);
	Bytes answer;
	if (!write_frame(ssl_, body))
		return std::unexpected(down("the connection failed while sending"));
	FrameRead fr = read_frame(ssl_, answer);
	if (fr != FrameRead::kOk)
		return std::unexpected(fr == FrameRead::kTooLarge ? ClientError{Code::kMalformed, "an oversized answer"}
								   : down("the connection failed while receiving"));
	return answer;
}

} // namespace ks
