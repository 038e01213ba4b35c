// SPDX-License-Identifier: MIT
#include "frame.hpp"

namespace ks {

namespace {

bool read_all(SSL *ssl, std::uint8_t *p, std::size_t n, bool &clean_eof)
{
	std::size_t got = 0;
	while (got < n) {
		std::size_t k = 0;
		if (SSL_read_ex(ssl, p + got, n - got, &k) != 1) {
			clean_eof = got == 0 && SSL_get_error(ssl, 0) == SSL_ERROR_ZERO_RETURN;
			return false;
		}
		got += k;
	}
	return true;
}

} // namespace

FrameRead read_frame(SSL *ssl, Bytes &body)
{
	std::uint8_t h[4];
	bool eof = false;
	if (!read_all(ssl, h, 4, eof))
		return eof ? FrameRead::kClosed : FrameRead::kError;
	std::size_t n = std::size_t(h[0]) << 24 | std::size_t(h[1]) << 16 | std::size_t(h[2]) << 8 | h[3];
	if (n == 0 || n > kMaxFrame)
		return FrameRead::kTooLarge;
	body.resize(n);
	return read_all(ssl, body.data(), n, eof) ? FrameRead::kOk : FrameRead::kError;
}

bool write_frame(SSL *ssl, std::span<const std::uint8_t> body)
{
	if (body.empty() || body.size() > kMaxFrame)
		return false;
	Bytes f{std::uint8_t(body.size() >> 24), std::uint8_t(body.size() >> 16), std::uint8_t(body.size() >> 8),
		std::uint8_t(body.size())};
	f.insert(f.end(), body.begin(), body.end());
	std::size_t k = 0;
	return SSL_write_ex(ssl, f.data(), f.size(), &k) == 1 && k == f.size();
}

} // namespace ks
