// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl verify: check an SEV-SNP attestation report against its
// certificates and a policy; print every field and every check.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>

#include <hsm/snp.hpp>

#include "hsmctl.h"

namespace hsmctl {

namespace {

namespace snp = hsm::snp;

void verify_usage(FILE *out)
{
	std::fprintf(out,
		     "usage: hsmctl verify --report FILE [CERTIFICATES] [POLICY]\n"
		     "       hsmctl verify --tdx --quote FILE --collateral FILE ... (--tdx --help)\n\n"
		     "The report is the 1184-byte binary (or its hex text).\n"
		     "Certificates (PEM or DER; any combination):\n"
		     "  --certs DIR            every *.pem, *.der, *.cer, *.crt file in DIR\n"
		     "  --chain PEM            the ASK (or ASVK) and ARK\n"
		     "  --vcek FILE            the VCEK or VLEK\n"
		     "  --cert-table FILE      an extended report's certificate table\n"
		     "  --sim-root PEM         also trust this root (a simulated ARK)\n"
		     "Policy (defaults: debug and migration agent refused, SMT allowed):\n"
		     "  --allow-debug  --allow-migration-agent  --no-smt\n"
		     "  --measurement HEX  --report-data HEX  --host-data HEX\n"
		     "  --id-key-digest HEX  --author-key-digest HEX   (HEX: the field's exact length)\n"
		     "  --vmpl N (0-3)  --min-guest-svn N\n"
		     "  --min-tcb bl=N,tee=N,snp=N,ucode=N[,fmc=N]\n"
		     "  --require-vcek         refuse a report signed by a VLEK\n"
		     "  --platform-info-required MASK  --platform-info-forbidden MASK\n"
		     "                         PLATFORM_INFO bits that must be set / clear\n"
		     "  --allow-unconstrained  accept a policy without --measurement or\n"
		     "                         --report-data (see below)\n"
		     "  --time T               check validity at T: seconds since the epoch\n"
		     "                         or YYYY-MM-DD[THH:MM:SS] (UTC); default now\n\n"
		     "The verdict has two halves: genuine (the report's signature, the chain to\n"
		     "a trusted root and the key's TCB and hwID) and policy (every policy.*\n"
		     "check).  Without --measurement or --report-data the policy says nothing\n"
		     "about which guest made the report or when: the output then says\n"
		     "\"unconstrained: measurement/report_data not checked\".\n"
		     "Exit status: 0 genuine and policy satisfied (and constrained, or\n"
		     "--allow-unconstrained); 1 not genuine or policy not satisfied; 2 usage;\n"
		     "3 genuine and policy satisfied but unconstrained.\n"
		     "Certificate revocation lists are not checked.\n");
}

// Hex text (whitespace ignored) to bytes; nullopt if anything else.
std::optional<std::vector<std::uint8_t>> from_hex(std::string_view s)
{
	std::vector<std::uint8_t> out;
	int hi = -1;
	for (char c : s) {
		if (std::isspace(static_cast<unsigned char>(c)))
			continue;
		int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
			: (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
		if (v < 0)
			return std::nullopt;
		if (hi < 0) {
			hi = v;
		} else {
			out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
			hi = -1;
		}
	}
	if (hi >= 0)
		return std::nullopt;
	return out;
}

template <std::size_t N>
bool hex_array(const std::string &opt, const std::string &s, std::optional<std::array<std::uint8_t, N>> &dst)
{
	std::array<std::uint8_t, N> a;
	if (!parse_hex(s, a.data(), N)) {
		std::fprintf(stderr, "hsmctl: %s needs exactly %zu bytes as %zu hex digits\n", opt.c_str(),
			     N, 2 * N);
		return false;
	}
	dst = a;
	return true;
}

template <typename T>
bool number(const std::string &opt, const std::string &s, T &dst)
{
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), dst);
	if (ec != std::errc() || p != s.data() + s.size()) {
		std::fprintf(stderr, "hsmctl: %s: '%s' is not a number in range\n", opt.c_str(), s.c_str());
		return false;
	}
	return true;
}

bool parse_min_tcb(const std::string &s, snp::MinTcb &m)
{
	std::size_t pos = 0;
	while (pos <= s.size()) {
		std::size_t end = s.find(',', pos);
		std::string item = s.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
		std::size_t eq = item.find('=');
		if (eq == std::string::npos) {
			std::fprintf(stderr, "hsmctl: --min-tcb: '%s' is not NAME=N\n", item.c_str());
			return false;
		}
		std::string name = item.substr(0, eq);
		std::uint8_t v = 0;
		if (!number("--min-tcb " + name, item.substr(eq + 1), v))
			return false;
		if (name == "bl")
			m.bootloader = v;
		else if (name == "tee")
			m.tee = v;
		else if (name == "snp")
			m.snp = v;
		else if (name == "ucode")
			m.microcode = v;
		else if (name == "fmc")
			m.fmc = v;
		else {
			std::fprintf(stderr, "hsmctl: --min-tcb: unknown component '%s' (bl, tee, snp, ucode, fmc)\n",
				     name.c_str());
			return false;
		}
		if (end == std::string::npos)
			break;
		pos = end + 1;
	}
	return true;
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

std::string tcb_text(const snp::Tcb &t, snp::TcbLayout l)
{
	char buf[96];
	std::snprintf(buf, sizeof(buf), "0x%016llx (", static_cast<unsigned long long>(t.raw));
	std::string s = buf;
	if (l == snp::TcbLayout::kTurin)
		s += "fmc " + std::to_string(t.fmc) + ", ";
	std::snprintf(buf, sizeof(buf), "bl %u, tee %u, snp %u, ucode %u)", t.bootloader, t.tee, t.snp,
		      t.microcode);
	return s + buf;
}

std::string hex64(std::uint64_t v)
{
	char buf[24];
	std::snprintf(buf, sizeof(buf), "0x%016llx", static_cast<unsigned long long>(v));
	return buf;
}

// Every field of the report, in order, as (name, text).
std::vector<std::pair<std::string, std::string>> report_fields(const snp::Report &r)
{
	std::vector<std::pair<std::string, std::string>> f;
	char buf[160];
	f.emplace_back("version", std::to_string(r.version));
	f.emplace_back("guest_svn", std::to_string(r.guest_svn));
	std::snprintf(buf, sizeof(buf), "0x%016llx (abi %u.%u%s%s%s%s%s)",
		      static_cast<unsigned long long>(r.policy), r.abi_major(), r.abi_minor(),
		      r.smt() ? ", smt" : "", r.migrate_ma() ? ", migrate_ma" : "",
		      r.debug() ? ", DEBUG" : "",
		      r.policy & snp::policy_bit::single_socket ? ", single_socket" : "",
		      r.policy & snp::policy_bit::cxl_allow ? ", cxl" : "");
	f.emplace_back("policy", buf);
	f.emplace_back("family_id", hex(r.family_id));
	f.emplace_back("image_id", hex(r.image_id));
	f.emplace_back("vmpl", std::to_string(r.vmpl));
	f.emplace_back("signature_algo", std::to_string(r.signature_algo));
	f.emplace_back("current_tcb", tcb_text(r.current_tcb, r.tcb_layout));
	f.emplace_back("platform_info", hex64(r.platform_info));
	std::snprintf(buf, sizeof(buf), "0x%08x (author_key_en %d, mask_chip_key %d, signing_key %u%s)",
		      r.signer_info, r.author_key_en, r.mask_chip_key, r.signing_key,
		      r.signing_key == 0 ? " VCEK" : r.signing_key == 1 ? " VLEK" : r.signing_key == 7 ? " none" : " reserved");
	f.emplace_back("signer_info", buf);
	f.emplace_back("report_data", hex(r.report_data));
	f.emplace_back("measurement", hex(r.measurement));
	f.emplace_back("host_data", hex(r.host_data));
	f.emplace_back("id_key_digest", hex(r.id_key_digest));
	f.emplace_back("author_key_digest", hex(r.author_key_digest));
	f.emplace_back("report_id", hex(r.report_id));
	f.emplace_back("report_id_ma", hex(r.report_id_ma));
	f.emplace_back("reported_tcb", tcb_text(r.reported_tcb, r.tcb_layout));
	if (r.has_cpuid) {
		std::snprintf(buf, sizeof(buf), "family 0x%02x, model 0x%02x, stepping 0x%02x",
			      r.cpuid_fam_id, r.cpuid_mod_id, r.cpuid_step);
		f.emplace_back("cpuid", buf);
	}
	f.emplace_back("product", snp::to_string(r.product));
	f.emplace_back("chip_id", hex(r.chip_id));
	f.emplace_back("committed_tcb", tcb_text(r.committed_tcb, r.tcb_layout));
	std::snprintf(buf, sizeof(buf), "%u.%u build %u", r.current_major, r.current_minor, r.current_build);
	f.emplace_back("current_version", buf);
	std::snprintf(buf, sizeof(buf), "%u.%u build %u", r.committed_major, r.committed_minor,
		      r.committed_build);
	f.emplace_back("committed_version", buf);
	f.emplace_back("launch_tcb", tcb_text(r.launch_tcb, r.tcb_layout));
	if (r.has_mit_vectors) {
		f.emplace_back("launch_mit_vector", hex64(r.launch_mit_vector));
		f.emplace_back("current_mit_vector", hex64(r.current_mit_vector));
	}
	f.emplace_back("signature_r", hex(r.signature_r));
	f.emplace_back("signature_s", hex(r.signature_s));
	return f;
}

// The verdict line, and the exit status that goes with it.
std::string verdict(const snp::Verification &v, bool allow_unconstrained)
{
	if (!v.genuine)
		return "FAIL (not genuine)";
	if (!v.policy_ok)
		return "FAIL (policy not satisfied)";
	if (!v.unconstrained)
		return "PASS";
	return allow_unconstrained ? "PASS, unconstrained: measurement/report_data not checked"
				   : "UNCONSTRAINED: genuine, but measurement/report_data not checked";
}

int exit_status(const snp::Verification &v, bool allow_unconstrained)
{
	if (!v.ok)
		return 1;
	return v.unconstrained && !allow_unconstrained ? 3 : 0;
}

// A JSON string literal.
std::string quote(const std::string &text)
{
	std::string s = utf8_text(text), o = "\"";
	for (unsigned char c : s) {
		if (c == '"' || c == '\\') {
			o += '\\';
			o += static_cast<char>(c);
		} else if (c < 0x20) {
			char buf[8];
			std::snprintf(buf, sizeof(buf), "\\u%04x", c);
			o += buf;
		} else {
			o += static_cast<char>(c);
		}
	}
	return o + "\"";
}

void print_json(const snp::Verification &v, bool allow_unconstrained)
{
	std::printf("{\"report\": {");
	const char *sep = "";
	for (const auto &[n, t] : report_fields(v.report)) {
		std::printf("%s%s: %s", sep, quote(n).c_str(), quote(t).c_str());
		sep = ", ";
	}
	std::printf("},\n \"checks\": [");
	sep = "";
	for (const auto &c : v.checks) {
		std::printf("%s\n  {\"name\": %s, \"passed\": %s, \"message\": %s}", sep,
			    quote(c.name).c_str(), c.passed ? "true" : "false", quote(c.message).c_str());
		sep = ",";
	}
	std::printf("],\n \"root\": %s, \"simulated_root\": %s, \"product\": %s,\n"
		    " \"genuine\": %s, \"policy_ok\": %s, \"unconstrained\": %s, \"ok\": %s,"
		    " \"verdict\": %s}\n",
		    quote(v.root_name).c_str(), v.simulated_root ? "true" : "false",
		    quote(snp::to_string(v.product)).c_str(), v.genuine ? "true" : "false",
		    v.policy_ok ? "true" : "false", v.unconstrained ? "true" : "false",
		    v.ok ? "true" : "false", quote(verdict(v, allow_unconstrained)).c_str());
}

void print_text(const snp::Verification &v, bool allow_unconstrained)
{
	// Certificate text (names, productName, CSP) is not ours: escaped.
	std::printf("report:\n");
	for (const auto &[n, t] : report_fields(v.report))
		std::printf("  %-20s %s\n", n.c_str(), printable(t).c_str());
	std::printf("checks:\n");
	for (const auto &c : v.checks)
		std::printf("  %-4s %-24s %s\n", c.passed ? "ok" : "FAIL", printable(c.name).c_str(),
			    printable(c.message).c_str());
	std::printf("root: %s%s\n", v.root_name.empty() ? "(none)" : printable(v.root_name).c_str(),
		    v.simulated_root ? " (SIMULATED, not AMD)" : "");
	std::printf("genuine: %s\n", v.genuine ? "yes" : "no");
	std::printf("policy: %s\n", v.policy_ok ? "satisfied" : "not satisfied");
	if (v.unconstrained)
		std::printf("unconstrained: measurement/report_data not checked\n");
	std::printf("verdict: %s\n", verdict(v, allow_unconstrained).c_str());
}

// A certificate file (at most 1 MiB, like every input here) into the chain.
bool add_certs(snp::Chain &c, const std::string &path)
{
	auto b = read_input(path);
	if (!b)
		return false;
	auto r = c.add(*b);
	if (!r)
		std::fprintf(stderr, "hsmctl: %s: %s\n", printable(path).c_str(),
			     printable(r.error().message).c_str());
	return r.has_value();
}

// Merges b's certificates into a (a cert-table chain into the files').
bool merge(snp::Chain &a, const snp::Chain &b)
{
	for (const auto *der : {&b.ark, &b.ask, &b.asvk, &b.vcek, &b.vlek}) {
		if (der->empty())
			continue;
		auto r = a.add(*der);
		if (!r) {
			std::fprintf(stderr, "hsmctl: certificate table: %s\n", r.error().message.c_str());
			return false;
		}
	}
	return true;
}

// What the command line asks for.
struct Request {
	std::string report_path;
	snp::Chain chain;
	snp::Policy pol;
	bool allow_unconstrained = false;
};

// The exit status a step stops the command with, or none to go on.
using Stop = std::optional<int>;

// A flag that takes no value; false if a is none.
bool flag(const std::string &a, Request &rq)
{
	if (a == "--allow-debug")
		rq.pol.allow_debug = true;
	else if (a == "--allow-migration-agent")
		rq.pol.allow_migration_agent = true;
	else if (a == "--no-smt")
		rq.pol.allow_smt = false;
	else if (a == "--require-vcek")
		rq.pol.allowed_signers = snp::signer_vcek;
	else if (a == "--allow-unconstrained")
		rq.allow_unconstrained = true;
	else
		return false;
	return true;
}

// --certs: every certificate file in dir, in name order.
Stop certs_dir(const std::string &dir, snp::Chain &chain)
{
	std::error_code ec;
	std::vector<std::string> files;
	for (const auto &e : std::filesystem::directory_iterator(dir, ec)) {
		auto ext = e.path().extension().string();
		std::error_code fec;
		if (e.is_regular_file(fec) &&
		    (ext == ".pem" || ext == ".der" || ext == ".cer" || ext == ".crt"))
			files.push_back(e.path().string());
	}
	if (ec)
		return fail("--certs " + dir, ec.value());
	std::sort(files.begin(), files.end());
	for (const auto &f : files)
		if (!add_certs(chain, f))
			return 2;
	return {};
}

// --cert-table: the certificates of an extended report's table.
Stop cert_table(const std::string &path, snp::Chain &chain)
{
	auto b = read_input(path);
	if (!b)
		return 1;
	auto t = snp::parse_cert_table(*b);
	if (!t) {
		std::fprintf(stderr, "hsmctl: %s: %s\n", path.c_str(), t.error().message.c_str());
		return 1;
	}
	return merge(chain, *t) ? Stop() : 2;
}

// An option of the policy; a value that does not parse is status 2.
Stop policy_option(const std::string &a, const std::string &val, snp::Policy &pol)
{
	bool ok = true;
	if (a == "--measurement") {
		ok = hex_array(a, val, pol.measurement);
	} else if (a == "--report-data") {
		ok = hex_array(a, val, pol.report_data);
	} else if (a == "--host-data") {
		ok = hex_array(a, val, pol.host_data);
	} else if (a == "--id-key-digest") {
		ok = hex_array(a, val, pol.id_key_digest);
	} else if (a == "--author-key-digest") {
		ok = hex_array(a, val, pol.author_key_digest);
	} else if (a == "--vmpl") {
		std::uint32_t v = 0;
		ok = number(a, val, v);
		if (ok && v > 3)
			ok = false, std::fprintf(stderr, "hsmctl: --vmpl: '%s' is not a VMPL (0-3)\n",
						 printable(val).c_str());
		pol.vmpl = v;
	} else if (a == "--platform-info-required" || a == "--platform-info-forbidden") {
		std::uint64_t m = 0;
		ok = parse_uint(val, UINT64_MAX, m);
		if (!ok)
			std::fprintf(stderr, "hsmctl: %s: '%s' is not a number\n", a.c_str(),
				     printable(val).c_str());
		(a == "--platform-info-required" ? pol.platform_info_required
						 : pol.platform_info_forbidden) = m;
	} else if (a == "--min-guest-svn") {
		std::uint32_t v = 0;
		ok = number(a, val, v);
		pol.min_guest_svn = v;
	} else if (a == "--min-tcb") {
		snp::MinTcb m;
		ok = parse_min_tcb(val, m);
		pol.min_tcb = m;
	} else if (a == "--time") {
		std::time_t t = 0;
		ok = parse_time(val, t);
		pol.time = t;
	} else {
		std::fprintf(stderr, "hsmctl: verify: unknown option %s\n", a.c_str());
		verify_usage(stderr);
		return 2;
	}
	return ok ? Stop() : 2;
}

// An option that takes a value: an input, else a policy option.
Stop value_option(const std::string &a, const std::string &val, Request &rq)
{
	if (a == "--report") {
		rq.report_path = val;
		return {};
	}
	if (a == "--certs")
		return certs_dir(val, rq.chain);
	if (a == "--chain" || a == "--vcek")
		return add_certs(rq.chain, val) ? Stop() : 2;
	if (a == "--cert-table")
		return cert_table(val, rq.chain);
	if (a == "--sim-root") {
		auto b = read_input(val);
		if (!b)
			return 1;
		rq.pol.extra_roots.push_back(std::move(*b));
		return {};
	}
	return policy_option(a, val, rq.pol);
}

// The command line, in order; a usage error is status 2.
Stop parse_args(const std::vector<std::string> &args, Request &rq)
{
	for (std::size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		if (a == "-h" || a == "--help") {
			verify_usage(stdout);
			return 0;
		}
		if (flag(a, rq))
			continue;
		if (i + 1 == args.size()) {
			std::fprintf(stderr, "hsmctl: verify: unknown option or missing value: %s\n", a.c_str());
			verify_usage(stderr);
			return 2;
		}
		if (auto stop = value_option(a, args[++i], rq))
			return stop;
	}
	if (rq.report_path.empty()) {
		std::fprintf(stderr, "hsmctl: verify needs --report FILE\n");
		verify_usage(stderr);
		return 2;
	}
	return {};
}

// The report: its 1184 bytes, or their hex text.
std::optional<std::vector<std::uint8_t>> read_report(const std::string &path)
{
	auto bytes = read_input(path);
	if (bytes && bytes->size() != snp::report_size) {
		auto h = from_hex(std::string_view(reinterpret_cast<const char *>(bytes->data()), bytes->size()));
		if (h && h->size() == snp::report_size)
			bytes = std::move(h);
	}
	return bytes;
}

} // namespace

int cmd_verify(const Options &opt, const std::vector<std::string> &args)
{
	if (std::find(args.begin(), args.end(), "--tdx") != args.end()) {
		std::vector<std::string> rest;
		std::copy_if(args.begin(), args.end(), std::back_inserter(rest),
			     [](const std::string &a) { return a != "--tdx"; });
		return cmd_verify_tdx(opt, rest);
	}
	Request rq;
	if (auto stop = parse_args(args, rq))
		return *stop;
	auto bytes = read_report(rq.report_path);
	if (!bytes)
		return 1;
	auto v = snp::verify(*bytes, rq.chain, rq.pol);
	if (!v) {
		std::fprintf(stderr, "hsmctl: %s: %s\n", rq.report_path.c_str(), v.error().message.c_str());
		return 1;
	}
	if (opt.json)
		print_json(*v, rq.allow_unconstrained);
	else
		print_text(*v, rq.allow_unconstrained);
	return exit_status(*v, rq.allow_unconstrained);
}

} // namespace hsmctl
