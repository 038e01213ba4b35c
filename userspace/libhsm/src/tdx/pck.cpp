// SPDX-License-Identifier: MIT
// Intel's certificates as the TDX verifier reads them: the PCK
// certificate's SGX extension (FMSPC, PCEID, TCB), and the verification
// of a chain (PCK, or TCB signing) to a trusted root with Intel's CRLs.
#include <algorithm>
#include <charconv>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "chain.hpp"
#include "util.hpp"

namespace hsm::tdx {

namespace {

// One DER element: its tag and contents.
struct Tlv {
	int tag = 0;
	int cls = 0;
	std::span<const std::uint8_t> body;
};

// The elements of a constructed DER value's contents, in order; throws
// nothing, returns false on anything malformed.
bool elements(std::span<const std::uint8_t> in, std::vector<Tlv> &out)
{
	const unsigned char *p = in.data();
	const unsigned char *end = in.data() + in.size();
	while (p < end) {
		long len = 0;
		int tag = 0, cls = 0;
		int r = ASN1_get_object(&p, &len, &tag, &cls, end - p);
		if (r & 0x80 || r == 0x21 /* indefinite */ || len < 0 || len > end - p)
			return false;
		out.push_back({tag, cls, {p, static_cast<std::size_t>(len)}});
		p += len;
	}
	return true;
}

// The single element a span holds.
bool one(std::span<const std::uint8_t> in, Tlv &out)
{
	std::vector<Tlv> v;
	if (!elements(in, v) || v.size() != 1)
		return false;
	out = v[0];
	return true;
}

// An OID's dotted text.
std::string oid_text(std::span<const std::uint8_t> body)
{
	std::vector<std::uint8_t> der{V_ASN1_OBJECT, static_cast<std::uint8_t>(body.size())};
	if (body.size() > 127)
		return {};
	der.insert(der.end(), body.begin(), body.end());
	const unsigned char *p = der.data();
	ASN1_OBJECT *o = d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(der.size()));
	if (!o)
		return {};
	char buf[128];
	int n = OBJ_obj2txt(buf, sizeof(buf), o, 1);
	ASN1_OBJECT_free(o);
	return n > 0 && n < static_cast<int>(sizeof(buf)) ? buf : "";
}

// A small non-negative INTEGER.
bool small_int(const Tlv &t, unsigned max, unsigned &out)
{
	if ((t.tag != V_ASN1_INTEGER && t.tag != V_ASN1_ENUMERATED) || t.body.empty() ||
	    t.body.size() > 3 || (t.body[0] & 0x80))
		return false;
	unsigned v = 0;
	for (auto c : t.body)
		v = v << 8 | c;
	if (v > max)
		return false;
	out = v;
	return true;
}

template <std::size_t N>
bool octets(const Tlv &t, std::array<std::uint8_t, N> &out)
{
	if (t.tag != V_ASN1_OCTET_STRING || t.body.size() != N)
		return false;
	std::copy(t.body.begin(), t.body.end(), out.begin());
	return true;
}

constexpr const char *sgx_ext = "1.2.840.113741.1.13.1";

// The TCB entry: { tcb-1 .. tcb-16, pcesvn, cpusvn }, each an
// { OID, value } pair.
bool read_tcb(std::span<const std::uint8_t> seq, PckExtensions &e, unsigned &seen)
{
	std::vector<Tlv> items;
	if (!elements(seq, items))
		return false;
	const std::string prefix = std::string(sgx_ext) + ".2.";
	for (const auto &it : items) {
		std::vector<Tlv> kv;
		if (it.tag != V_ASN1_SEQUENCE || !elements(it.body, kv) || kv.size() != 2 ||
		    kv[0].tag != V_ASN1_OBJECT)
			return false;
		std::string oid = oid_text(kv[0].body);
		if (!oid.starts_with(prefix))
			continue;
		unsigned n = 0;
		auto idx = oid.substr(prefix.size());
		if (idx == "17") {
			if (!small_int(kv[1], 0xffff, n))
				return false;
			e.pcesvn = static_cast<std::uint16_t>(n);
			seen |= 1u << 16;
		} else if (idx == "18") {
			if (!octets(kv[1], e.cpusvn))
				return false;
			seen |= 1u << 17;
		} else {
			unsigned i = 0;
			auto [p, ec] = std::from_chars(idx.data(), idx.data() + idx.size(), i);
			if (ec != std::errc() || p != idx.data() + idx.size() || i < 1 || i > 16 ||
			    !small_int(kv[1], 255, n))
				return false;
			e.sgx_components[i - 1] = static_cast<std::uint8_t>(n);
			seen |= 1u << (i - 1);
		}
	}
	return true;
}

} // namespace

