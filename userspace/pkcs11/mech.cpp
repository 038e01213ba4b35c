// SPDX-License-Identifier: MIT
//
// The mechanism table, and how a key object maps onto the module's
// algorithms: the module binds each key to one algorithm, so a PKCS#11 key
// is served by one module key per algorithm it is used with (store.cpp).
#include <cstring>

#include "mech.hpp"
#include "object.hpp"
#include "vendor.hpp"

namespace p11 {

namespace {

constexpr CK_FLAGS kEc = CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS;
constexpr CK_FLAGS kCipher = CKF_ENCRYPT | CKF_DECRYPT;
constexpr CK_FLAGS kSig = CKF_SIGN | CKF_VERIFY;

constexpr Mech kMechs[] = {
	{CKM_SHA256, kNoKey, 0, 0, CKF_DIGEST, false},
	{CKM_SHA384, kNoKey, 0, 0, CKF_DIGEST, false},
	{CKM_SHA512, kNoKey, 0, 0, CKF_DIGEST, false},
	{CKM_SHA3_256, kNoKey, 0, 0, CKF_DIGEST, false},
	{CKM_SHA3_384, kNoKey, 0, 0, CKF_DIGEST, false},
	{CKM_SHA3_512, kNoKey, 0, 0, CKF_DIGEST, false},
	{CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, 16, 128, CKF_GENERATE, false},
	{CKM_SHA256_HMAC, CKK_GENERIC_SECRET, 16, 128, kSig, false},
	{CKM_SHA384_HMAC, CKK_GENERIC_SECRET, 16, 128, kSig, false},
	{CKM_SHA512_HMAC, CKK_GENERIC_SECRET, 16, 128, kSig, false},
	{CKM_AES_KEY_GEN, CKK_AES, 16, 32, CKF_GENERATE, false},
	{CKM_AES_GCM, CKK_AES, 16, 32, kCipher, false},
	{CKM_AES_CBC, CKK_AES, 16, 32, kCipher, false},
	{CKM_AES_CBC_PAD, CKK_AES, 16, 32, kCipher, false},
	{CKM_AES_CTR, CKK_AES, 16, 32, kCipher, false},
	{CKM_AES_CMAC, CKK_AES, 16, 32, kSig, false},
	{CKM_AES_KEY_WRAP, CKK_AES, 16, 32, CKF_WRAP | CKF_UNWRAP, false},
	{CKM_EC_KEY_PAIR_GEN, CKK_EC, 256, 384, CKF_GENERATE_KEY_PAIR | kEc, true},
	{CKM_ECDSA, CKK_EC, 256, 384, kSig | kEc, true},
	{CKM_ECDSA_SHA1, CKK_EC, 256, 384, kSig | kEc, true},
	{CKM_ECDSA_SHA224, CKK_EC, 256, 384, kSig | kEc, true},
	{CKM_ECDSA_SHA256, CKK_EC, 256, 384, kSig | kEc, true},
	{CKM_ECDSA_SHA384, CKK_EC, 256, 384, kSig | kEc, true},
	{CKM_ECDSA_SHA512, CKK_EC, 256, 384, kSig | kEc, true},
	{CKM_ECDH1_DERIVE, CKK_EC, 256, 384, CKF_DERIVE | kEc, false},
	{CKM_HKDF_DERIVE, CKK_GENERIC_SECRET, 16, 128, CKF_DERIVE, false},
	{CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, 255, 255, CKF_GENERATE_KEY_PAIR, true},
	{CKM_EDDSA, CKK_EC_EDWARDS, 255, 255, kSig, true},
	{CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA, 2048, 4096, CKF_GENERATE_KEY_PAIR, true},
	// PKCS#1 v1.5 signs only: its decryption is Bleichenbacher's oracle.
	{CKM_RSA_PKCS, CKK_RSA, 2048, 4096, kSig, true},
	{CKM_SHA256_RSA_PKCS, CKK_RSA, 2048, 4096, kSig, true},
	{CKM_SHA384_RSA_PKCS, CKK_RSA, 2048, 4096, kSig, true},
	{CKM_SHA512_RSA_PKCS, CKK_RSA, 2048, 4096, kSig, true},
	{CKM_RSA_PKCS_PSS, CKK_RSA, 2048, 4096, kSig, true},
	{CKM_SHA256_RSA_PKCS_PSS, CKK_RSA, 2048, 4096, kSig, true},
	{CKM_SHA384_RSA_PKCS_PSS, CKK_RSA, 2048, 4096, kSig, true},
	{CKM_SHA512_RSA_PKCS_PSS, CKK_RSA, 2048, 4096, kSig, true},
	{CKM_RSA_PKCS_OAEP, CKK_RSA, 2048, 4096, kCipher, true},
};

// DER of the named curves' OIDs, as CKA_EC_PARAMS holds them.
constexpr std::uint8_t kP256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr std::uint8_t kP384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};

bool equals(const Bytes *v, std::span<const std::uint8_t> want)
{
	return v && v->size() == want.size() && std::memcmp(v->data(), want.data(), want.size()) == 0;
}

std::string aes_alg(const Object &o, const char *mode)
{
	CK_ULONG len = 0;
	if (!o.attrs.ulong(CKA_VALUE_LEN, len) || (len != 16 && len != 24 && len != 32))
		return {};
	// The module has no AES-192 in CBC, CTR or CMAC.
	if (len == 24 && std::strcmp(mode, "gcm") && std::strcmp(mode, "kw"))
		return {};
	return "aes-" + std::to_string(len * 8) + "-" + mode;
}

std::string hmac_alg(const Object &o, CK_MECHANISM_TYPE mech)
{
	const char *h = mech_hash(mech);
	CK_KEY_TYPE kt = o.key_type();
	// A typed HMAC key serves its own hash only.
	if (!h || (kt == CKK_SHA256_HMAC && mech != CKM_SHA256_HMAC) ||
	    (kt == CKK_SHA384_HMAC && mech != CKM_SHA384_HMAC) ||
	    (kt == CKK_SHA512_HMAC && mech != CKM_SHA512_HMAC))
		return {};
	return std::string("hmac-") + h;
}

} // namespace

