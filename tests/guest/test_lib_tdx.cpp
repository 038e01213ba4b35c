// SPDX-License-Identifier: GPL-2.0 OR MIT
// Intel TDX attestation end to end: the module's simulated TDX module and
// quoting enclave, set up with a PCK chain from the simulated Intel PCS
// (userspace/sim/tdx_sim), quote a TD; libhsm's verifier (hsm::tdx)
// checks the quotes against the PCS's collateral exactly as a relying
// party checks a quote from hardware, trusting the simulated root only
// when it is passed explicitly.
#include <criterion/criterion.h>
#include <fstream>
#include <iterator>
#include <openssl/evp.h>
#include <unistd.h>

#include <hsm/tdx.hpp>

#include "hsm_conn.hpp"
#include "sim/tdx_sim.hpp"

using namespace hsmtest;
namespace tdx = hsm::tdx;

namespace {

constexpr uint32_t kP = 0x1000, kResp = 0x800, kOut = 0x4000, kIn = 0x20000;

template <std::size_t N> std::array<uint8_t, N> filled(uint8_t v)
{
	std::array<uint8_t, N> a;
	a.fill(v);
	return a;
}

// The module serves TDX through its simulator, or the suite has nothing
// to test.
void need_tdx_simulator(Conn &c)
{
	hsm_info i = c.info();
	if (i.tdx_path != HSM_PATH_SIMULATED)
		cr_skip_test("TDX is not simulated here (tdx_path %u)", i.tdx_path);
}

// TDX_SIM_SETUP: this TD, on the PCS's platform, quoted with its PCK.
void setup(Conn &c, const tdxsim::Pcs &pcs, const tdxsim::Td &td)
{
	hsm_tdx_sim_params p = pcs.sim_params(td);
	const std::string chain = pcs.pck_chain_pem();
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.params = c.put_struct(kP, p);
	op.in = c.put(kIn, {reinterpret_cast<const uint8_t *>(chain.data()), chain.size()});
	long r = c.run(HSM_IOC_TDX_SIM_SETUP, op).res;
	OPENSSL_cleanse(&p, sizeof(p));
	OPENSSL_cleanse(c.at(kP), sizeof(p));
	cr_assert_eq(r, 0, "TDX_SIM_SETUP: %ld", r);
}

Bytes quote(Conn &c, const std::array<uint8_t, 64> &data, uint32_t version, uint32_t flags = 0)
{
	hsm_tdx_quote_params p{};
	memcpy(p.report_data, data.data(), 64);
	p.flags = flags;
	p.version = version;
	hsm_op op{};
	op.resp_off = kResp;
	op.params = c.put_struct(kP, p);
	op.out = {kOut, HSM_TDX_QUOTE_MAX};
	Result r = c.run(HSM_IOC_TDX_QUOTE, op);
	cr_assert_gt(r.res, 0, "TDX_QUOTE v%u: %ld", version, r.res);
	cr_assert_leq(r.res, HSM_TDX_QUOTE_MAX);
	return c.get(kOut, static_cast<size_t>(r.res));
}

Bytes tdreport(Conn &c, const std::array<uint8_t, 64> &data, uint32_t flags = 0)
{
	hsm_tdx_report_params p{};
	memcpy(p.report_data, data.data(), 64);
	p.flags = flags;
	hsm_op op{};
	op.resp_off = kResp;
	op.params = c.put_struct(kP, p);
	op.out = {kOut, HSM_TDX_REPORT_SIZE};
	Result r = c.run(HSM_IOC_TDX_REPORT, op);
	cr_assert_eq(r.res, HSM_TDX_REPORT_SIZE, "TDX_REPORT: %ld", r.res);
	return c.get(kOut, HSM_TDX_REPORT_SIZE);
}

// REPORTDATA as the module binds it to the caller:
// SHA-512("hsm tdx user report v1" || 0x00 || le32(uid) || data).
std::array<uint8_t, 64> bound(uid_t uid, const std::array<uint8_t, 64> &data)
{
	static const char label[] = "hsm tdx user report v1";
	Bytes m(label, label + sizeof(label));	// with its NUL
	for (int i = 0; i < 4; i++)
		m.push_back(static_cast<uint8_t>(uid >> (8 * i)));
	m.insert(m.end(), data.begin(), data.end());
	std::array<uint8_t, 64> d;
	unsigned n = 0;
	cr_assert_eq(EVP_Digest(m.data(), m.size(), d.data(), &n, EVP_sha512(), nullptr), 1);
	return d;
}

tdx::Collateral collateral(const tdxsim::Pcs &pcs, bool revoked = false)
{
	const std::string j = pcs.collateral(revoked);
	auto c = tdx::parse_collateral({reinterpret_cast<const uint8_t *>(j.data()), j.size()});
	cr_assert(c.has_value(), "%s", c ? "" : c.error().message.c_str());
	return *c;
}

std::string failed(const tdx::Verification &v)
{
	std::string s;
	for (const auto &ch : v.checks)
		if (!ch.passed)
			s += (s.empty() ? "" : "; ") + ch.name + ": " + ch.message;
	return s;
}

tdx::Verification verified(const Bytes &q, const tdx::Collateral &col, const tdx::Policy &pol)
{
	auto v = tdx::verify(q, col, pol);
	cr_assert(v.has_value(), "%s", v ? "" : v.error().message.c_str());
	return *v;
}

// The one PCS of the suite (key generation is the slow part) and a TD.
const tdxsim::Pcs &pcs()
{
	static const tdxsim::Pcs p;
	return p;
}

tdxsim::Td td(uint32_t report_version)
{
	tdxsim::Td t;
	t.mrtd = filled<48>(0x7d);
	t.mrconfigid = filled<48>(0x3c);
	t.rtmr[2] = filled<48>(0x12);
	t.report_version = report_version;
	return t;
}

}  // namespace

