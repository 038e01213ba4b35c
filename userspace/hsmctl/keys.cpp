// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl keys: key metadata (never material), through SLOT_LIST or
// KEY_LIST in a small shared region: the caller's persistent slots, or with
// --connections every connection's keys (root).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include <hsm/raw.h>
#include <linux/hsm.h>
#include <nlohmann/json.hpp>

#include "hsmctl.h"

namespace hsmctl {
namespace {

const char *perm_names[] = {
	"encrypt", "decrypt", "sign", "verify", "derive", "agree", "wrap", "unwrap", "export",
};

// A NUL-padded name field; the kernel's, but never trusted to end.
template <size_t N> std::string field(const char (&f)[N])
{
	return std::string(f, strnlen(f, N));
}

std::string perms(__u64 p)
{
	std::string s;
	for (unsigned i = 0; i < sizeof(perm_names) / sizeof(perm_names[0]); i++)
		if (p & (1ULL << i))
			s += (s.empty() ? "" : ",") + std::string(perm_names[i]);
	return s.empty() ? "-" : s;
}

// A listing command's Info records, as many as the region holds, at its
// start: the module's count (which may pass how many fit), or -errno.
template <typename Info> long list(Device &dev, unsigned cmd, __u32 flags, size_t region)
{
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.flags = flags;
	op.out = {0, static_cast<__u32>(region / sizeof(Info) * sizeof(Info))};
	return hsm_raw_ioctl(dev.fd(), cmd, &op);
}

// Every connection's keys: KEY_LIST with HSM_OP_F_ALL_CONNECTIONS.
int list_connections(const Options &opt, Device &dev, void *base, size_t region)
{
	long n = list<hsm_key_info>(dev, HSM_IOC_KEY_LIST, HSM_OP_F_ALL_CONNECTIONS, region);
	if (n < 0)
		return fail("HSM_IOC_KEY_LIST", static_cast<int>(-n));
	auto *keys = static_cast<const hsm_key_info *>(base);
	long shown = std::min<long>(n, region / sizeof(hsm_key_info));

	if (opt.json) {
		nlohmann::ordered_json j = nlohmann::ordered_json::array();
		for (long i = 0; i < shown; i++)
			j.push_back({{"connection", keys[i].connection},
				     {"alg", utf8_text(field(keys[i].alg))},
				     {"key_len", keys[i].key_len},
				     {"perms", perms(keys[i].perms)},
				     {"exportable", (keys[i].flags & HSM_KEY_F_EXPORTABLE) != 0},
				     {"generated", (keys[i].flags & HSM_KEY_F_LOCAL) != 0},
				     {"users", keys[i].users}});
		std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
		return 0;
	}
	std::printf("%-10s %-20s %-6s %-10s %-5s %s\n", "CONNECTION", "ALGORITHM", "BYTES",
		    "EXPORTABLE", "USERS", "PERMISSIONS");
	for (long i = 0; i < shown; i++)
		std::printf("%-10llu %-20s %-6u %-10s %-5u %s\n",
			    (unsigned long long)keys[i].connection, printable(field(keys[i].alg)).c_str(),
			    keys[i].key_len,
			    keys[i].flags & HSM_KEY_F_EXPORTABLE ? "yes" : "no", keys[i].users,
			    perms(keys[i].perms).c_str());
	if (n > shown)
		std::printf("... and %ld more\n", n - shown);
	return 0;
}

// The caller's slots (its own and its group's): SLOT_LIST.
int list_slots(const Options &opt, Device &dev, void *base, size_t region)
{
	long n = list<hsm_slot_info>(dev, HSM_IOC_SLOT_LIST, 0, region);
	if (n < 0)
		return fail("HSM_IOC_SLOT_LIST", static_cast<int>(-n));
	auto *slots = static_cast<const hsm_slot_info *>(base);
	long shown = std::min<long>(n, region / sizeof(hsm_slot_info));

	if (opt.json) {
		nlohmann::ordered_json j = nlohmann::ordered_json::array();
		for (long i = 0; i < shown; i++)
			j.push_back({{"slot", utf8_text(field(slots[i].name))},
				     {"scope", slots[i].slot_flags & HSM_SLOT_F_GROUP ? "group" : "user"},
				     {"alg", utf8_text(field(slots[i].alg))},
				     {"key_len", slots[i].key_len},
				     {"perms", perms(slots[i].perms)},
				     {"exportable", (slots[i].flags & HSM_KEY_F_EXPORTABLE) != 0},
				     {"generated", (slots[i].flags & HSM_KEY_F_LOCAL) != 0}});
		std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
	} else {
		std::printf("%-24s %-6s %-20s %-6s %-10s %s\n", "SLOT", "SCOPE", "ALGORITHM",
			    "BYTES", "EXPORTABLE", "PERMISSIONS");
		for (long i = 0; i < shown; i++)
			std::printf("%-24s %-6s %-20s %-6u %-10s %s\n",
				    printable(field(slots[i].name)).c_str(),
				    slots[i].slot_flags & HSM_SLOT_F_GROUP ? "group" : "user",
				    printable(field(slots[i].alg)).c_str(),
				    slots[i].key_len,
				    slots[i].flags & HSM_KEY_F_EXPORTABLE ? "yes" : "no",
				    perms(slots[i].perms).c_str());
		if (n > shown)
			std::printf("... and %ld more\n", n - shown);
	}
	return 0;
}

}  // namespace

int cmd_keys(const Options &opt, const std::vector<std::string> &args)
{
	constexpr size_t kRegion = 1 << 20;
	bool connections = false;

	for (const auto &a : args) {
		if (a == "--connections") {
			connections = true;
		} else {
			std::fprintf(stderr, "hsmctl: keys: unknown argument '%s'\n", a.c_str());
			return 2;
		}
	}
	Device dev(opt.device);
	void *base = dev.map_region(kRegion);
	return connections ? list_connections(opt, dev, base, kRegion)
			   : list_slots(opt, dev, base, kRegion);
}

}  // namespace hsmctl
