// SPDX-License-Identifier: GPL-2.0 OR MIT
// Key attestation end to end: a key pair generated in the module, its
// statement and the platform's evidence (the simulated PSP's report, the
// simulated TDX quote) from KEY_ATTEST through libhsm, and libhsm's
// verifier as a relying party runs it.  A verdict is refused for its
// reason: an altered statement, another key's, another measurement, a
// stale nonce, a key that was imported or is exportable.
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <hsm/attest.hpp>
#include <hsm/hsm.hpp>

#include "hsm_conn.hpp"
#include "lib_test.hpp"
#include "sim/snp_sim.hpp"
#include "sim/tdx_sim.hpp"
#include "worker.hpp"

using libtest::Bytes;
using hsm::KeyOperationPermission;

namespace {

constexpr uint32_t kP = 0x1000, kIn = 0x20000;
using Nonce = std::array<uint8_t, HSM_KEY_NONCE_LEN>;

Nonce nonce(uint8_t v)
{
	Nonce n;
	for (std::size_t i = 0; i < n.size(); i++)
		n[i] = static_cast<uint8_t>(v + i);
	return n;
}

template <std::size_t N> std::array<uint8_t, N> filled(uint8_t v)
{
	std::array<uint8_t, N> a;
	a.fill(v);
	return a;
}

// The simulated PSP as a VM of this measurement with a VCEK chain; the
// chain a relying party would fetch, and its (simulated) root.
struct Snp {
	hsm::snp::Chain chain;
	Bytes ark;
};

Snp snp_vm(uint8_t measurement)
{
	hsmtest::Conn c;
	hsm_snp_sim_params id{};
	memset(id.measurement, measurement, sizeof(id.measurement));
	for (unsigned i = 0; i < sizeof(id.chip_id); i++)
		id.chip_id[i] = static_cast<uint8_t>(0x90 + i);
	id.policy = 0x30000;
	id.tcb = 0x480e000000000007ULL;
	id.report_version = 3;
	snpsim::Chain ch = snpsim::make_chain(id.chip_id, id.tcb);
	id.flags = HSM_SNP_SIM_F_VCEK;
	memcpy(id.vcek_priv, ch.vcek_priv.data(), 48);
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.params = c.put_struct(kP, id);
	op.in = c.put(kIn, ch.table);
	cr_assert_eq(c.run(HSM_IOC_SNP_SIM_SETUP, op).res, 0);
	auto chain = hsm::snp::parse_cert_table(ch.table);
	cr_assert(chain.has_value());
	return {*chain, snpsim::find_cert(ch.table, snpsim::kGuidArk)};
}

hsm::KeyPolicy key_policy(const Nonce &n)
{
	hsm::KeyPolicy p;
	p.nonce = n;
	return p;
}

hsm::snp::Policy snp_policy(const Snp &vm, uint8_t measurement)
{
	hsm::snp::Policy p;
	p.extra_roots.push_back(vm.ark);
	p.measurement = filled<48>(measurement);
	return p;
}

hsm::CryptoResourceGuard key_pair(hsm::CryptoStack &s, const char *alg, bool exportable = false)
{
	auto p = hsm::GenerateKeyParams{}.set_algorithm(alg).set_permissions(KeyOperationPermission::kSign |
									KeyOperationPermission::kVerify);
	if (exportable)
		p.set_exportable().set_permissions(KeyOperationPermission::kSign | KeyOperationPermission::kVerify |
						   KeyOperationPermission::kExport);
	if (std::string_view(alg).starts_with("rsa"))
		p.set_key_length(256);
	return MUST(s.keys().generate_key(p));
}

Bytes spki(hsm::CryptoStack &s, const hsm::CryptoResourceId &k)
{
	Bytes b(HSM_WORKER_KEY_MAX);
	b.resize(MUST(s.keys().get_public_key(k, b)));
	return b;
}

// Failed key checks and evidence checks, by name: a refusal is asserted
// for its reason.
std::string failed(const hsm::KeyVerification &v)
{
	std::string s;
	auto add = [&s](const std::string &n) { s += (s.empty() ? "" : " ") + n; };
	if (v.snp)
		for (const auto &c : v.snp->checks)
			if (!c.passed)
				add(c.name);
	if (v.tdx)
		for (const auto &c : v.tdx->checks)
			if (!c.passed)
				add(c.name);
	for (const auto &c : v.checks)
		if (!c.passed)
			add(c.name);
	return s;
}

hsm::KeyVerification snp_verdict(const hsm::KeyAttestation &a, const hsm::KeyPolicy &kp, const Snp &vm,
				 uint8_t measurement)
{
	auto v = hsm::verify_key_attestation(a, kp, vm.chain, snp_policy(vm, measurement));
	cr_assert(v.has_value(), "%s", v ? "" : v.error().message.c_str());
	return *v;
}

void init()
{
	hsmtest::start_worker();
	cr_assert(hsmtest::await_worker(true), "no worker attached");
}

}  // namespace

