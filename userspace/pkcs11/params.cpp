// SPDX-License-Identifier: MIT
//
// *Init: the mechanism, the key and the mechanism's parameters, checked
// once, before any message is taken.
#include <cstring>

#include "mech.hpp"
#include "ops.hpp"
#include "vendor.hpp"

namespace p11 {

namespace {

// The 2.40 errata CK_GCM_PARAMS without ulIvBits, which older callers pass.
struct GcmParamsV1 {
	CK_BYTE_PTR pIv;
	CK_ULONG ulIvLen;
	CK_BYTE_PTR pAAD;
	CK_ULONG ulAADLen;
	CK_ULONG ulTagBits;
};

template <typename P>
const P *params_as(const CK_MECHANISM &m)
{
	return m.pParameter && m.ulParameterLen == sizeof(P) ? static_cast<const P *>(m.pParameter)
							    : nullptr;
}

Bytes bytes(const void *p, CK_ULONG n)
{
	auto *b = static_cast<const std::uint8_t *>(p);
	return p ? Bytes(b, b + n) : Bytes{};
}

CK_RV gcm(const CK_MECHANISM &m, Operation &op)
{
	CK_BYTE_PTR iv, aad;
	CK_ULONG iv_len, aad_len, tag_bits;
	if (auto *p = params_as<CK_GCM_PARAMS>(m))
		iv = p->pIv, iv_len = p->ulIvLen, aad = p->pAAD, aad_len = p->ulAADLen, tag_bits = p->ulTagBits;
	else if (auto *v1 = params_as<GcmParamsV1>(m))
		iv = v1->pIv, iv_len = v1->ulIvLen, aad = v1->pAAD, aad_len = v1->ulAADLen, tag_bits = v1->ulTagBits;
	else
		return CKR_MECHANISM_PARAM_INVALID;
	// The module's GCM takes 96-bit nonces and tags of 4 to 16 bytes.
	if (!iv || iv_len != 12 || (!aad && aad_len) || tag_bits % 8 || tag_bits < 32 || tag_bits > 128)
		return CKR_MECHANISM_PARAM_INVALID;
	op.iv = bytes(iv, iv_len);
	op.aad = bytes(aad, aad_len);
	op.tag_len = std::uint32_t(tag_bits / 8);
	return CKR_OK;
}

CK_RV ctr(const CK_MECHANISM &m, Operation &op)
{
	auto *p = params_as<CK_AES_CTR_PARAMS>(m);
	if (!p || p->ulCounterBits == 0 || p->ulCounterBits > 128)
		return CKR_MECHANISM_PARAM_INVALID;
	op.iv = bytes(p->cb, sizeof(p->cb));
	op.tag_len = std::uint32_t(p->ulCounterBits);	// the counter's width
	return CKR_OK;
}

// OAEP as the module does it: SHA-256 and MGF1-SHA-256, any label.
CK_RV oaep(const CK_MECHANISM &m, Operation &op)
{
	auto *p = params_as<CK_RSA_PKCS_OAEP_PARAMS>(m);
	if (!p || p->hashAlg != CKM_SHA256 || p->mgf != CKG_MGF1_SHA256 ||
	    (p->source && p->source != CKZ_DATA_SPECIFIED) || (!p->pSourceData && p->ulSourceDataLen))
		return CKR_MECHANISM_PARAM_INVALID;
	op.aad = bytes(p->pSourceData, p->ulSourceDataLen);
	return CKR_OK;
}

// PSS with the key's hash for the message, MGF1 and a salt of its length.
CK_RV pss(const CK_MECHANISM &m, const Object &o, Operation &op)
{
	static constexpr struct { CK_MECHANISM_TYPE hash; CK_RSA_PKCS_MGF_TYPE mgf; CK_ULONG len; const char *name; } kPss[] = {
		{CKM_SHA256, CKG_MGF1_SHA256, 32, "sha-256"},
		{CKM_SHA384, CKG_MGF1_SHA384, 48, "sha-384"},
		{CKM_SHA512, CKG_MGF1_SHA512, 64, "sha-512"},
	};
	auto *p = params_as<CK_RSA_PKCS_PSS_PARAMS>(m);
	std::string alg = primary_alg(o.attrs);
	const char *mh = mech_hash(m.mechanism);
	if (!p)
		return CKR_MECHANISM_PARAM_INVALID;
	for (const auto &k : kPss) {
		// "rsa-pss-sha256" for "sha-256": a key pair's one hash.
		std::string want = std::string("rsa-pss-sha") + (k.name + 4);
		bool key_ok = o.cls() == CKO_PUBLIC_KEY || alg == want;
		if (p->hashAlg == k.hash && p->mgf == k.mgf && p->sLen == k.len && key_ok &&
		    (!mh || !std::strcmp(mh, k.name))) {
			op.hash = k.name;
			return CKR_OK;
		}
	}
	return CKR_MECHANISM_PARAM_INVALID;
}

CK_RV params(OpKind k, const CK_MECHANISM &m, const Object *o, Operation &op)
{
	switch (m.mechanism) {
	case CKM_AES_GCM: return gcm(m, op);
	case CKM_AES_CBC: case CKM_AES_CBC_PAD:
		if (!m.pParameter || m.ulParameterLen != 16)
			return CKR_MECHANISM_PARAM_INVALID;
		op.iv = bytes(m.pParameter, 16);
		return CKR_OK;
	case CKM_AES_CTR: return ctr(m, op);
	case CKM_RSA_PKCS_OAEP: return oaep(m, op);
	case CKM_RSA_PKCS_PSS: case CKM_SHA256_RSA_PKCS_PSS: case CKM_SHA384_RSA_PKCS_PSS:
	case CKM_SHA512_RSA_PKCS_PSS:
		return pss(m, *o, op);
	// Ed25519 without a context or prehashing (RFC 8032's pure EdDSA).
	case CKM_EDDSA: return m.ulParameterLen ? CKR_MECHANISM_PARAM_INVALID : CKR_OK;
	default:
		(void)k;
		return CKR_OK;
	}
}

bool key_type_fits(const Mech &m, CK_KEY_TYPE kt)
{
	if (m.key_type == CKK_GENERIC_SECRET)
		return kt == CKK_GENERIC_SECRET || kt == CKK_SHA256_HMAC || kt == CKK_SHA384_HMAC ||
		       kt == CKK_SHA512_HMAC;
	return m.key_type == kt;
}

// The classes of key and the usage attribute each kind takes.
bool class_fits(OpKind k, CK_OBJECT_CLASS c, bool has_public)
{
	switch (k) {
	case OpKind::kSign: case OpKind::kDecrypt:
		return c == CKO_SECRET_KEY || c == CKO_PRIVATE_KEY;
	default:
		return c == CKO_SECRET_KEY || c == CKO_PUBLIC_KEY || (c == CKO_PRIVATE_KEY && has_public);
	}
}

CK_ATTRIBUTE_TYPE usage(OpKind k)
{
	switch (k) {
	case OpKind::kSign: return CKA_SIGN;
	case OpKind::kVerify: return CKA_VERIFY;
	case OpKind::kEncrypt: return CKA_ENCRYPT;
	default: return CKA_DECRYPT;
	}
}

CK_FLAGS kind_flag(OpKind k)
{
	switch (k) {
	case OpKind::kDigest: return CKF_DIGEST;
	case OpKind::kSign: return CKF_SIGN;
	case OpKind::kVerify: return CKF_VERIFY;
	case OpKind::kEncrypt: return CKF_ENCRYPT;
	default: return CKF_DECRYPT;
	}
}

} // namespace

CK_RV prepare(OpKind k, const CK_MECHANISM &m, const std::shared_ptr<Object> &o, Operation &op)
{
	const Mech *mech = mechanism(m.mechanism);
	if (!mech || !(mech->flags & kind_flag(k)))
		return CKR_MECHANISM_INVALID;
	op = Operation{};
	op.mech = m.mechanism;
	op.hash = mech_hash(m.mechanism);
	if (k == OpKind::kDigest)
		return CKR_OK;
	if (!key_type_fits(*mech, o->key_type()) ||
	    !class_fits(k, o->cls(), o->attrs.has(CKA_PUBLIC_KEY_INFO)))
		return CKR_KEY_TYPE_INCONSISTENT;
	// A private key verifies (with its public half) when it may sign.
	CK_ATTRIBUTE_TYPE use = usage(k);
	if (o->cls() == CKO_PRIVATE_KEY && k == OpKind::kVerify)
		use = CKA_SIGN;
	if (o->cls() == CKO_PRIVATE_KEY && k == OpKind::kEncrypt)
		use = CKA_DECRYPT;
	if (!o->attrs.flag(use))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (o->cls() != CKO_PUBLIC_KEY && module_alg(*o, m.mechanism).empty())
		return CKR_KEY_TYPE_INCONSISTENT;
	op.key = o;
	return params(k, m, o.get(), op);
}

} // namespace p11
