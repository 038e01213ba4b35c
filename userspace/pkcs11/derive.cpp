// SPDX-License-Identifier: MIT
//
// C_DeriveKey, in the module and never in this process: CKM_ECDH1_DERIVE
// (no KDF), whose new secret key is the whole shared secret, and
// CKM_HKDF_DERIVE (RFC 5869, extract then expand) from a generic secret.
// What comes from a sensitive key stays sensitive: the module refuses an
// extractable key derived or agreed from one, and so does this token.
#include "attr_rules.hpp"
#include "mech.hpp"
#include "pubkey.hpp"
#include "secret.hpp"
#include "vendor.hpp"

using namespace p11;

namespace {

// The peer's point as the module takes it (x || y), from an uncompressed
// point given bare or as a DER OCTET STRING.
CK_RV peer_point(const CK_MECHANISM &m, std::size_t n, Bytes &xy)
{
	if (!m.pParameter || m.ulParameterLen != sizeof(CK_ECDH1_DERIVE_PARAMS))
		return CKR_MECHANISM_PARAM_INVALID;
	auto *p = static_cast<const CK_ECDH1_DERIVE_PARAMS *>(m.pParameter);
	if (p->kdf != CKD_NULL || p->ulSharedDataLen || !p->pPublicData)
		return CKR_MECHANISM_PARAM_INVALID;
	Bytes v(p->pPublicData, p->pPublicData + p->ulPublicDataLen);
	if (v.size() == 2 * n + 3 && v[0] == 0x04 && v[1] == 2 * n + 1)
		v.erase(v.begin(), v.begin() + 2);
	if (v.size() != 2 * n + 1 || v[0] != 0x04)
		return CKR_MECHANISM_PARAM_INVALID;
	xy.assign(v.begin() + 1, v.end());
	return CKR_OK;
}

// HKDF's parameters as the module takes them: extract then expand (the
// module has no other mode), a SHA-2 PRF, the salt given or none (RFC
// 5869's zeros); a salt from a key is not offered.
CK_RV hkdf_params(const CK_MECHANISM &m, hsm::KdfParameters &k)
{
	if (!m.pParameter || m.ulParameterLen != sizeof(CK_HKDF_PARAMS))
		return CKR_MECHANISM_PARAM_INVALID;
	auto *p = static_cast<const CK_HKDF_PARAMS *>(m.pParameter);
	const char *kdf = p->prfHashMechanism == CKM_SHA256   ? "hkdf-sha-256"
			: p->prfHashMechanism == CKM_SHA384 ? "hkdf-sha-384"
			: p->prfHashMechanism == CKM_SHA512 ? "hkdf-sha-512"
							    : nullptr;
	bool salt = p->ulSaltType == CKF_HKDF_SALT_DATA && (p->pSalt || !p->ulSaltLen);
	bool no_salt = p->ulSaltType == CKF_HKDF_SALT_NULL && !p->ulSaltLen;
	if (!p->bExtract || !p->bExpand || !kdf || !(salt || no_salt) || (!p->pInfo && p->ulInfoLen) ||
	    p->ulSaltLen > HSM_KDF_INPUT_MAX || p->ulInfoLen > HSM_KDF_INPUT_MAX)
		return CKR_MECHANISM_PARAM_INVALID;
	k.set_kdf(hsm::AlgorithmId(kdf));
	if (salt)
		k.set_salt({p->pSalt, p->ulSaltLen});
	if (p->ulInfoLen)
		k.set_info({p->pInfo, p->ulInfoLen});
	return CKR_OK;
}

// The base key of a derivation by `mech`: an ECDH private key, or a
// generic secret for HKDF, permitted to derive.
CK_RV base_key(CK_OBJECT_HANDLE kh, CK_MECHANISM_TYPE mech, std::shared_ptr<Object> &b)
{
	b = state()->store.get(kh);
	if (!b)
		return CKR_KEY_HANDLE_INVALID;
	CK_OBJECT_CLASS want = mech == CKM_ECDH1_DERIVE ? CKO_PRIVATE_KEY : CKO_SECRET_KEY;
	if (b->cls() != want || module_alg(*b, mech).empty())
		return CKR_KEY_TYPE_INCONSISTENT;
	return b->attrs.flag(CKA_DERIVE) ? CKR_OK : CKR_KEY_FUNCTION_NOT_PERMITTED;
}

// The new key's attributes: a secret key of the shared secret's length
// (`fixed`), or of the template's CKA_VALUE_LEN (HKDF: fixed is 0), as
// sensitive as its base.
CK_RV derived_attrs(const Attrs &t, const Object &base, std::size_t fixed, Attrs &a)
{
	CK_ULONG cls = CKO_SECRET_KEY, kt = CK_UNAVAILABLE_INFORMATION, given = 0;
	bool has_len = t.ulong(CKA_VALUE_LEN, given);
	if ((t.ulong(CKA_CLASS, cls) && cls != CKO_SECRET_KEY) || t.has(CKA_VALUE))
		return CKR_TEMPLATE_INCONSISTENT;
	if (!t.ulong(CKA_KEY_TYPE, kt) || (!fixed && !has_len))
		return CKR_TEMPLATE_INCOMPLETE;
	std::size_t n = fixed ? fixed : given;
	if ((has_len && given != n) || secret_alg(kt, n).empty() ||
	    (t.flag(CKA_EXTRACTABLE) && !base.attrs.flag(CKA_EXTRACTABLE)))
		return CKR_TEMPLATE_INCONSISTENT;
	Attrs tmpl = t;
	tmpl.erase(CKA_VALUE_LEN);
	CK_RV rv = set_secret_attrs(a, tmpl, kt, n, false, 0);
	if (rv != CKR_OK)
		return rv;
	a.set_flag(CKA_ALWAYS_SENSITIVE, a.flag(CKA_SENSITIVE) && base.attrs.flag(CKA_ALWAYS_SENSITIVE));
	a.set_flag(CKA_NEVER_EXTRACTABLE, !a.flag(CKA_EXTRACTABLE) && base.attrs.flag(CKA_NEVER_EXTRACTABLE));
	return CKR_OK;
}

// The new key, each of its module keys agreed anew.
CK_RV agree_into(State &s, Object &base, const Bytes &peer, Object &o)
{
	hsm::CryptoResourceId bid;
	CK_RV rv = s.store.key_for(base, module_alg(base, CKM_ECDH1_DERIVE), bid);
	if (rv != CKR_OK)
		return rv;
	return make_secret_keys<hsm::AgreeKeyParams>(o, [&](auto &p, hsm::CryptoResourceGuard &out) {
		p.set_private_key(bid).set_peer_public_key(peer);
		auto g = s.stack.keys().agree_key(p);
		if (!g)
			return g.error().status == hsm::Status::kInvalidArgument ? CKR_MECHANISM_PARAM_INVALID
										 : rv_of(g.error());
		out = std::move(*g);
		return CKR_OK;
	});
}

// The new key, each of its module keys derived anew with the same
// parameters (the module's HKDF does not mix in the algorithm, so each is
// the same key).
CK_RV hkdf_into(State &s, Object &base, const hsm::KdfParameters &k, Object &o)
{
	hsm::CryptoResourceId bid;
	CK_RV rv = s.store.key_for(base, module_alg(base, CKM_HKDF_DERIVE), bid);
	if (rv != CKR_OK)
		return rv;
	return make_secret_keys<hsm::DeriveKeyParams>(o, [&](auto &p, hsm::CryptoResourceGuard &out) {
		p.set_base_key(bid).set_kdf(k);
		auto g = s.stack.keys().derive_key(p);
		if (!g)
			return rv_of(g.error());
		out = std::move(*g);
		return CKR_OK;
	});
}

} // namespace

