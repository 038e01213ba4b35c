// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// PKCS#11 modules, the same calls on each: SoftHSM2, what a user picks
// today for an HSM API in software, and hsm's own libhsm-pkcs11.so.  One
// C_*Init + C_Encrypt/C_Sign/C_Digest per operation, on a session key, in
// the caller's process.  Signatures use a key pair C_GenerateKeyPair made
// in the token; OpenSSL verifies them under the public key read back from
// its attributes.
#include <cstdlib>
#include <dlfcn.h>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

#include "bench.hpp"

namespace bench {
namespace {

[[noreturn]] void fail(const std::string &what, CK_RV rv)
{
	throw std::runtime_error("PKCS#11 " + what + ": CKR 0x" + [&] {
		char b[32];
		std::snprintf(b, sizeof(b), "%lx", rv);
		return std::string(b);
	}());
}

// A module, initialised once per process, with an open session on its token.
struct Token {
	CK_FUNCTION_LIST_PTR f = nullptr;
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE session = 0;	// logged in, open for the process's life
};

CK_UTF8CHAR kPin[] = "1234";

// SoftHSM2 with a private configuration and one fresh token, logged in.
void init_softhsm(Token &t)
{
	const char *dir = "/tmp/hsm-bench-softhsm";
	mkdir(dir, 0700);
	mkdir("/tmp/hsm-bench-softhsm/tokens", 0700);
	FILE *conf = std::fopen("/tmp/hsm-bench-softhsm/softhsm2.conf", "w");
	if (!conf)
		throw std::runtime_error("cannot write the SoftHSM2 configuration");
	std::fprintf(conf, "directories.tokendir = /tmp/hsm-bench-softhsm/tokens\n"
			   "objectstore.backend = file\nlog.level = ERROR\n");
	std::fclose(conf);
	setenv("SOFTHSM2_CONF", "/tmp/hsm-bench-softhsm/softhsm2.conf", 1);

	CK_RV rv = C_GetFunctionList(&t.f);
	if (rv != CKR_OK)
		fail("C_GetFunctionList", rv);
	CK_C_INITIALIZE_ARGS args{};
	args.flags = CKF_OS_LOCKING_OK;
	if ((rv = t.f->C_Initialize(&args)) != CKR_OK)
		fail("C_Initialize", rv);
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	if ((rv = t.f->C_GetSlotList(CK_FALSE, slots, &n)) != CKR_OK || n == 0)
		fail("C_GetSlotList", rv);
	t.slot = slots[0];
	CK_UTF8CHAR label[32];
	std::memset(label, ' ', sizeof(label));
	std::memcpy(label, "hsm-bench", 9);
	if ((rv = t.f->C_InitToken(t.slot, kPin, 4, label)) != CKR_OK)
		fail("C_InitToken", rv);
	// InitToken may move the token to a new slot: find it again.
	n = 16;
	if ((rv = t.f->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK || n == 0)
		fail("C_GetSlotList", rv);
	t.slot = slots[0];
	CK_SESSION_HANDLE &s = t.session;
	if ((rv = t.f->C_OpenSession(t.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr,
				     nullptr, &s)) != CKR_OK)
		fail("C_OpenSession", rv);
	if ((rv = t.f->C_Login(s, CKU_SO, kPin, 4)) != CKR_OK ||
	    (rv = t.f->C_InitPIN(s, kPin, 4)) != CKR_OK ||
	    (rv = t.f->C_Logout(s)) != CKR_OK ||
	    (rv = t.f->C_Login(s, CKU_USER, kPin, 4)) != CKR_OK)
		fail("token set-up", rv);
	// The session stays open: the login lasts while one is open.
}

// hsm's module, loaded as p11-kit would (its token needs no set-up: it is
// the caller's namespace in the kernel module, and has no PIN).
void init_hsm(Token &t)
{
	const char *path = std::getenv("HSM_PKCS11_MODULE");
	if (!path)
		path = "/usr/lib/x86_64-linux-gnu/pkcs11/libhsm-pkcs11.so";
	void *so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	auto get = so ? reinterpret_cast<CK_C_GetFunctionList>(dlsym(so, "C_GetFunctionList")) : nullptr;
	if (!get)
		throw std::runtime_error(std::string("cannot load ") + path + ": " + dlerror());
	CK_RV rv = get(&t.f);
	if (rv != CKR_OK)
		fail("C_GetFunctionList", rv);
	CK_C_INITIALIZE_ARGS args{};
	args.flags = CKF_OS_LOCKING_OK;
	if ((rv = t.f->C_Initialize(&args)) != CKR_OK)
		fail("C_Initialize", rv);
	CK_ULONG n = 1;
	if ((rv = t.f->C_GetSlotList(CK_TRUE, &t.slot, &n)) != CKR_OK || n == 0)
		fail("C_GetSlotList", rv);
	if ((rv = t.f->C_OpenSession(t.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr,
				     nullptr, &t.session)) != CKR_OK)
		fail("C_OpenSession", rv);
}

enum class Module { kSoftHsm, kHsm };

Token &token(Module m)
{
	static Token t[2];
	static std::once_flag once[2];
	std::size_t i = std::size_t(m);
	std::call_once(once[i], [&] { m == Module::kHsm ? init_hsm(t[i]) : init_softhsm(t[i]); });
	return t[i];
}

// Whether the token hashes for ECDSA itself (CKM_ECDSA_SHA256).  SoftHSM2
// 2.6 does not: it signs a digest the caller made (CKM_ECDSA).
bool ecdsa_sha256(const Token &t)
{
	CK_MECHANISM_INFO info;
	return t.f->C_GetMechanismInfo(t.slot, CKM_ECDSA_SHA256, &info) == CKR_OK &&
	       (info.flags & CKF_SIGN);
}

struct KeyPair {
	CK_OBJECT_HANDLE pub = 0, priv = 0;
};

// The key pair SoftHSM2 signs an algorithm with: session objects of the
// token's own session, which every session of the process may use, made
// once (key generation is not measured; RSA-2048's takes seconds under TCG).
KeyPair signing_key(Module m, Algo a)
{
	static std::mutex lock;
	static std::map<std::pair<Module, Algo>, KeyPair> keys;
	std::lock_guard<std::mutex> g(lock);
	if (auto it = keys.find({m, a}); it != keys.end())
		return it->second;

	// DER OIDs: prime256v1 (1.2.840.10045.3.1.7), Ed25519 (1.3.101.112).
	static const CK_BYTE kP256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	static const CK_BYTE kEd25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
	CK_BYTE exponent[] = {0x01, 0x00, 0x01};
	CK_ULONG bits = Inputs::kRsaBytes * 8;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_MECHANISM gen{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
	std::vector<CK_ATTRIBUTE> pub = {
		{CKA_TOKEN, &no, sizeof(no)},
		{CKA_VERIFY, &yes, sizeof(yes)},
	};
	switch (a) {
	case Algo::EcdsaP256:
		pub.push_back({CKA_EC_PARAMS, const_cast<CK_BYTE *>(kP256), sizeof(kP256)});
		break;
	case Algo::Ed25519:
		gen.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
		pub.push_back({CKA_EC_PARAMS, const_cast<CK_BYTE *>(kEd25519), sizeof(kEd25519)});
		break;
	case Algo::RsaPss:
		gen.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		pub.push_back({CKA_MODULUS_BITS, &bits, sizeof(bits)});
		pub.push_back({CKA_PUBLIC_EXPONENT, exponent, sizeof(exponent)});
		break;
	default:
		throw std::runtime_error("PKCS#11: no key pair for this operation");
	}
	CK_ATTRIBUTE priv[] = {
		{CKA_TOKEN, &no, sizeof(no)},
		{CKA_PRIVATE, &yes, sizeof(yes)},
		{CKA_SENSITIVE, &yes, sizeof(yes)},
		{CKA_SIGN, &yes, sizeof(yes)},
	};
	KeyPair k;
	Token &t = token(m);
	CK_RV rv = t.f->C_GenerateKeyPair(t.session, &gen, pub.data(), pub.size(), priv,
					  sizeof(priv) / sizeof(priv[0]), &k.pub, &k.priv);
	if (rv != CKR_OK)
		fail(std::string("C_GenerateKeyPair (") + algo_name(a) + ")", rv);
	keys.emplace(std::make_pair(m, a), k);
	return k;
}

// One attribute of an object.
Bytes attribute(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		CK_ATTRIBUTE_TYPE type)
{
	CK_ATTRIBUTE a{type, nullptr, 0};
	CK_RV rv = f->C_GetAttributeValue(s, o, &a, 1);
	Bytes v(rv == CKR_OK ? a.ulValueLen : 0);
	a.pValue = v.data();
	if (rv != CKR_OK || (rv = f->C_GetAttributeValue(s, o, &a, 1)) != CKR_OK)
		fail("C_GetAttributeValue", rv);
	v.resize(a.ulValueLen);
	return v;
}

// The contents of a DER OCTET STRING (CKA_EC_POINT's encoding), or
// nothing when der is not one.
Bytes octets(const Bytes &der)
{
	const unsigned char *p = der.data();
	ASN1_OCTET_STRING *o = d2i_ASN1_OCTET_STRING(nullptr, &p, static_cast<long>(der.size()));
	Bytes v;
	if (o && p == der.data() + der.size())
		v.assign(ASN1_STRING_get0_data(o), ASN1_STRING_get0_data(o) + ASN1_STRING_length(o));
	ASN1_OCTET_STRING_free(o);
	return v;
}

// The curve CKA_EC_PARAMS names (a DER OID), as OpenSSL names it.
std::string curve_name(const Bytes &der)
{
	const unsigned char *p = der.data();
	ASN1_OBJECT *oid = d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(der.size()));
	const char *name = oid && p == der.data() + der.size() ? OBJ_nid2sn(OBJ_obj2nid(oid)) : nullptr;
	ASN1_OBJECT_free(oid);
	return name ? name : "";
}

// The SubjectPublicKeyInfo DER of a public key object, from what PKCS#11
// says of it: CKA_EC_PARAMS and CKA_EC_POINT (ECDSA, EdDSA), CKA_MODULUS
// and CKA_PUBLIC_EXPONENT (RSA).  Empty when OpenSSL cannot make a key of it.
Bytes spki(Algo a, CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *n = nullptr, *e = nullptr;
	std::string group;
	Bytes point;
	const char *type = a == Algo::RsaPss ? "RSA" : a == Algo::Ed25519 ? "ED25519" : "EC";
	bool ok = bld != nullptr;
	if (a == Algo::RsaPss) {
		Bytes mod = attribute(f, s, pub, CKA_MODULUS), exp = attribute(f, s, pub, CKA_PUBLIC_EXPONENT);
		n = BN_bin2bn(mod.data(), static_cast<int>(mod.size()), nullptr);
		e = BN_bin2bn(exp.data(), static_cast<int>(exp.size()), nullptr);
		ok = ok && n && e && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
		     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
	} else {
		point = octets(attribute(f, s, pub, CKA_EC_POINT));
		group = curve_name(attribute(f, s, pub, CKA_EC_PARAMS));
		ok = ok && !point.empty() &&
		     (a == Algo::Ed25519 ? group == SN_ED25519
					 : OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
									   group.c_str(), 0)) &&
		     OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
						      point.size());
	}
	OSSL_PARAM *params = ok ? OSSL_PARAM_BLD_to_param(bld) : nullptr;
	EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr) : nullptr;
	EVP_PKEY *key = nullptr;
	unsigned char *der = nullptr;
	int len = ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
			  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1
		  ? i2d_PUBKEY(key, &der)
		  : 0;
	Bytes out = len > 0 ? Bytes(der, der + len) : Bytes{};
	OPENSSL_free(der);
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return out;
}

