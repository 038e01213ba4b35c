// SPDX-License-Identifier: GPL-2.0 OR MIT
// The simulated Intel PCS (userspace/sim/tdx_sim) against libhsm's TDX
// verifier, without the module: its chain parses and carries the SGX
// extension put in, its collateral parses and its signatures and CRLs
// verify, and a quote made here the way the module's simulated QE makes
// one (from sim_params(), signed with its PCK scalar) verifies with the
// simulated root and only with it.
#include <cstring>
#include <string>
#include <vector>

#include <criterion/criterion.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <hsm/tdx.hpp>

#include "sim/tdx_sim.hpp"

using namespace hsm::tdx;
using Bytes = std::vector<std::uint8_t>;

namespace {

std::span<const std::uint8_t> bytes_of(const std::string &s)
{
	return {reinterpret_cast<const std::uint8_t *>(s.data()), s.size()};
}

void put16(Bytes &b, unsigned v)
{
	b.push_back(static_cast<std::uint8_t>(v));
	b.push_back(static_cast<std::uint8_t>(v >> 8));
}

void put32(Bytes &b, std::uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put64(Bytes &b, std::uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put(Bytes &b, const void *p, std::size_t n)
{
	auto c = static_cast<const std::uint8_t *>(p);
	b.insert(b.end(), c, c + n);
}

// The P-256 key of a big-endian scalar, with its public point.
EVP_PKEY *p256_private(const std::uint8_t scalar[32])
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	BIGNUM *d = BN_bin2bn(scalar, 32, nullptr);
	EC_POINT *q = g ? EC_POINT_new(g) : nullptr;
	unsigned char pub[65];
	bool ok = g && d && q && EC_POINT_mul(g, q, d, nullptr, nullptr, nullptr) == 1 &&
		  EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), nullptr) == 65;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	ok = ok && bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
	     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) &&
	     OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub));
	OSSL_PARAM *params = ok ? OSSL_PARAM_BLD_to_param(bld) : nullptr;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
	EVP_PKEY *k = nullptr;
	if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1)
		EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEYPAIR, params);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EC_POINT_free(q);
	BN_clear_free(d);
	EC_GROUP_free(g);
	cr_assert(k, "the PCK scalar is not a P-256 key");
	return k;
}

// ECDSA P-256 SHA-256 of msg as r || s.
std::array<std::uint8_t, 64> sign(EVP_PKEY *key, const Bytes &msg)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	std::size_t n = 0;
	cr_assert(m && EVP_DigestSignInit(m, nullptr, EVP_sha256(), nullptr, key) == 1 &&
		  EVP_DigestSign(m, nullptr, &n, msg.data(), msg.size()) == 1);
	Bytes der(n);
	cr_assert(EVP_DigestSign(m, der.data(), &n, msg.data(), msg.size()) == 1);
	EVP_MD_CTX_free(m);
	const unsigned char *p = der.data();
	ECDSA_SIG *s = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(n));
	std::array<std::uint8_t, 64> out{};
	cr_assert(s && BN_bn2binpad(ECDSA_SIG_get0_r(s), out.data(), 32) == 32 &&
		  BN_bn2binpad(ECDSA_SIG_get0_s(s), out.data() + 32, 32) == 32);
	ECDSA_SIG_free(s);
	return out;
}

// x || y of a P-256 key.
std::array<std::uint8_t, 64> public_xy(EVP_PKEY *k)
{
	unsigned char pub[65];
	std::size_t n = 0;
	cr_assert(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &n) == 1 &&
		  n == 65);
	std::array<std::uint8_t, 64> xy;
	std::memcpy(xy.data(), pub + 1, 64);
	return xy;
}

