// SPDX-License-Identifier: MIT
//
// C_WrapKey and C_UnwrapKey with AES key wrap (RFC 3394), done by the
// module: a wrapped key's material is never in this process.  Only an
// extractable secret key is wrapped; a key unwrapped is never "always
// sensitive" nor "never extractable" (its material has been outside).
#include "attr_rules.hpp"
#include "secret.hpp"
#include "vendor.hpp"

using namespace p11;

namespace {

// The wrapping key of a call: an AES key permitted `use`.
CK_RV wrapping_key(CK_MECHANISM_PTR m, CK_OBJECT_HANDLE kh,
		   CK_ATTRIBUTE_TYPE use, std::shared_ptr<Object> &w, hsm::CryptoResourceId &id)
{
	if (!m)
		return CKR_ARGUMENTS_BAD;
	// RFC 3394's default IV only: the module takes no other.
	if (m->mechanism != CKM_AES_KEY_WRAP)
		return CKR_MECHANISM_INVALID;
	if (m->ulParameterLen)
		return CKR_MECHANISM_PARAM_INVALID;
	w = state()->store.get(kh);
	CK_RV bad_use = use == CKA_WRAP ? CKR_WRAPPING_KEY_HANDLE_INVALID : CKR_UNWRAPPING_KEY_HANDLE_INVALID;
	if (!w)
		return bad_use;
	if (w->cls() != CKO_SECRET_KEY || w->key_type() != CKK_AES)
		return use == CKA_WRAP ? CKR_WRAPPING_KEY_TYPE_INCONSISTENT : CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT;
	if (!w->attrs.flag(use))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	return state()->store.key_for(*w, module_alg(*w, CKM_AES_KEY_WRAP), id);
}

// Whether `k` may leave the token wrapped by `w`.
CK_RV wrappable(const Object &k, const Object &w)
{
	if (k.cls() != CKO_SECRET_KEY || !k.attrs.flag(CKA_EXTRACTABLE))
		return CKR_KEY_UNEXTRACTABLE;
	if (k.attrs.flag(CKA_WRAP_WITH_TRUSTED) && !w.attrs.flag(CKA_TRUSTED))
		return CKR_KEY_NOT_WRAPPABLE;
	CK_ULONG len = 0;
	k.attrs.ulong(CKA_VALUE_LEN, len);
	return len % 8 || len < 16 ? CKR_KEY_SIZE_RANGE : CKR_OK;
}

// The new key of C_UnwrapKey, each of its module keys unwrapped from
// `wrapped`.
CK_RV unwrap_into(State &s, hsm::CryptoResourceId w, std::span<const std::uint8_t> wrapped, Object &o)
{
	return make_secret_keys<hsm::UnwrapKeyParams>(o, [&](auto &p, hsm::CryptoResourceGuard &out) {
		p.set_wrapping_key(w).set_wrapped(wrapped);
		auto g = s.stack.keys().unwrap_key(p);
		if (!g)
			return g.error().status == hsm::Status::kAuthFailed ? CKR_WRAPPED_KEY_INVALID
									    : rv_of(g.error());
		out = std::move(*g);
		return CKR_OK;
	});
}

} // namespace

extern "C" {

CK_RV C_WrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE wh, CK_OBJECT_HANDLE kh,
		CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	std::shared_ptr<Session> ss;
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	if (!out_len)
		return CKR_ARGUMENTS_BAD;
	std::shared_ptr<Object> w, k = state()->store.get(kh);
	hsm::CryptoResourceId wid, kid;
	if ((rv = wrapping_key(m, wh, CKA_WRAP, w, wid)) != CKR_OK)
		return rv;
	if (!k)
		return CKR_KEY_HANDLE_INVALID;
	if ((rv = wrappable(*k, *w)) != CKR_OK)
		return rv;
	CK_ULONG len = 0;
	k->attrs.ulong(CKA_VALUE_LEN, len);
	if (!out || *out_len < len + 8) {
		rv = out ? CKR_BUFFER_TOO_SMALL : CKR_OK;
		*out_len = len + 8;
		return rv;
	}
	if ((rv = state()->store.key_for(*k, primary_alg(k->attrs), kid)) != CKR_OK)
		return rv;
	hsm::WrapKeyParams p;
	p.set_wrapping_key(wid).set_key(kid);
	auto r = state()->stack.keys().wrap_key(p);
	if (!r)
		return r.error().status == hsm::Status::kNotPermitted ? CKR_KEY_UNEXTRACTABLE : rv_of(r.error());
	return give(r->data, out, out_len);
}

CK_RV C_UnwrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE wh, CK_BYTE_PTR in,
		  CK_ULONG in_len, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	std::shared_ptr<Session> ss;
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	if (!out || (!in && in_len))
		return CKR_ARGUMENTS_BAD;
	std::shared_ptr<Object> w;
	hsm::CryptoResourceId wid;
	if ((rv = wrapping_key(m, wh, CKA_UNWRAP, w, wid)) != CKR_OK)
		return rv;
	Attrs tmpl;
	if ((rv = Attrs::from(t, n, tmpl)) != CKR_OK || (rv = check_caller_template(tmpl)) != CKR_OK)
		return rv;
	CK_ULONG cls = CKO_SECRET_KEY, kt = CK_UNAVAILABLE_INFORMATION;
	if ((tmpl.ulong(CKA_CLASS, cls) && cls != CKO_SECRET_KEY) || tmpl.has(CKA_VALUE) ||
	    tmpl.has(CKA_VALUE_LEN))
		return CKR_TEMPLATE_INCONSISTENT;
	if (!tmpl.ulong(CKA_KEY_TYPE, kt))
		return CKR_TEMPLATE_INCOMPLETE;
	if (in_len < 24 || in_len % 8)
		return CKR_WRAPPED_KEY_LEN_RANGE;
	auto o = std::make_shared<Object>();
	o->session = tmpl.flag(CKA_TOKEN) ? 0 : h;
	if (o->token() && !(ss->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (secret_alg(kt, in_len - 8).empty())
		return CKR_TEMPLATE_INCONSISTENT;
	if ((rv = set_secret_attrs(o->attrs, tmpl, kt, in_len - 8, false, 0)) != CKR_OK ||
	    (rv = unwrap_into(*state(), wid, {in, in_len}, *o)) != CKR_OK ||
	    (rv = state()->store.add(o)) != CKR_OK)
		return rv;
	*out = o->handle;
	return CKR_OK;
}

} // extern "C"
