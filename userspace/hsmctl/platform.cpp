// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl's platform commands: attest (a report, and the certificate table
// of an extended one, to files), sim-setup (a simulated VM identity and a
// certificate chain made here with OpenSSL), and slots save / restore
// (every slot of the caller as a sealed blob on disk, and back).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <openssl/pem.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <linux/hsm.h>

#include "hsmctl.h"
#include "snp_sim.hpp"

namespace hsmctl {
namespace {

using Bytes = std::vector<uint8_t>;
constexpr size_t kRegion = 1 << 20;
constexpr __u32 kParams = 0, kResp = 0x800, kOut = 0x1000, kTag = 0x10000, kIn = 0x20000;

// An open device with a mapped region.
struct Session {
	Device dev;
	uint8_t *base = nullptr;
	explicit Session(const Options &opt) : dev(opt.device)
	{
		hsm_shm_setup s{};
		s.size = kRegion;
		if (ioctl(dev.fd(), HSM_IOC_SHM_SETUP, &s))
			throw std::system_error(errno, std::generic_category(), "HSM_IOC_SHM_SETUP");
		void *p = mmap(nullptr, kRegion, PROT_READ | PROT_WRITE, MAP_SHARED, dev.fd(), 0);
		if (p == MAP_FAILED)
			throw std::system_error(errno, std::generic_category(), "mmap");
		base = static_cast<uint8_t *>(p);
	}
	~Session() { munmap(base, kRegion); }
	template <typename T> hsm_ref put(__u32 off, const T &v)
	{
		memcpy(base + off, &v, sizeof(v));
		return {off, sizeof(v)};
	}
	hsm_ref put(__u32 off, const Bytes &b)
	{
		memcpy(base + off, b.data(), b.size());
		return {off, static_cast<__u32>(b.size())};
	}
	Bytes get(__u32 off, size_t n) const { return Bytes(base + off, base + off + n); }
	const hsm_resp &resp() const { return *reinterpret_cast<const hsm_resp *>(base + kResp); }
	long run(unsigned cmd, hsm_op op)
	{
		long r = ioctl(dev.fd(), cmd, &op);
		return r < 0 ? -errno : r;
	}
};

bool unhex(const std::string &h, uint8_t *out, size_t max)
{
	if (h.size() % 2 || h.size() / 2 > max)
		return false;
	for (size_t i = 0; i < h.size() / 2; i++) {
		char *end;
		std::string b = h.substr(2 * i, 2);
		out[i] = static_cast<uint8_t>(strtoul(b.c_str(), &end, 16));
		if (*end)
			return false;
	}
	return true;
}

bool write_file(const std::string &path, const Bytes &b)
{
	std::ofstream f(path, std::ios::binary | std::ios::trunc);
	f.write(reinterpret_cast<const char *>(b.data()), static_cast<std::streamsize>(b.size()));
	return static_cast<bool>(f);
}

bool read_file(const std::string &path, Bytes &b)
{
	std::ifstream f(path, std::ios::binary);
	if (!f)
		return false;
	b.assign(std::istreambuf_iterator<char>(f), {});
	return true;
}

bool write_pem(const std::string &path, const Bytes &der)
{
	const uint8_t *p = der.data();
	X509 *x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
	if (!x)
		return false;
	FILE *f = fopen(path.c_str(), "w");
	bool ok = f && PEM_write_X509(f, x);
	if (f)
		fclose(f);
	X509_free(x);
	return ok;
}

int usage_error(const char *msg)
{
	std::fprintf(stderr, "hsmctl: %s\n", msg);
	return 2;
}

}  // namespace

// hsmctl attest --out DIR [--report-data HEX] [--vmpl N] [--extended] [--bound]
int cmd_attest(const Options &opt, const std::vector<std::string> &args)
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
			if (!unhex(args[++i], p.report_data, sizeof(p.report_data)))
				return usage_error("--report-data: at most 64 bytes of hex");
		} else if (a == "--vmpl" && more)
			p.vmpl = static_cast<__u32>(std::stoul(args[++i]));
		else if (a == "--extended")
			ext = true;
		else if (a == "--bound")
			p.flags &= ~HSM_SNP_REPORT_F_RAW;
		else
			return usage_error("usage: attest --out DIR [--report-data HEX] [--vmpl N] [--extended]");
	}
	if (dir.empty())
		return usage_error("attest: --out DIR is required");
	mkdir(dir.c_str(), 0755);
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
	if (!write_file(dir + "/report.bin", s.get(kOut, HSM_SNP_REPORT_SIZE)))
		return fail(dir + "/report.bin", errno);
	std::printf("%s/report.bin\n", dir.c_str());
	if (!ext)
		return 0;
	Bytes table = s.get(kTag, static_cast<size_t>(r));
	if (!write_file(dir + "/certs.bin", table))
		return fail(dir + "/certs.bin", errno);
	std::printf("%s/certs.bin (%ld bytes)\n", dir.c_str(), r);
	const std::pair<const char *, const std::array<uint8_t, 16> *> names[] = {
		{"ark.pem", &snpsim::kGuidArk}, {"ask.pem", &snpsim::kGuidAsk}, {"vcek.pem", &snpsim::kGuidVcek}};
	for (const auto &[name, guid] : names) {
		Bytes der = snpsim::find_cert(table, *guid);
		if (der.empty())
			continue;
		std::string path = dir + "/" + name;
		if (!write_pem(path, der))
			return fail(path, EINVAL);
		std::printf("%s\n", path.c_str());
	}
	return 0;
}

