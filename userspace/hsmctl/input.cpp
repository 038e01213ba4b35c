// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl: the inputs of the verify commands: whole files, and times.
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>

#include "hsmctl.h"

namespace hsmctl {

namespace {

// A whole file of at most 1 MiB (a report, a table, a root certificate).
std::optional<std::vector<std::uint8_t>> read_file(const std::string &path)
{
	constexpr std::size_t max = 1 << 20;
	std::ifstream f(path, std::ios::binary);
	if (!f)
		return std::nullopt;
	std::vector<std::uint8_t> b(max + 1);
	f.read(reinterpret_cast<char *>(b.data()), static_cast<std::streamsize>(b.size()));
	if (f.bad())
		return std::nullopt;
	b.resize(static_cast<std::size_t>(f.gcount()));
	if (b.size() > max) {
		errno = EFBIG;
		return std::nullopt;
	}
	return b;
}

} // namespace

// A whole input file, or nullopt once the error is printed.
std::optional<std::vector<std::uint8_t>> read_input(const std::string &path)
{
	errno = 0;
	auto b = read_file(path);
	if (!b)
		fail(printable(path), errno ? errno : EIO);
	return b;
}

bool parse_time(const std::string &s, std::time_t &t)
{
	long long secs = 0;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), secs);
	if (ec == std::errc() && p == s.data() + s.size()) {
		t = static_cast<std::time_t>(secs);
		return true;
	}
	struct tm tm {};
	const char *end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || (*end && std::strcmp(end, "Z") != 0)) {
		tm = {};
		end = strptime(s.c_str(), "%Y-%m-%d", &tm);
		if (!end || *end) {
			std::fprintf(stderr, "hsmctl: --time: '%s' is not seconds or YYYY-MM-DD[THH:MM:SS]\n",
				     s.c_str());
			return false;
		}
	}
	t = timegm(&tm);
	return true;
}

} // namespace hsmctl
