// SPDX-License-Identifier: GPL-2.0 OR MIT
// Intel TDX requests against the simulated TDX module and quoting
// service: TDREPORTs (their hashes and layout, checked with libhsm's
// parser), bound and raw REPORTDATA, quotes v4 and v5 (their signatures
// and QE report checked here with libcrypto), RTMR extends, the quoting
// service's failures, and who may ask for what.
#include <criterion/criterion.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <sys/wait.h>

#include <hsm/tdx.hpp>

#include "hsm_conn.hpp"

using namespace hsmtest;

namespace {

constexpr uint32_t kP = 0x1000, kOut = 0x4000, kIn = 0x20000;

// A P-256 key of the test's own, as the simulated PCK, and a self-signed
// certificate for it: the chain quotes carry.
struct Pck {
	uint8_t priv[32]{};
	Bytes pub;		// x || y
	std::string pem;

	Pck()
	{
		EVP_PKEY *pk = EVP_EC_gen("P-256");
		BIGNUM *d = nullptr, *x0 = nullptr, *y0 = nullptr;
		if (!pk || !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d) ||
		    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &x0) ||
		    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y0))
			throw std::runtime_error("PCK key");
		BN_bn2binpad(d, priv, sizeof(priv));
		pub.resize(64);
		BN_bn2binpad(x0, pub.data(), 32);
		BN_bn2binpad(y0, pub.data() + 32, 32);
		BN_clear_free(d);
		BN_free(x0);
		BN_free(y0);
		X509 *x = X509_new();
		X509_set_version(x, 2);
		ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
		X509_gmtime_adj(X509_getm_notBefore(x), 0);
		X509_gmtime_adj(X509_getm_notAfter(x), 3600);
		X509_set_pubkey(x, pk);
		X509_NAME *n = X509_get_subject_name(x);
		X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
					   reinterpret_cast<const unsigned char *>("Intel SGX PCK Certificate"),
					   -1, -1, 0);
		X509_set_issuer_name(x, n);
		X509_sign(x, pk, EVP_sha256());
		BIO *b = BIO_new(BIO_s_mem());
		PEM_write_bio_X509(b, x);
		char *p;
		long len = BIO_get_mem_data(b, &p);
		pem.assign(p, len);
		BIO_free(b);
		X509_free(x);
		EVP_PKEY_free(pk);
	}
};

const Pck &pck()
{
	static Pck p;
	return p;
}

hsm_tdx_sim_params identity(uint32_t report_version = 1)
{
	hsm_tdx_sim_params p{};
	p.td_attributes = 0x10000000;
	p.xfam = 0x642e7;
	memset(p.mrtd, 0x11, sizeof(p.mrtd));
	memset(p.mrconfigid, 0x22, sizeof(p.mrconfigid));
	memset(p.mrowner, 0x33, sizeof(p.mrowner));
	memset(p.mrownerconfig, 0x44, sizeof(p.mrownerconfig));
	for (unsigned i = 0; i < 4; i++)
		memset(p.rtmr[i], 0x50 + i, sizeof(p.rtmr[i]));
	for (unsigned i = 0; i < sizeof(p.tee_tcb_svn); i++)
		p.tee_tcb_svn[i] = static_cast<uint8_t>(i + 1);
	memset(p.mrseam, 0x66, sizeof(p.mrseam));
	p.seam_attributes = 0;
	p.tee_tcb_svn2[0] = 7;
	memset(p.cpusvn, 0x0c, sizeof(p.cpusvn));
	p.report_version = report_version;
	memset(p.qe_mrenclave, 0x77, sizeof(p.qe_mrenclave));
	memset(p.qe_mrsigner, 0x88, sizeof(p.qe_mrsigner));
	p.qe_attributes[0] = 0x11;
	p.qe_miscselect = 0;
	p.qe_isvprodid = 2;
	p.qe_isvsvn = 4;
	p.qe_svn = 4;
	p.pce_svn = 13;
	memcpy(p.user_data, "hsm test qe id", 14);
	p.flags = HSM_TDX_SIM_F_PCK;
	memcpy(p.pck_priv, pck().priv, sizeof(p.pck_priv));
	return p;
}

