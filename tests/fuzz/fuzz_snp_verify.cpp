// SPDX-License-Identifier: MIT
//
// libFuzzer target: the whole of libhsm's SEV-SNP verification
// (hsm::snp::verify) on what a guest receives.  The input is
//
//   8 bytes  the time to verify at, little-endian seconds (certificates
//            expire: the seeds carry a time when theirs were valid)
//   1 byte   which policy checks to make (policy_of())
//   report_size bytes of report, then the host's certificate table.
//
// The table's own ARK is trusted as an extra root, so that verification
// goes past the root to every check of the chain and the report.
// Besides the sanitizers: a report that parses always gets a verdict,
// never an error, and the verdict agrees with its checks.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <span>

#include <hsm/snp.hpp>

#include "check.h"

namespace {

constexpr std::size_t head_size = 9;

// Each bit of the policy byte turns on checks of the report's fields
// against fixed values; the fields vary, so both verdicts are reached.
hsm::snp::Policy policy_of(std::uint8_t bits)
{
	namespace pb = hsm::snp::platform_bit;
	hsm::snp::Policy p;
	p.allow_debug = bits & 1;
	p.allow_smt = !(bits & 2);
	p.allow_migration_agent = bits & 4;
	if (bits & 8)
		p.min_tcb = hsm::snp::MinTcb{1, 2, 0, 8, 100};
	if (bits & 16) {
		p.measurement.emplace();
		p.report_data.emplace();
		p.host_data.emplace();
		p.id_key_digest.emplace();
		p.author_key_digest.emplace();
	}
	if (bits & 32) {
		p.vmpl = 0;
		p.min_guest_svn = 1;
	}
	if (bits & 64) {
		p.platform_info_required = pb::smt_en | pb::tsme_en;
		p.platform_info_forbidden = pb::ciphertext_hiding_en;
	}
	if (bits & 128)
		p.allowed_signers = hsm::snp::signer_vcek;
	return p;
}

bool passed(const hsm::snp::Verification &v, const char *name)
{
	return std::any_of(v.checks.begin(), v.checks.end(),
			   [name](const hsm::snp::Check &c) { return c.name == name && c.passed; });
}

void check_verdict(const hsm::snp::Verification &v)
{
	CHECK(!v.checks.empty());
	for (const auto &c : v.checks)
		CHECK(!c.name.empty() && !c.message.empty());
	CHECK(v.ok == (v.genuine && v.policy_ok));
	CHECK(!v.genuine || (passed(v, "report.signature") && passed(v, "root.trusted")));
	CHECK(!v.genuine || v.report.nonzero_reserved.empty());
	CHECK(!v.simulated_root || passed(v, "root.trusted"));
	CHECK(v.first_failure() == nullptr || !v.first_failure()->passed);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	if (size < head_size + hsm::snp::report_size)
		return -1;	// no report: fuzz_snp_report's inputs
	std::uint64_t when = 0;
	for (int i = 7; i >= 0; i--)
		when = when << 8 | data[i];
	std::span<const std::uint8_t> in(data + head_size, size - head_size);
	auto report = in.first(hsm::snp::report_size);
	auto chain = hsm::snp::parse_cert_table(in.subspan(hsm::snp::report_size));
	if (!chain)
		return 0;
	hsm::snp::Policy p = policy_of(data[8]);
	p.time = static_cast<std::time_t>(when);
	if (!chain->ark.empty())
		p.extra_roots.push_back(chain->ark);
	auto v = hsm::snp::verify(report, *chain, p);
	CHECK(v.has_value() == hsm::snp::parse_report(report).has_value());
	if (v)
		check_verdict(*v);
	return 0;
}