TestSuite(attest_key, .init = init);

// The statement says what the key is, the report binds it, and the public
// key it names is the one that verifies the key's signatures.
Test(attest_key, snp_statement_verifies_and_names_the_signing_key, .timeout = 600)
{
	Snp vm = snp_vm(0x61);
	hsm::CryptoStack s = MUST(hsm::CryptoStack::create());
	auto k = key_pair(s, "ecdsa-p256-sha256");
	const Nonce n = nonce(3);
	hsm::KeyAttestation a = MUST(s.keys().attest_key(k, n));
	cr_expect_eq(a.platform, HSM_PLATFORM_SEV_SNP, "SEV-SNP first");
	cr_expect_eq(a.evidence.size(), HSM_SNP_REPORT_SIZE);

	hsm::KeyPolicy kp = key_policy(n);
	kp.spki = spki(s, k);
	kp.algorithm = "ecdsa-p256-sha256";
	kp.uid = getuid();
	hsm::KeyVerification v = snp_verdict(a, kp, vm, 0x61);
	std::string why = failed(v);
	cr_expect(v.ok, "failed: %s", why.c_str());
	cr_expect(v.snp && v.snp->simulated_root);
	cr_expect(v.statement.never_left());
	cr_expect_eq(v.statement.permissions, HSM_PERM_SIGN | HSM_PERM_VERIFY);

	// The statement's key verifies what the module signs with k.
	hsm::Buffer msg = libtest::buf(s.allocator(), libtest::pattern(100, 1));
	hsm::Buffer sig = MUST(s.allocator().allocate(128));
	std::size_t sl = MUST(s.sign(k, msg, sig));
	const uint8_t *p = v.statement.spki.data();
	EVP_PKEY *pk = d2i_PUBKEY(nullptr, &p, static_cast<long>(v.statement.spki.size()));
	cr_assert(pk);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	cr_expect_eq(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pk), 1);
	cr_expect_eq(EVP_DigestVerify(ctx, sig.data(), sl, msg.data(), msg.size()), 1);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
}

Test(attest_key, snp_refusals_name_their_reason, .timeout = 600)
{
	Snp vm = snp_vm(0x62);
	hsm::CryptoStack s = MUST(hsm::CryptoStack::create());
	auto k = key_pair(s, "ed25519");
	auto other = key_pair(s, "ed25519");
	const Nonce n = nonce(9);
	hsm::KeyAttestation a = MUST(s.keys().attest_key(k, n));
	hsm::KeyPolicy kp = key_policy(n);
	cr_assert(snp_verdict(a, kp, vm, 0x62).ok);

	// An altered statement (another public key in it): its digest is no
	// longer the report's data.
	hsm::KeyAttestation bad = a;
	bad.statement.back() ^= 1;
	std::string why = failed(snp_verdict(bad, kp, vm, 0x62));
	cr_expect_str_eq(why.c_str(), "policy.report_data");

	// Another key's statement with this report.
	bad = a;
	bad.statement = MUST(s.keys().attest_key(other, n)).statement;
	why = failed(snp_verdict(bad, kp, vm, 0x62));
	cr_expect_str_eq(why.c_str(), "policy.report_data");

	// Another measurement: the relying party expects another VM.
	why = failed(snp_verdict(a, kp, vm, 0x63));
	cr_expect_str_eq(why.c_str(), "policy.measurement");

	// A stale nonce, and the wrong public key.
	hsm::KeyPolicy stale = key_policy(nonce(10));
	why = failed(snp_verdict(a, stale, vm, 0x62));
	cr_expect_str_eq(why.c_str(), "key.nonce");
	hsm::KeyPolicy wrong = key_policy(n);
	wrong.spki = spki(s, other);
	why = failed(snp_verdict(a, wrong, vm, 0x62));
	cr_expect_str_eq(why.c_str(), "key.spki");

	// A statement that does not parse is an error, not a verdict.
	bad = a;
	bad.statement.resize(bad.statement.size() - 1);
	EXPECT_STATUS(hsm::verify_key_attestation(bad, kp, vm.chain, snp_policy(vm, 0x62)),
		      hsm::Status::kInvalidArgument);
}