Result sim_setup(Conn &c, const hsm_tdx_sim_params &p, const std::string &certs)
{
	hsm_op op{};
	op.resp_off = Conn::kResp;
	op.params = c.put_struct(kP, p);
	if (!certs.empty())
		op.in = c.put(kIn, {reinterpret_cast<const uint8_t *>(certs.data()), certs.size()});
	return c.run(HSM_IOC_TDX_SIM_SETUP, op);
}

Result sim_setup(Conn &c, const hsm_tdx_sim_params &p)
{
	return sim_setup(c, p, pck().pem);
}

void reset_identity()
{
	Conn c;
	cr_assert_eq(sim_setup(c, identity()).res, 0);
}

Result tdreport(Conn &c, const Bytes &data, bool raw, uint32_t out_len = HSM_TDX_REPORT_SIZE)
{
	hsm_tdx_report_params p{};
	memcpy(p.report_data, data.data(), std::min(data.size(), sizeof(p.report_data)));
	p.flags = raw ? HSM_TDX_REPORT_F_RAW : 0;
	hsm_op op{};
	op.resp_off = Conn::kResp;
	op.params = c.put_struct(kP, p);
	op.out = {kOut, out_len};
	return c.run(HSM_IOC_TDX_REPORT, op);
}

Result quote(Conn &c, const Bytes &data, bool raw, uint32_t version = 0,
	     uint32_t out_len = HSM_TDX_QUOTE_MAX)
{
	hsm_tdx_quote_params p{};
	memcpy(p.report_data, data.data(), std::min(data.size(), sizeof(p.report_data)));
	p.flags = raw ? HSM_TDX_REPORT_F_RAW : 0;
	p.version = version;
	hsm_op op{};
	op.resp_off = Conn::kResp;
	op.params = c.put_struct(kP, p);
	op.out = {kOut, out_len};
	return c.run(HSM_IOC_TDX_QUOTE, op);
}

Result extend(Conn &c, uint32_t index, const Bytes &data)
{
	hsm_tdx_rtmr_params p{};
	p.index = index;
	memcpy(p.data, data.data(), std::min(data.size(), sizeof(p.data)));
	hsm_op op{};
	op.resp_off = Conn::kResp;
	op.params = c.put_struct(kP, p);
	return c.run(HSM_IOC_TDX_EXTEND_RTMR, op);
}

// A refusal: the errno, and the status the completion record says.
void expect_refused(const Result &r, int err, hsm_status status, const char *what)
{
	cr_expect_eq(r.res, -err, "%s: %ld, expected %d", what, r.res, -err);
	cr_expect_eq(r.resp.result, -err, "%s: record %d", what, r.resp.result);
	cr_expect_eq(r.resp.status, status, "%s: status %u, expected %u", what, r.resp.status,
		     status);
}

// A TDREPORT of raw REPORTDATA, checked and parsed.
hsm::tdx::TdReport must_report(Conn &c, const Bytes &data)
{
	Result r = tdreport(c, data, true);
	cr_assert_eq(r.res, HSM_TDX_REPORT_SIZE, "TDX_REPORT: %ld", r.res);
	cr_assert_eq(r.resp.status, HSM_STATUS_OK);
	Bytes b = c.get(kOut, HSM_TDX_REPORT_SIZE);
	auto h = hsm::tdx::check_tdreport(b);
	cr_assert(h.has_value(), "check_tdreport: %s", h ? "" : h.error().message.c_str());
	cr_expect(h->tee_tcb_info_ok, "TEE_TCB_INFO_HASH");
	cr_expect(h->tdinfo_ok, "TEE_INFO_HASH");
	auto t = hsm::tdx::parse_tdreport(b);
	cr_assert(t.has_value(), "parse_tdreport: %s", t ? "" : t.error().message.c_str());
	return *t;
}

// A quote of raw REPORTDATA, parsed.
std::pair<Bytes, hsm::tdx::Quote> must_quote(Conn &c, const Bytes &data, uint32_t version)
{
	Result r = quote(c, data, true, version);
	cr_assert_gt(r.res, 0, "TDX_QUOTE v%u: %ld", version, r.res);
	cr_assert_eq(r.resp.status, HSM_STATUS_OK);
	cr_assert_eq(r.resp.value, static_cast<__u64>(r.res));
	Bytes b = c.get(kOut, r.res);
	auto q = hsm::tdx::parse_quote(b);
	cr_assert(q.has_value(), "parse_quote: %s", q ? "" : q.error().message.c_str());
	return {b, *q};
}

