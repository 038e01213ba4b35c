// SPDX-License-Identifier: MIT
//
// Making key objects: generated in the module (C_GenerateKey,
// C_GenerateKeyPair), imported (C_CreateObject), copied.  A private key is
// always sensitive and never extractable: its material is born in the
// module's worker and never leaves it.
#include <cstring>
#include <openssl/x509.h>

#include "attr_rules.hpp"
#include "keys.hpp"
#include "mech.hpp"
#include "pubkey.hpp"
#include "secret.hpp"
#include "vendor.hpp"

using namespace p11;

namespace p11 {

CK_OBJECT_CLASS Object::cls() const
{
	CK_ULONG v = CK_UNAVAILABLE_INFORMATION;
	attrs.ulong(CKA_CLASS, v);
	return v;
}

CK_KEY_TYPE Object::key_type() const
{
	CK_ULONG v = CK_UNAVAILABLE_INFORMATION;
	attrs.ulong(CKA_KEY_TYPE, v);
	return v;
}

} // namespace p11

namespace {

CK_RV import_secret(State &s, const Attrs &t, Object &o)
{
	CK_ULONG kt = CK_UNAVAILABLE_INFORMATION, len = 0;
	if (!t.ulong(CKA_KEY_TYPE, kt))
		return CKR_TEMPLATE_INCOMPLETE;
	CK_RV rv = secret_len(t, len);
	if (rv != CKR_OK)
		return rv;
	if (secret_alg(kt, len).empty())
		return kt == CKK_AES || kt == CKK_GENERIC_SECRET ? CKR_ATTRIBUTE_VALUE_INVALID
								  : CKR_KEY_TYPE_INCONSISTENT;
	if ((rv = set_secret_attrs(o.attrs, t, kt, len, false, 0)) != CKR_OK)
		return rv;
	const Bytes &value = *t.get(CKA_VALUE);
	return make_secret_keys<hsm::ImportKeyParams>(o, [&](auto &p, hsm::CryptoResourceGuard &out) {
		p.set_material(value);
		auto g = s.stack.keys().import_key(p);
		if (!g)
			return rv_of(g.error());
		out = std::move(*g);
		return CKR_OK;
	});
}

CK_RV import_public(const Attrs &t, Object &o)
{
	CK_ULONG kt = CK_UNAVAILABLE_INFORMATION;
	if (!t.ulong(CKA_KEY_TYPE, kt))
		return CKR_TEMPLATE_INCOMPLETE;
	Bytes spki;
	CK_RV rv = spki_of(t, kt, spki);
	if (rv != CKR_OK)
		return rv;
	set_common(o.attrs, t, CKO_PUBLIC_KEY);
	set_key_common(o.attrs, t, kt, false, 0);
	for (CK_ATTRIBUTE_TYPE u : {CKA_VERIFY, CKA_ENCRYPT})
		set_flag_from(o.attrs, t, u, true);
	for (CK_ATTRIBUTE_TYPE u : {CKA_WRAP, CKA_TRUSTED, CKA_VERIFY_RECOVER})
		set_flag_from(o.attrs, t, u, false);
	const Bytes *subject = t.get(CKA_SUBJECT);
	o.attrs.set(CKA_SUBJECT, subject ? *subject : Bytes{});
	if (const Bytes *params = t.get(CKA_EC_PARAMS))
		o.attrs.set(CKA_EC_PARAMS, *params);
	return set_public(o.attrs, kt, spki);
}

// A certificate's subject, issuer and serial, when the template has not
// given them: TLS servers and ssh look certificates up by them.
CK_RV import_certificate(const Attrs &t, Object &o)
{
	CK_ULONG ct = CKC_X_509;
	const Bytes *value = t.get(CKA_VALUE);
	if (t.ulong(CKA_CERTIFICATE_TYPE, ct) && ct != CKC_X_509)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (!value)
		return CKR_TEMPLATE_INCOMPLETE;
	const unsigned char *p = value->data();
	X509 *x = d2i_X509(nullptr, &p, long(value->size()));
	if (!x)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	auto der = [](auto *obj, auto i2d) {
		unsigned char *out = nullptr;
		int n = i2d(obj, &out);
		Bytes b(out, out + std::max(n, 0));
		OPENSSL_free(out);
		return b;
	};
	set_common(o.attrs, t, CKO_CERTIFICATE);
	o.attrs.set_ulong(CKA_CERTIFICATE_TYPE, CKC_X_509);
	for (const auto &[type, v] : t.all())
		o.attrs.set(type, v);
	if (!t.has(CKA_SUBJECT))
		o.attrs.set(CKA_SUBJECT, der(X509_get_subject_name(x), i2d_X509_NAME));
	if (!t.has(CKA_ISSUER))
		o.attrs.set(CKA_ISSUER, der(X509_get_issuer_name(x), i2d_X509_NAME));
	if (!t.has(CKA_SERIAL_NUMBER))
		o.attrs.set(CKA_SERIAL_NUMBER, der(X509_get_serialNumber(x), i2d_ASN1_INTEGER));
	for (CK_ATTRIBUTE_TYPE a : {CKA_ID, CKA_START_DATE, CKA_END_DATE})
		if (!t.has(a))
			o.attrs.set(a, Bytes{});
	set_flag_from(o.attrs, t, CKA_TRUSTED, false);
	X509_free(x);
	return CKR_OK;
}

// CKO_DATA: an application's bytes, kept as given.
CK_RV import_data(const Attrs &t, Object &o)
{
	set_common(o.attrs, t, CKO_DATA);
	for (CK_ATTRIBUTE_TYPE a : {CKA_APPLICATION, CKA_OBJECT_ID, CKA_VALUE})
		o.attrs.set(a, t.get(a) ? *t.get(a) : Bytes{});
	return CKR_OK;
}

} // namespace