Result<PckExtensions> pck_extensions(std::span<const std::uint8_t> der)
{
	detail::ErrorMark mark;
	auto x = detail::x509_from_der(der);
	if (!x)
		return fail(Status::kInvalidArgument, EINVAL, "the PCK certificate does not parse");
	ASN1_OBJECT *obj = OBJ_txt2obj(sgx_ext, 1);
	int i = obj ? X509_get_ext_by_OBJ(x.get(), obj, -1) : -1;
	ASN1_OBJECT_free(obj);
	if (i < 0)
		return fail(Status::kInvalidArgument, EINVAL,
			    "the PCK certificate has no SGX extension (1.2.840.113741.1.13.1)");
	const ASN1_OCTET_STRING *d = X509_EXTENSION_get_data(X509_get_ext(x.get(), i));
	std::span<const std::uint8_t> value(ASN1_STRING_get0_data(d),
					    static_cast<std::size_t>(ASN1_STRING_length(d)));
	Tlv top;
	std::vector<Tlv> entries;
	if (!one(value, top) || top.tag != V_ASN1_SEQUENCE || !elements(top.body, entries))
		return fail(Status::kInvalidArgument, EINVAL, "the SGX extension is not a DER sequence");
	PckExtensions e;
	unsigned tcb_seen = 0;
	bool fmspc = false, pceid = false, tcb = false;
	const std::string prefix = std::string(sgx_ext) + ".";
	for (const auto &en : entries) {
		std::vector<Tlv> kv;
		if (en.tag != V_ASN1_SEQUENCE || !elements(en.body, kv) || kv.size() != 2 ||
		    kv[0].tag != V_ASN1_OBJECT)
			return fail(Status::kInvalidArgument, EINVAL, "an SGX extension entry is malformed");
		std::string oid = oid_text(kv[0].body);
		bool ok = true;
		if (oid == prefix + "1")
			ok = octets(kv[1], e.ppid);
		else if (oid == prefix + "2")
			ok = tcb = kv[1].tag == V_ASN1_SEQUENCE && read_tcb(kv[1].body, e, tcb_seen);
		else if (oid == prefix + "3")
			ok = pceid = octets(kv[1], e.pceid);
		else if (oid == prefix + "4")
			ok = fmspc = octets(kv[1], e.fmspc);
		if (!ok)
			return fail(Status::kInvalidArgument, EINVAL,
				    "the SGX extension's " + oid + " is malformed");
	}
	if (!fmspc || !pceid || !tcb || tcb_seen != 0x3ffff)
		return fail(Status::kInvalidArgument, EINVAL,
			    "the SGX extension lacks its FMSPC, PCEID or a TCB component");
	return e;
}

