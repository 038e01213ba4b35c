// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl: the ioctl-based debug tool of hsm.  Shared declarations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hsmctl {

struct Options {
	std::string device = "/dev/hsm";
	bool json = false;
};

// An open /dev/hsm, and its shared region once map_region() set it up;
// unmaps and closes on destruction.
class Device {
public:
	explicit Device(const std::string &path);
	~Device();
	Device(const Device &) = delete;
	Device &operator=(const Device &) = delete;

	int fd() const noexcept { return fd_; }
	// SHM_SETUP of size bytes, mapped; throws std::system_error naming the
	// step that failed.  Once per device.
	std::uint8_t *map_region(std::size_t size);

private:
	int fd_;
	void *region_ = nullptr;
	std::size_t region_size_ = 0;
};

// Every subcommand: returns the process exit status.
int cmd_info(const Options &opt, const std::vector<std::string> &args);
int cmd_stats(const Options &opt, const std::vector<std::string> &args);
int cmd_algs(const Options &opt, const std::vector<std::string> &args);
int cmd_keys(const Options &opt, const std::vector<std::string> &args);
int cmd_selftest(const Options &opt, const std::vector<std::string> &args);
int cmd_attest(const Options &opt, const std::vector<std::string> &args);
int cmd_sim_setup(const Options &opt, const std::vector<std::string> &args);
int cmd_slots(const Options &opt, const std::vector<std::string> &args);
int cmd_pubkey(const Options &opt, const std::vector<std::string> &args);
int cmd_verify(const Options &opt, const std::vector<std::string> &args);
int cmd_verify_tdx(const Options &opt, const std::vector<std::string> &args);

// A whole input file of at most 1 MiB, or nullopt once the error is
// printed.
std::optional<std::vector<std::uint8_t>> read_input(const std::string &path);
// Seconds since the epoch, or YYYY-MM-DD[THH:MM:SS[Z]] (UTC); false once
// the error is printed.
bool parse_time(const std::string &s, std::time_t &t);

// Prints "hsmctl: <what>: <strerror(err)>" to stderr and returns 1.
int fail(const std::string &what, int err);

// Bytes from outside (a slot name, a certificate field) for a terminal:
// printable ASCII as it is; a backslash and every other byte as \xNN.
std::string printable(std::string_view s);
// The same for JSON: well-formed UTF-8 stays, a backslash, a control
// character or a byte that is not UTF-8 becomes the text \xNN.
std::string utf8_text(std::string_view s);
// A decimal (or 0x-prefixed hex) number, all of s, at most max.
bool parse_uint(std::string_view s, std::uint64_t max, std::uint64_t &out);
// Exactly len bytes as 2 * len hex digits, nothing else.
bool parse_hex(std::string_view s, std::uint8_t *out, std::size_t len);

}  // namespace hsmctl
