// SPDX-License-Identifier: GPL-2.0 OR MIT
// Intel TDX quote and TDREPORT parsing and verification against real
// hardware bytes and Intel's collateral (tests/data/tdx, see its README
// for where each comes from).
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <criterion/criterion.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <hsm/tdx.hpp>

using namespace hsm::tdx;

namespace {

std::string data_path(const std::string &name)
{
	const char *dir = std::getenv("HSM_TDX_DATA");
	return std::string(dir ? dir : HSM_TDX_DATA) + "/" + name;
}

std::vector<std::uint8_t> read(const std::string &name)
{
	std::ifstream f(data_path(name), std::ios::binary);
	cr_assert(f.good(), "cannot open %s", data_path(name).c_str());
	return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

Collateral collateral(const char *name)
{
	auto c = parse_collateral(read(name));
	cr_assert(c.has_value(), "%s: %s", name, c ? "" : c.error().message.c_str());
	return *c;
}

// 2025-06-20T00:00:00Z: inside the v4 quote's collateral window
// (2025-06-19 .. 2025-07-19).
constexpr std::time_t v4_time = 1750377600;
// 2026-03-01T00:00:00Z: inside the v5 quote's (2026-02-18 .. 2026-03-20).
constexpr std::time_t v5_time = 1772323200;

Policy at(std::time_t t)
{
	Policy p;
	p.time = t;
	return p;
}

std::string failures(const Verification &v)
{
	std::string s;
	for (const auto &c : v.checks)
		if (!c.passed)
			s += c.name + ": " + c.message + "; ";
	return s;
}

const Check *find(const Verification &v, const std::string &name)
{
	for (const auto &c : v.checks)
		if (c.name == name)
			return &c;
	return nullptr;
}

Verification must_verify(std::span<const std::uint8_t> quote, const Collateral &c, const Policy &p)
{
	auto v = verify(quote, c, p);
	cr_assert(v.has_value(), "verify: %s", v ? "" : v.error().message.c_str());
	return *v;
}

// Whether a result refuses the quote as not genuine: a parse error, or a
// failed check other than the TCB level and the policy (which the
// unchanged v5 quote already fails).
bool refused_as_forged(const hsm::Result<Verification> &v)
{
	if (!v)
		return true;
	for (const auto &c : v->checks)
		if (!c.passed && c.name != "tcb.level" && !c.name.starts_with("policy."))
			return true;
	return false;
}

} // namespace

Test(tdx_quote, v4_verifies_with_its_collateral)
{
	auto v = must_verify(read("dq_tdx_quote"), collateral("dq_tdx_quote_collateral.json"),
			     at(v4_time));
	cr_expect(v.ok, "%s", failures(v).c_str());
	cr_expect(v.genuine && v.policy_ok);
	cr_expect_eq(v.reason, Reason::kNone, "reason %s", to_string(v.reason));
	cr_expect(!v.simulated_root);
	cr_expect(v.unconstrained);
	cr_expect(v.tcb_status == TcbStatus::kUpToDate);
	cr_expect(v.platform_status == TcbStatus::kUpToDate);
	cr_expect(v.module_status == TcbStatus::kUpToDate);
	cr_expect(v.qe_status == TcbStatus::kUpToDate);
	cr_expect(v.advisory_ids.empty());
	cr_expect_eq(v.quote.header.version, 4);
	cr_expect(v.quote.body_type == BodyType::kTd10);
	cr_expect(!v.quote.body.has_td15);
	cr_expect_eq(v.quote.signed_size, header_size + td10_body_size);
	cr_expect_eq(v.pck.pcesvn, 11);
	const std::array<std::uint8_t, 6> fmspc = {0xB0, 0xC0, 0x6F, 0, 0, 0};
	cr_expect(v.pck.fmspc == fmspc);
	for (const char *name : {"pck.chain", "qe_report.signature", "qe_report.report_data",
				 "quote.signature", "tcb_info.signature", "qe_identity.signature",
				 "tdx_module.identity", "tcb.level"}) {
		auto c = find(v, name);
		cr_expect(c && c->passed, "%s missing or failed", name);
	}
}

Test(tdx_quote, v5_refused_because_no_tcb_level_matches)
{
	auto v = must_verify(read("dq_tdx_quote_outdated"),
			     collateral("dq_tdx_quote_outdated_collateral.json"), at(v5_time));
	cr_expect(!v.ok);
	cr_expect(!v.genuine);
	cr_expect_eq(v.reason, Reason::kNoMatchingTcbLevel, "reason %s: %s", to_string(v.reason),
		     failures(v).c_str());
	auto first = v.first_failure();
	cr_assert(first);
	cr_expect_str_eq(first->name.c_str(), "tcb.level");
	cr_expect(first->message.find("SGX TCB component 8 is 3, the first level asks for 5") !=
			  std::string::npos,
		  "%s", first->message.c_str());
	// Everything a forger would have to fake holds: only the TCB fails.
	for (const auto &c : v.checks)
		if (c.name != "tcb.level" && c.name != "policy.tcb_status")
			cr_expect(c.passed, "%s: %s", c.name.c_str(), c.message.c_str());
	cr_expect(!v.tcb_status);
	cr_expect_eq(v.quote.header.version, 5);
	cr_expect(v.quote.body_type == BodyType::kTd15);
	cr_expect(v.quote.body.has_td15);
	cr_expect_eq(v.quote.signed_size, header_size + 6 + td15_body_size);
	cr_expect_eq(v.pck.sgx_components[7], 3);
	cr_expect_eq(v.pck.pcesvn, 13);
}

// Every byte of what the quote's signatures and the QE report's binding
// cover (header, body, the signature data up to the PCK chain), changed
// one at a time, must fail as a forgery.
static void change_every_signed_byte(const char *quote, const char *col, std::time_t t)
{
	auto bytes = read(quote);
	auto c = collateral(col);
	auto p = at(t);
	auto orig = must_verify(bytes, c, p);
	cr_assert(!refused_as_forged(orig), "%s: %s", quote, failures(orig).c_str());
	// Up to the PCK chain's PEM text: header, body, signature data size,
	// quote signature, attestation key, certification data type and
	// size, QE report, its signature, the QE authentication data and the
	// PCK data's type and size.
	const std::size_t end = orig.quote.qe_report_offset + qe_report_size + 64 + 2 +
				orig.quote.qe_auth_data.size() + 6;
	cr_assert_gt(end, orig.quote.signed_size + 4 + 128 + 6 + qe_report_size);
	std::size_t n = 0;
	for (std::size_t i = 0; i < end; i++) {
		// The smallest change, in the low bit or (every other byte) the
		// high bit: a length field then grows by one or by far.
		const std::uint8_t x = i % 2 ? 0x80 : 0x01;
		bytes[i] ^= x;
		auto v = verify(bytes, c, p);
		cr_expect(refused_as_forged(v), "%s: byte %zu ^ 0x%02x accepted", quote, i, x);
		bytes[i] ^= x;
		n++;
	}
	cr_expect_eq(n, end);
}

Test(tdx_negative, change_each_signed_byte_v4, .timeout = 300)
{
	change_every_signed_byte("dq_tdx_quote", "dq_tdx_quote_collateral.json", v4_time);
}

Test(tdx_negative, change_each_signed_byte_v5, .timeout = 300)
{
	change_every_signed_byte("dq_tdx_quote_outdated", "dq_tdx_quote_outdated_collateral.json",
				 v5_time);
}

Test(tdx_negative, time_outside_collateral_window)
{
	auto q = read("dq_tdx_quote");
	auto c = collateral("dq_tdx_quote_collateral.json");
	// After nextUpdate (2025-07-19), and before the issue date (2025-06-19).
	for (std::time_t t : {v4_time + 60 * 86400, v4_time - 10 * 86400}) {
		auto v = must_verify(q, c, at(t));
		cr_expect(!v.ok);
		cr_expect_eq(v.reason, Reason::kCollateralExpired, "reason %s: %s",
			     to_string(v.reason), failures(v).c_str());
		for (const char *name : {"tcb_info.validity", "qe_identity.validity"}) {
			auto ck = find(v, name);
			cr_expect(ck && !ck->passed && ck->reason == Reason::kCollateralExpired, "%s", name);
		}
	}
	// The v5 collateral at the v4 quote's time: not issued yet.
	auto v = must_verify(read("dq_tdx_quote_outdated"),
			     collateral("dq_tdx_quote_outdated_collateral.json"), at(v4_time));
	cr_expect_eq(v.reason, Reason::kCollateralExpired, "reason %s", to_string(v.reason));
}

Test(tdx_negative, wrong_collateral_is_another_platform)
{
	auto v = must_verify(read("dq_tdx_quote"), collateral("dq_tdx_quote_outdated_collateral.json"),
			     at(v5_time));
	cr_expect(!v.ok);
	auto c = find(v, "tcb_info.platform");
	cr_expect(c && !c->passed && c->reason == Reason::kPlatformMismatch, "%s",
		  failures(v).c_str());
}

Test(tdx_negative, tampered_collateral_signature)
{
	auto q = read("dq_tdx_quote");
	auto c = collateral("dq_tdx_quote_collateral.json");
	auto bad = c;
	bad.tcb_info_json[bad.tcb_info_json.find("UpToDate")] = 'u';
	auto v = must_verify(q, bad, at(v4_time));
	cr_expect_eq(v.reason, Reason::kBadCollateral, "reason %s", to_string(v.reason));
	bad = c;
	bad.qe_identity_signature[5] ^= 1;
	v = must_verify(q, bad, at(v4_time));
	cr_expect_eq(v.reason, Reason::kBadCollateral, "reason %s", to_string(v.reason));
}

Test(tdx_policy, pinned_fields)
{
	auto q = read("dq_tdx_quote");
	auto c = collateral("dq_tdx_quote_collateral.json");
	auto base = must_verify(q, c, at(v4_time));
	Policy p = at(v4_time);
	p.mrtd = base.quote.body.mrtd;
	p.rtmr = base.quote.body.rtmr;
	p.mrconfigid = base.quote.body.mrconfigid;
	p.report_data = base.quote.body.report_data;
	auto v = must_verify(q, c, p);
	cr_expect(v.ok, "%s", failures(v).c_str());
	cr_expect(!v.unconstrained);
	p.rtmr->at(2)[0] ^= 1;
	v = must_verify(q, c, p);
	cr_expect(v.genuine && !v.policy_ok);
	cr_expect_eq(v.reason, Reason::kPolicy);
	cr_expect_str_eq(v.first_failure()->name.c_str(), "policy.rtmr2");
	p.rtmr_checked[2] = false;
	cr_expect(must_verify(q, c, p).ok);
	p.mrtd->at(47) ^= 1;
	v = must_verify(q, c, p);
	cr_expect_str_eq(v.first_failure()->name.c_str(), "policy.mrtd");
}

Test(tdx_policy, tcb_status_floor)
{
	auto q = read("dq_tdx_quote");
	auto c = collateral("dq_tdx_quote_collateral.json");
	// An OutOfDate TDX module level: the combined status follows it.
	auto bad = c;
	for (auto &m : bad.tcb_info.module_identities)
		for (auto &l : m.levels)
			l.status = TcbStatus::kOutOfDate;
	auto v = must_verify(q, bad, at(v4_time));
	cr_expect(v.genuine, "%s", failures(v).c_str());
	cr_expect(v.tcb_status == TcbStatus::kOutOfDate);
	cr_expect_eq(v.reason, Reason::kTcbStatus, "reason %s", to_string(v.reason));
	Policy p = at(v4_time);
	p.min_tcb_status = TcbStatus::kOutOfDate;
	cr_expect(must_verify(q, bad, p).ok);
	// A Revoked level is refused whatever the floor.
	bad.tcb_info.levels[0].status = TcbStatus::kRevoked;
	p.min_tcb_status = TcbStatus::kRevoked;
	auto r = must_verify(q, bad, p);
	cr_expect(r.tcb_status == TcbStatus::kRevoked);
	cr_expect_eq(r.reason, Reason::kTcbStatus, "reason %s", to_string(r.reason));
}

Test(tdx_policy, combine_statuses)
{
	// Intel's combinations, through the parsed TCB info of a QE level.
	auto q = read("dq_tdx_quote");
	auto c = collateral("dq_tdx_quote_collateral.json");
	c.qe_identity.levels[0].status = TcbStatus::kSWHardeningNeeded;
	for (auto &l : c.tcb_info.levels)
		l.status = TcbStatus::kConfigurationNeeded;
	auto v = must_verify(q, c, at(v4_time));
	cr_expect(v.tcb_status == TcbStatus::kConfigurationAndSWHardeningNeeded);
}

Test(tdx_parse, bad_input_is_an_error)
{
	auto q = read("dq_tdx_quote");
	cr_expect(!parse_quote(std::span(q).first(47)));
	cr_expect(!parse_quote(std::span(q).first(700)));
	cr_expect(!parse_quote(std::span(q).first(4935)));	// one byte of the chain short
	cr_expect(parse_quote(std::span(q).first(4936)));	// no padding
	auto pad = q;
	pad.back() = 1;
	cr_expect(!parse_quote(pad));
	auto v3 = q;
	v3[0] = 3;
	cr_expect(!parse_quote(v3));
	auto sgx = q;
	sgx[4] = 0;
	cr_expect(!parse_quote(sgx));
	cr_expect(!parse_collateral(std::span(q).first(100)));
	auto col = read("dq_tdx_quote_collateral.json");
	std::string s(col.begin(), col.end());
	s.replace(s.find("\"pck_crl\""), 9, "\"pck_xrl\"");
	cr_expect(!parse_collateral({reinterpret_cast<const std::uint8_t *>(s.data()), s.size()}));
}

Test(tdx_parse, intel_root_is_compiled_in)
{
	auto der = read("dq_TrustedRootCA.der");
	auto root = intel_root_ca();
	cr_expect_eq(root.size(), der.size());
	cr_expect(std::equal(root.begin(), root.end(), der.begin()));
}

Test(tdreport, real_report_parses_and_hashes_check)
{
	auto b = read("coco_tdx_report_1.bin");
	auto r = parse_tdreport(b);
	cr_assert(r.has_value(), "%s", r ? "" : r.error().message.c_str());
	cr_expect_eq(r->report_type, 0x81);
	cr_expect_eq(r->tee_tcb_svn[0], 5);
	auto h = check_tdreport(b);
	cr_assert(h.has_value());
	cr_expect(h->tee_tcb_info_ok);
	cr_expect(h->tdinfo_ok);
	cr_expect(h->tee_tcb_info == r->tee_tcb_info_hash);
	cr_expect(h->tdinfo == r->tee_info_hash);
	// One changed byte in TDINFO (MRTD), and in TEE_TCB_INFO (MRSEAM).
	b[512 + 16] ^= 1;
	h = check_tdreport(b);
	cr_expect(h->tee_tcb_info_ok && !h->tdinfo_ok);
	b[512 + 16] ^= 1;
	b[256 + 24] ^= 1;
	h = check_tdreport(b);
	cr_expect(!h->tee_tcb_info_ok && h->tdinfo_ok);
	cr_expect(!parse_tdreport(std::span(b).first(1023)));
	b[0] = 0;
	cr_expect(!parse_tdreport(b));
}

// A revoked PCK: the v4 quote re-issued under a test root, its QE report
// re-signed by a test PCK key whose certificate carries the real PCK's
// SGX extension, and a CRL of the test root that lists (or does not
// list) that certificate.  The attestation key's signature is Intel's,
// untouched.
namespace {

struct PkeyFree {
	void operator()(EVP_PKEY *k) const noexcept { EVP_PKEY_free(k); }
};
struct X509Free {
	void operator()(X509 *x) const noexcept { X509_free(x); }
};
using Key = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

Key p256()
{
	Key k(EVP_EC_gen("P-256"));
	cr_assert(k);
	return k;
}

void name(X509_NAME *n, const char *cn)
{
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>(cn), -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char *>("Intel Corporation"), -1, -1, 0);
}

void ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
	cr_assert(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

Cert cert(const char *cn, EVP_PKEY *key, X509 *issuer, long serial, bool ca)
{
	Cert x(X509_new());
	X509_set_version(x.get(), 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial);
	name(X509_get_subject_name(x.get()), cn);
	X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x.get()));
	ASN1_TIME_set(X509_getm_notBefore(x.get()), v4_time - 365 * 86400);
	ASN1_TIME_set(X509_getm_notAfter(x.get()), v4_time + 365 * 86400);
	X509_set_pubkey(x.get(), key);
	ext(x.get(), issuer ? issuer : x.get(), NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	ext(x.get(), issuer ? issuer : x.get(), NID_key_usage,
	    ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,nonRepudiation");
	ext(x.get(), issuer ? issuer : x.get(), NID_subject_key_identifier, "hash");
	if (issuer)
		ext(x.get(), issuer, NID_authority_key_identifier, "keyid");
	return x;
}

std::string pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, x);
	char *p = nullptr;
	long n = BIO_get_mem_data(b, &p);
	std::string s(p, static_cast<std::size_t>(n));
	BIO_free(b);
	return s;
}

