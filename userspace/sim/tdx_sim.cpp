// SPDX-License-Identifier: GPL-2.0 OR MIT
// The simulated Intel PCS: see tdx_sim.hpp.
#include "tdx_sim.hpp"

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace tdxsim {
namespace {

using nlohmann::ordered_json;

constexpr long kDay = 24 * 3600;
constexpr long kRootSerial = 1, kCaSerial = 2, kTcbSerial = 3;

void check(bool ok, const char *what)
{
	if (!ok)
		throw std::runtime_error(std::string("openssl: ") + what);
}

PkeyPtr keygen_p256()
{
	PkeyPtr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
	check(k != nullptr, "P-256 key generation");
	return k;
}

// Intel's names, with the organization saying what this is.
struct NameFree {
	void operator()(X509_NAME *n) const noexcept { X509_NAME_free(n); }
};
using NamePtr = std::unique_ptr<X509_NAME, NameFree>;

NamePtr intel_name(const char *cn)
{
	NamePtr n(X509_NAME_new());
	check(n != nullptr, "X509_NAME_new");
	auto add = [&](const char *f, const char *v) {
		check(X509_NAME_add_entry_by_txt(n.get(), f, MBSTRING_ASC,
						 reinterpret_cast<const unsigned char *>(v), -1, -1, 0),
		      "X509_NAME_add_entry");
	};
	add("CN", cn);
	add("O", "Intel Corporation (SIMULATED)");
	add("OU", "SIMULATED for testing: not issued by Intel");
	add("L", "Santa Clara");
	add("ST", "CA");
	add("C", "US");
	return n;
}

// DER: one element of this tag around body.
Bytes tlv(uint8_t tag, const Bytes &body)
{
	Bytes out{tag};
	size_t n = body.size();
	if (n < 0x80) {
		out.push_back(static_cast<uint8_t>(n));
	} else if (n < 0x100) {
		out.insert(out.end(), {0x81, static_cast<uint8_t>(n)});
	} else {
		check(n < 0x10000, "DER length");
		out.insert(out.end(), {0x82, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
	}
	out.insert(out.end(), body.begin(), body.end());
	return out;
}

Bytes cat(std::initializer_list<Bytes> parts)
{
	Bytes out;
	for (const auto &p : parts)
		out.insert(out.end(), p.begin(), p.end());
	return out;
}

Bytes der_oid(const std::string &dotted)
{
	ASN1_OBJECT *o = OBJ_txt2obj(dotted.c_str(), 1);
	check(o != nullptr, "OBJ_txt2obj");
	unsigned char *der = nullptr;
	int n = i2d_ASN1_OBJECT(o, &der);
	ASN1_OBJECT_free(o);
	check(n > 0, "i2d_ASN1_OBJECT");
	Bytes out(der, der + n);
	OPENSSL_free(der);
	return out;
}

// A non-negative INTEGER (or ENUMERATED) below 2^16.
Bytes der_uint(unsigned v, uint8_t tag = V_ASN1_INTEGER)
{
	Bytes body;
	if (v > 0xff)
		body.push_back(static_cast<uint8_t>(v >> 8));
	body.push_back(static_cast<uint8_t>(v));
	if (body[0] & 0x80)
		body.insert(body.begin(), 0);
	return tlv(tag, body);
}

template <size_t N> Bytes der_octets(const std::array<uint8_t, N> &a)
{
	return tlv(V_ASN1_OCTET_STRING, Bytes(a.begin(), a.end()));
}

constexpr const char *kSgxExt = "1.2.840.113741.1.13.1";

// { OID, value }, the SGX extension's entry.
Bytes entry(const std::string &oid, const Bytes &value)
{
	return tlv(V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, cat({der_oid(oid), value}));
}

// The PCK certificate's SGX extension, as Intel's PCS writes it.
Bytes sgx_extension(const Platform &p)
{
	const std::string base = std::string(kSgxExt) + ".";
	Bytes tcb;
	for (unsigned i = 0; i < 16; i++)
		tcb = cat({tcb, entry(base + "2." + std::to_string(i + 1), der_uint(p.sgx_components[i]))});
	tcb = cat({tcb, entry(base + "2.17", der_uint(p.pcesvn)),
		   entry(base + "2.18", der_octets(p.cpusvn))});
	Bytes all = cat({entry(base + "1", der_octets(p.ppid)),
			 entry(base + "2", tlv(V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, tcb)),
			 entry(base + "3", der_octets(p.pceid)),
			 entry(base + "4", der_octets(p.fmspc)),
			 entry(base + "5", der_uint(0, V_ASN1_ENUMERATED))});	// SGX type: Standard
	return tlv(V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, all);
}

void add_raw_ext(X509 *x, const char *oid, const Bytes &value)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
	check(o && s && ASN1_OCTET_STRING_set(s, value.data(), static_cast<int>(value.size())),
	      "SGX extension");
	X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(nullptr, o, 0, s);
	check(e && X509_add_ext(x, e, -1), "X509_add_ext");
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(s);
	ASN1_OBJECT_free(o);
}

void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
	check(e && X509_add_ext(x, e, -1), OBJ_nid2sn(nid));
	X509_EXTENSION_free(e);
}

enum class Kind { kRoot, kCa, kLeaf };

// A v3 certificate, ECDSA-SHA256 by signer; issuer is nullptr for the
// self-signed root.
X509Ptr make_cert(const char *subject, X509 *issuer, EVP_PKEY *pub, EVP_PKEY *signer, long serial,
		  Kind kind, const Window &w)
{
	X509Ptr c(X509_new());
	X509 *x = c.get();
	check(x && X509_set_version(x, 2), "X509_new");
	check(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), "serial");
	NamePtr sn = intel_name(subject);
	check(X509_set_subject_name(x, sn.get()) &&
	      X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : sn.get()), "names");
	const long years = kind == Kind::kLeaf ? 7 : 25;
	std::time_t from = w.not_before;
	check(X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &from) &&
	      X509_time_adj_ex(X509_getm_notAfter(x), static_cast<int>(years * 365), 0, &from),
	      "validity");
	check(X509_set_pubkey(x, pub), "X509_set_pubkey");
	X509 *iss = issuer ? issuer : x;
	add_ext(x, iss, NID_subject_key_identifier, "hash");
	add_ext(x, iss, NID_authority_key_identifier, "keyid:always");
	switch (kind) {
	case Kind::kRoot:
		add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE,pathlen:1");
		add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
		break;
	case Kind::kCa:
		add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
		add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
		break;
	case Kind::kLeaf:
		add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, iss, NID_key_usage, "critical,digitalSignature,nonRepudiation");
		break;
	}
	check(X509_sign(x, signer, EVP_sha256()) > 0, "X509_sign");
	return c;
}

