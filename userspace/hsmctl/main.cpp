// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl: inspect and drive /dev/hsm through its ioctls.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string_view>
#include <system_error>
#include <sys/mman.h>
#include <unistd.h>

#include <hsm/raw.h>

#include "hsmctl.h"

namespace hsmctl {

Device::Device(const std::string &path) : fd_(hsm_raw_open(path.c_str()))
{
	if (fd_ < 0)
		throw std::system_error(-fd_, std::generic_category(), "open " + path);
}

Device::~Device()
{
	if (region_)
		munmap(region_, region_size_);
	::close(fd_);
}

std::uint8_t *Device::map_region(std::size_t size)
{
	if (int r = hsm_raw_shm_setup(fd_, size))
		throw std::system_error(-r, std::generic_category(), "HSM_IOC_SHM_SETUP");
	if (int r = hsm_raw_map(fd_, size, &region_))
		throw std::system_error(-r, std::generic_category(), "mmap");
	region_size_ = size;
	return static_cast<std::uint8_t *>(region_);
}

int fail(const std::string &what, int err)
{
	std::fprintf(stderr, "hsmctl: %s: %s\n", what.c_str(), std::strerror(err));
	return 1;
}

}  // namespace hsmctl

namespace {

struct Command {
	std::string_view name;
	int (*run)(const hsmctl::Options &, const std::vector<std::string> &);
	std::string_view help;
	bool takes_args = true;		// false: any argument is a usage error
};

constexpr Command commands[] = {
	{"info", hsmctl::cmd_info, "module version, ABI, features, platform and limits", false},
	{"algs", hsmctl::cmd_algs, "algorithms the module knows, and which it serves", false},
	{"keys", hsmctl::cmd_keys, "your slots, or every connection's keys with --connections (root): metadata, never material"},
	{"selftest", hsmctl::cmd_selftest, "run the module's known-answer tests again", false},
	{"verify", hsmctl::cmd_verify, "check an SEV-SNP report against certificates, or (--tdx) a TDX quote against its collateral, and a policy (--help); exit 3: genuine but unconstrained"},
	{"stats", hsmctl::cmd_stats, "module-wide counters: requests, errors, bytes, resources", false},
	{"attest", hsmctl::cmd_attest, "[--snp|--tdx] --out DIR ...: an attestation report to files; SEV-SNP: [--report-data HEX] [--vmpl N] [--extended] [--bound] (REPORT_DATA bound to your uid); TDX: a TDREPORT and a quote, [--report-data HEX] [--raw] (REPORTDATA as given, platform rights) [--version 4|5]; neither flag: the platform info reports; --key SLOT [--group] [--snp|--tdx] [--nonce HEX] [--vmpl N]: a slot's key pair attested (statement.bin, report.bin or quote.bin, pubkey.pem)"},
	{"sim-setup", hsmctl::cmd_sim_setup, "[--snp|--tdx]: the simulated PSP's VM identity and certificate chain, or (--tdx [--mrtd HEX] [--td15] [--revoked] [--out-dir DIR]) the simulated TD, TDX module and QE, with the root and collateral that verify its quotes (root)"},
	{"slots", hsmctl::cmd_slots, "save DIR | restore DIR: your slots as sealed blobs on disk, and back"},
	{"pubkey", hsmctl::cmd_pubkey, "SLOT [--group]: a key pair's public key, as PEM"},
};

constexpr std::string_view files_note =
	"\nattest --out, sim-setup --out-dir and slots save|restore use DIR only if it is\n"
	"not a link, is yours and is not writable by group or others (a missing one is\n"
	"made 0700); files are written 0600 and read only if yours, regular and small.\n"
	"Slot files: NAME.sealed, NAME.group.sealed; bytes other than [A-Za-z0-9_-] as %XX.\n"
	"See hsmctl(8).\n";

void usage(FILE *out)
{
	std::fprintf(out,
		     "usage: hsmctl [--device PATH] [--json] COMMAND [ARGS]\n\n"
		     "Options:\n"
		     "  -d, --device PATH  the HSM device (default /dev/hsm)\n"
		     "  -j, --json         print JSON instead of text\n"
		     "  -h, --help         this help\n\n"
		     "Commands:\n");
	for (const auto &c : commands)
		std::fprintf(out, "  %-10.*s %.*s\n", (int)c.name.size(), c.name.data(),
			     (int)c.help.size(), c.help.data());
	std::fprintf(out, "%.*s", (int)files_note.size(), files_note.data());
}

}  // namespace

int main(int argc, char **argv)
{
	hsmctl::Options opt;
	std::vector<std::string> rest;

	for (int i = 1; i < argc; i++) {
		std::string_view a = argv[i];
		if (a == "-h" || a == "--help") {
			usage(stdout);
			return 0;
		} else if (a == "-j" || a == "--json") {
			opt.json = true;
		} else if (a == "-d" || a == "--device") {
			if (++i == argc) {
				std::fprintf(stderr, "hsmctl: %s needs a path\n", argv[i - 1]);
				return 2;
			}
			opt.device = argv[i];
		} else if (!a.empty() && a[0] == '-' && rest.empty()) {
			std::fprintf(stderr, "hsmctl: unknown option %s\n", hsmctl::printable(a).c_str());
			usage(stderr);
			return 2;
		} else {
			rest.emplace_back(a);
		}
	}
	if (rest.empty()) {
		usage(stderr);
		return 2;
	}

	for (const auto &c : commands) {
		if (c.name != rest.front())
			continue;
		std::vector<std::string> args(rest.begin() + 1, rest.end());
		if (!c.takes_args && !args.empty()) {
			std::fprintf(stderr, "hsmctl: %.*s takes no arguments\n", (int)c.name.size(),
				     c.name.data());
			return 2;
		}
		try {
			return c.run(opt, args);
		} catch (const std::bad_alloc &) {
			std::fprintf(stderr, "hsmctl: out of memory\n");
			return 1;
		} catch (const std::exception &e) {
			std::fprintf(stderr, "hsmctl: %s\n", hsmctl::printable(e.what()).c_str());
			return 1;
		} catch (...) {
			std::fprintf(stderr, "hsmctl: unexpected error\n");
			return 1;
		}
	}
	std::fprintf(stderr, "hsmctl: unknown command '%s'\n", hsmctl::printable(rest.front()).c_str());
	usage(stderr);
	return 2;
}