extern "C" {

CK_RV C_DeriveKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE bh, CK_ATTRIBUTE_PTR t,
		  CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	std::shared_ptr<Session> ss;
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	if (!m || !out)
		return CKR_ARGUMENTS_BAD;
	bool ecdh = m->mechanism == CKM_ECDH1_DERIVE;
	if (!ecdh && m->mechanism != CKM_HKDF_DERIVE)
		return CKR_MECHANISM_INVALID;
	std::shared_ptr<Object> base;
	if ((rv = base_key(bh, m->mechanism, base)) != CKR_OK)
		return rv;
	std::size_t len = ecdh ? public_size(*base) : 0;
	Bytes peer;
	hsm::KdfParameters kdf;
	Attrs tmpl;
	if ((rv = ecdh ? peer_point(*m, len, peer) : hkdf_params(*m, kdf)) != CKR_OK ||
	    (rv = Attrs::from(t, n, tmpl)) != CKR_OK || (rv = check_caller_template(tmpl)) != CKR_OK)
		return rv;
	auto o = std::make_shared<Object>();
	o->session = tmpl.flag(CKA_TOKEN) ? 0 : h;
	if (o->token() && !(ss->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if ((rv = derived_attrs(tmpl, *base, len, o->attrs)) != CKR_OK ||
	    (rv = ecdh ? agree_into(*state(), *base, peer, *o) : hkdf_into(*state(), *base, kdf, *o)) != CKR_OK ||
	    (rv = state()->store.add(o)) != CKR_OK)
		return rv;
	*out = o->handle;
	return CKR_OK;
}

} // extern "C"
