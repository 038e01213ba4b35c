// SPDX-License-Identifier: MIT
//
// Public keys with OpenSSL 3: building one from PKCS#11 attributes, the
// attributes of one, verifying and OAEP encryption.
#include <cstring>
#include <memory>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "mech.hpp"
#include "pubkey.hpp"

namespace p11 {

namespace {

struct Free {
	void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
	void operator()(EVP_PKEY_CTX *p) const { EVP_PKEY_CTX_free(p); }
	void operator()(EVP_MD_CTX *p) const { EVP_MD_CTX_free(p); }
	void operator()(OSSL_PARAM_BLD *p) const { OSSL_PARAM_BLD_free(p); }
	void operator()(OSSL_PARAM *p) const { OSSL_PARAM_free(p); }
	void operator()(BIGNUM *p) const { BN_free(p); }
	void operator()(ECDSA_SIG *p) const { ECDSA_SIG_free(p); }
};
template <typename T>
using Ptr = std::unique_ptr<T, Free>;

// The content of a DER OCTET STRING (CKA_EC_POINT), or the bytes as they
// are when they are not one (a raw point, as some callers pass).
std::span<const std::uint8_t> unwrap_octets(const Bytes &v)
{
	if (v.size() >= 2 && v[0] == 0x04) {
		std::size_t len = v[1], hdr = 2;
		if (v[1] == 0x81 && v.size() >= 3)
			len = v[2], hdr = 3;
		if (hdr + len == v.size())
			return std::span(v).subspan(hdr);
	}
	return v;
}

Bytes wrap_octets(std::span<const std::uint8_t> v)
{
	Bytes out{0x04};
	if (v.size() >= 0x80)
		out.push_back(0x81);
	out.push_back(std::uint8_t(v.size()));
	out.insert(out.end(), v.begin(), v.end());
	return out;
}

Bytes to_spki(EVP_PKEY *pkey)
{
	unsigned char *der = nullptr;
	int n = i2d_PUBKEY(pkey, &der);
	Bytes out;
	if (n > 0)
		out.assign(der, der + n);
	OPENSSL_free(der);
	return out;
}

Ptr<EVP_PKEY> from_params(const char *type, OSSL_PARAM_BLD *bld)
{
	Ptr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
	Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
	EVP_PKEY *pkey = nullptr;
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
	    EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0)
		return nullptr;
	return Ptr<EVP_PKEY>(pkey);
}

CK_RV ec_spki(const Attrs &a, Bytes &spki)
{
	const Bytes *point = a.get(CKA_EC_POINT);
	if (!point || !a.has(CKA_EC_PARAMS))
		return CKR_TEMPLATE_INCOMPLETE;
	std::string alg = ec_alg(a);
	if (alg.empty())
		return CKR_CURVE_NOT_SUPPORTED;
	const char *group = alg.starts_with("ecdsa-p256") ? "prime256v1" : "secp384r1";
	auto pt = unwrap_octets(*point);
	Ptr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
	if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pt.data(), pt.size()))
		return CKR_HOST_MEMORY;
	auto pkey = from_params("EC", bld.get());
	if (!pkey)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	spki = to_spki(pkey.get());
	return CKR_OK;
}

CK_RV rsa_spki(const Attrs &a, Bytes &spki)
{
	const Bytes *n = a.get(CKA_MODULUS), *e = a.get(CKA_PUBLIC_EXPONENT);
	if (!n || !e)
		return CKR_TEMPLATE_INCOMPLETE;
	Ptr<BIGNUM> bn(BN_bin2bn(n->data(), int(n->size()), nullptr));
	Ptr<BIGNUM> be(BN_bin2bn(e->data(), int(e->size()), nullptr));
	Ptr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
	if (!bn || !be || !bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn.get()) ||
	    !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, be.get()))
		return CKR_HOST_MEMORY;
	auto pkey = from_params("RSA", bld.get());
	if (!pkey)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	spki = to_spki(pkey.get());
	return CKR_OK;
}

Ptr<EVP_PKEY> pkey_of(const Object &o)
{
	const Bytes *spki = o.attrs.get(CKA_PUBLIC_KEY_INFO);
	if (!spki)
		return nullptr;
	const unsigned char *p = spki->data();
	return Ptr<EVP_PKEY>(d2i_PUBKEY(nullptr, &p, long(spki->size())));
}

} // namespace