// PKCS#11's ECDSA signature, r || s, as DER (an Ecdsa-Sig-Value).
Bytes ecdsa_der(const Bytes &rs)
{
	const int half = static_cast<int>(rs.size() / 2);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs.data(), half, nullptr), *s = BN_bin2bn(rs.data() + half, half, nullptr);
	Bytes out;
	if (sig && r && s && ECDSA_SIG_set0(sig, r, s)) {
		r = s = nullptr;	// sig owns them
		unsigned char *der = nullptr;
		if (int len = i2d_ECDSA_SIG(sig, &der); len > 0)
			out.assign(der, der + len);
		OPENSSL_free(der);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	return out;
}

class Pkcs11Runner final : public Runner {
public:
	explicit Pkcs11Runner(Module m) : m_(m) {}
	~Pkcs11Runner() override
	{
		if (session_)
			f_->C_CloseSession(session_);
	}

	bool setup(const Case &c) override
	{
		if (c.batch != 1) {
			why_ = "PKCS#11 runs one operation per call";
			return false;
		}
		c_ = c;
		Token &t = token(m_);
		f_ = t.f;
		CK_RV rv = f_->C_OpenSession(t.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr,
					     nullptr, &session_);
		if (rv != CKR_OK)
			fail("C_OpenSession", rv);
		in_ = Inputs::payload(c.size);
		iv_ = Inputs::iv();
		out_.assign(Inputs::out_len(c.algo, c.size), 0);
		if (c.algo == Algo::Sha)
			return true;
		if (is_signature(c.algo)) {
			const KeyPair k = signing_key(m_, c.algo);
			key_ = k.priv;
			pub_ = k.pub;
			if (c.algo == Algo::EcdsaP256)
				mech_ = {ecdsa_sha256(t) ? CKM_ECDSA_SHA256 : CKM_ECDSA, nullptr, 0};
			else if (c.algo == Algo::Ed25519)
				mech_ = {CKM_EDDSA, nullptr, 0};	// pure EdDSA: no parameters
			else
				mech_ = {CKM_SHA256_RSA_PKCS_PSS, &pss_, sizeof(pss_)};
			return true;
		}

		Bytes key = Inputs::key(c.algo);
		CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
		CK_KEY_TYPE type = c.algo == Algo::Gcm ? CKK_AES : CKK_GENERIC_SECRET;
		CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
		CK_ATTRIBUTE attrs[] = {
			{CKA_CLASS, &cls, sizeof(cls)},
			{CKA_KEY_TYPE, &type, sizeof(type)},
			{CKA_TOKEN, &no, sizeof(no)},
			{c.algo == Algo::Gcm ? CKA_ENCRYPT : CKA_SIGN, &yes, sizeof(yes)},
			{CKA_VALUE, key.data(), key.size()},
		};
		rv = f_->C_CreateObject(session_, attrs, sizeof(attrs) / sizeof(attrs[0]), &key_);
		if (rv != CKR_OK)
			fail("C_CreateObject", rv);
		return true;
	}

