// SPDX-License-Identifier: MIT
//
// The attributes libhsm-pkcs11 keeps for itself in an object's record
// (CKA_VENDOR_DEFINED, "HSM"): never shown to a caller, never accepted
// from one.
#pragma once

#include <cstddef>

#include "object.hpp"

namespace p11 {

constexpr CK_ATTRIBUTE_TYPE kVendorBase = CKA_VENDOR_DEFINED | 0x48534d00UL;
/// Origin of the object's module keys (a CK_ULONG of enum Origin).
constexpr CK_ATTRIBUTE_TYPE kAttrOrigin = kVendorBase + 1;
/// The module algorithm of the object's first key: an asymmetric key's
/// only one, the key a copy is made from.
constexpr CK_ATTRIBUTE_TYPE kAttrAlg = kVendorBase + 2;

/// The longest record a slot holds: the module's longest "secret".
constexpr std::size_t kRecordMax = 16320;

inline bool is_vendor(CK_ATTRIBUTE_TYPE t)
{
	return (t & 0xffffff00UL) == kVendorBase;
}

inline Origin origin_of(const Attrs &a)
{
	CK_ULONG v = 0;
	return a.ulong(kAttrOrigin, v) ? Origin(v) : Origin::kNone;
}

inline std::string primary_alg(const Attrs &a)
{
	const Bytes *v = a.get(kAttrAlg);
	return v ? std::string(v->begin(), v->end()) : std::string();
}

inline void set_primary(Attrs &a, Origin o, const std::string &alg)
{
	a.set_ulong(kAttrOrigin, CK_ULONG(o));
	a.set(kAttrAlg, Bytes(alg.begin(), alg.end()));
}

} // namespace p11