const EVP_MD *md_of(const char *hash)
{
	if (!hash)
		return nullptr;
	if (!std::strcmp(hash, "sha-1"))
		return EVP_sha1();
	if (!std::strcmp(hash, "sha-224"))
		return EVP_sha224();
	if (!std::strcmp(hash, "sha-256"))
		return EVP_sha256();
	if (!std::strcmp(hash, "sha-384"))
		return EVP_sha384();
	if (!std::strcmp(hash, "sha-512"))
		return EVP_sha512();
	return nullptr;
}

namespace {

Bytes digest(const EVP_MD *md, std::span<const std::uint8_t> in)
{
	Bytes out(EVP_MAX_MD_SIZE);
	unsigned int n = 0;
	EVP_Digest(in.data(), in.size(), out.data(), &n, md, nullptr);
	out.resize(n);
	return out;
}

// r || s as the DER ECDSA-Sig-Value OpenSSL checks.
Bytes ecdsa_der(std::span<const std::uint8_t> sig)
{
	std::size_t half = sig.size() / 2;
	Ptr<ECDSA_SIG> s(ECDSA_SIG_new());
	BIGNUM *r = BN_bin2bn(sig.data(), int(half), nullptr);
	BIGNUM *ss = BN_bin2bn(sig.data() + half, int(half), nullptr);
	Bytes out;
	if (!s || !r || !ss || !ECDSA_SIG_set0(s.get(), r, ss)) {
		BN_free(r);
		BN_free(ss);
		return out;
	}
	unsigned char *der = nullptr;
	int n = i2d_ECDSA_SIG(s.get(), &der);
	if (n > 0)
		out.assign(der, der + n);
	OPENSSL_free(der);
	return out;
}

CK_RV verify_eddsa(EVP_PKEY *pkey, std::span<const std::uint8_t> in, std::span<const std::uint8_t> sig)
{
	if (sig.size() != 64)
		return CKR_SIGNATURE_LEN_RANGE;
	Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
	if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey) <= 0)
		return CKR_DEVICE_ERROR;
	return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), in.data(), in.size()) == 1
		       ? CKR_OK : CKR_SIGNATURE_INVALID;
}

} // namespace

CK_RV spki_of(const Attrs &a, CK_KEY_TYPE kt, Bytes &spki)
{
	switch (kt) {
	case CKK_EC:
		return ec_spki(a, spki);
	case CKK_RSA:
		return rsa_spki(a, spki);
	case CKK_EC_EDWARDS: {
		const Bytes *point = a.get(CKA_EC_POINT);
		if (!point)
			return CKR_TEMPLATE_INCOMPLETE;
		auto pt = unwrap_octets(*point);
		Ptr<EVP_PKEY> pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pt.data(), pt.size()));
		if (!pkey)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		spki = to_spki(pkey.get());
		return CKR_OK;
	}
	default:
		return CKR_KEY_TYPE_INCONSISTENT;
	}
}

CK_RV set_public(Attrs &a, CK_KEY_TYPE kt, const Bytes &spki)
{
	const unsigned char *p = spki.data();
	Ptr<EVP_PKEY> pkey(d2i_PUBKEY(nullptr, &p, long(spki.size())));
	if (!pkey)
		return CKR_DEVICE_ERROR;
	a.set(CKA_PUBLIC_KEY_INFO, spki);
	if (kt == CKK_RSA) {
		BIGNUM *n = nullptr, *e = nullptr;
		if (!EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_N, &n) ||
		    !EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_E, &e)) {
			BN_free(n);
			return CKR_DEVICE_ERROR;
		}
		Bytes nb(BN_num_bytes(n)), eb(BN_num_bytes(e));
		BN_bn2bin(n, nb.data());
		BN_bn2bin(e, eb.data());
		a.set_ulong(CKA_MODULUS_BITS, BN_num_bits(n));
		a.set(CKA_MODULUS, std::move(nb));
		a.set(CKA_PUBLIC_EXPONENT, std::move(eb));
		BN_free(n);
		BN_free(e);
		return CKR_OK;
	}
	std::uint8_t pt[133];
	std::size_t len = sizeof(pt);
	int ok = kt == CKK_EC_EDWARDS
			 ? EVP_PKEY_get_raw_public_key(pkey.get(), pt, &len)
			 : EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_PUB_KEY, pt, len, &len);
	if (!ok)
		return CKR_DEVICE_ERROR;
	a.set(CKA_EC_POINT, wrap_octets(std::span(pt, len)));
	return CKR_OK;
}

