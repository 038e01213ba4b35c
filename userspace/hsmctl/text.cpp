// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl: text from outside (slot names, certificate fields) made safe to
// print, and strict parsing of numbers and hex from the command line.
#include <charconv>
#include <cstdio>

#include "hsmctl.h"

namespace hsmctl {
namespace {

void escape(std::string &o, unsigned char c)
{
	char buf[8];
	std::snprintf(buf, sizeof(buf), "\\x%02x", c);
	o += buf;
}

// The length of the well-formed UTF-8 sequence at s[i], or 0.
std::size_t utf8_len(std::string_view s, std::size_t i)
{
	auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
	auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xc0) == 0x80; };
	unsigned char c = b(0);
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return cont(1) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (!cont(1) || !cont(2))
			return 0;
		if ((c == 0xe0 && b(1) < 0xa0) || (c == 0xed && b(1) > 0x9f))
			return 0;	// overlong, or a surrogate
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (!cont(1) || !cont(2) || !cont(3))
			return 0;
		if ((c == 0xf0 && b(1) < 0x90) || (c == 0xf4 && b(1) > 0x8f))
			return 0;	// overlong, or past U+10FFFF
		return 4;
	}
	return 0;
}

int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

}  // namespace

std::string printable(std::string_view s)
{
	std::string o;
	for (unsigned char c : s) {
		if (c >= 0x20 && c < 0x7f && c != '\\')
			o += static_cast<char>(c);
		else
			escape(o, c);
	}
	return o;
}

std::string utf8_text(std::string_view s)
{
	std::string o;
	for (std::size_t i = 0; i < s.size();) {
		unsigned char c = static_cast<unsigned char>(s[i]);
		std::size_t n = utf8_len(s, i);
		if (c == '\\' || c < 0x20 || c == 0x7f || n == 0) {
			escape(o, c);
			i++;
		} else {
			o.append(s.substr(i, n));
			i += n;
		}
	}
	return o;
}

bool parse_uint(std::string_view s, std::uint64_t max, std::uint64_t &out)
{
	int base = 10;
	if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s.remove_prefix(2);
	}
	if (s.empty() || hexval(s[0]) < 0)	// from_chars takes no sign, but be plain
		return false;
	std::uint64_t v = 0;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
	if (ec != std::errc() || p != s.data() + s.size() || v > max)
		return false;
	out = v;
	return true;
}

bool parse_hex(std::string_view s, std::uint8_t *out, std::size_t len)
{
	if (s.size() != 2 * len)
		return false;
	for (std::size_t i = 0; i < len; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
	}
	return true;
}

}  // namespace hsmctl
