// SPDX-License-Identifier: MIT
//
// Which attributes a caller may set, change or read: the rules that keep a
// key's sensitivity one-way.
#pragma once

#include "object.hpp"

namespace p11 {

/// Refuses what no caller template may hold: this module's own attributes
/// (CKR_ATTRIBUTE_TYPE_INVALID).
CK_RV check_caller_template(const Attrs &t);
/// Whether `type` is key material (CKA_VALUE of a key, an RSA private
/// component): never stored in an object, readable only from the module.
bool is_secret_attr(const Object &o, CK_ATTRIBUTE_TYPE type);
/// Whether C_SetAttributeValue (or C_CopyObject's template) may set `type`
/// of `o` to `value`: names, dates and IDs; nothing that decides what the
/// key may do or whether it may leave.
bool is_modifiable(const Object &o, CK_ATTRIBUTE_TYPE type, const Bytes &value);
/// The attributes every object has, from the template or by default.
void set_common(Attrs &a, const Attrs &tmpl, CK_OBJECT_CLASS cls);
/// Those of every key: ID, dates, derive, local, generation mechanism.
void set_key_common(Attrs &a, const Attrs &tmpl, CK_KEY_TYPE kt, bool local,
		    CK_MECHANISM_TYPE gen);
/// Copies `type` from the template, or sets the default flag.
void set_flag_from(Attrs &a, const Attrs &tmpl, CK_ATTRIBUTE_TYPE type, bool dflt);

} // namespace p11