Bytes sha256(std::span<const uint8_t> b)
{
	Bytes d(32);
	SHA256(b.data(), b.size(), d.data());
	return d;
}

// Does the P-256 key x || y sign SHA-256(msg) with r || s?
bool verifies(std::span<const uint8_t> xy, std::span<const uint8_t> msg,
	      std::span<const uint8_t> rs)
{
	Bytes point{0x04};
	point.insert(point.end(), xy.begin(), xy.end());
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
	EVP_PKEY *key = nullptr;
	bool ok = EVP_PKEY_fromdata_init(pctx) == 1 &&
		  EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
	ECDSA_SIG *sig = ECDSA_SIG_new();
	ECDSA_SIG_set0(sig, BN_bin2bn(rs.data(), 32, nullptr), BN_bin2bn(rs.data() + 32, 32, nullptr));
	unsigned char *der = nullptr;
	int n = i2d_ECDSA_SIG(sig, &der);
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	ok = ok && n > 0 && EVP_DigestVerifyInit(m, nullptr, EVP_sha256(), nullptr, key) == 1 &&
	     EVP_DigestVerify(m, der, n, msg.data(), msg.size()) == 1;
	EVP_MD_CTX_free(m);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return ok;
}

// The PCK's public key, x || y.
Bytes pck_public()
{
	return pck().pub;
}

// What the module puts in REPORTDATA for a caller without platform rights.
Bytes bound(uint32_t uid, const Bytes &data)
{
	static const char label[] = "hsm tdx user report v1";
	Bytes m(label, label + sizeof(label));	// with its NUL
	for (unsigned i = 0; i < 4; i++)
		m.push_back(static_cast<uint8_t>(uid >> (8 * i)));
	m.insert(m.end(), data.begin(), data.end());
	Bytes d(64);
	SHA512(m.data(), m.size(), d.data());
	return d;
}

template <size_t N> Bytes bytes(const std::array<uint8_t, N> &a)
{
	return Bytes(a.begin(), a.end());
}

// Runs f as uid 65534 (no platform rights, not an admin) in a child.
template <typename F> void as_user(F f)
{
	grant_device_group();
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (!become_user(65534, {}))
			_exit(2);
		_exit(f() ? 0 : 1);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
}

}  // namespace

TestSuite(tdx, .init = reset_identity);

Test(tdx, info_reports_the_simulator)
{
	hsm_info i = Conn().info();
	cr_expect_eq(i.tdx_backend, HSM_BACKEND_SIMULATED);
	cr_expect_eq(i.tdx_path, HSM_PATH_SIMULATED);
	const __u64 tdx = HSM_PLAT_CAP_TDX_REPORT | HSM_PLAT_CAP_TDX_QUOTE | HSM_PLAT_CAP_RTMR_EXTEND;
	cr_expect_eq(i.platform_caps & tdx, tdx);
	cr_expect(i.features & HSM_FEAT_PLATFORM);
}

static void report_fields(bool uring)
{
	Conn c(1 << 20, uring);
	Bytes data = pattern(64, 3);
	hsm::tdx::TdReport t = must_report(c, data);
	cr_expect_eq(t.report_type, 0x81);
	cr_expect_eq(t.report_version, 1);
	cr_expect(bytes(t.report_data) == data);
	cr_expect_eq(t.td_attributes, 0x10000000u);
	cr_expect_eq(t.xfam, 0x642e7u);
	cr_expect(bytes(t.mrtd) == Bytes(48, 0x11));
	cr_expect(bytes(t.mrowner) == Bytes(48, 0x33));
	cr_expect(bytes(t.rtmr[3]) == Bytes(48, 0x53));
	cr_expect(bytes(t.mrseam) == Bytes(48, 0x66));
	cr_expect(bytes(t.cpusvn) == Bytes(16, 0x0c));
}

Test(tdx, report_by_ioctl)
{
	report_fields(false);
}