// A v4 quote of the simulated TD as the module's simulated QE makes it:
// header and TD 1.0 body from the setup's values, signed by a fresh
// attestation key, whose QE report the PCK key signs.
Bytes make_quote(const hsm_tdx_sim_params &s, const std::string &chain,
		 const std::array<std::uint8_t, 64> &report_data)
{
	Bytes q;
	put16(q, 4);
	put16(q, att_key_ecdsa_p256);
	put32(q, tee_type_tdx);
	put16(q, s.qe_svn);
	put16(q, s.pce_svn);
	put(q, intel_qe_vendor_id.data(), 16);
	put(q, s.user_data, 20);
	put(q, s.tee_tcb_svn, 16);
	put(q, s.mrseam, 48);
	put(q, s.mrsignerseam, 48);
	put64(q, s.seam_attributes);
	put64(q, s.td_attributes);
	put64(q, s.xfam);
	put(q, s.mrtd, 48);
	put(q, s.mrconfigid, 48);
	put(q, s.mrowner, 48);
	put(q, s.mrownerconfig, 48);
	put(q, s.rtmr, sizeof(s.rtmr));
	put(q, report_data.data(), 64);
	cr_assert_eq(q.size(), header_size + td10_body_size);

	EVP_PKEY *ak = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
	cr_assert(ak);
	auto quote_sig = sign(ak, q);
	auto ak_xy = public_xy(ak);
	EVP_PKEY_free(ak);

	const Bytes auth(32, 0x5a);
	Bytes bound(ak_xy.begin(), ak_xy.end());
	bound.insert(bound.end(), auth.begin(), auth.end());
	std::uint8_t digest[32];
	cr_assert(EVP_Digest(bound.data(), bound.size(), digest, nullptr, EVP_sha256(), nullptr));

	Bytes rep(qe_report_size, 0);
	std::memcpy(rep.data(), s.cpusvn, 16);
	std::memcpy(rep.data() + 16, &s.qe_miscselect, 4);
	std::memcpy(rep.data() + 48, s.qe_attributes, 16);
	std::memcpy(rep.data() + 64, s.qe_mrenclave, 32);
	std::memcpy(rep.data() + 128, s.qe_mrsigner, 32);
	std::memcpy(rep.data() + 256, &s.qe_isvprodid, 2);
	std::memcpy(rep.data() + 258, &s.qe_isvsvn, 2);
	std::memcpy(rep.data() + 320, digest, 32);
	EVP_PKEY *pck = p256_private(s.pck_priv);
	auto rep_sig = sign(pck, rep);
	EVP_PKEY_free(pck);

	Bytes cert;	// type 6: QE report, signature, auth data, type 5 chain
	put(cert, rep.data(), rep.size());
	put(cert, rep_sig.data(), 64);
	put16(cert, static_cast<unsigned>(auth.size()));
	put(cert, auth.data(), auth.size());
	put16(cert, 5);
	put32(cert, static_cast<std::uint32_t>(chain.size()));
	put(cert, chain.data(), chain.size());

	Bytes sigdata;
	put(sigdata, quote_sig.data(), 64);
	put(sigdata, ak_xy.data(), 64);
	put16(sigdata, 6);
	put32(sigdata, static_cast<std::uint32_t>(cert.size()));
	put(sigdata, cert.data(), cert.size());
	put32(q, static_cast<std::uint32_t>(sigdata.size()));
	put(q, sigdata.data(), sigdata.size());
	return q;
}

Collateral collateral_of(const std::string &json)
{
	auto c = parse_collateral(bytes_of(json));
	cr_assert(c.has_value(), "%s", c ? "" : c.error().message.c_str());
	return *c;
}

std::string failures(const Verification &v)
{
	std::string s;
	for (const auto &c : v.checks)
		if (!c.passed)
			s += c.name + ": " + c.message + "; ";
	return s;
}

// One PCS for the whole suite: key generation is the slow part.
const tdxsim::Pcs &pcs()
{
	static const tdxsim::Pcs p;
	return p;
}

} // namespace

