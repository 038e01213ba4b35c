// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl stats: the module's counters (HSM_IOC_GET_STATS).
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <string>
#include <sys/ioctl.h>

#include <linux/hsm.h>
#include <nlohmann/json.hpp>

#include "hsmctl.h"

namespace hsmctl {
namespace {

// The counters are indexed by the ABI's command table: its names, lower-case.
std::string command_name(unsigned int idx)
{
#define HSM_NAME(name, nr, arg, cls) #name,
	static constexpr const char *names[] = {HSM_COMMANDS(HSM_NAME)};
#undef HSM_NAME
	if (idx >= sizeof(names) / sizeof(names[0]))
		return "cmd" + std::to_string(idx);
	std::string s = names[idx];
	for (char &c : s)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return s;
}

std::string status_name(unsigned int st)
{
	const char *name = hsm_status_name(st);

	return name ? name : "status" + std::to_string(st);
}

}  // namespace

int cmd_stats(const Options &opt, const std::vector<std::string> &)
{
	Device dev(opt.device);
	hsm_stats st{};
	hsm_get_stats req{};
	req.stats_ptr = reinterpret_cast<__u64>(&st);
	req.stats_size = sizeof(st);
	if (ioctl(dev.fd(), HSM_IOC_GET_STATS, &req) < 0) {
		if (errno == EPERM) {
			std::fprintf(stderr, "hsmctl: the module's counters show every "
				     "user's activity: only root (CAP_SYS_ADMIN) may read them\n");
			return 1;
		}
		return fail("HSM_IOC_GET_STATS", errno);
	}
	// hsmctl's own connection is not the user's.
	st.connections -= 1;

	nlohmann::ordered_json requests = nlohmann::ordered_json::object();
	nlohmann::ordered_json errors = nlohmann::ordered_json::object();
	for (unsigned int i = 0; i < HSM_STATS_CMDS; i++)
		if (st.requests[i])
			requests[command_name(i)] = st.requests[i];
	for (unsigned int i = 0; i < HSM_STATS_STATUSES; i++)
		if (st.errors[i])
			errors[status_name(i)] = st.errors[i];

	if (opt.json) {
		nlohmann::ordered_json j = {
			{"connections", st.connections},
			{"keys", st.keys},
			{"contexts", st.contexts},
			{"inflight", st.inflight},
			{"bytes_in", st.bytes_in},
			{"bytes_out", st.bytes_out},
			{"requests", requests},
			{"errors", errors},
		};
		std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
		return 0;
	}

	std::printf("connections:  %llu\n", (unsigned long long)st.connections);
	std::printf("keys alive:   %llu\n", (unsigned long long)st.keys);
	std::printf("contexts:     %llu\n", (unsigned long long)st.contexts);
	std::printf("in flight:    %llu\n", (unsigned long long)st.inflight);
	std::printf("bytes in:     %llu\n", (unsigned long long)st.bytes_in);
	std::printf("bytes out:    %llu\n", (unsigned long long)st.bytes_out);
	std::printf("requests:%s\n", requests.empty() ? " -" : "");
	for (auto &[k, v] : requests.items())
		std::printf("  %-14s %llu\n", k.c_str(), v.get<unsigned long long>());
	std::printf("errors:%s\n", errors.empty() ? " -" : "");
	for (auto &[k, v] : errors.items())
		std::printf("  %-18s %llu\n", k.c_str(), v.get<unsigned long long>());
	return 0;
}

}  // namespace hsmctl