// v4 (TDX 1.0 body) and v5 (TDX 1.5 body): genuine, UpToDate, simulated,
// carrying the bound REPORTDATA and the TD's MRTD.
Test(lib_tdx, quotes_verify_with_the_simulated_root, .timeout = 300)
{
	Conn c;
	need_tdx_simulator(c);
	const auto data = filled<64>(0xa5);
	const auto want = bound(getuid(), data);
	for (uint32_t version : {4u, 5u}) {
		const uint32_t report_version = version == 5 ? 1 : 0;
		setup(c, pcs(), td(report_version));
		Bytes q = quote(c, data, version);
		tdx::Policy pol;
		pol.extra_roots.push_back(pcs().root_der());
		pol.mrtd = filled<48>(0x7d);
		pol.report_data = want;
		tdx::Verification v = verified(q, collateral(pcs()), pol);
		cr_expect(v.ok, "v%u: %s", version, failed(v).c_str());
		cr_expect(v.genuine, "v%u", version);
		cr_expect(v.simulated_root, "v%u: the verdict says the root is simulated", version);
		cr_expect(!v.unconstrained, "v%u", version);
		cr_expect(v.tcb_status == tdx::TcbStatus::kUpToDate, "v%u: %s", version,
			  v.tcb_status ? tdx::to_string(*v.tcb_status) : "no status");
		cr_expect_eq(v.quote.header.version, version);
		cr_expect(v.quote.body_type == (version == 5 ? tdx::BodyType::kTd15 : tdx::BodyType::kTd10),
			  "v%u: body type %u", version, static_cast<unsigned>(v.quote.body_type));
		cr_expect(v.quote.body.report_data == want, "v%u: REPORTDATA is the bound form", version);
		cr_expect(v.quote.body.rtmr[2] == filled<48>(0x12), "v%u: RTMR2 as set up", version);
		cr_expect_gt(v.checks.size(), 12u, "every check is listed");
	}
}

// Without the simulated root, nothing vouches for the chain.
Test(lib_tdx, untrusted_without_the_simulated_root, .timeout = 300)
{
	Conn c;
	need_tdx_simulator(c);
	setup(c, pcs(), td(0));
	const auto data = filled<64>(0x01);
	Bytes q = quote(c, data, 4);
	tdx::Policy strict;
	strict.report_data = bound(getuid(), data);
	tdx::Verification v = verified(q, collateral(pcs()), strict);
	cr_expect(!v.ok);
	cr_expect(!v.genuine);
	cr_expect(!v.simulated_root);
	cr_expect_eq(v.reason, tdx::Reason::kUntrustedRoot, "%s: %s", tdx::to_string(v.reason),
		     failed(v).c_str());
	const tdx::Check *first = v.first_failure();
	cr_assert(first);
	cr_expect_str_eq(first->name.c_str(), "pck.chain");
}

// A PCK CRL that revokes the PCK refuses its quotes.
Test(lib_tdx, revoked_pck_refused, .timeout = 300)
{
	Conn c;
	need_tdx_simulator(c);
	setup(c, pcs(), td(0));
	const auto data = filled<64>(0x02);
	Bytes q = quote(c, data, 4);
	tdx::Policy pol;
	pol.extra_roots.push_back(pcs().root_der());
	pol.report_data = bound(getuid(), data);
	tdx::Verification v = verified(q, collateral(pcs(), true), pol);
	cr_expect(!v.ok);
	cr_expect_eq(v.reason, tdx::Reason::kRevoked, "%s: %s", tdx::to_string(v.reason),
		     failed(v).c_str());
	// The same quote with the CRL that does not name it.
	v = verified(q, collateral(pcs()), pol);
	cr_expect(v.ok, "%s", failed(v).c_str());
}

