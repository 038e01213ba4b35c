// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl's platform commands: attest and sim-setup, which choose the
// platform; for SEV-SNP, attest (a report, and the certificate table of an
// extended one, to files) and sim-setup (a simulated VM identity and a
// certificate chain made here with OpenSSL); and slots save / restore
// (every slot of the caller as a sealed blob on disk, and back).  TDX's
// attest and sim-setup are in platform_tdx.cpp.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <string>
#include <sys/stat.h>
#include <variant>

#include <hsm/snp.hpp>

#include "platform.h"
#include "safe_file.h"
#include "sim/snp_sim.hpp"

namespace hsmctl {

namespace {
constexpr size_t kRegion = Session::kRegion;
constexpr __u32 kParams = Session::kParams, kResp = Session::kResp, kOut = Session::kOut,
		kTag = Session::kTag, kIn = Session::kIn;
}  // namespace

bool pem_text(const std::function<int(BIO *)> &write, Bytes &pem)
{
	BIO *b = BIO_new(BIO_s_mem());
	bool ok = b && write(b) == 1;
	if (ok) {
		char *data;
		long n = BIO_get_mem_data(b, &data);
		pem.assign(data, data + n);
	}
	BIO_free(b);
	ERR_clear_error();
	return ok;
}

bool to_pem(const Bytes &der, Bytes &pem)
{
	const uint8_t *p = der.data();
	X509 *x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
	if (!x)
		return false;
	bool ok = pem_text([x](BIO *b) { return PEM_write_bio_X509(b, x); }, pem);
	X509_free(x);
	return ok;
}

bool number(const std::string &opt, const std::string &s, uint64_t max, uint64_t &out)
{
	if (parse_uint(s, max, out))
		return true;
	std::fprintf(stderr, "hsmctl: %s: '%s' is not a number from 0 to %llu\n", opt.c_str(),
		     printable(s).c_str(), static_cast<unsigned long long>(max));
	return false;
}

bool hex_opt(const std::string &opt, const std::string &s, uint8_t *out, size_t len)
{
	if (parse_hex(s, out, len))
		return true;
	std::fprintf(stderr, "hsmctl: %s needs exactly %zu bytes as %zu hex digits\n", opt.c_str(),
		     len, 2 * len);
	return false;
}

int usage_error(const std::string &msg)
{
	std::fprintf(stderr, "hsmctl: %s\n", msg.c_str());
	return 2;
}

int refuse(const std::string &msg)
{
	std::fprintf(stderr, "hsmctl: %s\n", msg.c_str());
	return 1;
}

// hsmctl attest [--snp] --out DIR [--report-data HEX] [--vmpl N] [--extended] [--bound]
int attest_snp(const Options &opt, const std::vector<std::string> &args)
{
	std::string dir;
	hsm_snp_report_params p{};
	bool ext = false;
	// REPORT_DATA as given (platform rights), unless --bound asks for the
	// form any user may request, bound to the caller's uid.
	p.flags = HSM_SNP_REPORT_F_RAW;
	for (size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		bool more = i + 1 < args.size();
		if (a == "--out" && more)
			dir = args[++i];
		else if (a == "--report-data" && more) {
			if (!hex_opt(a, args[++i], p.report_data, sizeof(p.report_data)))
				return 2;
		} else if (a == "--vmpl" && more) {
			uint64_t v;
			if (!number(a, args[++i], 3, v))
				return 2;
			p.vmpl = static_cast<__u32>(v);
		} else if (a == "--extended")
			ext = true;
		else if (a == "--bound")
			p.flags &= ~HSM_SNP_REPORT_F_RAW;
		else
			return usage_error("usage: attest [--snp] --out DIR [--report-data HEX] [--vmpl N] "
					   "[--extended] [--bound]");
	}
	if (dir.empty())
		return usage_error("attest: --out DIR is required");
	SafeDir out;
	if (auto e = out.open(dir, true); !e.empty())
		return refuse(e);
	Session s(opt);
	hsm_op op{};
	op.resp_off = kResp;
	op.params = s.put(kParams, p);
	op.out = {kOut, HSM_SNP_REPORT_SIZE};
	if (ext)
		op.tag = {kTag, HSM_SNP_CERTS_MAX};
	long r = s.run(ext ? HSM_IOC_SNP_EXT_REPORT : HSM_IOC_SNP_REPORT, op);
	if (r < 0)
		return fail(ext ? "HSM_IOC_SNP_EXT_REPORT" : "HSM_IOC_SNP_REPORT", -r);
	if (r > static_cast<long>(HSM_SNP_CERTS_MAX))
		return fail("HSM_IOC_SNP_EXT_REPORT: table length", EPROTO);
	std::vector<std::pair<std::string, Bytes>> files;
	files.emplace_back("report.bin", s.get(kOut, HSM_SNP_REPORT_SIZE));
	// A host with no certificates answers with an empty table: the report
	// is still written, and there is no chain to extract.
	if (ext && r > 0) {
		Bytes table = s.get(kTag, static_cast<size_t>(r));
		auto chain = hsm::snp::parse_cert_table(table);
		if (!chain)
			return refuse("the certificate table: " + chain.error().message);
		const std::pair<const char *, const Bytes *> names[] = {
			{"ark.pem", &chain->ark}, {"ask.pem", &chain->ask}, {"vcek.pem", &chain->vcek}};
		for (const auto &[name, der] : names) {
			Bytes pem;
			if (der->empty())
				continue;
			if (!to_pem(*der, pem))
				return fail(out.path(name) + ": the table's certificate does not parse", EINVAL);
			files.emplace_back(name, std::move(pem));
		}
		files.emplace(files.begin() + 1, "certs.bin", std::move(table));
	}
	for (const auto &[name, bytes] : files) {
		if (auto e = out.write(name, bytes); !e.empty())
			return refuse(e);
		std::printf("%s%s\n", printable(out.path(name)).c_str(),
			    name == "certs.bin" ? (" (" + std::to_string(r) + " bytes)").c_str() : "");
	}
	if (auto e = out.sync(); !e.empty())
		return refuse(e);
	return 0;
}

// hsmctl sim-setup [--snp] [--measurement HEX] [--chip-id HEX] [--host-data HEX]
//   [--policy N] [--guest-svn N] [--version N] [--no-chain] [--out-dir DIR]
int sim_setup_snp(const Options &opt, const std::vector<std::string> &args)
{
	hsm_snp_sim_params p{};
	std::string dir;
	bool chain = true;
	p.policy = 0x30000;
	p.tcb = 0x480e000000000007ULL;
	p.report_version = 3;
	for (size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		bool more = i + 1 < args.size();
		bool ok = true;
		uint64_t v = 0;
		if (a == "--measurement" && more)
			ok = hex_opt(a, args[++i], p.measurement, sizeof(p.measurement));
		else if (a == "--chip-id" && more)
			ok = hex_opt(a, args[++i], p.chip_id, sizeof(p.chip_id));
		else if (a == "--host-data" && more)
			ok = hex_opt(a, args[++i], p.host_data, sizeof(p.host_data));
		else if (a == "--policy" && more)
			ok = number(a, args[++i], UINT64_MAX, v), p.policy = v;
		else if (a == "--guest-svn" && more)
			ok = number(a, args[++i], UINT32_MAX, v), p.guest_svn = static_cast<__u32>(v);
		else if (a == "--version" && more)
			ok = number(a, args[++i], UINT32_MAX, v), p.report_version = static_cast<__u32>(v);
		else if (a == "--no-chain")
			chain = false;
		else if (a == "--out-dir" && more)
			dir = args[++i];
		else
			return usage_error("usage: sim-setup [--snp] [--measurement HEX] [--chip-id HEX] "
					   "[--host-data HEX] [--policy N] [--guest-svn N] "
					   "[--version N] [--no-chain] [--out-dir DIR]");
		if (!ok)
			return 2;
	}
	SafeDir out;
	if (chain && !dir.empty())
		if (auto e = out.open(dir, true); !e.empty())
			return refuse(e);
	Session s(opt);
	Bytes table;
	if (chain) {
		snpsim::Chain ch = snpsim::make_chain(p.chip_id, p.tcb);
		p.flags = HSM_SNP_SIM_F_VCEK;
		memcpy(p.vcek_priv, ch.vcek_priv.data(), sizeof(p.vcek_priv));
		OPENSSL_cleanse(ch.vcek_priv.data(), ch.vcek_priv.size());
		table = ch.table;
		if (!dir.empty()) {
			const std::pair<const char *, Bytes> certs[] = {
				{"ark.pem", ch.ark.der()}, {"ask.pem", ch.ask.der()}, {"vcek.pem", ch.vcek.der()}};
			for (const auto &[name, der] : certs) {
				Bytes pem;
				if (!to_pem(der, pem))
					return fail(out.path(name), EINVAL);
				if (auto e = out.write(name, pem); !e.empty())
					return refuse(e);
			}
			if (auto e = out.sync(); !e.empty())
				return refuse(e);
		}
	}
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.params = s.put(kParams, p);
	if (!table.empty())
		op.in = s.put(kIn, table);
	long r = s.run(HSM_IOC_SNP_SIM_SETUP, op);
	OPENSSL_cleanse(&p, sizeof(p));
	OPENSSL_cleanse(s.base + kParams, sizeof(p));
	if (r < 0)
		return fail("HSM_IOC_SNP_SIM_SETUP", -r);
	std::printf("simulated PSP set up%s\n", chain ? " with a new certificate chain" : "");
	return 0;
}

namespace {

enum class Platform { kSnp, kTdx };

bool served(__u32 path)
{
	return path == HSM_PATH_OWN_VMPCK || path == HSM_PATH_KERNEL || path == HSM_PATH_SIMULATED;
}

// The platform --snp or --tdx names (and takes out of args), else the one
// GET_INFO says serves attestation here: the module's platform if it is
// served, else SEV-SNP if it is served (as the module's own platform
// backend prefers it), else TDX; a module that does not say who serves is
// asked for its capabilities.  An exit status if none can be chosen.
std::variant<Platform, int> choose(const Options &opt, std::vector<std::string> &args)
{
	bool snp = std::erase(args, "--snp") > 0, tdx = std::erase(args, "--tdx") > 0;
	if (snp && tdx)
		return usage_error("--snp and --tdx: one platform at a time");
	if (snp || tdx)
		return snp ? Platform::kSnp : Platform::kTdx;
	Device dev(opt.device);
	hsm_info info;
	if (long r = hsm_raw_get_info(dev.fd(), &info); r < 0)
		return fail("HSM_IOC_GET_INFO", static_cast<int>(-r));
	const bool s = served(info.snp_path), t = served(info.tdx_path);
	if (info.platform == HSM_PLATFORM_TDX && t)
		return Platform::kTdx;
	if (s)
		return Platform::kSnp;
	if (t)
		return Platform::kTdx;
	if (info.platform_caps & HSM_PLAT_CAP_REPORT)
		return Platform::kSnp;
	if (info.platform_caps & (HSM_PLAT_CAP_TDX_REPORT | HSM_PLAT_CAP_TDX_QUOTE))
		return Platform::kTdx;
	return refuse("no platform serves attestation here (hsmctl info says who serves what)");
}

}  // namespace

// hsmctl attest [--snp | --tdx] ...
int cmd_attest(const Options &opt, const std::vector<std::string> &args)
{
	for (const std::string &a : args)
		if (a == "--key")
			return attest_key(opt, args);
	std::vector<std::string> rest = args;
	auto p = choose(opt, rest);
	if (const int *rc = std::get_if<int>(&p))
		return *rc;
	return std::get<Platform>(p) == Platform::kSnp ? attest_snp(opt, rest) : attest_tdx(opt, rest);
}

// hsmctl sim-setup [--snp | --tdx] ...
int cmd_sim_setup(const Options &opt, const std::vector<std::string> &args)
{
	std::vector<std::string> rest = args;
	auto p = choose(opt, rest);
	if (const int *rc = std::get_if<int>(&p))
		return *rc;
	return std::get<Platform>(p) == Platform::kSnp ? sim_setup_snp(opt, rest)
						       : sim_setup_tdx(opt, rest);
}

namespace {

// Slot names are any bytes but NUL.  In a file name, [A-Za-z0-9_-] stay
// as they are and every other byte is %XX (upper-case hex): an encoded
// name has no '.', '/' or leading dot, so "NAME.sealed" (the caller's
// slot) and "NAME.group.sealed" (a group slot) never collide.
constexpr std::string_view kSealed = ".sealed", kGroupSealed = ".group.sealed";

bool plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

std::string slot_file(std::string_view name, bool group)
{
	std::string f;
	for (unsigned char c : name) {
		if (plain(c)) {
			f += static_cast<char>(c);
		} else {
			char buf[4];
			std::snprintf(buf, sizeof(buf), "%%%02X", c);
			f += buf;
		}
	}
	return f + std::string(group ? kGroupSealed : kSealed);
}

// The slot a file name encodes, if it is one slot_file() makes.
bool slot_of_file(std::string_view f, std::string &name, bool &group)
{
	auto ends = [&](std::string_view x) { return f.size() > x.size() && f.ends_with(x); };
	group = ends(kGroupSealed);
	if (!group && !ends(kSealed))
		return false;
	std::string_view stem = f.substr(0, f.size() - (group ? kGroupSealed : kSealed).size());
	name.clear();
	for (size_t i = 0; i < stem.size(); i++) {
		if (stem[i] != '%') {
			name += stem[i];
			continue;
		}
		uint8_t b;
		if (!parse_hex(stem.substr(i + 1, 2), &b, 1))
			return false;
		name += static_cast<char>(b);
		i += 2;
	}
	// Only the one spelling slot_file() writes.
	return !name.empty() && name.size() < HSM_ALG_NAME_LEN &&
	       name.find('\0') == std::string::npos && slot_file(name, group) == f;
}

// The blob's header: the slot name at 16 (64 bytes, NUL-padded) and
// HSM_SLOT_F_* at 156, of a 176-byte header.
constexpr size_t kBlobName = 16, kBlobSlotFlags = 156, kBlobHeader = 176, kBlobMax = 64 << 10;

int slots_save(Session &s, const std::string &dir)
{
	SafeDir out;
	if (auto e = out.open(dir, true); !e.empty())
		return refuse(e);
	// Every slot or none: a list that does not fit is an error.
	const size_t room = (kRegion - kIn) / sizeof(hsm_slot_info);
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.out = {kIn, static_cast<__u32>(room * sizeof(hsm_slot_info))};
	long n = s.run(HSM_IOC_SLOT_LIST, op);
	if (n < 0)
		return fail("HSM_IOC_SLOT_LIST", -n);
	if (static_cast<size_t>(n) > room) {
		std::fprintf(stderr, "hsmctl: %ld slots, more than the %zu one listing holds: nothing saved\n",
			     n, room);
		return 1;
	}
	std::vector<hsm_slot_info> slots(static_cast<size_t>(n));
	memcpy(slots.data(), s.base + kIn, slots.size() * sizeof(hsm_slot_info));
	int rc = 0;
	for (const auto &si : slots) {
		std::string name(si.name, strnlen(si.name, sizeof(si.name)));
		bool group = si.slot_flags & HSM_SLOT_F_GROUP;
		hsm_slot_params p{};
		memcpy(p.name, name.data(), name.size());
		p.flags = si.slot_flags;
		op = {};
		op.resp_off = kResp;
		op.params = s.put(kParams, p);
		op.out = {kOut, kTag - kOut};
		long r = s.run(HSM_IOC_SLOT_SEAL, op);
		if (r < 0 || r > static_cast<long>(kTag - kOut)) {
			rc = fail("seal " + printable(name), r < 0 ? -r : EPROTO);
			continue;
		}
		std::string file = slot_file(name, group);
		if (auto e = out.write(file, s.get(kOut, static_cast<size_t>(r))); !e.empty()) {
			rc = refuse(e);
			continue;
		}
		std::printf("%s\n", printable(out.path(file)).c_str());
	}
	if (auto e = out.sync(); !e.empty())
		rc = refuse(e);
	return rc;
}

int slots_restore(Session &s, const std::string &dir)
{
	SafeDir in;
	if (auto e = in.open(dir, false); !e.empty())
		return refuse(e);
	std::vector<std::string> files;
	if (auto e = in.list(files); !e.empty())
		return refuse(e);
	int rc = 0;
	for (const auto &f : files) {
		if (!f.ends_with(kSealed))
			continue;
		auto skip = [&](const std::string &why) {
			rc = refuse(printable(in.path(f)) + ": " + why);
		};
		std::string name;
		bool group;
		if (!slot_of_file(f, name, group)) {
			skip("not a name 'slots save' writes: skipped");
			continue;
		}
		Bytes blob;
		// A blob is at most 64 KiB; it goes to kOut, below the 1 MiB region's end.
		if (auto e = in.read(f, kBlobMax, blob); !e.empty()) {
			rc = refuse(e);
			continue;
		}
		if (blob.size() < kBlobHeader) {
			skip("too short for a sealed blob");
			continue;
		}
		// The file name says which slot it is; the blob must agree.
		const char *bn = reinterpret_cast<const char *>(blob.data() + kBlobName);
		std::string blob_name(bn, strnlen(bn, HSM_ALG_NAME_LEN));
		__u32 blob_flags;
		memcpy(&blob_flags, blob.data() + kBlobSlotFlags, sizeof(blob_flags));
		if (blob_name != name || blob_flags != (group ? HSM_SLOT_F_GROUP : 0u)) {
			skip("holds " + std::string(blob_flags & HSM_SLOT_F_GROUP ? "group" : "user") +
			       " slot '" + printable(blob_name) + "', not " + (group ? "group" : "user") +
			       " slot '" + printable(name) + "': refusing to restore it");
			continue;
		}
		hsm_slot_params p{};
		memcpy(p.name, name.data(), name.size());
		p.flags = group ? HSM_SLOT_F_GROUP : 0;
		hsm_op op{};
		op.resp_off = HSM_RESP_NONE;
		op.params = s.put(kParams, p);
		op.in = s.put(kOut, blob);
		long r = s.run(HSM_IOC_SLOT_UNSEAL, op);
		if (r < 0)
			rc = fail("restore " + printable(in.path(f)), -r);
		else
			std::printf("restored %s%s\n", printable(name).c_str(), group ? " (group)" : "");
	}
	return rc;
}

}  // namespace

// hsmctl slots save DIR | slots restore DIR
int cmd_slots(const Options &opt, const std::vector<std::string> &args)
{
	if (args.size() != 2 || (args[0] != "save" && args[0] != "restore"))
		return usage_error("usage: slots save DIR | slots restore DIR");
	Session s(opt);
	return args[0] == "save" ? slots_save(s, args[1]) : slots_restore(s, args[1]);
}

}  // namespace hsmctl