Bytes der_of(X509 *x)
{
	unsigned char *der = nullptr;
	int n = i2d_X509(x, &der);
	check(n > 0, "i2d_X509");
	Bytes out(der, der + n);
	OPENSSL_free(der);
	return out;
}

std::string pem_of(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	check(b && PEM_write_bio_X509(b, x), "PEM_write_bio_X509");
	char *data;
	long n = BIO_get_mem_data(b, &data);
	std::string out(data, static_cast<size_t>(n));
	BIO_free(b);
	return out;
}

struct CrlFree {
	void operator()(X509_CRL *c) const noexcept { X509_CRL_free(c); }
};

// A v2 CRL of issuer's, revoking these serials, ECDSA-SHA256.
Bytes make_crl(X509 *issuer, EVP_PKEY *key, std::initializer_list<long> revoked, const Window &w)
{
	std::unique_ptr<X509_CRL, CrlFree> crl(X509_CRL_new());
	X509_CRL *c = crl.get();
	check(c && X509_CRL_set_version(c, 1) &&
	      X509_CRL_set_issuer_name(c, X509_get_subject_name(issuer)), "X509_CRL_new");
	ASN1_TIME *last = ASN1_TIME_set(nullptr, w.not_before);
	ASN1_TIME *next = ASN1_TIME_set(nullptr, w.next_update);
	check(last && next && X509_CRL_set1_lastUpdate(c, last) && X509_CRL_set1_nextUpdate(c, next),
	      "CRL times");
	for (long serial : revoked) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *s = ASN1_INTEGER_new();
		check(r && s && ASN1_INTEGER_set(s, serial) && X509_REVOKED_set_serialNumber(r, s) &&
		      X509_REVOKED_set_revocationDate(r, last) && X509_CRL_add0_revoked(c, r),
		      "revoked entry");
		ASN1_INTEGER_free(s);
	}
	ASN1_TIME_free(last);
	ASN1_TIME_free(next);
	check(X509_CRL_sort(c), "X509_CRL_sort");
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, nullptr, nullptr, c, 0);
	X509_EXTENSION *aki = X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier,
						  "keyid:always");
	check(aki && X509_CRL_add_ext(c, aki, -1), "CRL authorityKeyIdentifier");
	X509_EXTENSION_free(aki);
	ASN1_INTEGER *number = ASN1_INTEGER_new();
	check(number && ASN1_INTEGER_set(number, 1) &&
	      X509_CRL_add1_ext_i2d(c, NID_crl_number, number, 0, 0), "CRL number");
	ASN1_INTEGER_free(number);
	check(X509_CRL_sign(c, key, EVP_sha256()) > 0, "X509_CRL_sign");
	unsigned char *der = nullptr;
	int n = i2d_X509_CRL(c, &der);
	check(n > 0, "i2d_X509_CRL");
	Bytes out(der, der + n);
	OPENSSL_free(der);
	return out;
}

