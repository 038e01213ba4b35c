// SPDX-License-Identifier: MIT
//
// Encoding and checked decoding of the wire's fields.
#include "wire.hpp"

namespace ks {

const char *code_name(Code c)
{
	switch (c) {
	case Code::kMalformed: return "malformed";
	case Code::kUnknownMessage: return "unknown-message";
	case Code::kAuthFailed: return "auth-failed";
	case Code::kRateLimited: return "rate-limited";
	case Code::kExists: return "exists";
	case Code::kNotFound: return "not-found";
	case Code::kLimit: return "limit";
	case Code::kNoSession: return "no-session";
	case Code::kReplay: return "replay";
	case Code::kInternal: return "internal";
	case Code::kUnavailable: return "unavailable";
	case Code::kAuditBroken: return "audit-broken";
	case Code::kNotAttested: return "not-attested";
	}
	return "unknown";
}

Writer &Writer::u8(std::uint8_t v)
{
	buf_.push_back(v);
	return *this;
}

Writer &Writer::u64(std::uint64_t v)
{
	for (int i = 7; i >= 0; i--)
		buf_.push_back(std::uint8_t(v >> (8 * i)));
	return *this;
}

Writer &Writer::bytes(std::span<const std::uint8_t> b)
{
	std::uint32_t n = std::uint32_t(b.size());
	for (int i = 3; i >= 0; i--)
		buf_.push_back(std::uint8_t(n >> (8 * i)));
	return raw(b);
}

Writer &Writer::str(std::string_view s)
{
	return bytes({reinterpret_cast<const std::uint8_t *>(s.data()), s.size()});
}

Writer &Writer::raw(std::span<const std::uint8_t> b)
{
	buf_.insert(buf_.end(), b.begin(), b.end());
	return *this;
}

bool Reader::take(std::size_t n)
{
	if (!ok_ || b_.size() - at_ < n)
		ok_ = false;
	return ok_;
}

std::uint8_t Reader::u8()
{
	return take(1) ? b_[at_++] : 0;
}

std::uint64_t Reader::u64()
{
	if (!take(8))
		return 0;
	std::uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b_[at_++];
	return v;
}

Bytes Reader::raw(std::size_t n)
{
	if (!take(n))
		return {};
	Bytes out(b_.begin() + at_, b_.begin() + at_ + n);
	at_ += n;
	return out;
}

Bytes Reader::bytes(std::size_t max)
{
	if (!take(4))
		return {};
	std::size_t n = 0;
	for (int i = 0; i < 4; i++)
		n = n << 8 | b_[at_++];
	if (n > max) {
		ok_ = false;
		return {};
	}
	return raw(n);
}

std::string Reader::str(std::size_t max)
{
	Bytes b = bytes(max);
	return {b.begin(), b.end()};
}

Bytes error_body(Code c, std::string_view message)
{
	return Writer(Msg::kError).u8(std::uint8_t(c)).str(message).take();
}

bool valid_name(std::string_view s, bool reserved)
{
	if (s.empty() || s.size() > kMaxName || (s[0] == '.' && !reserved))
		return false;
	for (char c : s)
		if (c < 0x21 || c > 0x7e)
			return false;
	return true;
}

} // namespace ks
