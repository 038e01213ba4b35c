// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl stats: the module's counters (HSM_IOC_GET_STATS).
#include <cerrno>
#include <cstdio>
#include <string>
#include <sys/ioctl.h>

#include <linux/hsm.h>
#include <nlohmann/json.hpp>

#include "hsmctl.h"

namespace hsmctl {
namespace {

struct Name {
	unsigned int nr;
	const char *name;
};

constexpr Name commands[] = {
	{_IOC_NR(HSM_IOC_GET_INFO), "get_info"},
	{_IOC_NR(HSM_IOC_SHM_SETUP), "shm_setup"},
	{_IOC_NR(HSM_IOC_GET_STATS), "get_stats"},
	{_IOC_NR(HSM_IOC_CONN_CONFIG), "conn_config"},
	{_IOC_NR(HSM_IOC_GET_ALGS), "get_algs"},
	{_IOC_NR(HSM_IOC_SELFTEST), "selftest"},
	{_IOC_NR(HSM_IOC_KEY_GENERATE), "key_generate"},
	{_IOC_NR(HSM_IOC_KEY_IMPORT), "key_import"},
	{_IOC_NR(HSM_IOC_KEY_EXPORT), "key_export"},
	{_IOC_NR(HSM_IOC_KEY_RELEASE), "key_release"},
	{_IOC_NR(HSM_IOC_KEY_DERIVE), "key_derive"},
	{_IOC_NR(HSM_IOC_KEY_PUBLIC), "key_public"},
	{_IOC_NR(HSM_IOC_KEY_AGREE), "key_agree"},
	{_IOC_NR(HSM_IOC_KEY_WRAP), "key_wrap"},
	{_IOC_NR(HSM_IOC_KEY_UNWRAP), "key_unwrap"},
	{_IOC_NR(HSM_IOC_CTX_CREATE), "ctx_create"},
	{_IOC_NR(HSM_IOC_CTX_INIT), "ctx_init"},
	{_IOC_NR(HSM_IOC_CTX_UPDATE), "ctx_update"},
	{_IOC_NR(HSM_IOC_CTX_FINAL), "ctx_final"},
	{_IOC_NR(HSM_IOC_CTX_RESET), "ctx_reset"},
	{_IOC_NR(HSM_IOC_CTX_RELEASE), "ctx_release"},
	{_IOC_NR(HSM_IOC_DIGEST), "digest"},
	{_IOC_NR(HSM_IOC_MAC), "mac"},
	{_IOC_NR(HSM_IOC_MAC_VERIFY), "mac_verify"},
	{_IOC_NR(HSM_IOC_SEAL), "seal"},
	{_IOC_NR(HSM_IOC_OPEN), "open"},
	{_IOC_NR(HSM_IOC_ENCRYPT), "encrypt"},
	{_IOC_NR(HSM_IOC_DECRYPT), "decrypt"},
	{_IOC_NR(HSM_IOC_RANDOM), "random"},
	{_IOC_NR(HSM_IOC_SIGN), "sign"},
	{_IOC_NR(HSM_IOC_SLOT_STORE), "slot_store"},
	{_IOC_NR(HSM_IOC_SLOT_OPEN), "slot_open"},
	{_IOC_NR(HSM_IOC_SLOT_DELETE), "slot_delete"},
	{_IOC_NR(HSM_IOC_SLOT_LIST), "slot_list"},
	{_IOC_NR(HSM_IOC_VERIFY), "verify"},
};

constexpr const char *statuses[] = {
	"ok", "invalid_argument", "unknown_command", "not_found", "not_permitted",
	"invalid_state", "timed_out", "limit_exceeded", "unsupported", "auth_failed",
	"buffer_too_small", "out_of_memory", "canceled", "internal",
};

std::string command_name(unsigned int nr)
{
	for (const auto &c : commands)
		if (c.nr == nr)
			return c.name;
	return "cmd" + std::to_string(nr);
}

std::string status_name(unsigned int st)
{
	if (st < sizeof(statuses) / sizeof(statuses[0]))
		return statuses[st];
	return "status" + std::to_string(st);
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