Test(tdx, report_by_io_uring)
{
	report_fields(true);
}

Test(tdx, report_data_is_bound_unless_raw)
{
	Conn c;
	Bytes data = pattern(64, 9);
	cr_assert_eq(tdreport(c, data, false).res, HSM_TDX_REPORT_SIZE);
	auto t = hsm::tdx::parse_tdreport(c.get(kOut, HSM_TDX_REPORT_SIZE));
	cr_assert(t.has_value());
	cr_expect(bytes(t->report_data) == bound(0, data), "bound to uid 0");
	cr_expect(bytes(must_report(c, data).report_data) == data, "raw");
}

Test(tdx, users_get_bound_reports_and_nothing_raw)
{
	as_user([] {
		Conn c;
		Bytes data = pattern(64, 5);
		bool ok = true;
		Result r = tdreport(c, data, true);
		ok &= r.res == -EPERM && r.resp.status == HSM_STATUS_NOT_PERMITTED;
		r = quote(c, data, true);
		ok &= r.res == -EPERM && r.resp.status == HSM_STATUS_NOT_PERMITTED;
		r = extend(c, 2, pattern(48, 1));
		ok &= r.res == -EPERM && r.resp.status == HSM_STATUS_NOT_PERMITTED;
		r = sim_setup(c, identity());
		ok &= r.res == -EPERM && r.resp.status == HSM_STATUS_NOT_PERMITTED;
		r = tdreport(c, data, false);
		ok &= r.res == HSM_TDX_REPORT_SIZE;
		auto t = hsm::tdx::parse_tdreport(c.get(kOut, HSM_TDX_REPORT_SIZE));
		ok &= t.has_value() && bytes(t->report_data) == bound(65534, data);
		r = quote(c, data, false);
		ok &= r.res > 0;
		auto q = hsm::tdx::parse_quote(c.get(kOut, r.res > 0 ? r.res : 0));
		ok &= q.has_value() && bytes(q->body.report_data) == bound(65534, data);
		return ok;
	});
}

Test(tdx, short_buffers_are_eoverflow)
{
	Conn c;
	Result r = tdreport(c, pattern(64, 1), true, HSM_TDX_REPORT_SIZE - 1);
	expect_refused(r, EOVERFLOW, HSM_STATUS_BUFFER_TOO_SMALL, "short TDREPORT");

	memset(c.at(kOut), 0xcc, 4096);
	r = quote(c, pattern(64, 1), true, 4, 100);
	expect_refused(r, EOVERFLOW, HSM_STATUS_BUFFER_TOO_SMALL, "short quote");
	cr_expect_gt(r.resp.value, 1000, "the length needed: %llu", (unsigned long long)r.resp.value);
	cr_expect(c.get(kOut, 4096) == Bytes(4096, 0xcc), "nothing written");
	Result ok = quote(c, pattern(64, 1), true, 4, r.resp.value);
	cr_expect_eq(ok.res, static_cast<long>(r.resp.value), "exactly that is enough: %ld", ok.res);
}

