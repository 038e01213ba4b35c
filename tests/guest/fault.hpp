// SPDX-License-Identifier: GPL-2.0 OR MIT
// Fault injection for the guest suites, as syzkaller does it: fail the
// n-th allocation (slab or page) of the next system call of this thread
// through /proc/thread-self/fail-nth.  Only a kernel built with
// CONFIG_FAULT_INJECTION has it; tests that need it skip elsewhere.
#pragma once

#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace hsmtest {

class FailNth {
public:
	// Sleeping allocations fail too (not only atomic ones), of any
	// order, without a stack trace each; put back as found afterwards.
	FailNth() : fd_(open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC))
	{
		if (fd_ < 0)
			return;
		for (Setting &s : settings_) {
			s.old = read_file(s.path);
			write_file(s.path, s.value);
		}
	}
	~FailNth()
	{
		if (fd_ < 0)
			return;
		for (Setting &s : settings_)
			if (!s.old.empty())
				write_file(s.path, s.old);
		close(fd_);
	}
	FailNth(const FailNth &) = delete;
	FailNth &operator=(const FailNth &) = delete;

	bool available() const { return fd_ >= 0; }

	// The n-th fault point from now fails.  Call right before the call.
	void arm(unsigned n)
	{
		std::string v = std::to_string(n);
		armed_ = pwrite(fd_, v.data(), v.size(), 0) == static_cast<ssize_t>(v.size());
	}

	// Right after the call: was the fault injected?  (The call met fewer
	// than n fault points when it was not.)  Disarms either way.
	bool injected()
	{
		char buf[16] = {};
		bool hit = armed_ && pread(fd_, buf, sizeof(buf) - 1, 0) > 0 && strtoul(buf, nullptr, 10) == 0;
		if (pwrite(fd_, "0", 1, 0) != 1)
			hit = false;
		armed_ = false;
		return hit;
	}

private:
	struct Setting {
		const char *path, *value;
		std::string old;
	};

	static std::string read_file(const char *path)
	{
		char buf[32] = {};
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return "";
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
	}
	static void write_file(const char *path, const std::string &v)
	{
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		if (write(fd, v.data(), v.size()) < 0) {
			/* Left as it was: only sleeping allocations are spared. */
		}
		close(fd);
	}

	int fd_;
	bool armed_ = false;
	Setting settings_[5] = {
		{"/sys/kernel/debug/failslab/ignore-gfp-wait", "N", {}},
		{"/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N", {}},
		{"/sys/kernel/debug/fail_page_alloc/min-order", "0", {}},
		{"/sys/kernel/debug/failslab/verbose", "0", {}},
		{"/sys/kernel/debug/fail_page_alloc/verbose", "0", {}},
	};
};

}  // namespace hsmtest
