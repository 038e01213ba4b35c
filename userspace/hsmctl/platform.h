// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl's platform commands (platform.cpp: SEV-SNP and slots;
// platform_tdx.cpp: Intel TDX): the device session they share, and how
// they read options and report errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <hsm/raw.h>
#include <openssl/bio.h>
#include <linux/hsm.h>

#include "hsmctl.h"

namespace hsmctl {

using Bytes = std::vector<std::uint8_t>;

// An open device with a mapped 1 MiB region, laid out at fixed offsets.
struct Session {
	static constexpr std::size_t kRegion = 1 << 20;
	static constexpr __u32 kParams = 0, kResp = 0x800, kOut = 0x1000, kTag = 0x10000,
			       kIn = 0x20000;

	Device dev;
	std::uint8_t *base;
	explicit Session(const Options &opt) : dev(opt.device), base(dev.map_region(kRegion)) {}
	template <typename T> hsm_ref put(__u32 off, const T &v)
	{
		std::memcpy(base + off, &v, sizeof(v));
		return {off, sizeof(v)};
	}
	hsm_ref put(__u32 off, const Bytes &b)
	{
		std::memcpy(base + off, b.data(), b.size());
		return {off, static_cast<__u32>(b.size())};
	}
	Bytes get(__u32 off, std::size_t n) const { return Bytes(base + off, base + off + n); }
	const hsm_resp &resp() const { return *reinterpret_cast<const hsm_resp *>(base + kResp); }
	long run(unsigned cmd, hsm_op op) { return hsm_raw_ioctl(dev.fd(), cmd, &op); }
};

// What a PEM writer (PEM_write_bio_*) writes, as bytes; false if it fails.
bool pem_text(const std::function<int(BIO *)> &write, Bytes &pem);
// A certificate (DER) as PEM text; false if it does not parse.
bool to_pem(const Bytes &der, Bytes &pem);
// A number option: all of it, at most max; false once the error is printed.
bool number(const std::string &opt, const std::string &s, std::uint64_t max, std::uint64_t &out);
// A hex option: exactly len bytes; false once the error is printed.
bool hex_opt(const std::string &opt, const std::string &s, std::uint8_t *out, std::size_t len);
// A usage error: prints msg, returns exit status 2.
int usage_error(const std::string &msg);
// A file or directory refused, or an I/O error: prints msg, returns 1.
int refuse(const std::string &msg);

// attest and sim-setup for one platform; cmd_attest and cmd_sim_setup
// choose (--snp, --tdx, or what GET_INFO says).
int attest_snp(const Options &opt, const std::vector<std::string> &args);
int attest_tdx(const Options &opt, const std::vector<std::string> &args);
int sim_setup_snp(const Options &opt, const std::vector<std::string> &args);
int sim_setup_tdx(const Options &opt, const std::vector<std::string> &args);
// attest --key: a slot's key pair attested (keyattest.cpp).
int attest_key(const Options &opt, const std::vector<std::string> &args);

}  // namespace hsmctl