std::vector<std::uint8_t> der(X509 *x)
{
	unsigned char *p = nullptr;
	int n = i2d_X509(x, &p);
	std::vector<std::uint8_t> v(p, p + n);
	OPENSSL_free(p);
	return v;
}

// A CRL of root, listing the given serials.
std::vector<std::uint8_t> crl(X509 *root, EVP_PKEY *key, std::initializer_list<long> revoked)
{
	X509_CRL *c = X509_CRL_new();
	X509_CRL_set_version(c, 1);
	X509_CRL_set_issuer_name(c, X509_get_subject_name(root));
	ASN1_TIME *t = ASN1_TIME_set(nullptr, v4_time - 86400);
	X509_CRL_set1_lastUpdate(c, t);
	ASN1_TIME_set(t, v4_time + 30 * 86400);
	X509_CRL_set1_nextUpdate(c, t);
	for (long serial : revoked) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *s = ASN1_INTEGER_new();
		ASN1_INTEGER_set(s, serial);
		X509_REVOKED_set_serialNumber(r, s);
		ASN1_TIME_set(t, v4_time - 3600);
		X509_REVOKED_set_revocationDate(r, t);
		X509_CRL_add0_revoked(c, r);
		ASN1_INTEGER_free(s);
	}
	ASN1_TIME_free(t);
	X509_CRL_sort(c);
	cr_assert(X509_CRL_sign(c, key, EVP_sha256()) > 0);
	unsigned char *p = nullptr;
	int n = i2d_X509_CRL(c, &p);
	std::vector<std::uint8_t> v(p, p + n);
	OPENSSL_free(p);
	X509_CRL_free(c);
	return v;
}