Test(tdx_sim, chain_carries_the_platform)
{
	const auto &p = pcs();
	auto certs = load_certs(bytes_of(p.pck_chain_pem()));
	cr_assert(certs.has_value(), "%s", certs ? "" : certs.error().message.c_str());
	cr_assert_eq(certs->size(), 3u);
	cr_expect((*certs)[0] == p.pck_der());
	cr_expect((*certs)[1] == p.platform_ca_der());
	cr_expect((*certs)[2] == p.root_der());
	auto e = pck_extensions(p.pck_der());
	cr_assert(e.has_value(), "%s", e ? "" : e.error().message.c_str());
	const tdxsim::Platform &pl = p.platform();
	cr_expect(e->fmspc == pl.fmspc);
	cr_expect(e->pceid == pl.pceid);
	cr_expect(e->sgx_components == pl.sgx_components);
	cr_expect_eq(e->pcesvn, pl.pcesvn);
	cr_expect(e->cpusvn == pl.cpusvn);
	cr_expect(e->ppid == pl.ppid);

	// Intel's names, and the organization says SIMULATED.
	const char *cns[] = {"Intel SGX PCK Certificate", "Intel SGX PCK Platform CA", "Intel SGX Root CA"};
	for (std::size_t i = 0; i < 3; i++) {
		const unsigned char *d = (*certs)[i].data();
		X509 *x = d2i_X509(nullptr, &d, static_cast<long>((*certs)[i].size()));
		cr_assert(x);
		char cn[128] = "", org[128] = "";
		X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
		X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_organizationName, org, sizeof(org));
		cr_expect_str_eq(cn, cns[i]);
		cr_expect(std::strstr(org, "SIMULATED"), "%s", org);
		cr_expect_eq(X509_get_version(x), 2);
		cr_expect_eq(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
		X509_free(x);
	}
}

Test(tdx_sim, collateral_parses_and_describes_the_platform)
{
	const auto &p = pcs();
	Collateral c = collateral_of(p.collateral());
	const tdxsim::Platform &pl = p.platform();
	cr_expect_eq(c.tcb_info.id, "TDX");
	cr_expect_eq(c.tcb_info.version, 3u);
	cr_expect(c.tcb_info.fmspc == pl.fmspc);
	cr_expect(c.tcb_info.pceid == pl.pceid);
	cr_assert_eq(c.tcb_info.levels.size(), 2u);
	cr_expect(c.tcb_info.levels[0].status == TcbStatus::kUpToDate);
	cr_expect(c.tcb_info.levels[0].sgx_components == pl.sgx_components);
	cr_expect(c.tcb_info.levels[0].tdx_components == pl.tee_tcb_svn);
	cr_expect(c.tcb_info.levels[1].status == TcbStatus::kOutOfDate);
	cr_assert_eq(c.tcb_info.module_identities.size(), 1u);
	cr_expect_eq(c.tcb_info.module_identities[0].id, "TDX_01");
	cr_expect_eq(c.tcb_info.issue_date, p.window().not_before);
	cr_expect_eq(c.tcb_info.next_update, p.window().next_update);
	cr_expect_eq(c.qe_identity.id, "TD_QE");
	cr_expect_eq(c.qe_identity.version, 2u);
	cr_expect(c.qe_identity.mrsigner == pl.qe_mrsigner);
	cr_expect_eq(c.qe_identity.isvprodid, pl.qe_isvprodid);
	// The bodies are kept exactly as signed.
	cr_expect_eq(c.tcb_info_json, p.tcb_info());
	cr_expect_eq(c.qe_identity_json, p.qe_identity());
}

// The CRLs verify under their issuers, and only the revoking one names
// the PCK.
Test(tdx_sim, crls)
{
	const auto &p = pcs();
	auto load = [](const Bytes &der) {
		const unsigned char *d = der.data();
		X509_CRL *c = d2i_X509_CRL(nullptr, &d, static_cast<long>(der.size()));
		cr_assert(c);
		return c;
	};
	auto cert = [](const Bytes &der) {
		const unsigned char *d = der.data();
		X509 *x = d2i_X509(nullptr, &d, static_cast<long>(der.size()));
		cr_assert(x);
		return x;
	};
	X509 *root = cert(p.root_der()), *ca = cert(p.platform_ca_der()), *pck = cert(p.pck_der());
	X509_CRL *rc = load(p.root_crl()), *ok = load(p.pck_crl()), *revoking = load(p.pck_crl(true));
	cr_expect_eq(X509_CRL_verify(rc, X509_get0_pubkey(root)), 1);
	cr_expect_eq(X509_CRL_verify(ok, X509_get0_pubkey(ca)), 1);
	cr_expect_eq(X509_CRL_verify(revoking, X509_get0_pubkey(ca)), 1);
	X509_REVOKED *r = nullptr;
	cr_expect_eq(X509_CRL_get0_by_cert(ok, &r, pck), 0);
	cr_expect_eq(X509_CRL_get0_by_cert(revoking, &r, pck), 1);
	X509_CRL_free(rc);
	X509_CRL_free(ok);
	X509_CRL_free(revoking);
	X509_free(root);
	X509_free(ca);
	X509_free(pck);
}

