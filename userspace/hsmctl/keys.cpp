// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl keys: the caller's persistent slots and their key metadata (never
// material), through SLOT_LIST in a small shared region.
#include <cerrno>
#include <cstdio>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/hsm.h>
#include <nlohmann/json.hpp>

#include "hsmctl.h"

namespace hsmctl {
namespace {

const char *perm_names[] = {
	"encrypt", "decrypt", "sign", "verify", "derive", "agree", "wrap", "unwrap", "export",
};

std::string perms(__u64 p)
{
	std::string s;
	for (unsigned i = 0; i < sizeof(perm_names) / sizeof(perm_names[0]); i++)
		if (p & (1ULL << i))
			s += (s.empty() ? "" : ",") + std::string(perm_names[i]);
	return s.empty() ? "-" : s;
}

}  // namespace

int cmd_keys(const Options &opt, const std::vector<std::string> &args)
{
	constexpr size_t kRegion = 1 << 20;
	constexpr __u32 kMax = kRegion / sizeof(hsm_slot_info);

	if (!args.empty()) {
		std::fprintf(stderr, "hsmctl: keys takes no arguments\n");
		return 2;
	}
	Device dev(opt.device);
	hsm_shm_setup setup{};
	setup.size = kRegion;
	if (ioctl(dev.fd(), HSM_IOC_SHM_SETUP, &setup) < 0)
		return fail("HSM_IOC_SHM_SETUP", errno);
	void *base = mmap(nullptr, kRegion, PROT_READ | PROT_WRITE, MAP_SHARED, dev.fd(), 0);
	if (base == MAP_FAILED)
		return fail("mmap", errno);

	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.out = {0, kMax * static_cast<__u32>(sizeof(hsm_slot_info))};
	long n = ioctl(dev.fd(), HSM_IOC_SLOT_LIST, &op);
	if (n < 0) {
		int err = errno;
		munmap(base, kRegion);
		return fail("HSM_IOC_SLOT_LIST", err);
	}
	auto *slots = static_cast<const hsm_slot_info *>(base);
	long shown = n < kMax ? n : kMax;

	if (opt.json) {
		nlohmann::ordered_json j = nlohmann::ordered_json::array();
		for (long i = 0; i < shown; i++)
			j.push_back({{"slot", slots[i].name},
				     {"scope", slots[i].slot_flags & HSM_SLOT_F_GROUP ? "group" : "user"},
				     {"alg", slots[i].alg},
				     {"key_len", slots[i].key_len},
				     {"perms", perms(slots[i].perms)},
				     {"exportable", (slots[i].flags & HSM_KEY_F_EXPORTABLE) != 0}});
		std::printf("%s\n", j.dump(2).c_str());
	} else {
		std::printf("%-24s %-6s %-20s %-6s %-10s %s\n", "SLOT", "SCOPE", "ALGORITHM",
			    "BYTES", "EXPORTABLE", "PERMISSIONS");
		for (long i = 0; i < shown; i++)
			std::printf("%-24s %-6s %-20s %-6u %-10s %s\n", slots[i].name,
				    slots[i].slot_flags & HSM_SLOT_F_GROUP ? "group" : "user",
				    slots[i].alg,
				    slots[i].key_len,
				    slots[i].flags & HSM_KEY_F_EXPORTABLE ? "yes" : "no",
				    perms(slots[i].perms).c_str());
		if (n > shown)
			std::printf("... and %ld more\n", n - shown);
	}
	munmap(base, kRegion);
	return 0;
}

}  // namespace hsmctl