	void run() override
	{
		CK_RV rv;
		CK_ULONG n = out_.size();
		switch (c_.algo) {
		case Algo::Gcm: {
			CK_GCM_PARAMS gcm{};
			gcm.pIv = iv_.data();
			gcm.ulIvLen = iv_.size();
			gcm.ulIvBits = iv_.size() * 8;
			gcm.ulTagBits = 128;
			CK_MECHANISM m{CKM_AES_GCM, &gcm, sizeof(gcm)};
			if ((rv = f_->C_EncryptInit(session_, &m, key_)) != CKR_OK ||
			    (rv = f_->C_Encrypt(session_, in_.data(), in_.size(), out_.data(), &n)) !=
				    CKR_OK)
				fail("C_Encrypt", rv);
			break;
		}
		case Algo::Hmac: {
			CK_MECHANISM m{CKM_SHA256_HMAC, nullptr, 0};
			if ((rv = f_->C_SignInit(session_, &m, key_)) != CKR_OK ||
			    (rv = f_->C_Sign(session_, in_.data(), in_.size(), out_.data(), &n)) != CKR_OK)
				fail("C_Sign", rv);
			break;
		}
		case Algo::Sha: {
			CK_MECHANISM m{CKM_SHA256, nullptr, 0};
			if ((rv = f_->C_DigestInit(session_, &m)) != CKR_OK ||
			    (rv = f_->C_Digest(session_, in_.data(), in_.size(), out_.data(), &n)) !=
				    CKR_OK)
				fail("C_Digest", rv);
			break;
		}
		case Algo::EcdsaP256:
		case Algo::Ed25519:
		case Algo::RsaPss: {
			// CKM_ECDSA signs a digest: hashed here, as OpenSSL's
			// PKCS#11 engine and provider do.
			CK_BYTE digest[32];
			const bool prehash = mech_.mechanism == CKM_ECDSA;
			if (prehash && !EVP_Digest(in_.data(), in_.size(), digest, nullptr, EVP_sha256(),
						   nullptr))
				fail("SHA-256 of the message", CKR_GENERAL_ERROR);
			if ((rv = f_->C_SignInit(session_, &mech_, key_)) != CKR_OK ||
			    (rv = f_->C_Sign(session_, prehash ? digest : in_.data(),
					     prehash ? sizeof(digest) : in_.size(), out_.data(), &n)) != CKR_OK)
				fail("C_Sign", rv);
			// Shorter than the longest: ECDSA's r || s.
			sig_len_ = n;
			return;
		}
		}
		if (n != out_.size())
			fail("output length", CKR_GENERAL_ERROR);
	}