std::span<const Mech> mechanisms()
{
	return kMechs;
}

const Mech *mechanism(CK_MECHANISM_TYPE type)
{
	for (const Mech &m : kMechs)
		if (m.type == type)
			return &m;
	return nullptr;
}

const char *hash_name(CK_MECHANISM_TYPE hash)
{
	switch (hash) {
	case CKM_SHA256: return "sha-256";
	case CKM_SHA384: return "sha-384";
	case CKM_SHA512: return "sha-512";
	case CKM_SHA3_256: return "sha3-256";
	case CKM_SHA3_384: return "sha3-384";
	case CKM_SHA3_512: return "sha3-512";
	default: return nullptr;
	}
}

const char *mech_hash(CK_MECHANISM_TYPE type)
{
	switch (type) {
	case CKM_ECDSA_SHA1:
		return "sha-1";
	case CKM_ECDSA_SHA224:
		return "sha-224";
	case CKM_SHA256_HMAC: case CKM_ECDSA_SHA256: case CKM_SHA256_RSA_PKCS_PSS:
	case CKM_SHA256_RSA_PKCS:
		return "sha-256";
	case CKM_SHA384_HMAC: case CKM_ECDSA_SHA384: case CKM_SHA384_RSA_PKCS_PSS:
	case CKM_SHA384_RSA_PKCS:
		return "sha-384";
	case CKM_SHA512_HMAC: case CKM_ECDSA_SHA512: case CKM_SHA512_RSA_PKCS_PSS:
	case CKM_SHA512_RSA_PKCS:
		return "sha-512";
	default:
		return hash_name(type);
	}
}

bool rsa_pkcs1(CK_MECHANISM_TYPE type)
{
	return type == CKM_RSA_PKCS || type == CKM_SHA256_RSA_PKCS || type == CKM_SHA384_RSA_PKCS ||
	       type == CKM_SHA512_RSA_PKCS;
}