// A key that was imported, or may be exported, is attested as what it is:
// a relying party that asks for a key that never left refuses it.
Test(attest_key, imported_or_exportable_keys_are_not_never_left, .timeout = 600)
{
	Snp vm = snp_vm(0x64);
	hsm::CryptoStack s = MUST(hsm::CryptoStack::create());
	const Nonce n = nonce(1);
	hsm::KeyPolicy kp = key_policy(n);

	auto exp = key_pair(s, "ecdsa-p256-sha256", true);
	hsm::KeyVerification v = snp_verdict(MUST(s.keys().attest_key(exp, n)), kp, vm, 0x64);
	std::string why = failed(v);
	cr_expect_str_eq(why.c_str(), "key.never_left");
	cr_expect(v.statement.flags & HSM_KEY_F_LOCAL);

	Bytes pkcs8(HSM_WORKER_KEY_MAX);
	pkcs8.resize(MUST(s.keys().export_key(exp, pkcs8)));
	auto imp = MUST(s.keys().import_key(hsm::ImportKeyParams{}
						    .set_algorithm("ecdsa-p256-sha256")
						    .set_permissions(KeyOperationPermission::kSign)
						    .set_material(pkcs8)));
	v = snp_verdict(MUST(s.keys().attest_key(imp, n)), kp, vm, 0x64);
	why = failed(v);
	cr_expect_str_eq(why.c_str(), "key.never_left");
	cr_expect_eq(v.statement.flags, 0u, "imported, not exportable: no LOCAL");
	kp.require_never_left = false;
	cr_expect(snp_verdict(MUST(s.keys().attest_key(imp, n)), kp, vm, 0x64).ok,
		  "what the statement says is still attested");
}

// The same statement through a TDX quote, verified against the simulated
// PCS's collateral.
Test(attest_key, tdx_quote_binds_the_statement, .timeout = 600)
{
	hsmtest::Conn c;
	if (c.info().tdx_path != HSM_PATH_SIMULATED)
		cr_skip_test("TDX is not simulated here");
	static const tdxsim::Pcs pcs;
	tdxsim::Td td;
	td.mrtd = filled<48>(0x7e);
	hsm_tdx_sim_params sp = pcs.sim_params(td);
	const std::string chain = pcs.pck_chain_pem();
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.params = c.put_struct(kP, sp);
	op.in = c.put(kIn, {reinterpret_cast<const uint8_t *>(chain.data()), chain.size()});
	cr_assert_eq(c.run(HSM_IOC_TDX_SIM_SETUP, op).res, 0);
	const std::string j = pcs.collateral(false);
	auto col = hsm::tdx::parse_collateral({reinterpret_cast<const uint8_t *>(j.data()), j.size()});
	cr_assert(col.has_value());

	hsm::CryptoStack s = MUST(hsm::CryptoStack::create());
	auto k = key_pair(s, "rsa-pss-sha256");
	const Nonce n = nonce(5);
	hsm::KeyAttestation a = MUST(s.keys().attest_key(k, n, HSM_PLATFORM_TDX));
	cr_expect_eq(a.platform, HSM_PLATFORM_TDX);
	hsm::KeyPolicy kp = key_policy(n);
	hsm::tdx::Policy pol;
	pol.extra_roots.push_back(pcs.root_der());
	pol.mrtd = filled<48>(0x7e);
	auto v = hsm::verify_key_attestation(a, kp, *col, pol);
	cr_assert(v.has_value(), "%s", v ? "" : v.error().message.c_str());
	std::string why = failed(*v);
	cr_expect(v->ok, "failed: %s", why.c_str());

	// The SNP verifier is no way around the platform the statement names.
	Snp vm = snp_vm(0x65);
	hsm::KeyAttestation snp = MUST(s.keys().attest_key(k, n, HSM_PLATFORM_SEV_SNP));
	snp.statement = a.statement;
	why = failed(snp_verdict(snp, kp, vm, 0x65));
	cr_expect_str_eq(why.c_str(), "policy.report_data key.platform");
}
