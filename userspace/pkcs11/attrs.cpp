// SPDX-License-Identifier: MIT
//
// Attribute sets: a caller's template, matching, and the record a token
// object's slot holds ("HSMP11" 1, then type, length, value per attribute,
// little-endian).
#include <cstring>

#include "object.hpp"

namespace p11 {

namespace {

constexpr std::uint8_t kMagic[8] = {'H', 'S', 'M', 'P', '1', '1', 0, 1};

void put64(Bytes &b, std::uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b.push_back(std::uint8_t(v >> (8 * i)));
}

bool get64(std::span<const std::uint8_t> &in, std::uint64_t &v)
{
	if (in.size() < 8)
		return false;
	v = 0;
	for (int i = 0; i < 8; i++)
		v |= std::uint64_t(in[i]) << (8 * i);
	in = in.subspan(8);
	return true;
}

} // namespace

CK_RV Attrs::from(CK_ATTRIBUTE_PTR t, CK_ULONG n, Attrs &out)
{
	if (!t && n)
		return CKR_ARGUMENTS_BAD;
	for (CK_ULONG i = 0; i < n; i++) {
		if (!t[i].pValue && t[i].ulValueLen)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		if (out.has(t[i].type))
			return CKR_TEMPLATE_INCONSISTENT;
		auto *p = static_cast<const std::uint8_t *>(t[i].pValue);
		out.m_[t[i].type] = Bytes(p, p + t[i].ulValueLen);
	}
	return CKR_OK;
}

const Bytes *Attrs::get(CK_ATTRIBUTE_TYPE t) const
{
	auto it = m_.find(t);
	return it == m_.end() ? nullptr : &it->second;
}

bool Attrs::flag(CK_ATTRIBUTE_TYPE t, bool dflt) const
{
	const Bytes *v = get(t);
	if (!v || v->size() != sizeof(CK_BBOOL))
		return dflt;
	return (*v)[0] != CK_FALSE;
}

bool Attrs::ulong(CK_ATTRIBUTE_TYPE t, CK_ULONG &out) const
{
	const Bytes *v = get(t);
	if (!v || v->size() != sizeof(CK_ULONG))
		return false;
	std::memcpy(&out, v->data(), sizeof(out));
	return true;
}

void Attrs::set_ulong(CK_ATTRIBUTE_TYPE t, CK_ULONG v)
{
	Bytes b(sizeof(v));
	std::memcpy(b.data(), &v, sizeof(v));
	m_[t] = std::move(b);
}

namespace {

// The CK_BBOOL attributes: true for any non-zero byte.
bool is_flag(CK_ATTRIBUTE_TYPE t)
{
	switch (t) {
	case CKA_TOKEN: case CKA_PRIVATE: case CKA_MODIFIABLE: case CKA_COPYABLE:
	case CKA_DESTROYABLE: case CKA_SENSITIVE: case CKA_EXTRACTABLE:
	case CKA_ALWAYS_SENSITIVE: case CKA_NEVER_EXTRACTABLE: case CKA_LOCAL:
	case CKA_ENCRYPT: case CKA_DECRYPT: case CKA_SIGN: case CKA_VERIFY: case CKA_WRAP:
	case CKA_UNWRAP: case CKA_DERIVE: case CKA_SIGN_RECOVER: case CKA_VERIFY_RECOVER:
	case CKA_TRUSTED: case CKA_WRAP_WITH_TRUSTED: case CKA_ALWAYS_AUTHENTICATE:
		return true;
	default:
		return false;
	}
}

} // namespace

bool Attrs::matches(const Attrs &tmpl) const
{
	for (const auto &[type, value] : tmpl.m_) {
		const Bytes *mine = get(type);
		if (!mine)
			return false;
		// Flags compare as truth values; anything else (a one-byte
		// CKA_ID too) byte for byte.
		if (is_flag(type) && value.size() == 1 && mine->size() == 1) {
			if (((*mine)[0] != 0) != (value[0] != 0))
				return false;
		} else if (*mine != value) {
			return false;
		}
	}
	return true;
}

Bytes Attrs::serialize() const
{
	Bytes b(std::begin(kMagic), std::end(kMagic));
	for (const auto &[type, value] : m_) {
		put64(b, type);
		put64(b, value.size());
		b.insert(b.end(), value.begin(), value.end());
	}
	return b;
}

bool Attrs::parse(std::span<const std::uint8_t> in, Attrs &out)
{
	if (in.size() < sizeof(kMagic) || std::memcmp(in.data(), kMagic, sizeof(kMagic)))
		return false;
	in = in.subspan(sizeof(kMagic));
	while (!in.empty()) {
		std::uint64_t type, len;
		if (!get64(in, type) || !get64(in, len) || len > in.size())
			return false;
		out.m_[CK_ATTRIBUTE_TYPE(type)] = Bytes(in.begin(), in.begin() + len);
		in = in.subspan(len);
	}
	return true;
}

} // namespace p11