std::string ec_alg(const Attrs &a)
{
	const Bytes *params = a.get(CKA_EC_PARAMS);
	if (equals(params, kP256))
		return "ecdsa-p256-sha256";
	if (equals(params, kP384))
		return "ecdsa-p384-sha384";
	return {};
}

std::string module_alg(const Object &o, CK_MECHANISM_TYPE mech)
{
	switch (mech) {
	case CKM_AES_GCM: return o.key_type() == CKK_AES ? aes_alg(o, "gcm") : "";
	case CKM_AES_CBC: case CKM_AES_CBC_PAD:
		return o.key_type() == CKK_AES ? aes_alg(o, "cbc") : "";
	case CKM_AES_CTR: return o.key_type() == CKK_AES ? aes_alg(o, "ctr") : "";
	case CKM_AES_CMAC: return o.key_type() == CKK_AES ? aes_alg(o, "cmac") : "";
	case CKM_AES_KEY_WRAP: return o.key_type() == CKK_AES ? aes_alg(o, "kw") : "";
	case CKM_SHA256_HMAC: case CKM_SHA384_HMAC: case CKM_SHA512_HMAC:
		return o.cls() == CKO_SECRET_KEY && o.key_type() != CKK_AES ? hmac_alg(o, mech) : "";
	// The module's raw secret, whose only use is derivation.
	case CKM_HKDF_DERIVE:
		return o.cls() == CKO_SECRET_KEY && o.key_type() == CKK_GENERIC_SECRET ? "secret" : "";
	default:
		break;
	}
	// An asymmetric key has the one algorithm it was made with.
	std::string alg = primary_alg(o.attrs);
	const Mech *m = mechanism(mech);
	if (!m || m->key_type != o.key_type())
		return {};
	if (mech == CKM_RSA_PKCS_OAEP)
		return alg.starts_with("rsa-oaep-") ? alg : "";
	// An RSA signing key signs PSS, or PKCS#1 v1.5 when the call asks.
	if (o.key_type() == CKK_RSA)
		return alg.starts_with("rsa-pss-") ? alg : "";
	if (mech == CKM_ECDH1_DERIVE)
		return alg.starts_with("ecdh-") ? alg : "";
	return alg.starts_with("ecdh-") ? "" : alg;
}

hsm::KeyOperationPermission module_perms(const Attrs &a, const std::string &alg)
{
	using P = hsm::KeyOperationPermission;
	static constexpr struct { CK_ATTRIBUTE_TYPE attr; P perm; } kUse[] = {
		{CKA_ENCRYPT, P::kEncrypt}, {CKA_DECRYPT, P::kDecrypt}, {CKA_SIGN, P::kSign},
		{CKA_VERIFY, P::kVerify}, {CKA_WRAP, P::kWrap}, {CKA_UNWRAP, P::kUnwrap},
		{CKA_DERIVE, P::kDerive},
	};
	P want = P::kNone;
	for (const auto &u : kUse)
		if (a.flag(u.attr))
			want = want | u.perm;
	if (a.flag(CKA_EXTRACTABLE))
		want = want | P::kExport;
	// What the module lets each family of algorithms hold.
	P allowed = P::kExport;
	// The module's rules: a wrapping key only wraps, and an HMAC key
	// either MACs or derives (hsm.h, "Key permission bits").
	if (alg.ends_with("-gcm") || alg.ends_with("-cbc") || alg.ends_with("-ctr"))
		allowed = allowed | P::kEncrypt | P::kDecrypt;
	else if (alg.ends_with("-kw"))
		allowed = allowed | P::kWrap | P::kUnwrap;
	else if (alg.starts_with("hmac-"))
		allowed = allowed | P::kSign | P::kVerify;
	else if (alg.starts_with("rsa-oaep-"))
		allowed = allowed | P::kEncrypt | P::kDecrypt;
	else if (alg.starts_with("ecdh-"))
		allowed = allowed | P::kAgree;
	else if (alg == "secret")
		allowed = allowed | P::kDerive;
	else
		allowed = allowed | P::kSign | P::kVerify;
	return want & allowed;
}

} // namespace p11