// The module's scalar is the PCK certificate's key.
Test(tdx_sim, pck_scalar_matches_the_certificate)
{
	const auto &p = pcs();
	hsm_tdx_sim_params s = p.sim_params({});
	cr_expect_eq(s.flags, HSM_TDX_SIM_F_PCK);
	EVP_PKEY *k = p256_private(s.pck_priv);
	auto der = p.pck_der();
	const unsigned char *d = der.data();
	X509 *x = d2i_X509(nullptr, &d, static_cast<long>(der.size()));
	cr_assert(x);
	cr_expect_eq(EVP_PKEY_eq(k, X509_get0_pubkey(x)), 1);
	X509_free(x);
	EVP_PKEY_free(k);
}

// End to end without the module: the collateral's signatures, CRLs,
// TCB levels, TDX module and QE identities all hold for a quote of the
// simulated platform; without the simulated root nothing is trusted; a
// revoking PCK CRL refuses it.
Test(tdx_sim, quote_of_the_simulated_platform_verifies, .timeout = 60)
{
	const auto &p = pcs();
	tdxsim::Td td;
	td.mrtd.fill(0x3d);
	hsm_tdx_sim_params s = p.sim_params(td);
	std::array<std::uint8_t, 64> rd;
	rd.fill(0x42);
	Bytes quote = make_quote(s, p.pck_chain_pem(), rd);
	OPENSSL_cleanse(&s, sizeof(s));
	Collateral c = collateral_of(p.collateral());

	Policy pol;
	pol.extra_roots.push_back(p.root_der());
	pol.report_data = rd;
	auto v = verify(quote, c, pol);
	cr_assert(v.has_value(), "%s", v ? "" : v.error().message.c_str());
	cr_expect(v->ok, "%s", failures(*v).c_str());
	cr_expect(v->genuine);
	cr_expect(v->simulated_root);
	cr_expect(v->tcb_status == TcbStatus::kUpToDate);
	cr_expect(v->module_status == TcbStatus::kUpToDate);
	cr_expect(v->qe_status == TcbStatus::kUpToDate);
	cr_expect(v->quote.body.mrtd == td.mrtd);

	// The root as PEM, as hsmctl writes it, is the same anchor.
	Policy pem = pol;
	const std::string root_pem = p.root_pem();
	pem.extra_roots = {Bytes(root_pem.begin(), root_pem.end())};
	v = verify(quote, c, pem);
	cr_assert(v.has_value());
	cr_expect(v->ok, "%s", failures(*v).c_str());

	Policy strict;
	strict.report_data = rd;
	v = verify(quote, c, strict);
	cr_assert(v.has_value());
	cr_expect(!v->ok);
	cr_expect_eq(v->reason, Reason::kUntrustedRoot, "%s", to_string(v->reason));

	v = verify(quote, collateral_of(p.collateral(true)), pol);
	cr_assert(v.has_value());
	cr_expect(!v->ok);
	cr_expect_eq(v->reason, Reason::kRevoked, "%s", to_string(v->reason));

	// Checked after the window the PCS gave: the collateral is stale.
	Policy late = pol;
	late.time = p.window().next_update + 1;
	v = verify(quote, c, late);
	cr_assert(v.has_value());
	cr_expect(!v->ok);
	cr_expect_eq(v->reason, Reason::kCollateralExpired, "%s", to_string(v->reason));
}
