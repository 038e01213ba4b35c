// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl: the ioctl-based debug tool of hsm.  Shared declarations.
#pragma once

#include <string>
#include <vector>

namespace hsmctl {

struct Options {
	std::string device = "/dev/hsm";
	bool json = false;
};

// An open /dev/hsm; closes on destruction.
class Device {
public:
	explicit Device(const std::string &path);
	~Device();
	Device(const Device &) = delete;
	Device &operator=(const Device &) = delete;

	int fd() const noexcept { return fd_; }

private:
	int fd_;
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
int cmd_verify(const Options &opt, const std::vector<std::string> &args);

// Prints "hsmctl: <what>: <strerror(err)>" to stderr and returns 1.
int fail(const std::string &what, int err);

}  // namespace hsmctl
