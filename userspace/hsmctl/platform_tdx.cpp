// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl's Intel TDX commands: attest --tdx (a TDREPORT and a DCAP quote
// of it to files) and sim-setup --tdx (a simulated TD, TDX module and
// quoting enclave, with a PCK chain and the collateral that verifies its
// quotes, made here by the simulated Intel PCS).
#include <cerrno>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include <hsm/tdx.hpp>

#include "platform.h"
#include "safe_file.h"
#include "sim/tdx_sim.hpp"

namespace hsmctl {
namespace {

std::string hex(std::span<const uint8_t> b)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	for (auto c : b) {
		s += digits[c >> 4];
		s += digits[c & 15];
	}
	return s;
}

Bytes text_bytes(const std::string &s)
{
	return Bytes(s.begin(), s.end());
}

struct AttestTdx {
	std::string dir;
	hsm_tdx_quote_params quote{};
};

constexpr const char *kAttestUsage =
	"usage: attest --tdx --out DIR [--report-data HEX] [--raw] [--version 4|5]";

// The command line; an exit status if it is not one.
std::optional<int> parse_attest(const std::vector<std::string> &args, AttestTdx &a)
{
	for (size_t i = 0; i < args.size(); i++) {
		const std::string &o = args[i];
		bool more = i + 1 < args.size();
		if (o == "--out" && more) {
			a.dir = args[++i];
		} else if (o == "--report-data" && more) {
			if (!hex_opt(o, args[++i], a.quote.report_data, sizeof(a.quote.report_data)))
				return 2;
		} else if (o == "--raw") {
			a.quote.flags |= HSM_TDX_REPORT_F_RAW;
		} else if (o == "--version" && more) {
			uint64_t v = 0;
			if (!number(o, args[++i], UINT32_MAX, v))
				return 2;
			if (v != 4 && v != 5)
				return usage_error("--version: a TDX quote is version 4 or 5");
			a.quote.version = static_cast<__u32>(v);
		} else {
			return usage_error("attest --tdx: unknown option or missing value: " +
					   printable(o) + "\n" + kAttestUsage);
		}
	}
	if (a.dir.empty())
		return usage_error(std::string("attest --tdx: --out DIR is required\n") + kAttestUsage);
	return std::nullopt;
}

}  // namespace

// hsmctl attest --tdx --out DIR [--report-data HEX] [--raw] [--version 4|5]
int attest_tdx(const Options &opt, const std::vector<std::string> &args)
{
	AttestTdx a;
	if (auto rc = parse_attest(args, a))
		return *rc;
	SafeDir out;
	if (auto e = out.open(a.dir, true); !e.empty())
		return refuse(e);
	Session s(opt);

	hsm_tdx_report_params rp{};
	std::memcpy(rp.report_data, a.quote.report_data, sizeof(rp.report_data));
	rp.flags = a.quote.flags;
	hsm_op op{};
	op.resp_off = Session::kResp;
	op.params = s.put(Session::kParams, rp);
	op.out = {Session::kOut, HSM_TDX_REPORT_SIZE};
	long r = s.run(HSM_IOC_TDX_REPORT, op);
	if (r < 0)
		return fail("HSM_IOC_TDX_REPORT", static_cast<int>(-r));
	if (r != HSM_TDX_REPORT_SIZE)
		return fail("HSM_IOC_TDX_REPORT: report length", EPROTO);
	Bytes tdreport = s.get(Session::kOut, HSM_TDX_REPORT_SIZE);

	op = {};
	op.resp_off = Session::kResp;
	op.params = s.put(Session::kParams, a.quote);
	op.out = {Session::kIn, HSM_TDX_QUOTE_MAX};
	r = s.run(HSM_IOC_TDX_QUOTE, op);
	if (r < 0)
		return fail("HSM_IOC_TDX_QUOTE", static_cast<int>(-r));
	if (r > HSM_TDX_QUOTE_MAX)
		return fail("HSM_IOC_TDX_QUOTE: quote length", EPROTO);
	Bytes quote = s.get(Session::kIn, static_cast<size_t>(r));
	auto parsed = hsm::tdx::parse_quote(quote);
	if (!parsed)
		return refuse("the module's quote does not parse: " + parsed.error().message);

	for (const auto &[name, bytes] : {std::pair<const char *, const Bytes &>{"tdreport.bin", tdreport},
					  {"quote.bin", quote}})
		if (auto e = out.write(name, bytes); !e.empty())
			return refuse(e);
	if (auto e = out.sync(); !e.empty())
		return refuse(e);

	const auto &q = *parsed;
	const bool raw = a.quote.flags & HSM_TDX_REPORT_F_RAW;
	const char *body = q.body_type == hsm::tdx::BodyType::kTd15 ? "TDX 1.5" : "TDX 1.0";
	if (opt.json) {
		nlohmann::ordered_json j = {
			{"tdreport", utf8_text(out.path("tdreport.bin"))},
			{"quote", utf8_text(out.path("quote.bin"))},
			{"quote_size", quote.size()},
			{"quote_version", q.header.version},
			{"body", body},
			{"report_data", hex(q.body.report_data)},
			{"report_data_bound", !raw},
			{"mrtd", hex(q.body.mrtd)},
		};
		std::printf("%s\n", j.dump(2).c_str());
		return 0;
	}
	std::printf("%s\n", printable(out.path("tdreport.bin")).c_str());
	std::printf("%s (%zu bytes, quote v%u, %s body)\n", printable(out.path("quote.bin")).c_str(),
		    quote.size(), q.header.version, body);
	std::printf("report data: %s (%s)\n", hex(q.body.report_data).c_str(),
		    raw ? "as given" : "bound to your uid");
	return 0;
}

