// SPDX-License-Identifier: MIT
//
// libFuzzer target: the whole of libhsm's SEV-SNP verification
// (hsm::snp::verify) on what a guest receives: the input is the time to
// verify at (8 bytes, little-endian seconds: certificates expire, so the
// seeds carry a time when theirs were valid), a report (report_size bytes)
// and the host's certificate table (the rest).  The table's own ARK is
// trusted as an extra root, so that verification goes past the root to
// every check of the chain and the report.  Besides the sanitizers: a
// report that parses always gets a verdict, never an error, and the
// verdict agrees with its checks.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <span>

#include <hsm/snp.hpp>

namespace {

#define CHECK(cond) \
	do { \
		if (!(cond)) \
			broken(#cond, __LINE__); \
	} while (0)

[[noreturn]] void broken(const char *what, int line)
{
	std::fprintf(stderr, "fuzz_snp_verify.cpp:%d: invariant broken: %s\n", line, what);
	std::abort();
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
	std::uint64_t when = 0;
	if (size < sizeof(when) + hsm::snp::report_size)
		return -1;	// no report: fuzz_snp_report's inputs
	for (int i = 7; i >= 0; i--)
		when = when << 8 | data[i];
	std::span<const std::uint8_t> in(data + sizeof(when), size - sizeof(when));
	auto report = in.first(hsm::snp::report_size);
	auto chain = hsm::snp::parse_cert_table(in.subspan(hsm::snp::report_size));
	if (!chain)
		return 0;
	hsm::snp::Policy p;
	p.time = static_cast<std::time_t>(when);
	if (!chain->ark.empty())
		p.extra_roots.push_back(chain->ark);
	auto v = hsm::snp::verify(report, *chain, p);
	CHECK(v.has_value() == hsm::snp::parse_report(report).has_value());
	if (v)
		check_verdict(*v);
	return 0;
}
