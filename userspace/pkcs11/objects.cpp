// SPDX-License-Identifier: MIT
//
// Object management: creating (imported keys, public keys, certificates,
// data), copying, destroying, searching, and reading and changing
// attributes.  Sensitivity is the module's: a secret or private key's
// material is never in an object's attributes, and the attributes that
// would weaken a key are read-only.
#include <algorithm>
#include <cstring>

#include "attr_rules.hpp"
#include "keys.hpp"
#include "p11.hpp"
#include "vendor.hpp"

using namespace p11;

namespace {

// The value of a secret key's CKA_VALUE, read back from the module for a
// key that is neither sensitive nor unextractable.
CK_RV read_value(State &s, Object &o, Secret &out)
{
	std::string alg = primary_alg(o.attrs);
	hsm::CryptoResourceId id;
	CK_RV rv = s.store.key_for(o, alg, id);
	if (rv != CKR_OK)
		return rv;
	out.resize(kRecordMax);
	auto n = s.stack.keys().export_key(id, out);
	if (!n)
		return rv_of(n.error());
	out.resize(*n);
	return CKR_OK;
}

// One attribute into the caller's template entry; returns its error.
CK_RV get_one(State &s, Object &o, CK_ATTRIBUTE &a)
{
	Secret value;
	const Bytes *v = o.attrs.get(a.type);
	if (is_secret_attr(o, a.type)) {
		if (o.attrs.flag(CKA_SENSITIVE, true) || !o.attrs.flag(CKA_EXTRACTABLE) ||
		    o.cls() != CKO_SECRET_KEY || a.type != CKA_VALUE) {
			a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
			return CKR_ATTRIBUTE_SENSITIVE;
		}
		CK_RV rv = read_value(s, o, value);
		if (rv != CKR_OK) {
			a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
			return rv;
		}
	} else if (!v || is_vendor(a.type)) {
		a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_ATTRIBUTE_TYPE_INVALID;
	} else {
		value.assign(v->begin(), v->end());
	}
	if (!a.pValue) {
		a.ulValueLen = value.size();
		return CKR_OK;
	}
	if (a.ulValueLen < value.size()) {
		a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_BUFFER_TOO_SMALL;
	}
	std::memcpy(a.pValue, value.data(), value.size());
	a.ulValueLen = value.size();
	return CKR_OK;
}

// The session and object a call names, and whether the session may write
// the object (a token object needs a read/write session).
CK_RV lookup(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, std::shared_ptr<Session> &ss,
	     std::shared_ptr<Object> &o)
{
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	o = state()->store.get(oh);
	if (!o)
		return CKR_OBJECT_HANDLE_INVALID;
	return CKR_OK;
}

CK_RV writable(const Session &ss, const Object &o)
{
	if (o.token() && !(ss.flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	return CKR_OK;
}

} // namespace

extern "C" {

CK_RV C_CreateObject(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	std::shared_ptr<Session> ss;
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	if (!out)
		return CKR_ARGUMENTS_BAD;
	Attrs tmpl;
	if ((rv = Attrs::from(t, n, tmpl)) != CKR_OK || (rv = check_caller_template(tmpl)) != CKR_OK)
		return rv;
	auto o = std::make_shared<Object>();
	o->session = tmpl.flag(CKA_TOKEN) ? 0 : h;
	if ((rv = writable(*ss, *o)) != CKR_OK)
		return rv;
	if ((rv = create_object(*state(), tmpl, *o)) != CKR_OK)
		return rv;
	if ((rv = state()->store.add(o)) != CKR_OK)
		return rv;
	*out = o->handle;
	return CKR_OK;
}

CK_RV C_CopyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, CK_ATTRIBUTE_PTR t, CK_ULONG n,
		   CK_OBJECT_HANDLE_PTR out)
{
	std::shared_ptr<Session> ss;
	std::shared_ptr<Object> src;
	CK_RV rv = lookup(h, oh, ss, src);
	if (rv != CKR_OK)
		return rv;
	if (!out)
		return CKR_ARGUMENTS_BAD;
	Attrs tmpl;
	if ((rv = Attrs::from(t, n, tmpl)) != CKR_OK || (rv = check_caller_template(tmpl)) != CKR_OK)
		return rv;
	if (!src->attrs.flag(CKA_COPYABLE, true))
		return CKR_ACTION_PROHIBITED;
	auto o = std::make_shared<Object>();
	o->session = tmpl.flag(CKA_TOKEN, src->token()) ? 0 : h;
	if ((rv = writable(*ss, *o)) != CKR_OK || (rv = copy_object(*state(), *src, tmpl, *o)) != CKR_OK)
		return rv;
	if ((rv = state()->store.add(o)) != CKR_OK)
		return rv;
	*out = o->handle;
	return CKR_OK;
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh)
{
	std::shared_ptr<Session> ss;
	std::shared_ptr<Object> o;
	CK_RV rv = lookup(h, oh, ss, o);
	if (rv != CKR_OK || (rv = writable(*ss, *o)) != CKR_OK)
		return rv;
	if (!o->attrs.flag(CKA_DESTROYABLE, true))
		return CKR_ACTION_PROHIBITED;
	return state()->store.destroy(oh);
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, CK_ULONG_PTR size)
{
	std::shared_ptr<Session> ss;
	std::shared_ptr<Object> o;
	CK_RV rv = lookup(h, oh, ss, o);
	if (rv != CKR_OK)
		return rv;
	if (!size)
		return CKR_ARGUMENTS_BAD;
	*size = o->attrs.serialize().size();
	return CKR_OK;
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	std::shared_ptr<Session> ss;
	std::shared_ptr<Object> o;
	CK_RV rv = lookup(h, oh, ss, o);
	if (rv != CKR_OK)
		return rv;
	if (!t && n)
		return CKR_ARGUMENTS_BAD;
	// Every entry is answered; the call reports one of the errors met.
	for (CK_ULONG i = 0; i < n; i++) {
		CK_RV r = get_one(*state(), *o, t[i]);
		if (r != CKR_OK)
			rv = r;
	}
	return rv;
}

CK_RV C_SetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	std::shared_ptr<Session> ss;
	std::shared_ptr<Object> o;
	CK_RV rv = lookup(h, oh, ss, o);
	if (rv != CKR_OK || (rv = writable(*ss, *o)) != CKR_OK)
		return rv;
	Attrs change;
	if ((rv = Attrs::from(t, n, change)) != CKR_OK || (rv = check_caller_template(change)) != CKR_OK)
		return rv;
	if (!o->attrs.flag(CKA_MODIFIABLE, true))
		return CKR_ACTION_PROHIBITED;
	for (const auto &[type, value] : change.all())
		if (!is_modifiable(*o, type, value))
			return CKR_ATTRIBUTE_READ_ONLY;
	Attrs before = o->attrs;
	for (const auto &[type, value] : change.all())
		o->attrs.set(type, value);
	if ((rv = state()->store.save(*o)) != CKR_OK)
		o->attrs = std::move(before);
	return rv;
}

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	std::shared_ptr<Session> ss;
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	Attrs tmpl;
	if ((rv = Attrs::from(t, n, tmpl)) != CKR_OK)
		return rv;
	std::lock_guard l(ss->lock);
	if (ss->finding)
		return CKR_OPERATION_ACTIVE;
	// Token objects other processes of the caller made or removed.
	if (!tmpl.has(CKA_TOKEN) || tmpl.flag(CKA_TOKEN))
		state()->store.sync();
	ss->found = state()->store.find(tmpl);
	std::reverse(ss->found.begin(), ss->found.end());
	ss->finding = true;
	return CKR_OK;
}

CK_RV C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR count)
{
	std::shared_ptr<Session> ss;
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	if (!out || !count)
		return CKR_ARGUMENTS_BAD;
	std::lock_guard l(ss->lock);
	if (!ss->finding)
		return CKR_OPERATION_NOT_INITIALIZED;
	CK_ULONG k = 0;
	for (; k < max && !ss->found.empty(); k++) {
		out[k] = ss->found.back();
		ss->found.pop_back();
	}
	*count = k;
	return CKR_OK;
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE h)
{
	std::shared_ptr<Session> ss;
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	std::lock_guard l(ss->lock);
	if (!ss->finding)
		return CKR_OPERATION_NOT_INITIALIZED;
	ss->finding = false;
	ss->found.clear();
	return CKR_OK;
}

} // extern "C"