void put32(std::vector<std::uint8_t> &b, std::size_t off, std::size_t v)
{
	for (int i = 0; i < 4; i++)
		b[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

struct TestChain {
	Key root_key, pck_key;
	Cert root, pck;
	std::vector<std::uint8_t> quote;
};

constexpr long pck_serial = 0x1234;

TestChain reissued_quote()
{
	auto real = read("dq_tdx_quote");
	auto q = parse_quote(real);
	cr_assert(q.has_value());
	TestChain t;
	t.root_key = p256();
	t.pck_key = p256();
	t.root = cert("Intel SGX Root CA", t.root_key.get(), nullptr, 1, true);
	cr_assert(X509_sign(t.root.get(), t.root_key.get(), EVP_sha256()) > 0);
	t.pck = cert("Intel SGX PCK Certificate", t.pck_key.get(), t.root.get(), pck_serial, false);
	// The real PCK's SGX extension (FMSPC, PCEID, TCB), copied as is.
	const unsigned char *p = q->pck_chain.front().data();
	Cert real_pck(d2i_X509(nullptr, &p, static_cast<long>(q->pck_chain.front().size())));
	ASN1_OBJECT *sgx = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
	int i = X509_get_ext_by_OBJ(real_pck.get(), sgx, -1);
	ASN1_OBJECT_free(sgx);
	cr_assert_geq(i, 0);
	X509_add_ext(t.pck.get(), X509_get_ext(real_pck.get(), i), -1);
	cr_assert(X509_sign(t.pck.get(), t.root_key.get(), EVP_sha256()) > 0);

	// The QE report, signed by the test PCK key: raw r || s.
	std::span<const std::uint8_t> rep(real.data() + q->qe_report_offset, qe_report_size);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	std::size_t n = 0;
	cr_assert(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, t.pck_key.get()) == 1);
	cr_assert(EVP_DigestSign(ctx, nullptr, &n, rep.data(), rep.size()) == 1);
	std::vector<std::uint8_t> sig(n);
	cr_assert(EVP_DigestSign(ctx, sig.data(), &n, rep.data(), rep.size()) == 1);
	EVP_MD_CTX_free(ctx);
	const unsigned char *sp = sig.data();
	ECDSA_SIG *es = d2i_ECDSA_SIG(nullptr, &sp, static_cast<long>(n));
	cr_assert(es);
	std::uint8_t raw[64];
	BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
	BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
	ECDSA_SIG_free(es);

	// The quote up to the PCK data, with the new signature and chain,
	// and every size that covers them.
	const std::size_t sig_off = q->qe_report_offset + qe_report_size;
	const std::size_t pck_hdr = sig_off + 64 + 2 + q->qe_auth_data.size();
	std::string chain = pem(t.pck.get()) + pem(t.root.get());
	t.quote.assign(real.begin(), real.begin() + static_cast<long>(pck_hdr + 6));
	std::memcpy(t.quote.data() + sig_off, raw, 64);
	t.quote.insert(t.quote.end(), chain.begin(), chain.end());
	put32(t.quote, pck_hdr + 2, chain.size());
	put32(t.quote, q->signed_size + 4 + 128 + 2, t.quote.size() - (q->signed_size + 4 + 128 + 6));
	put32(t.quote, q->signed_size, t.quote.size() - (q->signed_size + 4));
	return t;
}

} // namespace

