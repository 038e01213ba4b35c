// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl info: what HSM_IOC_GET_INFO reports.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <hsm/raw.h>
#include <linux/hsm.h>
#include <nlohmann/json.hpp>

#include "hsmctl.h"

namespace hsmctl {
namespace {

struct Feature {
	__u64 bit;
	const char *name;
};

constexpr Feature features[] = {
	{HSM_FEAT_SHM, "shm"},
	{HSM_FEAT_URING_CMD, "uring_cmd"},
	{HSM_FEAT_KEYS, "keys"},
	{HSM_FEAT_PLATFORM, "platform"},
	{HSM_FEAT_TEST_HOOKS, "test_hooks"},
};

constexpr Feature platform_caps[] = {
	{HSM_PLAT_CAP_REPORT, "report"},
	{HSM_PLAT_CAP_EXT_REPORT, "ext_report"},
	{HSM_PLAT_CAP_DERIVED_KEY, "derived_key"},
	{HSM_PLAT_CAP_SEAL, "seal"},
	{HSM_PLAT_CAP_TDX_REPORT, "tdx_report"},
	{HSM_PLAT_CAP_TDX_QUOTE, "tdx_quote"},
	{HSM_PLAT_CAP_RTMR_EXTEND, "rtmr_extend"},
};

// What this connection may do: the rights its opener had at open().
constexpr Feature conn_rights[] = {
	{HSM_CONN_F_ADMIN, "admin"},
	{HSM_CONN_F_PLATFORM, "platform"},
	{HSM_CONN_F_SLOT_GROUP, "slot_group"},
};

const char *platform_name(__u32 p)
{
	switch (p) {
	case HSM_PLATFORM_NONE: return "none";
	case HSM_PLATFORM_SEV: return "sev";
	case HSM_PLATFORM_SEV_SNP: return "sev-snp";
	case HSM_PLATFORM_TDX: return "tdx";
	}
	return "unknown";
}

const char *backend_name(__u32 b)
{
	switch (b) {
	case HSM_BACKEND_NONE: return "none";
	case HSM_BACKEND_REAL: return "real";
	case HSM_BACKEND_SIMULATED: return "simulated";
	}
	return "unknown";
}

// Who answers one platform's requests (hsm_info.snp_path, tdx_path).
const char *path_name(__u32 p)
{
	switch (p) {
	case HSM_PATH_NONE: return "not served";
	case HSM_PATH_OWN_VMPCK: return "own VMPCK";
	case HSM_PATH_KERNEL: return "kernel exports";
	case HSM_PATH_SIMULATED: return "simulated";
	case HSM_PATH_TAKEN: return "taken by another driver";
	case HSM_PATH_UNSUPPORTED: return "unsupported by this kernel";
	}
	return "unknown";
}

template <size_t N>
std::vector<std::string> bit_names(__u64 bits, const Feature (&table)[N])
{
	std::vector<std::string> names;
	for (const auto &f : table) {
		if (bits & f.bit) {
			names.emplace_back(f.name);
			bits &= ~f.bit;
		}
	}
	for (int i = 0; i < 64; i++)
		if (bits & (1ULL << i))
			names.push_back("bit" + std::to_string(i));
	return names;
}

std::vector<std::string> feature_names(__u64 bits)
{
	return bit_names(bits, features);
}

std::string join(const std::vector<std::string> &v)
{
	std::string s;
	for (const auto &x : v)
		s += (s.empty() ? "" : " ") + x;
	return s.empty() ? "-" : s;
}

// The module's version string, never trusted to end.
std::string module_version(const hsm_info &info)
{
	return std::string(info.module_version,
			   strnlen(info.module_version, sizeof(info.module_version)));
}

void print_json(const std::string &device, const hsm_info &info)
{
	const std::string version = module_version(info);
	const auto feats = feature_names(info.features);
	nlohmann::ordered_json j = {
		{"device", device},
		{"module_version", version},
		{"abi_version", info.abi_version},
		{"features", feats},
		{"platform", platform_name(info.platform)},
		{"platform_backend", backend_name(info.platform_backend)},
		{"platform_caps", bit_names(info.platform_caps, platform_caps)},
		{"sev_snp", {{"backend", backend_name(info.snp_backend)}, {"path", path_name(info.snp_path)}}},
		{"tdx", {{"backend", backend_name(info.tdx_backend)}, {"path", path_name(info.tdx_path)}}},
		{"worker", {{"attached", info.worker_slots != 0}, {"slots", info.worker_slots},
			    {"pid", info.worker_pid}}},
		{"rights", bit_names(info.conn_flags, conn_rights)},
		{"limits", {
			{"page_size", info.page_size},
			{"max_connections", info.max_connections},
			{"max_region_size", info.max_region_size},
			{"max_region_total", info.max_region_total},
			{"max_keys", info.max_keys},
			{"max_contexts", info.max_contexts},
			{"default_timeout_ms", info.default_timeout_ms},
			{"max_slots", info.max_slots},
			{"max_inflight", info.max_inflight},
			{"max_stream", info.max_stream},
			{"max_conn_stream", info.max_conn_stream},
			{"uid_max_connections", info.uid_max_connections},
			{"uid_max_region_total", info.uid_max_region_total},
			{"uid_max_keys", info.uid_max_keys},
			{"uid_max_contexts", info.uid_max_contexts},
			{"uid_max_stream", info.uid_max_stream},
			{"uid_max_slots", info.uid_max_slots},
			{"slot_group", info.slot_group == UINT32_MAX
				? nlohmann::json(nullptr) : nlohmann::json(info.slot_group)},
		}},
		{"usage", {
			{"connections", info.connections},
			{"region_total", info.region_total},
		}},
	};
	std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

// What the module is and what this connection may do.
void print_identity(const std::string &device, const hsm_info &info)
{
	const std::string version = module_version(info);
	std::printf("device:            %s\n", device.c_str());
	std::printf("module version:    %s\n", version.c_str());
	std::printf("ABI version:       %u (hsmctl built for %u)\n", info.abi_version,
		    HSM_ABI_VERSION);
	std::printf("features:          %s\n", join(feature_names(info.features)).c_str());
	std::printf("platform:          %s\n", platform_name(info.platform));
	std::printf("platform backend:  %s\n", backend_name(info.platform_backend));
	std::printf("platform caps:     %s\n",
		    join(bit_names(info.platform_caps, platform_caps)).c_str());
	std::printf("SEV-SNP:           %s (backend %s)\n", path_name(info.snp_path),
		    backend_name(info.snp_backend));
	std::printf("TDX:               %s (backend %s)\n", path_name(info.tdx_path),
		    backend_name(info.tdx_backend));
	if (info.worker_slots)
		std::printf("worker:            attached (pid %u, %u slots): ECDSA, Ed25519, RSA-PSS, RSA-OAEP served\n",
			    info.worker_pid, info.worker_slots);
	else
		std::printf("worker:            none attached: ECDSA, Ed25519, RSA-PSS, RSA-OAEP unavailable (start hsmd.service)\n");
	auto rights = bit_names(info.conn_flags, conn_rights);
	std::printf("your rights:       %s\n",
		    rights.empty() ? "none beyond your own keys and slots (raw platform requests are bound to your uid)"
				   : join(rights).c_str());
}

// Its limits, the per-user shares and what is in use.
void print_limits(const hsm_info &info)
{
	std::printf("limits:\n");
	std::printf("  page size:         %u\n", info.page_size);
	std::printf("  max connections:   %u\n", info.max_connections);
	std::printf("  max region size:   %llu\n", (unsigned long long)info.max_region_size);
	std::printf("  max region total:  %llu\n", (unsigned long long)info.max_region_total);
	std::printf("  max keys:          %u per connection\n", info.max_keys);
	std::printf("  max contexts:      %u per connection\n", info.max_contexts);
	std::printf("  default timeout:   %u ms\n", info.default_timeout_ms);
	std::printf("  max slots:         %u\n", info.max_slots);
	std::printf("  max in flight:     %u per connection\n", info.max_inflight);
	std::printf("  max AEAD stream:   %u bytes\n", info.max_stream);
	std::printf("  max AEAD streams:  %llu bytes per connection\n",
		    (unsigned long long)info.max_conn_stream);
	if (info.slot_group == UINT32_MAX)
		std::printf("  slot group:        none\n");
	else
		std::printf("  slot group:        gid %u\n", info.slot_group);
	if (info.uid_max_connections) {
		std::printf("per-user shares (root exempt):\n");
		std::printf("  connections:       %u\n", info.uid_max_connections);
		std::printf("  region bytes:      %llu\n",
			    (unsigned long long)info.uid_max_region_total);
		std::printf("  keys:              %u\n", info.uid_max_keys);
		std::printf("  contexts:          %u\n", info.uid_max_contexts);
		std::printf("  AEAD stream bytes: %llu\n", (unsigned long long)info.uid_max_stream);
		std::printf("  slots:             %u\n", info.uid_max_slots);
	}
	std::printf("usage:\n");
	std::printf("  connections:       %u\n", info.connections);
	std::printf("  region total:      %llu\n", (unsigned long long)info.region_total);
}

}  // namespace

int cmd_info(const Options &opt, const std::vector<std::string> &)
{
	Device dev(opt.device);
	hsm_info info;
	if (long r = hsm_raw_get_info(dev.fd(), &info); r < 0)
		return fail("HSM_IOC_GET_INFO", static_cast<int>(-r));
	if (opt.json) {
		print_json(opt.device, info);
		return 0;
	}
	print_identity(opt.device, info);
	print_limits(info);
	return 0;
}

}  // namespace hsmctl