// hsmctl sim-setup [--measurement HEX] [--chip-id HEX] [--host-data HEX]
//   [--policy N] [--guest-svn N] [--version N] [--no-chain] [--out-dir DIR]
int cmd_sim_setup(const Options &opt, const std::vector<std::string> &args)
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
		if (a == "--measurement" && more)
			ok = unhex(args[++i], p.measurement, sizeof(p.measurement));
		else if (a == "--chip-id" && more)
			ok = unhex(args[++i], p.chip_id, sizeof(p.chip_id));
		else if (a == "--host-data" && more)
			ok = unhex(args[++i], p.host_data, sizeof(p.host_data));
		else if (a == "--policy" && more)
			p.policy = std::stoull(args[++i], nullptr, 0);
		else if (a == "--guest-svn" && more)
			p.guest_svn = static_cast<__u32>(std::stoul(args[++i]));
		else if (a == "--version" && more)
			p.report_version = static_cast<__u32>(std::stoul(args[++i]));
		else if (a == "--no-chain")
			chain = false;
		else if (a == "--out-dir" && more)
			dir = args[++i];
		else
			return usage_error("usage: sim-setup [--measurement HEX] [--chip-id HEX] "
					   "[--host-data HEX] [--policy N] [--guest-svn N] "
					   "[--version N] [--no-chain] [--out-dir DIR]");
		if (!ok)
			return usage_error("sim-setup: bad hex value");
	}
	Session s(opt);
	Bytes table;
	if (chain) {
		snpsim::Chain ch = snpsim::make_chain(p.chip_id, p.tcb);
		p.flags = HSM_SNP_SIM_F_VCEK;
		memcpy(p.vcek_priv, ch.vcek_priv.data(), sizeof(p.vcek_priv));
		table = ch.table;
		if (!dir.empty()) {
			mkdir(dir.c_str(), 0755);
			if (!write_pem(dir + "/ark.pem", ch.ark.der()) ||
			    !write_pem(dir + "/ask.pem", ch.ask.der()) ||
			    !write_pem(dir + "/vcek.pem", ch.vcek.der()))
				return fail(dir, errno ? errno : EIO);
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

// hsmctl slots save DIR | slots restore DIR
int cmd_slots(const Options &opt, const std::vector<std::string> &args)
{
	if (args.size() != 2 || (args[0] != "save" && args[0] != "restore"))
		return usage_error("usage: slots save DIR | slots restore DIR");
	const std::string &dir = args[1];
	Session s(opt);
	int rc = 0;
	if (args[0] == "save") {
		mkdir(dir.c_str(), 0700);
		hsm_op op{};
		op.resp_off = HSM_RESP_NONE;
		op.out = {kTag, 256 * sizeof(hsm_slot_info)};
		long n = s.run(HSM_IOC_SLOT_LIST, op);
		if (n < 0)
			return fail("HSM_IOC_SLOT_LIST", -n);
		std::vector<hsm_slot_info> slots(n < 256 ? n : 256);
		memcpy(slots.data(), s.base + kTag, slots.size() * sizeof(hsm_slot_info));
		for (const auto &si : slots) {
			hsm_slot_params p{};
			memcpy(p.name, si.name, sizeof(p.name));
			p.flags = si.slot_flags;
			op = {};
			op.resp_off = kResp;
			op.params = s.put(kParams, p);
			op.out = {kOut, kTag - kOut};
			long r = s.run(HSM_IOC_SLOT_SEAL, op);
			std::string name = si.name;
			if (name.find('/') != std::string::npos || name[0] == '.') {
				// Not a file name: sealing works, saving it here would not.
				rc = fail("save " + name + ": not usable as a file name", EINVAL);
				continue;
			}
			std::string path = dir + "/" + name + (si.slot_flags ? ".group" : "") + ".sealed";
			if (r < 0) {
				rc = fail(std::string("seal ") + si.name, -r);
				continue;
			}
			if (!write_file(path, s.get(kOut, static_cast<size_t>(r))))
				rc = fail(path, errno);
			else
				std::printf("%s\n", path.c_str());
		}
		return rc;
	}
	DIR *d = opendir(dir.c_str());
	if (!d)
		return fail(dir, errno);
	while (dirent *e = readdir(d)) {
		std::string f = e->d_name;
		const std::string ext = ".sealed";
		if (f.size() <= ext.size() || f.compare(f.size() - ext.size(), ext.size(), ext))
			continue;
		Bytes blob;
		if (!read_file(dir + "/" + f, blob) || blob.size() > kTag) {
			rc = fail(dir + "/" + f, EINVAL);
			continue;
		}
		// The blob names its slot (bytes 16..79) and namespace (156..159).
		hsm_slot_params p{};
		if (blob.size() >= 160) {
			memcpy(p.name, blob.data() + 16, sizeof(p.name) - 1);
			memcpy(&p.flags, blob.data() + 156, sizeof(p.flags));
		}
		hsm_op op{};
		op.resp_off = HSM_RESP_NONE;
		op.params = s.put(kParams, p);
		op.in = s.put(kOut, blob);
		long r = s.run(HSM_IOC_SLOT_UNSEAL, op);
		if (r < 0)
			rc = fail("restore " + f, -r);
		else
			std::printf("restored %s\n", p.name);
	}
	closedir(d);
	return rc;
}

}  // namespace hsmctl