// A quote's body carries the TDREPORT's fields; its signatures verify and
// its QE report binds the attestation key.
static void check_quote(uint32_t version, uint32_t report_version, hsm::tdx::BodyType type)
{
	Conn c;
	cr_assert_eq(sim_setup(c, identity(report_version)).res, 0);
	Bytes data = pattern(64, 0x40);
	hsm::tdx::TdReport t = must_report(c, data);
	auto [raw, q] = must_quote(c, data, version);

	cr_expect_eq(q.header.version, version ? version : 4);
	cr_expect_eq(q.header.att_key_type, hsm::tdx::att_key_ecdsa_p256);
	cr_expect_eq(q.header.tee_type, hsm::tdx::tee_type_tdx);
	cr_expect(q.header.qe_vendor_id == hsm::tdx::intel_qe_vendor_id);
	cr_expect_eq(q.header.qe_svn, 4);
	cr_expect_eq(q.header.pce_svn, 13);
	cr_expect_eq(q.body_type, type);

	const hsm::tdx::TdBody &b = q.body;
	cr_expect(b.tee_tcb_svn == t.tee_tcb_svn);
	cr_expect(b.mrseam == t.mrseam);
	cr_expect(b.mrsignerseam == t.mrsignerseam);
	cr_expect_eq(b.seam_attributes, t.seam_attributes);
	cr_expect_eq(b.td_attributes, t.td_attributes);
	cr_expect_eq(b.xfam, t.xfam);
	cr_expect(b.mrtd == t.mrtd);
	cr_expect(b.mrconfigid == t.mrconfigid);
	cr_expect(b.mrowner == t.mrowner);
	cr_expect(b.mrownerconfig == t.mrownerconfig);
	cr_expect(b.rtmr == t.rtmr);
	cr_expect(bytes(b.report_data) == data);
	if (type == hsm::tdx::BodyType::kTd15) {
		cr_expect(b.has_td15);
		cr_expect_eq(b.tee_tcb_svn2[0], 7);
		cr_expect(b.mrservicetd == t.servtd_hash);
	}

	std::span<const uint8_t> all(raw);
	cr_expect(verifies(q.attestation_key, all.first(q.signed_size), q.signature),
		  "the attestation key signs header || body");
	cr_expect(verifies(pck_public(), all.subspan(q.qe_report_offset, hsm::tdx::qe_report_size),
			   q.qe_report_signature),
		  "the PCK signs the QE report");
	Bytes bind = bytes(q.attestation_key);
	bind.insert(bind.end(), q.qe_auth_data.begin(), q.qe_auth_data.end());
	Bytes rd = sha256(bind);
	rd.resize(64, 0);
	cr_expect(bytes(q.qe_report.report_data) == rd, "the QE report binds the attestation key");
	cr_expect_eq(q.qe_auth_data.size(), 32u);
	cr_expect_eq(q.qe_report.isvprodid, 2);
	cr_expect_eq(q.qe_report.isvsvn, 4);
	cr_expect(bytes(q.qe_report.mrsigner) == Bytes(32, 0x88));
	cr_expect(bytes(q.qe_report.mrenclave) == Bytes(32, 0x77));
	cr_expect_eq(q.pck_chain.size(), 1u);
}

Test(tdx, quote_v4)
{
	check_quote(4, 1, hsm::tdx::BodyType::kTd10);
}

Test(tdx, quote_default_is_v4)
{
	check_quote(0, 1, hsm::tdx::BodyType::kTd10);
}

Test(tdx, quote_v5_of_a_tdx15_report)
{
	check_quote(5, 1, hsm::tdx::BodyType::kTd15);
}

Test(tdx, quote_v5_of_a_tdx10_report)
{
	check_quote(5, 0, hsm::tdx::BodyType::kTd10);
}

Test(tdx, quote_by_ioctl)
{
	Conn c(1 << 20, false);
	Bytes data = pattern(64, 0x41);
	auto [raw, q] = must_quote(c, data, 5);
	cr_expect(bytes(q.body.report_data) == data);
}

Test(tdx, rtmr_extend_is_sha384_of_old_and_data)
{
	Conn c;
	Bytes data = pattern(48, 0x21);
	hsm::tdx::TdReport before = must_report(c, pattern(64, 0));
	cr_assert_eq(extend(c, 2, data).res, 0);
	hsm::tdx::TdReport after = must_report(c, pattern(64, 0));
	Bytes m = bytes(before.rtmr[2]);
	m.insert(m.end(), data.begin(), data.end());
	Bytes want(48);
	SHA384(m.data(), m.size(), want.data());
	cr_expect(bytes(after.rtmr[2]) == want);
	for (unsigned i : {0u, 1u, 3u})
		cr_expect(after.rtmr[i] == before.rtmr[i], "RTMR%u unchanged", i);
	auto [raw, q] = must_quote(c, pattern(64, 0), 4);
	cr_expect(bytes(q.body.rtmr[2]) == want, "the quote carries it");
}

Test(tdx, quoting_service_error_is_eio_once)
{
	Conn c;
	hsm_tdx_sim_params p = identity();
	p.flags |= HSM_TDX_SIM_F_QGS_ERROR_NEXT;
	cr_assert_eq(sim_setup(c, p).res, 0);
	expect_refused(quote(c, pattern(64, 2), true), EIO, HSM_STATUS_INTERNAL, "QGS error");
	must_quote(c, pattern(64, 2), 4);
}