// A policy that pins MRTD and REPORTDATA passes with the TD's values and
// refuses any other, as a policy failure of a genuine quote.
Test(lib_tdx, policy_pins_mrtd_and_report_data, .timeout = 300)
{
	Conn c;
	need_tdx_simulator(c);
	setup(c, pcs(), td(0));
	const auto data = filled<64>(0x03);
	Bytes q = quote(c, data, 4);
	const tdx::Collateral col = collateral(pcs());
	tdx::Policy pol;
	pol.extra_roots.push_back(pcs().root_der());
	pol.mrtd = filled<48>(0x7d);
	pol.report_data = bound(getuid(), data);
	cr_expect(verified(q, col, pol).ok);

	tdx::Policy other_td = pol;
	other_td.mrtd = filled<48>(0x7e);
	tdx::Verification v = verified(q, col, other_td);
	cr_expect(!v.ok);
	cr_expect(v.genuine, "%s", failed(v).c_str());
	cr_expect(!v.policy_ok);
	cr_expect_eq(v.reason, tdx::Reason::kPolicy, "%s", tdx::to_string(v.reason));
	std::string why = failed(v);	// cr_expect_str_eq keeps a pointer into it
	cr_expect(why.starts_with("policy.mrtd: "), "%s", why.c_str());

	tdx::Policy other_data = pol;
	other_data.report_data = data;	// the caller's bytes, not the bound form
	v = verified(q, col, other_data);
	cr_expect(!v.ok);
	cr_expect(v.genuine, "%s", failed(v).c_str());
	cr_expect_eq(v.reason, tdx::Reason::kPolicy, "%s", tdx::to_string(v.reason));
	why = failed(v);
	cr_expect(why.starts_with("policy.report_data: "), "%s", why.c_str());
}

// With platform rights (root here) HSM_TDX_REPORT_F_RAW puts REPORTDATA
// in as given; without it the bound form, which a relying party
// recomputes from the uid and the data.
Test(lib_tdx, report_data_raw_and_bound, .timeout = 300)
{
	Conn c;
	need_tdx_simulator(c);
	setup(c, pcs(), td(0));
	const auto data = filled<64>(0x04);
	const auto raw = tdx::parse_quote(quote(c, data, 4, HSM_TDX_REPORT_F_RAW));
	cr_assert(raw.has_value());
	cr_expect(raw->body.report_data == data);
	const auto b = tdx::parse_quote(quote(c, data, 4));
	cr_assert(b.has_value());
	cr_expect(b->body.report_data == bound(getuid(), data));
	cr_expect(b->body.report_data != data);
	// The TDREPORT carries the same REPORTDATA.
	auto rep = tdx::parse_tdreport(tdreport(c, data));
	cr_assert(rep.has_value());
	cr_expect(rep->report_data == bound(getuid(), data));
}

// The simulated TDREPORT's hash fields hold exactly as a real one's do.
Test(lib_tdx, tdreport_hashes_hold, .timeout = 300)
{
	Conn c;
	need_tdx_simulator(c);
	setup(c, pcs(), td(1));
	Bytes rep = tdreport(c, filled<64>(0x05));
	auto h = tdx::check_tdreport(rep);
	cr_assert(h.has_value(), "%s", h ? "" : h.error().message.c_str());
	cr_expect(h->tee_tcb_info_ok, "SHA-384(TEE_TCB_INFO) = TEE_TCB_INFO_HASH");
	cr_expect(h->tdinfo_ok, "SHA-384(TDINFO) = TEE_INFO_HASH");
	auto r = tdx::parse_tdreport(rep);
	cr_assert(r.has_value());
	cr_expect_eq(r->report_type, 0x81);
	cr_expect(r->mrtd == filled<48>(0x7d));
	cr_expect(r->tee_tcb_svn == pcs().platform().tee_tcb_svn);

	// The real TDREPORT the tests carry passes the same check.
	const char *d = getenv("HSM_TESTDATA");
	std::ifstream f(std::string(d ? d : "/data") + "/tdx/coco_tdx_report_1.bin", std::ios::binary);
	cr_assert(f.good(), "no real TDREPORT in the test data");
	Bytes real{std::istreambuf_iterator<char>(f), {}};
	auto rh = tdx::check_tdreport(real);
	cr_assert(rh.has_value());
	cr_expect(rh->tee_tcb_info_ok && rh->tdinfo_ok);
}