Test(tdx_revocation, revoked_pck_fails)
{
	auto t = reissued_quote();
	auto c = collateral("dq_tdx_quote_collateral.json");
	Policy p = at(v4_time);
	p.extra_roots.push_back(der(t.root.get()));

	// The PCK CRL is the test root's; the root CA CRL stays Intel's, for
	// the TCB signing chain.
	// Not revoked: the re-issued quote verifies, under a simulated root.
	c.pck_crl = crl(t.root.get(), t.root_key.get(), {7});
	auto v = must_verify(t.quote, c, p);
	cr_expect(v.ok, "%s", failures(v).c_str());
	cr_expect(v.simulated_root);

	// Revoked: refused, for that reason.
	c.pck_crl = crl(t.root.get(), t.root_key.get(), {7, pck_serial});
	v = must_verify(t.quote, c, p);
	cr_expect(!v.ok);
	cr_expect_eq(v.reason, Reason::kRevoked, "reason %s: %s", to_string(v.reason),
		     failures(v).c_str());
	cr_expect_str_eq(v.first_failure()->name.c_str(), "pck.chain");

	// The test root is trusted only when passed explicitly.
	c.pck_crl = crl(t.root.get(), t.root_key.get(), {});
	v = must_verify(t.quote, c, at(v4_time));
	cr_expect_eq(v.reason, Reason::kUntrustedRoot, "reason %s: %s", to_string(v.reason),
		     failures(v).c_str());

	// A CRL the root did not sign.
	auto other = p256();
	c.pck_crl = crl(t.root.get(), other.get(), {});
	v = must_verify(t.quote, c, p);
	cr_expect_eq(v.reason, Reason::kBadCrl, "reason %s: %s", to_string(v.reason),
		     failures(v).c_str());
}