Test(tdx, bad_mac_is_refused_by_the_quoting_enclave)
{
	Conn c;
	hsm_tdx_sim_params p = identity();
	p.flags |= HSM_TDX_SIM_F_CORRUPT_MAC_NEXT;
	cr_assert_eq(sim_setup(c, p).res, 0);
	expect_refused(quote(c, pattern(64, 2), true), EIO, HSM_STATUS_INTERNAL, "bad MAC");
	must_quote(c, pattern(64, 2), 5);
}

Test(tdx, bad_params_are_einval)
{
	Conn c;
	auto op_of = [&](auto p) {
		hsm_op op{};
		op.resp_off = Conn::kResp;
		op.params = c.put_struct(kP, p);
		op.out = {kOut, HSM_TDX_QUOTE_MAX};
		return op;
	};
	hsm_tdx_report_params rp{};
	rp.flags = 2;
	expect_refused(c.run(HSM_IOC_TDX_REPORT, op_of(rp)), EINVAL,
		       HSM_STATUS_INVALID_ARGUMENT, "report flag");
	rp = {};
	rp.reserved0 = 1;
	expect_refused(c.run(HSM_IOC_TDX_REPORT, op_of(rp)), EINVAL,
		       HSM_STATUS_INVALID_ARGUMENT, "report reserved0");
	rp = {};
	rp.reserved[2] = 1;
	expect_refused(c.run(HSM_IOC_TDX_REPORT, op_of(rp)), EINVAL,
		       HSM_STATUS_INVALID_ARGUMENT, "report reserved");

	hsm_tdx_quote_params qp{};
	qp.version = 3;
	expect_refused(c.run(HSM_IOC_TDX_QUOTE, op_of(qp)), EINVAL, HSM_STATUS_INVALID_ARGUMENT,
		       "quote version 3");
	qp = {};
	qp.flags = 1u << 5;
	expect_refused(c.run(HSM_IOC_TDX_QUOTE, op_of(qp)), EINVAL, HSM_STATUS_INVALID_ARGUMENT,
		       "quote flag");
	qp = {};
	qp.reserved[0] = 1;
	expect_refused(c.run(HSM_IOC_TDX_QUOTE, op_of(qp)), EINVAL, HSM_STATUS_INVALID_ARGUMENT,
		       "quote reserved");

	expect_refused(extend(c, 4, pattern(48, 1)), EINVAL, HSM_STATUS_INVALID_ARGUMENT,
		       "RTMR 4");
	hsm_tdx_rtmr_params xp{};
	xp.flags = 1;
	hsm_op op = op_of(xp);
	op.out = {};
	expect_refused(c.run(HSM_IOC_TDX_EXTEND_RTMR, op), EINVAL, HSM_STATUS_INVALID_ARGUMENT,
		       "RTMR flags");

	hsm_tdx_sim_params sp = identity();
	sp.report_version = 2;
	expect_refused(sim_setup(c, sp), EINVAL, HSM_STATUS_INVALID_ARGUMENT, "TDX 2.0");
	sp = identity();
	memset(sp.pck_priv, 0, sizeof(sp.pck_priv));
	expect_refused(sim_setup(c, sp), EINVAL, HSM_STATUS_INVALID_ARGUMENT, "PCK zero");
	sp = identity();
	sp.flags = 0;
	expect_refused(sim_setup(c, sp), EINVAL, HSM_STATUS_INVALID_ARGUMENT,
		       "a PCK without its flag");
	sp = identity();
	sp.flags |= 1u << 7;
	expect_refused(sim_setup(c, sp), EINVAL, HSM_STATUS_INVALID_ARGUMENT, "sim flag");
	sp = identity();
	sp.reserved[3] = 1;
	expect_refused(sim_setup(c, sp), EINVAL, HSM_STATUS_INVALID_ARGUMENT, "sim reserved");
	expect_refused(sim_setup(c, identity(), std::string(HSM_TDX_CERTS_MAX + 1, 'A')), EINVAL,
		       HSM_STATUS_INVALID_ARGUMENT, "chain too long");
	// Whatever was refused, the simulator still answers as set up.
	must_quote(c, pattern(64, 1), 5);
}
