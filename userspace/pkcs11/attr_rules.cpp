// SPDX-License-Identifier: MIT
//
// Attribute rules: what a template may hold, what may change, defaults.
#include "attr_rules.hpp"
#include "vendor.hpp"

namespace p11 {

CK_RV check_caller_template(const Attrs &t)
{
	for (const auto &[type, value] : t.all())
		if (is_vendor(type))
			return CKR_ATTRIBUTE_TYPE_INVALID;
	return CKR_OK;
}

bool is_secret_attr(const Object &o, CK_ATTRIBUTE_TYPE type)
{
	switch (o.cls()) {
	case CKO_SECRET_KEY:
		return type == CKA_VALUE;
	case CKO_PRIVATE_KEY:
		return type == CKA_VALUE || type == CKA_PRIVATE_EXPONENT || type == CKA_PRIME_1 ||
		       type == CKA_PRIME_2 || type == CKA_EXPONENT_1 || type == CKA_EXPONENT_2 ||
		       type == CKA_COEFFICIENT;
	default:
		return false;
	}
}

bool is_modifiable(const Object &o, CK_ATTRIBUTE_TYPE type, const Bytes &value)
{
	switch (type) {
	case CKA_LABEL: case CKA_ID: case CKA_SUBJECT: case CKA_START_DATE:
	case CKA_END_DATE: case CKA_APPLICATION:
		return true;
	default: {
		// Setting a value the object already has changes nothing.
		const Bytes *mine = o.attrs.get(type);
		return mine && *mine == value;
	}
	}
}

void set_flag_from(Attrs &a, const Attrs &tmpl, CK_ATTRIBUTE_TYPE type, bool dflt)
{
	a.set_flag(type, tmpl.flag(type, dflt));
}

void set_common(Attrs &a, const Attrs &tmpl, CK_OBJECT_CLASS cls)
{
	a.set_ulong(CKA_CLASS, cls);
	set_flag_from(a, tmpl, CKA_TOKEN, false);
	set_flag_from(a, tmpl, CKA_PRIVATE, cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY);
	set_flag_from(a, tmpl, CKA_MODIFIABLE, true);
	set_flag_from(a, tmpl, CKA_COPYABLE, true);
	set_flag_from(a, tmpl, CKA_DESTROYABLE, true);
	const Bytes *label = tmpl.get(CKA_LABEL);
	a.set(CKA_LABEL, label ? *label : Bytes{});
}

void set_key_common(Attrs &a, const Attrs &tmpl, CK_KEY_TYPE kt, bool local, CK_MECHANISM_TYPE gen)
{
	a.set_ulong(CKA_KEY_TYPE, kt);
	for (CK_ATTRIBUTE_TYPE t : {CKA_ID, CKA_START_DATE, CKA_END_DATE}) {
		const Bytes *v = tmpl.get(t);
		a.set(t, v ? *v : Bytes{});
	}
	set_flag_from(a, tmpl, CKA_DERIVE, false);
	a.set_flag(CKA_LOCAL, local);
	a.set_ulong(CKA_KEY_GEN_MECHANISM, local ? gen : CK_UNAVAILABLE_INFORMATION);
}

} // namespace p11