std::size_t public_size(const Object &o)
{
	switch (o.key_type()) {
	case CKK_RSA: {
		const Bytes *n = o.attrs.get(CKA_MODULUS);
		return n ? n->size() : 0;
	}
	case CKK_EC:
		return ec_alg(o.attrs).starts_with("ecdsa-p256") ? 32 : 48;
	default:
		return 32;
	}
}

namespace {

// PKCS#1 v1.5 over md's DigestInfo, or over the caller's (md null).
bool pkcs1_setup(EVP_PKEY_CTX *ctx, const EVP_MD *md)
{
	return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	       (!md || EVP_PKEY_CTX_set_signature_md(ctx, md) > 0);
}

// PSS as the module signs it: MGF1 with md, a salt of md's length.
bool pss_setup(EVP_PKEY_CTX *ctx, const EVP_MD *md)
{
	return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	       EVP_PKEY_CTX_set_signature_md(ctx, md) > 0 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) > 0;
}

} // namespace

CK_RV public_verify(const Object &o, CK_MECHANISM_TYPE mech, const char *hash,
		    std::span<const std::uint8_t> in, std::span<const std::uint8_t> sig)
{
	auto pkey = pkey_of(o);
	if (!pkey)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (mech == CKM_EDDSA)
		return verify_eddsa(pkey.get(), in, sig);
	const EVP_MD *md = md_of(hash);
	Bytes dgst(in.begin(), in.end());
	// CKM_RSA_PKCS checks the caller's DigestInfo, whatever its hash.
	if (mech != CKM_ECDSA && mech != CKM_RSA_PKCS_PSS && mech != CKM_RSA_PKCS)
		dgst = digest(md, in);
	bool ec = o.key_type() == CKK_EC;
	Bytes der;
	if (ec) {
		if (sig.size() != 2 * public_size(o))
			return CKR_SIGNATURE_LEN_RANGE;
		der = ecdsa_der(sig);
		sig = der;
	} else if (sig.size() != public_size(o)) {
		return CKR_SIGNATURE_LEN_RANGE;
	}
	Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(pkey.get(), nullptr));
	if (!ctx || EVP_PKEY_verify_init(ctx.get()) <= 0)
		return CKR_DEVICE_ERROR;
	if (!ec && !(rsa_pkcs1(mech) ? pkcs1_setup(ctx.get(), md) : pss_setup(ctx.get(), md)))
		return CKR_DEVICE_ERROR;
	return EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), dgst.data(), dgst.size()) == 1
		       ? CKR_OK : CKR_SIGNATURE_INVALID;
}

CK_RV public_encrypt_oaep(const Object &o, std::span<const std::uint8_t> label,
			  std::span<const std::uint8_t> in, Bytes &out)
{
	auto pkey = pkey_of(o);
	if (!pkey || o.key_type() != CKK_RSA)
		return CKR_KEY_TYPE_INCONSISTENT;
	Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(pkey.get(), nullptr));
	if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256()) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) <= 0)
		return CKR_DEVICE_ERROR;
	if (!label.empty()) {
		void *l = OPENSSL_memdup(label.data(), label.size());
		if (!l || EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), l, int(label.size())) <= 0) {
			OPENSSL_free(l);
			return CKR_DEVICE_ERROR;
		}
	}
	std::size_t n = 0;
	if (EVP_PKEY_encrypt(ctx.get(), nullptr, &n, in.data(), in.size()) <= 0)
		return CKR_DATA_LEN_RANGE;
	out.resize(n);
	if (EVP_PKEY_encrypt(ctx.get(), out.data(), &n, in.data(), in.size()) <= 0)
		return CKR_DATA_LEN_RANGE;
	out.resize(n);
	return CKR_OK;
}

} // namespace p11
