// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl verify --tdx: check an Intel TDX quote against its collateral and
// a policy; print its fields, every check, the TCB status and why it was
// refused.
#include <cstdio>
#include <optional>
#include <span>

#include <nlohmann/json.hpp>

#include <hsm/tdx.hpp>

#include "hsmctl.h"

namespace hsmctl {

namespace {

namespace tdx = hsm::tdx;

void usage(FILE *out)
{
	std::fprintf(out,
		     "usage: hsmctl verify --tdx --quote FILE --collateral FILE [--time T] [--root FILE]\n"
		     "                     [POLICY]\n\n"
		     "The quote is a DCAP quote v4 or v5 of a TD (binary).  The collateral is the\n"
		     "JSON a PCCS or dcap-qvl returns: pck_crl, pck_crl_issuer_chain, root_ca_crl,\n"
		     "tcb_info, tcb_info_signature, tcb_info_issuer_chain, qe_identity,\n"
		     "qe_identity_signature, qe_identity_issuer_chain.\n"
		     "  --time T               check certificates, CRLs and collateral at T: seconds\n"
		     "                         since the epoch or YYYY-MM-DD[THH:MM:SS] (UTC);\n"
		     "                         default now\n"
		     "  --root FILE            also trust this root (PEM or DER; a simulated root)\n"
		     "Policy (defaults: debug refused, SEPT_VE_DISABLE required, TCB UpToDate):\n"
		     "  --allow-debug  --allow-sept-ve\n"
		     "  --min-tcb-status S     the worst status accepted: UpToDate, SWHardeningNeeded,\n"
		     "                         ConfigurationNeeded, ConfigurationAndSWHardeningNeeded,\n"
		     "                         OutOfDate, OutOfDateConfigurationNeeded\n"
		     "  --mrtd HEX  --mrconfigid HEX  --rtmr0 HEX .. --rtmr3 HEX  (48 bytes)\n"
		     "  --report-data HEX      (64 bytes)\n"
		     "  --allow-unconstrained  accept a policy without --mrtd or --report-data\n\n"
		     "Exit status: 0 genuine and policy satisfied (and constrained, or\n"
		     "--allow-unconstrained); 1 refused (the reason is printed); 2 usage;\n"
		     "3 genuine and policy satisfied but unconstrained.\n");
}

std::string hex(std::span<const std::uint8_t> b)
{
	std::string s;
	char buf[3];
	for (auto c : b) {
		std::snprintf(buf, sizeof(buf), "%02x", c);
		s += buf;
	}
	return s;
}

std::string hex64(std::uint64_t v)
{
	char buf[24];
	std::snprintf(buf, sizeof(buf), "0x%016llx", static_cast<unsigned long long>(v));
	return buf;
}

// Every field of the quote that says what ran where, in order.
std::vector<std::pair<std::string, std::string>> quote_fields(const tdx::Verification &v)
{
	const tdx::Quote &q = v.quote;
	const tdx::TdBody &b = q.body;
	std::vector<std::pair<std::string, std::string>> f;
	f.emplace_back("version", std::to_string(q.header.version));
	f.emplace_back("body", q.body_type == tdx::BodyType::kTd15 ? "TDX 1.5" : "TDX 1.0");
	f.emplace_back("qe_svn", std::to_string(q.header.qe_svn));
	f.emplace_back("pce_svn", std::to_string(q.header.pce_svn));
	f.emplace_back("tee_tcb_svn", hex(b.tee_tcb_svn));
	f.emplace_back("mrseam", hex(b.mrseam));
	f.emplace_back("mrsignerseam", hex(b.mrsignerseam));
	f.emplace_back("seam_attributes", hex64(b.seam_attributes));
	f.emplace_back("td_attributes", hex64(b.td_attributes) + (b.debug() ? " (DEBUG" : " (") +
						(b.debug() && b.sept_ve_disable() ? ", " : "") +
						(b.sept_ve_disable() ? "sept_ve_disable)" : ")"));
	f.emplace_back("xfam", hex64(b.xfam));
	f.emplace_back("mrtd", hex(b.mrtd));
	f.emplace_back("mrconfigid", hex(b.mrconfigid));
	f.emplace_back("mrowner", hex(b.mrowner));
	f.emplace_back("mrownerconfig", hex(b.mrownerconfig));
	for (std::size_t i = 0; i < 4; i++)
		f.emplace_back("rtmr" + std::to_string(i), hex(b.rtmr[i]));
	f.emplace_back("report_data", hex(b.report_data));
	if (b.has_td15) {
		f.emplace_back("tee_tcb_svn2", hex(b.tee_tcb_svn2));
		f.emplace_back("mrservicetd", hex(b.mrservicetd));
	}
	f.emplace_back("fmspc", hex(v.pck.fmspc));
	f.emplace_back("pceid", hex(v.pck.pceid));
	f.emplace_back("pck_pcesvn", std::to_string(v.pck.pcesvn));
	f.emplace_back("pck_sgx_tcb", hex(v.pck.sgx_components));
	return f;
}

std::string verdict(const tdx::Verification &v, bool allow_unconstrained)
{
	if (!v.genuine)
		return std::string("FAIL (not genuine: ") + tdx::to_string(v.reason) + ")";
	if (!v.policy_ok)
		return std::string("FAIL (policy not satisfied: ") + tdx::to_string(v.reason) + ")";
	if (!v.unconstrained)
		return "PASS";
	return allow_unconstrained ? "PASS, unconstrained: MRTD/report data not checked"
				   : "UNCONSTRAINED: genuine, but MRTD/report data not checked";
}

std::string status_text(const std::optional<tdx::TcbStatus> &s)
{
	return s ? tdx::to_string(*s) : "(none)";
}

void print_json(const tdx::Verification &v, bool allow_unconstrained)
{
	using nlohmann::ordered_json;
	ordered_json fields = ordered_json::object();
	for (const auto &[n, t] : quote_fields(v))
		fields[n] = t;
	ordered_json checks = ordered_json::array();
	for (const auto &c : v.checks)
		checks.push_back({{"name", c.name},
				  {"passed", c.passed},
				  {"message", utf8_text(c.message)},
				  {"reason", tdx::to_string(c.reason)}});
	auto status = [](const std::optional<tdx::TcbStatus> &s) {
		return s ? ordered_json(tdx::to_string(*s)) : ordered_json(nullptr);
	};
	ordered_json j = {
		{"quote", fields},
		{"checks", checks},
		{"tcb_status", status(v.tcb_status)},
		{"platform_status", status(v.platform_status)},
		{"tdx_module_status", status(v.module_status)},
		{"qe_status", status(v.qe_status)},
		{"tcb_date", v.tcb_date},
		{"advisory_ids", v.advisory_ids},
		{"simulated_root", v.simulated_root},
		{"genuine", v.genuine},
		{"policy_ok", v.policy_ok},
		{"unconstrained", v.unconstrained},
		{"ok", v.ok},
		{"reason", tdx::to_string(v.reason)},
		{"verdict", verdict(v, allow_unconstrained)},
	};
	std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

void print_text(const tdx::Verification &v, bool allow_unconstrained)
{
	std::printf("quote:\n");
	for (const auto &[n, t] : quote_fields(v))
		std::printf("  %-16s %s\n", n.c_str(), t.c_str());
	std::printf("checks:\n");
	for (const auto &c : v.checks)
		std::printf("  %-4s %-24s %s\n", c.passed ? "ok" : "FAIL", printable(c.name).c_str(),
			    printable(c.message).c_str());
	std::printf("tcb status: %s (platform %s, TDX module %s, QE %s)%s\n",
		    status_text(v.tcb_status).c_str(), status_text(v.platform_status).c_str(),
		    status_text(v.module_status).c_str(), status_text(v.qe_status).c_str(),
		    v.tcb_date.empty() ? "" : (", TCB date " + v.tcb_date).c_str());
	if (!v.advisory_ids.empty()) {
		std::string ids;
		for (const auto &a : v.advisory_ids)
			ids += (ids.empty() ? "" : " ") + printable(a);
		std::printf("advisories: %s\n", ids.c_str());
	}
	if (v.simulated_root)
		std::printf("root: SIMULATED (passed with --root), not Intel's\n");
	std::printf("genuine: %s\n", v.genuine ? "yes" : "no");
	std::printf("policy: %s\n", v.policy_ok ? "satisfied" : "not satisfied");
	if (!v.ok)
		std::printf("reason: %s: %s\n", tdx::to_string(v.reason),
			    v.first_failure() ? printable(v.first_failure()->message).c_str() : "");
	if (v.unconstrained)
		std::printf("unconstrained: MRTD/report data not checked\n");
	std::printf("verdict: %s\n", verdict(v, allow_unconstrained).c_str());
}

struct Request {
	std::string quote_path, collateral_path;
	tdx::Policy pol;
	bool allow_unconstrained = false;
};

template <std::size_t N>
bool hex_option(const std::string &opt, const std::string &s, std::array<std::uint8_t, N> &dst)
{
	if (parse_hex(s, dst.data(), N))
		return true;
	std::fprintf(stderr, "hsmctl: %s needs exactly %zu bytes as %zu hex digits\n", opt.c_str(), N,
		     2 * N);
	return false;
}

// An option that takes a value; false once the error is printed.
bool value_option(const std::string &a, const std::string &val, Request &rq)
{
	auto &pol = rq.pol;
	if (a == "--quote") {
		rq.quote_path = val;
	} else if (a == "--collateral") {
		rq.collateral_path = val;
	} else if (a == "--root") {
		auto b = read_input(val);
		if (!b)
			return false;
		pol.extra_roots.push_back(std::move(*b));
	} else if (a == "--time") {
		std::time_t t = 0;
		if (!parse_time(val, t))
			return false;
		pol.time = t;
	} else if (a == "--min-tcb-status") {
		auto s = tdx::tcb_status_from(val);
		if (!s) {
			std::fprintf(stderr, "hsmctl: --min-tcb-status: '%s' is not a TCB status\n",
				     printable(val).c_str());
			return false;
		}
		pol.min_tcb_status = *s;
	} else if (a == "--mrtd") {
		return hex_option(a, val, pol.mrtd.emplace());
	} else if (a == "--mrconfigid") {
		return hex_option(a, val, pol.mrconfigid.emplace());
	} else if (a == "--report-data") {
		return hex_option(a, val, pol.report_data.emplace());
	} else if (a.size() == 7 && a.starts_with("--rtmr") && a[6] >= '0' && a[6] <= '3') {
		if (!pol.rtmr) {
			pol.rtmr.emplace();
			pol.rtmr_checked = {false, false, false, false};
		}
		pol.rtmr_checked[a[6] - '0'] = true;
		return hex_option(a, val, (*pol.rtmr)[a[6] - '0']);
	} else {
		std::fprintf(stderr, "hsmctl: verify --tdx: unknown option %s\n", printable(a).c_str());
		usage(stderr);
		return false;
	}
	return true;
}

// The command line; a usage error is status 2, --help 0.
std::optional<int> parse_args(const std::vector<std::string> &args, Request &rq)
{
	for (std::size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		if (a == "-h" || a == "--help") {
			usage(stdout);
			return 0;
		}
		if (a == "--allow-debug") {
			rq.pol.allow_debug = true;
		} else if (a == "--allow-sept-ve") {
			rq.pol.require_sept_ve_disable = false;
		} else if (a == "--allow-unconstrained") {
			rq.allow_unconstrained = true;
		} else if (i + 1 == args.size()) {
			std::fprintf(stderr, "hsmctl: verify --tdx: unknown option or missing value: %s\n",
				     printable(a).c_str());
			usage(stderr);
			return 2;
		} else if (!value_option(a, args[++i], rq)) {
			return 2;
		}
	}
	if (rq.quote_path.empty() || rq.collateral_path.empty()) {
		std::fprintf(stderr, "hsmctl: verify --tdx needs --quote FILE and --collateral FILE\n");
		usage(stderr);
		return 2;
	}
	return std::nullopt;
}

} // namespace

int cmd_verify_tdx(const Options &opt, const std::vector<std::string> &args)
{
	Request rq;
	if (auto stop = parse_args(args, rq))
		return *stop;
	auto quote = read_input(rq.quote_path);
	auto col_bytes = quote ? read_input(rq.collateral_path) : std::nullopt;
	if (!quote || !col_bytes)
		return 1;
	auto col = tdx::parse_collateral(*col_bytes);
	if (!col) {
		std::fprintf(stderr, "hsmctl: %s: %s\n", printable(rq.collateral_path).c_str(),
			     printable(col.error().message).c_str());
		return 1;
	}
	auto v = tdx::verify(*quote, *col, rq.pol);
	if (!v) {
		std::fprintf(stderr, "hsmctl: %s: %s\n", printable(rq.quote_path).c_str(),
			     printable(v.error().message).c_str());
		return 1;
	}
	if (opt.json)
		print_json(*v, rq.allow_unconstrained);
	else
		print_text(*v, rq.allow_unconstrained);
	if (!v->ok)
		return 1;
	return v->unconstrained && !rq.allow_unconstrained ? 3 : 0;
}

} // namespace hsmctl
