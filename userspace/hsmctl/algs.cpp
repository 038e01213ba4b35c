// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl algs: every algorithm the module knows, and whether it serves it.
#include <cerrno>
#include <cstdio>
#include <string>
#include <sys/ioctl.h>
#include <vector>

#include <linux/hsm.h>
#include <nlohmann/json.hpp>

#include "hsmctl.h"

namespace hsmctl {
namespace {

const char *kind_name(__u32 k)
{
	switch (k) {
	case HSM_ALG_KIND_HASH: return "hash";
	case HSM_ALG_KIND_MAC: return "mac";
	case HSM_ALG_KIND_AEAD: return "aead";
	case HSM_ALG_KIND_CIPHER: return "cipher";
	case HSM_ALG_KIND_SECRET: return "secret";
	case HSM_ALG_KIND_KDF: return "kdf";
	case HSM_ALG_KIND_AGREE: return "agree";
	case HSM_ALG_KIND_SIGN: return "sign";
	case HSM_ALG_KIND_WRAP: return "wrap";
	}
	return "unknown";
}

}  // namespace

int cmd_algs(const Options &opt, const std::vector<std::string> &)
{
	Device dev(opt.device);
	hsm_get_algs req{};
	long n = ioctl(dev.fd(), HSM_IOC_GET_ALGS, &req);
	if (n < 0)
		return fail("HSM_IOC_GET_ALGS", errno);
	std::vector<hsm_alg_info> algs(n);
	req.algs_ptr = reinterpret_cast<__u64>(algs.data());
	req.count = n;
	if (ioctl(dev.fd(), HSM_IOC_GET_ALGS, &req) < 0)
		return fail("HSM_IOC_GET_ALGS", errno);

	if (opt.json) {
		nlohmann::ordered_json j = nlohmann::ordered_json::array();
		for (const auto &a : algs)
			j.push_back({{"name", a.name},
				     {"kind", kind_name(a.kind)},
				     {"supported", (a.flags & HSM_ALG_F_SUPPORTED) != 0},
				     {"key_min", a.key_min},
				     {"key_max", a.key_max},
				     {"out_len", a.out_len},
				     {"iv_len", a.iv_len}});
		std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
		return 0;
	}
	std::printf("%-26s %-7s %-10s %s\n", "NAME", "KIND", "KEY BYTES", "STATUS");
	for (const auto &a : algs) {
		std::string key = !a.key_max ? "-" : a.key_min == a.key_max ?
			std::to_string(a.key_min) :
			std::to_string(a.key_min) + ".." + std::to_string(a.key_max);
		std::printf("%-26s %-7s %-10s %s\n", a.name, kind_name(a.kind), key.c_str(),
			    a.flags & HSM_ALG_F_SUPPORTED ? "supported" :
			    "unsupported (the kernel crypto API lacks it)");
	}
	return 0;
}

}  // namespace hsmctl