	Bytes output() override
	{
		if (!is_signature(c_.algo))
			return out_;
		Bytes sig(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(sig_len_));
		return c_.algo == Algo::EcdsaP256 ? ecdsa_der(sig) : sig;
	}

	Bytes public_key() override
	{
		return is_signature(c_.algo) ? spki(c_.algo, f_, session_, pub_) : Bytes{};
	}

	std::string why() const override { return why_; }

private:
	Module m_;
	Case c_{};
	CK_FUNCTION_LIST_PTR f_ = nullptr;
	CK_SESSION_HANDLE session_ = 0;
	CK_OBJECT_HANDLE key_ = 0;
	// Signatures: the public half, and the mechanism (PSS: SHA-256,
	// MGF1-SHA-256, a 32-byte salt).
	CK_OBJECT_HANDLE pub_ = 0;
	CK_RSA_PKCS_PSS_PARAMS pss_{CKM_SHA256, CKG_MGF1_SHA256, 32};
	CK_MECHANISM mech_{};
	std::size_t sig_len_ = 0;
	Bytes in_, iv_, out_;
	std::string why_ = "not offered";
};

}  // namespace

void add_pkcs11(std::vector<Competitor> &out)
{
	out.push_back({"hsm-pkcs11", "hsm's libhsm-pkcs11.so, the same PKCS#11 calls as softhsm2 "
				     "(ECDSA: CKM_ECDSA_SHA256)", false,
		       [] { return std::make_unique<Pkcs11Runner>(Module::kHsm); }});
	out.push_back({"softhsm2", "SoftHSM2 2.6 through PKCS#11, a session key per thread "
				   "(signatures: one C_GenerateKeyPair key pair per process; ECDSA: "
				   "CKM_ECDSA_SHA256, or where the token lacks it, as SoftHSM2 2.6 does, "
				   "CKM_ECDSA over a SHA-256 made in the process)", false,
		       [] { return std::make_unique<Pkcs11Runner>(Module::kSoftHsm); }});
}

}  // namespace bench
