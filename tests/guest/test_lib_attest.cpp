// SPDX-License-Identifier: GPL-2.0 OR MIT
// Attestation end to end: the simulated PSP's extended report, verified by
// libhsm's verifier (hsm::snp) with the simulated root passed explicitly,
// exactly as a relying party verifies a report from hardware.
#include <criterion/criterion.h>
#include <hsm/snp.hpp>

#include "hsm_conn.hpp"
#include "sim/snp_sim.hpp"

using namespace hsmtest;

namespace {

constexpr uint32_t kP = 0x1000, kOut = 0x4000, kTag = 0x8000, kIn = 0x20000;
constexpr uint64_t kTcb = 0x480e000000000007ULL;

struct Attested {
	Bytes report, table, ark;
	hsm_snp_sim_params id;
};

// Sets the simulator up as a VM with this measurement and a chain, and
// asks it for an extended report carrying `data`.
Attested attest(Conn &c, uint8_t measurement, const Bytes &data)
{
	Attested a{};
	hsm_snp_sim_params &id = a.id;
	memset(id.measurement, measurement, sizeof(id.measurement));
	memset(id.host_data, 0x22, sizeof(id.host_data));
	for (unsigned i = 0; i < sizeof(id.chip_id); i++)
		id.chip_id[i] = static_cast<uint8_t>(0x90 + i);
	id.policy = 0x30000;
	id.tcb = kTcb;
	id.guest_svn = 3;
	id.report_version = 3;
	snpsim::Chain ch = snpsim::make_chain(id.chip_id, id.tcb);
	id.flags = HSM_SNP_SIM_F_VCEK;
	memcpy(id.vcek_priv, ch.vcek_priv.data(), 48);

	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.params = c.put(kP, {reinterpret_cast<const uint8_t *>(&id), sizeof(id)});
	op.in = c.put(kIn, ch.table);
	cr_assert_eq(c.run(HSM_IOC_SNP_SIM_SETUP, op).res, 0);

	hsm_snp_report_params p{};
	memcpy(p.report_data, data.data(), std::min(data.size(), sizeof(p.report_data)));
	p.flags = HSM_SNP_REPORT_F_RAW;
	hsm_op r{};
	r.resp_off = Conn::kResp;
	r.params = c.put(kP, {reinterpret_cast<const uint8_t *>(&p), sizeof(p)});
	r.out = {kOut, HSM_SNP_REPORT_SIZE};
	r.tag = {kTag, HSM_SNP_CERTS_MAX};
	Result res = c.run(HSM_IOC_SNP_EXT_REPORT, r);
	cr_assert_gt(res.res, 0, "extended report: %ld", res.res);
	a.report = c.get({kOut, HSM_SNP_REPORT_SIZE});
	a.table = c.get({kTag, static_cast<uint32_t>(res.res)});
	a.ark = snpsim::find_cert(a.table, snpsim::kGuidArk);
	return a;
}

template <std::size_t N> std::array<uint8_t, N> filled(uint8_t v)
{
	std::array<uint8_t, N> a;
	a.fill(v);
	return a;
}

// The names of the failed checks, in order, space-separated: a refusal
// is asserted for its reason, not only as !ok.
std::string failed(const hsm::snp::Verification &v)
{
	std::string s;
	for (const auto &c : v.checks)
		if (!c.passed)
			s += (s.empty() ? "" : " ") + c.name;
	return s;
}

}  // namespace

Test(attest, simulated_report_verifies_only_with_the_simulated_root, .timeout = 600)
{
	Conn c;
	Bytes data = pattern(64, 7);
	Attested a = attest(c, 0x77, data);

	auto chain = hsm::snp::parse_cert_table(a.table);
	cr_assert(chain.has_value(), "%s", chain ? "" : chain.error().message.c_str());
	hsm::snp::Policy pol;
	pol.extra_roots.push_back(a.ark);
	std::array<uint8_t, 64> rd;
	std::copy(data.begin(), data.end(), rd.begin());
	pol.report_data = rd;
	pol.measurement = filled<48>(0x77);
	pol.host_data = filled<32>(0x22);
	pol.vmpl = 0;
	pol.min_guest_svn = 3;
	auto v = hsm::snp::verify(a.report, *chain, pol);
	cr_assert(v.has_value(), "%s", v ? "" : v.error().message.c_str());
	const hsm::snp::Check *bad = v->first_failure();
	cr_expect(v->ok, "first failed check: %s: %s", bad ? bad->name.c_str() : "-",
		  bad ? bad->message.c_str() : "");
	cr_expect(v->simulated_root, "the verdict says the root is simulated");
	cr_expect(std::equal(data.begin(), data.end(), v->report.report_data.begin()),
		  "report data round-trips");
	cr_expect_gt(v->checks.size(), 8u, "every check is listed");

	// Without the simulated root passed explicitly: not trusted.
	hsm::snp::Policy strict;
	v = hsm::snp::verify(a.report, *chain, strict);
	cr_assert(v.has_value());
	cr_expect(!v->ok, "a simulated chain is refused unless its root is trusted");
	std::string why = failed(*v);	// cr_expect_str_eq keeps a pointer into it
	cr_expect_str_eq(why.c_str(), "root.trusted");

	// Another VM's measurement, and an altered report.
	pol.measurement = filled<48>(0x78);
	v = hsm::snp::verify(a.report, *chain, pol);
	cr_assert(v.has_value());
	cr_expect(!v->ok, "another measurement is refused");
	why = failed(*v);
	cr_expect_str_eq(why.c_str(), "policy.measurement");
	pol.measurement.reset();
	// Each flip breaks the signature, and whatever the byte itself says.
	const std::pair<size_t, const char *> flips[] = {
		{0x50, "report.signature policy.report_data"},
		{0x90, "report.signature"},
		{0x1a0, "report.signature vcek.hwid"},
		{0x29f, "report.reserved report.signature"},
	};
	for (const auto &[off, failing] : flips) {
		Bytes altered = a.report;
		altered[off] ^= 0x01;
		v = hsm::snp::verify(altered, *chain, pol);
		cr_assert(v.has_value(), "byte 0x%zx flipped: %s", off, v ? "" : v.error().message.c_str());
		cr_expect(!v->ok, "byte 0x%zx flipped must not verify", off);
		why = failed(*v);
		cr_expect_str_eq(why.c_str(), failing, "byte 0x%zx flipped", off);
	}
}