std::string hex(const uint8_t *b, size_t n, bool upper = true)
{
	std::string s;
	char buf[3];
	for (size_t i = 0; i < n; i++) {
		std::snprintf(buf, sizeof(buf), upper ? "%02X" : "%02x", b[i]);
		s += buf;
	}
	return s;
}

template <size_t N> std::string hex(const std::array<uint8_t, N> &a)
{
	return hex(a.data(), N);
}

std::string hex(const Bytes &b)
{
	return hex(b.data(), b.size(), false);
}

// A u64 as Intel writes attributes: 16 hex digits, most significant first.
std::string hex_be64(uint64_t v)
{
	char buf[17];
	std::snprintf(buf, sizeof(buf), "%016llX", static_cast<unsigned long long>(v));
	return buf;
}

std::string date(std::time_t t)
{
	struct tm tm {};
	gmtime_r(&t, &tm);
	char buf[32];
	std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

ordered_json components(const std::array<uint8_t, 16> &svns)
{
	ordered_json a = ordered_json::array();
	for (auto s : svns)
		a.push_back({{"svn", s}});
	return a;
}

template <size_t N> std::array<uint8_t, N> halved(const std::array<uint8_t, N> &a)
{
	std::array<uint8_t, N> h;
	for (size_t i = 0; i < N; i++)
		h[i] = static_cast<uint8_t>(a[i] / 2);
	return h;
}

ordered_json isv_level(unsigned isvsvn, const char *date_text, const char *status)
{
	return {{"tcb", {{"isvsvn", isvsvn}}}, {"tcbDate", date_text}, {"tcbStatus", status}};
}

constexpr const char *kUpToDateDate = "2024-03-13T00:00:00Z";
constexpr const char *kOutOfDateDate = "2018-01-04T00:00:00Z";
constexpr unsigned kEvaluationDataNumber = 17;

// TCB info: the platform's level UpToDate, one below it OutOfDate (half
// of every SVN), and the TDX module identity of its major version.
std::string tcb_info_json(const Platform &p, const Window &w)
{
	const std::string signer = hex(p.mrsignerseam), attrs = hex_be64(p.seam_attributes);
	const std::string mask = "FFFFFFFFFFFFFFFF";
	ordered_json ids = ordered_json::array();
	if (p.tee_tcb_svn[1] > 0) {
		char id[8];
		std::snprintf(id, sizeof(id), "TDX_%02X", p.tee_tcb_svn[1]);
		ids.push_back({{"id", id},
			       {"mrsigner", signer},
			       {"attributes", attrs},
			       {"attributesMask", mask},
			       {"tcbLevels",
				{isv_level(p.tee_tcb_svn[0], kUpToDateDate, "UpToDate"),
				 isv_level(p.tee_tcb_svn[0] / 2u, kOutOfDateDate, "OutOfDate")}}});
	}
	// The TDX components of a level: the minor SVN and major version as
	// the module has them, the rest lowered for the OutOfDate level.
	std::array<uint8_t, 16> low_tdx = halved(p.tee_tcb_svn);
	low_tdx[0] = p.tee_tcb_svn[0];
	low_tdx[1] = p.tee_tcb_svn[1];
	auto level = [](const std::array<uint8_t, 16> &sgx, unsigned pcesvn,
			const std::array<uint8_t, 16> &tdx) {
		return ordered_json{{"sgxtcbcomponents", components(sgx)},
				    {"pcesvn", pcesvn},
				    {"tdxtcbcomponents", components(tdx)}};
	};
	ordered_json j = {
		{"id", "TDX"},
		{"version", 3},
		{"issueDate", date(w.not_before)},
		{"nextUpdate", date(w.next_update)},
		{"fmspc", hex(p.fmspc)},
		{"pceId", hex(p.pceid)},
		{"tcbType", 0},
		{"tcbEvaluationDataNumber", kEvaluationDataNumber},
		{"tdxModule", {{"mrsigner", signer}, {"attributes", attrs}, {"attributesMask", mask}}},
		{"tdxModuleIdentities", ids},
		{"tcbLevels",
		 {{{"tcb", level(p.sgx_components, p.pcesvn, p.tee_tcb_svn)},
		   {"tcbDate", kUpToDateDate},
		   {"tcbStatus", "UpToDate"}},
		  {{"tcb", level(halved(p.sgx_components), p.pcesvn / 2u, low_tdx)},
		   {"tcbDate", kOutOfDateDate},
		   {"tcbStatus", "OutOfDate"},
		   {"advisoryIDs", {"SIMULATED-SA-00001"}}}}},
	};
	return j.dump();
}

// QE identity: the simulated QE's signer, product, MISCSELECT and
// attributes under Intel's masks; its ISVSVN UpToDate, half of it
// OutOfDate.
std::string qe_identity_json(const Platform &p, const Window &w)
{
	static constexpr std::array<uint8_t, 16> kAttributesMask = {
		0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	std::array<uint8_t, 16> attrs;
	for (size_t i = 0; i < 16; i++)
		attrs[i] = p.qe_attributes[i] & kAttributesMask[i];
	const std::array<uint8_t, 4> misc = {
		static_cast<uint8_t>(p.qe_miscselect >> 24), static_cast<uint8_t>(p.qe_miscselect >> 16),
		static_cast<uint8_t>(p.qe_miscselect >> 8), static_cast<uint8_t>(p.qe_miscselect)};
	ordered_json j = {
		{"id", "TD_QE"},
		{"version", 2},
		{"issueDate", date(w.not_before)},
		{"nextUpdate", date(w.next_update)},
		{"tcbEvaluationDataNumber", kEvaluationDataNumber},
		{"miscselect", hex(misc)},
		{"miscselectMask", "FFFFFFFF"},
		{"attributes", hex(attrs)},
		{"attributesMask", hex(kAttributesMask)},
		{"mrsigner", hex(p.qe_mrsigner)},
		{"isvprodid", p.qe_isvprodid},
		{"tcbLevels",
		 {isv_level(p.qe_isvsvn, kUpToDateDate, "UpToDate"),
		  isv_level(p.qe_isvsvn / 2u, kOutOfDateDate, "OutOfDate")}},
	};
	return j.dump();
}

}  // namespace

Window Window::around(std::time_t now)
{
	return {now - kDay, now + 30 * kDay};
}

Pcs::Pcs(const Platform &platform, const Window &window)
	: platform_(platform), window_(window), root_key_(keygen_p256()), ca_key_(keygen_p256()),
	  pck_key_(keygen_p256()), tcb_key_(keygen_p256())
{
	const Window &w = window_;
	root_ = make_cert("Intel SGX Root CA", nullptr, root_key_.get(), root_key_.get(), kRootSerial,
			  Kind::kRoot, w);
	ca_ = make_cert("Intel SGX PCK Platform CA", root_.get(), ca_key_.get(), root_key_.get(),
			kCaSerial, Kind::kCa, w);
	tcb_ = make_cert("Intel SGX TCB Signing", root_.get(), tcb_key_.get(), root_key_.get(),
			 kTcbSerial, Kind::kLeaf, w);
	// The PCK, signed again once its SGX extension is in.
	pck_ = make_cert("Intel SGX PCK Certificate", ca_.get(), pck_key_.get(), ca_key_.get(),
			 kPckSerial, Kind::kLeaf, w);
	add_raw_ext(pck_.get(), kSgxExt, sgx_extension(platform_));
	check(X509_sign(pck_.get(), ca_key_.get(), EVP_sha256()) > 0, "X509_sign PCK");
	tcb_info_ = tcb_info_json(platform_, w);
	qe_identity_ = qe_identity_json(platform_, w);
}

Bytes Pcs::root_der() const { return der_of(root_.get()); }
Bytes Pcs::platform_ca_der() const { return der_of(ca_.get()); }
Bytes Pcs::pck_der() const { return der_of(pck_.get()); }
Bytes Pcs::tcb_signing_der() const { return der_of(tcb_.get()); }
std::string Pcs::root_pem() const { return pem_of(root_.get()); }

std::string Pcs::pck_chain_pem() const
{
	return pem_of(pck_.get()) + pem_of(ca_.get()) + pem_of(root_.get());
}

Bytes Pcs::root_crl() const
{
	return make_crl(root_.get(), root_key_.get(), {}, window_);
}

Bytes Pcs::pck_crl(bool revoke_pck) const
{
	if (revoke_pck)
		return make_crl(ca_.get(), ca_key_.get(), {kPckSerial}, window_);
	return make_crl(ca_.get(), ca_key_.get(), {}, window_);
}

std::array<uint8_t, 64> Pcs::sign(const std::string &body) const
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	size_t n = 0;
	bool ok = m && EVP_DigestSignInit(m, nullptr, EVP_sha256(), nullptr, tcb_key_.get()) == 1 &&
		  EVP_DigestSign(m, nullptr, &n, reinterpret_cast<const unsigned char *>(body.data()),
				 body.size()) == 1;
	Bytes der(n);
	ok = ok && EVP_DigestSign(m, der.data(), &n, reinterpret_cast<const unsigned char *>(body.data()),
				  body.size()) == 1;
	EVP_MD_CTX_free(m);
	check(ok, "EVP_DigestSign");
	const unsigned char *p = der.data();
	ECDSA_SIG *sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(n));
	check(sig != nullptr, "d2i_ECDSA_SIG");
	std::array<uint8_t, 64> out{};
	ok = BN_bn2binpad(ECDSA_SIG_get0_r(sig), out.data(), 32) == 32 &&
	     BN_bn2binpad(ECDSA_SIG_get0_s(sig), out.data() + 32, 32) == 32;
	ECDSA_SIG_free(sig);
	check(ok, "BN_bn2binpad");
	return out;
}