namespace p11 {

CK_RV create_object(State &s, const Attrs &t, Object &o)
{
	CK_ULONG cls = CK_UNAVAILABLE_INFORMATION;
	if (!t.ulong(CKA_CLASS, cls))
		return CKR_TEMPLATE_INCOMPLETE;
	switch (cls) {
	case CKO_SECRET_KEY: return import_secret(s, t, o);
	case CKO_PUBLIC_KEY: return import_public(t, o);
	case CKO_CERTIFICATE: return import_certificate(t, o);
	case CKO_DATA: return import_data(t, o);
	// A private key is made in the module's worker, never brought in.
	case CKO_PRIVATE_KEY: return CKR_TEMPLATE_INCONSISTENT;
	default: return CKR_ATTRIBUTE_VALUE_INVALID;
	}
}

CK_RV copy_object(State &s, Object &src, const Attrs &t, Object &o)
{
	for (const auto &[type, value] : t.all())
		if (type != CKA_TOKEN && type != CKA_PRIVATE && !is_modifiable(src, type, value))
			return CKR_ATTRIBUTE_READ_ONLY;
	// The original's keys for every algorithm it may serve, opened or (for
	// a key whose keys are made on use) made now, so that the copy and the
	// original stay one key.
	CK_ULONG len = 0;
	src.attrs.ulong(CKA_VALUE_LEN, len);
	auto algs = src.cls() == CKO_SECRET_KEY ? usable_algs(src.attrs, src.key_type(), len)
						: std::vector<std::string>{primary_alg(src.attrs)};
	for (const auto &alg : algs) {
		hsm::CryptoResourceId id;
		if (!alg.empty())
			(void)s.store.key_for(src, alg, id);
	}
	std::lock_guard l(src.lock);
	o.attrs = src.attrs;
	for (const auto &[type, value] : t.all())
		o.attrs.set(type, value);
	o.attrs.set_flag(CKA_TOKEN, o.token());
	o.origin = src.origin == Origin::kFresh ? Origin::kFixed : src.origin;
	if (src.origin != Origin::kNone)
		set_primary(o.attrs, o.origin, primary_alg(src.attrs));
	for (const auto &[alg, ref] : src.keys)
		o.keys[alg] = ref;
	return CKR_OK;
}

} // namespace p11

namespace {

CK_RV generate_secret(State &s, CK_MECHANISM_TYPE mech, const Attrs &t, Object &o)
{
	CK_ULONG kt = mech == CKM_AES_KEY_GEN ? CKK_AES : CKK_GENERIC_SECRET, given = kt, len = 0;
	if (t.ulong(CKA_KEY_TYPE, given) && given != kt &&
	    !(mech == CKM_GENERIC_SECRET_KEY_GEN && given >= CKK_SHA256_HMAC && given <= CKK_SHA512_HMAC))
		return CKR_TEMPLATE_INCONSISTENT;
	kt = given;
	if (t.has(CKA_VALUE))
		return CKR_TEMPLATE_INCONSISTENT;
	CK_RV rv = secret_len(t, len);
	if (rv != CKR_OK)
		return rv;
	if (secret_alg(kt, len).empty())
		return CKR_KEY_SIZE_RANGE;
	if ((rv = set_secret_attrs(o.attrs, t, kt, len, true, mech)) != CKR_OK)
		return rv;
	// The first key is made now, so that a key the module cannot make
	// fails here rather than at first use.
	auto algs = usable_algs(o.attrs, kt, len);
	std::string alg = algs.empty() ? secret_alg(kt, len) : algs.front();
	o.origin = o.attrs.flag(CKA_EXTRACTABLE) ? Origin::kCopied : Origin::kFresh;
	set_primary(o.attrs, o.origin, alg);
	hsm::GenerateKeyParams p;
	p.set_algorithm(hsm::AlgorithmId(alg))
		.set_permissions(module_perms(o.attrs, alg))
		.set_exportable(o.attrs.flag(CKA_EXTRACTABLE));
	if (alg.starts_with("hmac-"))
		p.set_key_length(std::uint32_t(len));
	auto g = s.stack.keys().generate_key(p);
	if (!g)
		return rv_of(g.error());
	hold(o, alg, std::move(*g));
	return CKR_OK;
}

} // namespace

extern "C" {

CK_RV C_GenerateKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t, CK_ULONG n,
		    CK_OBJECT_HANDLE_PTR out)
{
	std::shared_ptr<Session> ss;
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	if (!m || !out)
		return CKR_ARGUMENTS_BAD;
	if (m->mechanism != CKM_AES_KEY_GEN && m->mechanism != CKM_GENERIC_SECRET_KEY_GEN)
		return CKR_MECHANISM_INVALID;
	Attrs tmpl;
	if ((rv = Attrs::from(t, n, tmpl)) != CKR_OK || (rv = check_caller_template(tmpl)) != CKR_OK)
		return rv;
	CK_ULONG cls = CKO_SECRET_KEY;
	if (tmpl.ulong(CKA_CLASS, cls) && cls != CKO_SECRET_KEY)
		return CKR_TEMPLATE_INCONSISTENT;
	auto o = std::make_shared<Object>();
	o->session = tmpl.flag(CKA_TOKEN) ? 0 : h;
	if (o->token() && !(ss->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if ((rv = generate_secret(*state(), m->mechanism, tmpl, *o)) != CKR_OK ||
	    (rv = state()->store.add(o)) != CKR_OK)
		return rv;
	*out = o->handle;
	return CKR_OK;
}

} // extern "C"