// hsmctl sim-setup --tdx [--mrtd HEX] [--td15] [--revoked] [--out-dir DIR]
int sim_setup_tdx(const Options &opt, const std::vector<std::string> &args)
{
	tdxsim::Td td;
	std::string dir;
	bool revoked = false;
	for (size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		bool more = i + 1 < args.size();
		if (a == "--mrtd" && more) {
			if (!hex_opt(a, args[++i], td.mrtd.data(), td.mrtd.size()))
				return 2;
		} else if (a == "--td15") {
			td.report_version = 1;
		} else if (a == "--revoked") {
			revoked = true;
		} else if (a == "--out-dir" && more) {
			dir = args[++i];
		} else {
			return usage_error("sim-setup --tdx: unknown option or missing value: " + printable(a) +
					   "\nusage: sim-setup --tdx [--mrtd HEX] [--td15] [--revoked] "
					   "[--out-dir DIR]");
		}
	}
	SafeDir out;
	if (!dir.empty())
		if (auto e = out.open(dir, true); !e.empty())
			return refuse(e);
	Session s(opt);
	tdxsim::Pcs pcs;
	hsm_tdx_sim_params p = pcs.sim_params(td);
	const std::string chain = pcs.pck_chain_pem();
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.params = s.put(Session::kParams, p);
	op.in = s.put(Session::kIn, text_bytes(chain));
	long r = s.run(HSM_IOC_TDX_SIM_SETUP, op);
	OPENSSL_cleanse(&p, sizeof(p));
	OPENSSL_cleanse(s.base + Session::kParams, sizeof(p));
	if (r < 0)
		return fail("HSM_IOC_TDX_SIM_SETUP", static_cast<int>(-r));
	std::printf("simulated TDX module and quoting enclave set up with a new PCK chain\n");
	if (dir.empty())
		return 0;
	// What a verifier needs: the simulated root to trust explicitly, and
	// the collateral (its PCK CRL revoking the PCK with --revoked).
	const std::pair<const char *, std::string> files[] = {
		{"root.pem", pcs.root_pem()},
		{"pck-chain.pem", chain},
		{"collateral.json", pcs.collateral(revoked)},
	};
	for (const auto &[name, text] : files) {
		if (auto e = out.write(name, text_bytes(text)); !e.empty())
			return refuse(e);
		std::printf("%s\n", printable(out.path(name)).c_str());
	}
	if (auto e = out.sync(); !e.empty())
		return refuse(e);
	return 0;
}

}  // namespace hsmctl
