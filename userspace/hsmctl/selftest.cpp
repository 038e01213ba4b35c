// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl selftest: run the module's known-answer tests again.
#include <cerrno>
#include <cstdio>
#include <sys/ioctl.h>

#include <linux/hsm.h>

#include "hsmctl.h"

namespace hsmctl {

int cmd_selftest(const Options &opt, const std::vector<std::string> &)
{
	Device dev(opt.device);
	hsm_selftest req{};
	int n = ioctl(dev.fd(), HSM_IOC_SELFTEST, &req);
	if (n < 0)
		return fail("self-test failed (the kernel log names the algorithm)", errno);
	if (opt.json)
		std::printf("{\"passed\": %d}\n", n);
	else
		std::printf("self-test: %d known-answer tests passed\n", n);
	return 0;
}

}  // namespace hsmctl