namespace detail {

Result<std::vector<Anchor>> anchors(const std::vector<std::vector<std::uint8_t>> &extra)
{
	std::vector<Anchor> out;
	auto intel = x509_from_der(intel_root_ca());
	if (!intel)
		return fail(Status::kInternal, EIO, "the compiled-in Intel SGX Root CA does not parse");
	out.push_back({std::move(intel), false});
	for (const auto &bytes : extra) {
		auto certs = load_certs(bytes);
		if (!certs)
			return fail(certs.error().status, certs.error().err,
				    "extra root: " + certs.error().message);
		for (const auto &der : *certs) {
			auto x = x509_from_der(der);
			if (!x)
				return fail(Status::kInvalidArgument, EINVAL, "extra root does not parse");
			out.push_back({std::move(x), true});
		}
	}
	return out;
}

namespace {

Reason reason_of(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_REVOKED:
		return Reason::kRevoked;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return Reason::kCertificateExpired;
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
		return Reason::kCollateralExpired;
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
	case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
	case X509_V_ERR_DIFFERENT_CRL_SCOPE:
	case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
		return Reason::kBadCrl;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return Reason::kUntrustedRoot;
	default:
		return Reason::kBadChain;
	}
}

struct StoreFree {
	void operator()(X509_STORE *s) const noexcept { X509_STORE_free(s); }
};
struct CtxFree {
	void operator()(X509_STORE_CTX *c) const noexcept { X509_STORE_CTX_free(c); }
};
struct StackFree {
	void operator()(STACK_OF(X509) *s) const noexcept { sk_X509_pop_free(s, X509_free); }
};

} // namespace

ChainVerdict verify_chain(const std::vector<std::vector<std::uint8_t>> &chain,
			  std::span<const std::vector<std::uint8_t>> crls,
			  const std::vector<Anchor> &trusted, std::time_t at)
{
	ChainVerdict v;
	if (chain.empty()) {
		v.reason = Reason::kBadChain;
		v.message = "the chain is empty";
		return v;
	}
	auto leaf = x509_from_der(chain.front());
	std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
	std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
	std::unique_ptr<X509_STORE_CTX, CtxFree> ctx(X509_STORE_CTX_new());
	if (!leaf || !store || !untrusted || !ctx) {
		v.reason = Reason::kBadChain;
		v.message = leaf ? "out of memory" : "the leaf certificate does not parse";
		return v;
	}
	for (const auto &a : trusted)
		X509_STORE_add_cert(store.get(), a.cert.get());
	// The chain's own certificates are only candidates: a root it
	// carries counts only if it is one of the trusted ones.
	for (std::size_t i = 1; i < chain.size(); i++) {
		auto x = x509_from_der(chain[i]);
		if (!x) {
			v.reason = Reason::kBadChain;
			v.message = "certificate " + std::to_string(i) + " of the chain does not parse";
			return v;
		}
		sk_X509_push(untrusted.get(), x.release());
	}
	for (std::size_t i = 0; i < crls.size(); i++) {
		auto c = crl_from_der(crls[i]);
		if (!c) {
			v.reason = Reason::kBadCrl;
			v.message = "CRL " + std::to_string(i) + " does not parse";
			return v;
		}
		X509_STORE_add_crl(store.get(), c.get());
	}
	X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted.get()) != 1) {
		v.reason = Reason::kBadChain;
		v.message = "X509_STORE_CTX_init failed";
		return v;
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), at);
	int ok = X509_verify_cert(ctx.get());
	STACK_OF(X509) *built = X509_STORE_CTX_get0_chain(ctx.get());
	if (built && sk_X509_num(built) > 0) {
		X509 *top = sk_X509_value(built, sk_X509_num(built) - 1);
		v.root_name = common_name(X509_get_subject_name(top));
		for (const auto &a : trusted)
			if (X509_cmp(top, a.cert.get()) == 0)
				v.simulated = a.simulated;
	}
	if (ok != 1) {
		int err = X509_STORE_CTX_get_error(ctx.get());
		int depth = X509_STORE_CTX_get_error_depth(ctx.get());
		X509 *at_cert = X509_STORE_CTX_get_current_cert(ctx.get());
		v.reason = reason_of(err);
		v.message = std::string(X509_verify_cert_error_string(err)) + " (depth " +
			    std::to_string(depth) +
			    (at_cert ? ", '" + common_name(X509_get_subject_name(at_cert)) + "'" : "") +
			    ") at " + describe_time(at);
		return v;
	}
	v.ok = true;
	v.message = "'" + common_name(X509_get_subject_name(leaf.get())) + "' chains to '" +
		    v.root_name + "'" + (v.simulated ? " (a SIMULATED root passed explicitly)" : "") +
		    ", no certificate revoked, at " + describe_time(at);
	return v;
}

} // namespace detail

} // namespace hsm::tdx