std::string Pcs::collateral(bool revoke_pck) const
{
	const std::string signing_chain = pem_of(tcb_.get()) + pem_of(root_.get());
	auto sig_hex = [&](const std::string &body) {
		auto s = sign(body);
		return hex(Bytes(s.begin(), s.end()));
	};
	ordered_json j = {
		{"pck_crl_issuer_chain", pem_of(ca_.get()) + pem_of(root_.get())},
		{"root_ca_crl", hex(root_crl())},
		{"pck_crl", hex(pck_crl(revoke_pck))},
		{"tcb_info_issuer_chain", signing_chain},
		{"tcb_info", tcb_info_},
		{"tcb_info_signature", sig_hex(tcb_info_)},
		{"qe_identity_issuer_chain", signing_chain},
		{"qe_identity", qe_identity_},
		{"qe_identity_signature", sig_hex(qe_identity_)},
	};
	return j.dump(2);
}

hsm_tdx_sim_params Pcs::sim_params(const Td &td) const
{
	const Platform &p = platform_;
	hsm_tdx_sim_params s{};
	s.td_attributes = td.attributes;
	s.xfam = td.xfam;
	std::memcpy(s.mrtd, td.mrtd.data(), 48);
	std::memcpy(s.mrconfigid, td.mrconfigid.data(), 48);
	std::memcpy(s.mrowner, td.mrowner.data(), 48);
	std::memcpy(s.mrownerconfig, td.mrownerconfig.data(), 48);
	for (size_t i = 0; i < 4; i++)
		std::memcpy(s.rtmr[i], td.rtmr[i].data(), 48);
	std::memcpy(s.tee_tcb_svn, p.tee_tcb_svn.data(), 16);
	std::memcpy(s.mrseam, p.mrseam.data(), 48);
	std::memcpy(s.mrsignerseam, p.mrsignerseam.data(), 48);
	s.seam_attributes = p.seam_attributes;
	if (td.report_version)
		std::memcpy(s.tee_tcb_svn2, p.tee_tcb_svn.data(), 16);
	std::memcpy(s.cpusvn, p.cpusvn.data(), 16);
	s.report_version = td.report_version;
	s.flags = HSM_TDX_SIM_F_PCK;
	std::memcpy(s.qe_mrenclave, p.qe_mrenclave.data(), 32);
	std::memcpy(s.qe_mrsigner, p.qe_mrsigner.data(), 32);
	std::memcpy(s.qe_attributes, p.qe_attributes.data(), 16);
	s.qe_miscselect = p.qe_miscselect;
	s.qe_isvprodid = p.qe_isvprodid;
	s.qe_isvsvn = p.qe_isvsvn;
	s.qe_svn = p.qe_isvsvn;
	s.pce_svn = p.pcesvn;
	// The QE ID: the PPID stands in for it.
	std::memcpy(s.user_data, p.ppid.data(), 16);
	BIGNUM *d = nullptr;
	check(EVP_PKEY_get_bn_param(pck_key_.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1, "PCK scalar");
	bool ok = BN_bn2binpad(d, s.pck_priv, sizeof(s.pck_priv)) == sizeof(s.pck_priv);
	BN_clear_free(d);
	check(ok, "BN_bn2binpad");
	return s;
}

}  // namespace tdxsim
