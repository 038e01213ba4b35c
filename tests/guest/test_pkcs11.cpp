// SPDX-License-Identifier: GPL-2.0 OR MIT
// The PKCS#11 module (libhsm-pkcs11.so) as its consumers use it: loaded
// with dlopen(), driven through its function list, each answer checked for
// the exact CKR_ value the spec (2.40) gives.  Signatures are checked again
// by OpenSSL from the public attributes alone; the Tookan-style extraction
// attempts (pkcs11test's) must each be refused with the right code; and
// pkcs11-tool's own runs (--test, --test-ec, --test-threads, --test-fork)
// must pass.  hsmd, which serves ECDSA, Ed25519 and RSA, is started by the
// guest's payload.
#include <algorithm>
#include <grp.h>
#include <sys/stat.h>
#include <atomic>
#include <cstdarg>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>
#include <utility>

#include "p11_test.hpp"
#include "pkcs11/v3.hpp"
#include "wycheproof.hpp"

using namespace p11test;

namespace {

// The suites' token and a read-write session on it (fixture).
CK_SLOT_ID slot;
CK_SESSION_HANDLE sess;

void open_token()
{
	P11_OK(fl()->C_Initialize(nullptr));
	slot = slots()[0];
	sess = open_session(slot);
}

void close_token()
{
	fl()->C_Finalize(nullptr);
}

// A line in the suite's output (Criterion shows its own logs only with
// --verbose).
__attribute__((format(printf, 1, 2))) void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	std::fprintf(stderr, "test_pkcs11: ");
	std::vfprintf(stderr, fmt, ap);
	std::fprintf(stderr, "\n");
	va_end(ap);
}

Bytes pattern(std::size_t n, std::uint8_t seed)
{
	Bytes b(n);
	for (std::size_t i = 0; i < n; i++)
		b[i] = static_cast<std::uint8_t>(seed + i * 7);
	return b;
}

Bytes hex(const char *h)
{
	Bytes b;
	for (; h[0] && h[1]; h += 2)
		b.push_back(static_cast<std::uint8_t>(std::stoi(std::string(h, 2), nullptr, 16)));
	return b;
}

Bytes digest(const char *md, const Bytes &msg)
{
	Bytes d(EVP_MAX_MD_SIZE);
	unsigned n = 0;
	cr_assert_eq(EVP_Digest(msg.data(), msg.size(), d.data(), &n, EVP_get_digestbyname(md),
				nullptr), 1);
	d.resize(n);
	return d;
}

std::vector<CK_MECHANISM_TYPE> mechanisms()
{
	CK_ULONG n = 0;
	P11_OK(fl()->C_GetMechanismList(slot, nullptr, &n));
	std::vector<CK_MECHANISM_TYPE> v(n);
	P11_OK(fl()->C_GetMechanismList(slot, v.data(), &n));
	v.resize(n);
	return v;
}

bool offers(CK_MECHANISM_TYPE t)
{
	auto v = mechanisms();
	return std::find(v.begin(), v.end(), t) != v.end();
}

CK_OBJECT_HANDLE gen_key(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE type, Tmpl &t)
{
	CK_MECHANISM m = mech(type);
	CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
	P11_OK(fl()->C_GenerateKey(s, &m, t.data(), t.size(), &k));
	return k;
}

using Flags = std::initializer_list<std::pair<CK_ATTRIBUTE_TYPE, bool>>;

Tmpl secret_tmpl(CK_KEY_TYPE type, Flags flags, bool token = false)
{
	Tmpl t;
	t.ul(CKA_CLASS, CKO_SECRET_KEY).ul(CKA_KEY_TYPE, type).ul(CKA_VALUE_LEN, 32);
	t.flag(CKA_TOKEN, token);
	for (auto [a, v] : flags)
		t.flag(a, v);
	return t;
}

// An AES-256 session key with these attributes.
CK_OBJECT_HANDLE aes_key(Flags flags = {{CKA_ENCRYPT, true}, {CKA_DECRYPT, true}},
			 CK_SESSION_HANDLE s = sess)
{
	Tmpl t = secret_tmpl(CKK_AES, flags);
	return gen_key(s, CKM_AES_KEY_GEN, t);
}

// A 32-byte HMAC session key.
CK_OBJECT_HANDLE hmac_key(CK_SESSION_HANDLE s = sess)
{
	Tmpl t = secret_tmpl(CKK_GENERIC_SECRET, {{CKA_SIGN, true}, {CKA_VERIFY, true}});
	return gen_key(s, CKM_GENERIC_SECRET_KEY_GEN, t);
}

struct Pair {
	CK_OBJECT_HANDLE pub, priv;
};

Pair gen_pair(CK_MECHANISM_TYPE type, Tmpl &pub, Tmpl &priv)
{
	CK_MECHANISM m = mech(type);
	Pair p{CK_INVALID_HANDLE, CK_INVALID_HANDLE};
	P11_OK(fl()->C_GenerateKeyPair(sess, &m, pub.data(), pub.size(), priv.data(), priv.size(),
				       &p.pub, &p.priv));
	return p;
}

// DER of the curves' CKA_EC_PARAMS: OIDs of prime256v1 and secp384r1, and
// the PrintableString "edwards25519".
const Bytes kP256 = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
const Bytes kP384 = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
const Bytes kEd25519 = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'};

// A session key pair on a curve (EC or Edwards), private half sensitive.
Pair ec_pair(CK_MECHANISM_TYPE gen, const Bytes &params, const Bytes &id)
{
	Tmpl pub, priv;
	pub.bytes(CKA_EC_PARAMS, params).bytes(CKA_ID, id).flag(CKA_TOKEN, false);
	pub.flag(CKA_VERIFY, true);
	priv.bytes(CKA_ID, id).flag(CKA_TOKEN, false).flag(CKA_SIGN, true);
	priv.flag(CKA_SENSITIVE, true).flag(CKA_EXTRACTABLE, false);
	return gen_pair(gen, pub, priv);
}

// An RSA-2048 session key pair (e = 65537) that signs or decrypts.
Pair rsa_pair(bool signs)
{
	const CK_BYTE e[] = {0x01, 0x00, 0x01};
	Tmpl pub, priv;
	pub.ul(CKA_MODULUS_BITS, 2048).raw(CKA_PUBLIC_EXPONENT, e, sizeof e);
	pub.flag(CKA_TOKEN, false).flag(signs ? CKA_VERIFY : CKA_ENCRYPT, true);
	priv.flag(CKA_TOKEN, false).flag(signs ? CKA_SIGN : CKA_DECRYPT, true);
	priv.flag(CKA_SENSITIVE, true).flag(CKA_EXTRACTABLE, false);
	return gen_pair(CKM_RSA_PKCS_KEY_PAIR_GEN, pub, priv);
}

// OpenSSL's public keys, made from the PKCS#11 public attributes alone.
EVP_PKEY *pkey_from(const char *type, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
	EVP_PKEY *pk = nullptr;
	cr_assert(ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
			  EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) == 1,
		  "OpenSSL takes no %s public key from the token's attributes", type);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

EVP_PKEY *ec_pkey(const char *group, Bytes point)
{
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char *>(group), 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
		OSSL_PARAM_construct_end()};
	return pkey_from("EC", p);
}

EVP_PKEY *rsa_pkey(const Bytes &n, const Bytes &e)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	BIGNUM *bn = BN_bin2bn(n.data(), n.size(), nullptr), *be = BN_bin2bn(e.data(), e.size(), nullptr);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be);
	OSSL_PARAM *p = OSSL_PARAM_BLD_to_param(b);
	EVP_PKEY *pk = pkey_from("RSA", p);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	BN_free(bn);
	BN_free(be);
	return pk;
}

// PKCS#11's ECDSA signature (r || s) as the DER OpenSSL verifies.
Bytes rs_to_der(const Bytes &rs)
{
	std::size_t h = rs.size() / 2;
	ECDSA_SIG *sig = ECDSA_SIG_new();
	ECDSA_SIG_set0(sig, BN_bin2bn(rs.data(), h, nullptr), BN_bin2bn(rs.data() + h, h, nullptr));
	unsigned char *p = nullptr;
	int n = i2d_ECDSA_SIG(sig, &p);
	cr_assert_gt(n, 0);
	Bytes der(p, p + n);
	OPENSSL_free(p);
	ECDSA_SIG_free(sig);
	return der;
}

// OpenSSL's verdict on a signature of a digest (ECDSA).
bool openssl_verifies_digest(EVP_PKEY *pk, const Bytes &dgst, const Bytes &der)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, nullptr);
	bool ok = EVP_PKEY_verify_init(ctx) == 1 &&
		  EVP_PKEY_verify(ctx, der.data(), der.size(), dgst.data(), dgst.size()) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

// OpenSSL's verdict on a signature of a message (md: nullptr for EdDSA;
// pss: RSA-PSS with MGF1 of md and a salt of md's size).
bool openssl_verifies(EVP_PKEY *pk, const char *md, const Bytes &msg, const Bytes &sig,
		      bool pss = false)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = nullptr;
	const EVP_MD *m = md ? EVP_get_digestbyname(md) : nullptr;
	int ok = EVP_DigestVerifyInit(ctx, &pctx, m, nullptr, pk);
	if (ok == 1 && pss)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, m) == 1 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
	ok = ok == 1 && EVP_DigestVerify(ctx, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

// OpenSSL's verdict on an RSASSA-PKCS1-v1_5 signature of a message.
bool openssl_verifies_pkcs1(EVP_PKEY *pk, const char *md, const Bytes &msg, const Bytes &sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = nullptr;
	bool ok = EVP_DigestVerifyInit(ctx, &pctx, EVP_get_digestbyname(md), nullptr, pk) == 1 &&
		  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
		  EVP_DigestVerify(ctx, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

} // namespace

// Library initialisation: these tests call C_Initialize themselves.
TestSuite(pkcs11_init);

Test(pkcs11_init, initialize_and_finalize_round_trip)
{
	for (int i = 0; i < 2; i++) {
		P11_EXPECT(fl()->C_Initialize(nullptr), CKR_OK);
		CK_INFO info;
		P11_EXPECT(fl()->C_GetInfo(&info), CKR_OK);
		P11_EXPECT(fl()->C_Finalize(nullptr), CKR_OK);
	}
}

// PKCS#11 3.0's interfaces, as a 3.0 consumer finds them: the list (3.0,
// then 2.40), C_GetInterface by name, version and flags, and a 3.0
// function list whose 2.40 part is the module's own and whose new
// functions answer.
namespace {

using Interface = CK_INTERFACE;
using GetInterfaceList = CK_RV (*)(Interface *, CK_ULONG *);
using GetInterface = CK_RV (*)(CK_UTF8CHAR *, CK_VERSION *, Interface **, CK_FLAGS);
using SessionCancel = CK_RV (*)(CK_SESSION_HANDLE, CK_FLAGS);
using MessageInit = CK_RV (*)(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);

CK_VERSION version_of(const Interface &i)
{
	return static_cast<const CK_FUNCTION_LIST *>(i.pFunctionList)->version;
}

} // namespace

Test(pkcs11_init, interfaces_3_0_and_2_40)
{
	void *h = dlopen(module_path(), RTLD_NOW | RTLD_LOCAL);
	auto list = reinterpret_cast<GetInterfaceList>(dlsym(h, "C_GetInterfaceList"));
	auto one = reinterpret_cast<GetInterface>(dlsym(h, "C_GetInterface"));
	cr_assert(list && one, "the module exports no C_GetInterfaceList or C_GetInterface");
	CK_ULONG n = 0, small = 1;
	Interface is[2];
	P11_EXPECT(list(nullptr, &n), CKR_OK);
	cr_assert_eq(n, 2u);
	P11_EXPECT(list(is, &small), CKR_BUFFER_TOO_SMALL);
	cr_expect_eq(small, 2u);
	P11_EXPECT(list(is, &n), CKR_OK);
	P11_EXPECT(list(is, nullptr), CKR_ARGUMENTS_BAD);
	for (const auto &i : is)
		cr_expect(!std::strcmp(reinterpret_cast<char *>(i.pInterfaceName), "PKCS 11") && i.flags == 0);
	cr_expect(version_of(is[0]).major == 3 && version_of(is[0]).minor == 0);
	cr_expect(version_of(is[1]).major == 2 && version_of(is[1]).minor == 40);

	Interface *i = nullptr;
	P11_EXPECT(one(nullptr, nullptr, &i, 0), CKR_OK);
	cr_expect(i && i->pFunctionList == is[0].pFunctionList, "the default interface is not the 3.0 one");
	CK_VERSION v240{2, 40}, v31{3, 1};
	CK_UTF8CHAR name[] = "PKCS 11", other[] = "Vendor";
	P11_EXPECT(one(name, &v240, &i, 0), CKR_OK);
	cr_expect(i && i->pFunctionList == fl(), "the 2.40 interface is not C_GetFunctionList's list");
	P11_EXPECT(one(other, nullptr, &i, 0), CKR_ARGUMENTS_BAD);
	P11_EXPECT(one(name, &v31, &i, 0), CKR_ARGUMENTS_BAD);
	P11_EXPECT(one(nullptr, nullptr, &i, CKF_INTERFACE_FORK_SAFE), CKR_ARGUMENTS_BAD);
	P11_EXPECT(one(nullptr, nullptr, nullptr, 0), CKR_ARGUMENTS_BAD);

	// The 3.0 list: 2.40's functions, then (in the standard's order)
	// C_GetInterfaceList, C_GetInterface, C_LoginUser, C_SessionCancel,
	// C_MessageEncryptInit, ...
	auto *f3 = static_cast<CK_FUNCTION_LIST *>(is[0].pFunctionList);
	cr_expect(f3->C_Sign == fl()->C_Sign && f3->C_WaitForSlotEvent == fl()->C_WaitForSlotEvent);
	void **extra = reinterpret_cast<void **>(reinterpret_cast<char *>(f3) + sizeof(CK_FUNCTION_LIST));
	cr_expect(extra[0] == reinterpret_cast<void *>(list) && extra[1] == reinterpret_cast<void *>(one));
	auto cancel = reinterpret_cast<SessionCancel>(extra[3]);
	auto message_encrypt_init = reinterpret_cast<MessageInit>(extra[4]);

	P11_OK(fl()->C_Initialize(nullptr));
	CK_SESSION_HANDLE s = open_session(slots()[0]);
	CK_MECHANISM sha = {CKM_SHA256, nullptr, 0};
	P11_OK(fl()->C_DigestInit(s, &sha));
	P11_EXPECT(cancel(s, CKF_DIGEST), CKR_OK);
	CK_BYTE in[1] = {0}, out[32];
	CK_ULONG out_len = sizeof out;
	P11_EXPECT(fl()->C_Digest(s, in, 1, out, &out_len), CKR_OPERATION_NOT_INITIALIZED);
	P11_EXPECT(fl()->C_DigestInit(s, &sha), CKR_OK);
	P11_OK(fl()->C_FindObjectsInit(s, nullptr, 0));
	P11_EXPECT(cancel(s, CKF_FIND_OBJECTS), CKR_OK);
	CK_OBJECT_HANDLE found;
	CK_ULONG nfound = 0;
	P11_EXPECT(fl()->C_FindObjects(s, &found, 1, &nfound), CKR_OPERATION_NOT_INITIALIZED);
	P11_EXPECT(message_encrypt_init(s, &sha, CK_INVALID_HANDLE), CKR_FUNCTION_NOT_SUPPORTED);
	P11_EXPECT(cancel(s + 1000, CKF_DIGEST), CKR_SESSION_HANDLE_INVALID);
	P11_EXPECT(fl()->C_Finalize(nullptr), CKR_OK);
}

Test(pkcs11_init, initialize_twice_is_refused)
{
	P11_OK(fl()->C_Initialize(nullptr));
	P11_EXPECT(fl()->C_Initialize(nullptr), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	P11_EXPECT(fl()->C_Finalize(nullptr), CKR_OK);
}

Test(pkcs11_init, calls_before_initialize_are_refused)
{
	for (int round = 0; round < 2; round++) {
		CK_INFO info;
		CK_ULONG n = 0;
		CK_SESSION_HANDLE s;
		P11_EXPECT(fl()->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
		P11_EXPECT(fl()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
		P11_EXPECT(fl()->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s),
			   CKR_CRYPTOKI_NOT_INITIALIZED);
		P11_EXPECT(fl()->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
		// The second round: after a C_Finalize.
		P11_OK(fl()->C_Initialize(nullptr));
		P11_OK(fl()->C_Finalize(nullptr));
	}
}

Test(pkcs11_init, os_locking_is_accepted)
{
	CK_C_INITIALIZE_ARGS args{};
	args.flags = CKF_OS_LOCKING_OK;
	P11_EXPECT(fl()->C_Initialize(&args), CKR_OK);
	P11_EXPECT(fl()->C_Finalize(nullptr), CKR_OK);
	args.pReserved = &args;
	P11_EXPECT(fl()->C_Initialize(&args), CKR_ARGUMENTS_BAD);
}

namespace {

// The forked child: the parent's state is not its own until it calls
// C_Initialize.  Returns its exit status; says why on stderr.
int fork_child()
{
	CK_ULONG n = 0;
	CK_RV rv = fl()->C_GetSlotList(CK_TRUE, nullptr, &n);
	if (rv != CKR_CRYPTOKI_NOT_INITIALIZED) {
		fprintf(stderr, "child: C_GetSlotList: 0x%lx %s, expected CKR_CRYPTOKI_NOT_INITIALIZED\n",
			rv, rv_name(rv));
		return 1;
	}
	if ((rv = fl()->C_Initialize(nullptr)) != CKR_OK) {
		fprintf(stderr, "child: C_Initialize: 0x%lx %s\n", rv, rv_name(rv));
		return 2;
	}
	CK_SLOT_ID id;
	CK_SESSION_HANDLE s;
	CK_MECHANISM m = mech(CKM_SHA256);
	CK_BYTE in[3] = {'a', 'b', 'c'}, out[32];
	n = 1;
	CK_ULONG len = sizeof out;
	if ((rv = fl()->C_GetSlotList(CK_TRUE, &id, &n)) != CKR_OK ||
	    (rv = fl()->C_OpenSession(id, CKF_SERIAL_SESSION, nullptr, nullptr, &s)) != CKR_OK ||
	    (rv = fl()->C_DigestInit(s, &m)) != CKR_OK ||
	    (rv = fl()->C_Digest(s, in, sizeof in, out, &len)) != CKR_OK) {
		fprintf(stderr, "child: a digest after C_Initialize: 0x%lx %s\n", rv, rv_name(rv));
		return 3;
	}
	return fl()->C_Finalize(nullptr) == CKR_OK ? 0 : 4;
}

} // namespace

Test(pkcs11_init, forked_child_initializes_again)
{
	open_token();
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(fork_child());
	int st = 0;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child: status 0x%x (its stderr says why)",
		  st);
	Bytes out(32);
	CK_ULONG n = out.size();
	CK_MECHANISM m = mech(CKM_SHA256);
	P11_EXPECT(fl()->C_DigestInit(sess, &m), CKR_OK);
	P11_EXPECT(fl()->C_Digest(sess, (CK_BYTE_PTR) "abc", 3, out.data(), &n), CKR_OK);
	close_token();
}

// Four threads, a session each, sign with one key.  The library is told
// (CKF_OS_LOCKING_OK) that the application has threads: without it, the
// spec lets a library assume it has none.
Test(pkcs11_init, four_threads_sign_with_one_key)
{
	CK_C_INITIALIZE_ARGS args{};
	args.flags = CKF_OS_LOCKING_OK;
	P11_OK(fl()->C_Initialize(&args));
	slot = slots()[0];
	sess = open_session(slot);
	Pair k = ec_pair(CKM_EC_KEY_PAIR_GEN, kP256, {0x53});
	const Bytes dgst = digest("SHA256", pattern(64, 15));
	std::atomic<int> ok{0};
	std::atomic<CK_RV> first_error{CKR_OK};
	auto worker = [&] {
		CK_SESSION_HANDLE s;
		CK_RV rv = fl()->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s);
		for (int i = 0; rv == CKR_OK && i < 50; i++) {
			CK_MECHANISM m = mech(CKM_ECDSA);
			CK_BYTE sig[64];
			CK_ULONG n = sizeof sig;
			if ((rv = fl()->C_SignInit(s, &m, k.priv)) == CKR_OK &&
			    (rv = fl()->C_Sign(s, const_cast<CK_BYTE_PTR>(dgst.data()), dgst.size(), sig,
					       &n)) == CKR_OK)
				ok++;
		}
		if (rv != CKR_OK)
			first_error = rv;
		else
			fl()->C_CloseSession(s);
	};
	std::vector<std::thread> threads;
	for (int i = 0; i < 4; i++)
		threads.emplace_back(worker);
	for (auto &t : threads)
		t.join();
	cr_expect_eq(ok.load(), 200, "%d of 200 signatures; an error: 0x%lx %s", ok.load(),
		     first_error.load(), rv_name(first_error.load()));
	close_token();
}

// Slot, token and mechanisms.
TestSuite(pkcs11, .init = open_token, .fini = close_token);

Test(pkcs11, one_slot_with_an_initialized_token)
{
	CK_ULONG n = 0;
	P11_OK(fl()->C_GetSlotList(CK_TRUE, nullptr, &n));
	cr_expect_eq(n, 1u, "C_GetSlotList(CK_TRUE): %lu slots", n);
	CK_TOKEN_INFO ti;
	P11_OK(fl()->C_GetTokenInfo(slot, &ti));
	cr_expect(!std::memcmp(ti.label, "hsm", 3), "token label '%.32s'", ti.label);
	const CK_FLAGS want = CKF_TOKEN_INITIALIZED | CKF_RNG | CKF_PROTECTED_AUTHENTICATION_PATH;
	cr_expect_eq(ti.flags & want, want, "token flags 0x%lx, want 0x%lx", ti.flags, want);
	cr_expect(!(ti.flags & CKF_LOGIN_REQUIRED), "token flags 0x%lx: CKF_LOGIN_REQUIRED", ti.flags);
	const std::string serial(reinterpret_cast<char *>(ti.serialNumber), sizeof ti.serialNumber);
	cr_expect(serial.find_first_not_of(' ') != std::string::npos, "a serial number of spaces");
	// Blank-padded, as RFC 7512 URIs read them: no NUL.
	for (auto [f, len] : {std::pair{ti.label, 32}, {ti.manufacturerID, 32}, {ti.model, 16},
			      {ti.serialNumber, 16}})
		cr_expect(!std::memchr(f, 0, len), "a NUL in a token info string: '%.*s'", len, f);
}

Test(pkcs11, mechanism_list_and_its_length_query)
{
	CK_ULONG n = 0;
	P11_OK(fl()->C_GetMechanismList(slot, nullptr, &n));
	cr_assert_gt(n, 1u);
	std::vector<CK_MECHANISM_TYPE> v(n);
	CK_ULONG small = n - 1;
	P11_EXPECT(fl()->C_GetMechanismList(slot, v.data(), &small), CKR_BUFFER_TOO_SMALL);
	cr_expect_eq(small, n, "CKR_BUFFER_TOO_SMALL: %lu set, %lu needed", small, n);
	CK_ULONG got = n;
	P11_OK(fl()->C_GetMechanismList(slot, v.data(), &got));
	cr_expect_eq(got, n);
	for (CK_MECHANISM_TYPE t : {CKM_ECDSA, CKM_EDDSA, CKM_AES_GCM, CKM_SHA256_HMAC, CKM_SHA256,
				    CKM_RSA_PKCS_PSS, CKM_RSA_PKCS_OAEP, CKM_EC_KEY_PAIR_GEN,
				    CKM_AES_KEY_GEN})
		cr_expect(std::find(v.begin(), v.end(), t) != v.end(), "mechanism 0x%lx not listed", t);
}

Test(pkcs11, random_bytes_differ)
{
	Bytes a(64), b(64);
	P11_OK(fl()->C_GenerateRandom(sess, a.data(), a.size()));
	P11_OK(fl()->C_GenerateRandom(sess, b.data(), b.size()));
	cr_expect(a != b, "two draws of 64 bytes are the same");
	cr_expect(a != Bytes(64), "64 zero bytes");
}

// FIPS 180-2, appendix B.1: SHA-256("abc").
Test(pkcs11, sha256_of_abc)
{
	CK_MECHANISM m = mech(CKM_SHA256);
	P11_OK(fl()->C_DigestInit(sess, &m));
	Bytes d;
	P11_EXPECT(one_shot(fl()->C_Digest, sess, str_bytes("abc"), d), CKR_OK);
	cr_expect(d == hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
		  "SHA-256(\"abc\") is not FIPS 180's");
}

// AES-256 session keys: GCM, CBC-PAD and CTR.
Test(pkcs11, aes_gcm_round_trip_and_a_flipped_byte)
{
	CK_OBJECT_HANDLE k = aes_key();
	Bytes iv = pattern(12, 1), aad = pattern(20, 2), pt = pattern(100, 3);
	CK_GCM_PARAMS p{iv.data(), iv.size(), 96, aad.data(), aad.size(), 128};
	Bytes ct = encrypt(sess, mech(CKM_AES_GCM, &p), k, pt);
	cr_assert_eq(ct.size(), pt.size() + 16, "GCM: %zu bytes of ciphertext and tag", ct.size());
	Bytes back;
	P11_EXPECT(decrypt(sess, mech(CKM_AES_GCM, &p), k, ct, back), CKR_OK);
	cr_expect(back == pt, "GCM: not the plaintext");
	ct[5] ^= 1;
	P11_EXPECT(decrypt(sess, mech(CKM_AES_GCM, &p), k, ct, back), CKR_ENCRYPTED_DATA_INVALID);
}

Test(pkcs11, aes_cbc_pad_round_trip)
{
	CK_OBJECT_HANDLE k = aes_key();
	Bytes iv = pattern(16, 4), pt = pattern(17, 5);
	Bytes ct = encrypt(sess, mech(CKM_AES_CBC_PAD, iv.data(), iv.size()), k, pt);
	cr_expect_eq(ct.size(), 32u, "CBC-PAD of 17 bytes: %zu", ct.size());
	Bytes back;
	P11_EXPECT(decrypt(sess, mech(CKM_AES_CBC_PAD, iv.data(), iv.size()), k, ct, back), CKR_OK);
	cr_expect(back == pt, "CBC-PAD: not the plaintext");
}

Test(pkcs11, aes_ctr_round_trip)
{
	CK_OBJECT_HANDLE k = aes_key();
	CK_AES_CTR_PARAMS p{128, {}};
	Bytes cb = pattern(16, 6), pt = pattern(50, 7);
	std::memcpy(p.cb, cb.data(), 16);
	Bytes ct = encrypt(sess, mech(CKM_AES_CTR, &p), k, pt);
	cr_expect_eq(ct.size(), pt.size());
	cr_expect(ct != pt);
	Bytes back;
	P11_EXPECT(decrypt(sess, mech(CKM_AES_CTR, &p), k, ct, back), CKR_OK);
	cr_expect(back == pt, "CTR: not the plaintext");
}

// HMAC-SHA-256.
Test(pkcs11, hmac_sha256_sign_and_verify)
{
	CK_OBJECT_HANDLE k = hmac_key();
	Bytes msg = pattern(77, 8);
	Bytes mac = sign(sess, mech(CKM_SHA256_HMAC), k, msg);
	cr_expect_eq(mac.size(), 32u);
	P11_EXPECT(verify(sess, mech(CKM_SHA256_HMAC), k, msg, mac), CKR_OK);
	msg[0] ^= 1;
	P11_EXPECT(verify(sess, mech(CKM_SHA256_HMAC), k, msg, mac), CKR_SIGNATURE_INVALID);
}

namespace {

// RFC 4231's HMAC-SHA-256 of msg under key, the key given in CKA_VALUE.
void rfc4231(const Bytes &key, const char *msg, const char *want)
{
	Tmpl t;
	t.ul(CKA_CLASS, CKO_SECRET_KEY).ul(CKA_KEY_TYPE, CKK_GENERIC_SECRET).flag(CKA_TOKEN, false);
	t.bytes(CKA_VALUE, key).flag(CKA_SENSITIVE, true).flag(CKA_SIGN, true);
	CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
	P11_OK(fl()->C_CreateObject(sess, t.data(), t.size(), &k));
	Bytes mac = sign(sess, mech(CKM_SHA256_HMAC), k, str_bytes(msg));
	cr_expect(mac == hex(want), "HMAC-SHA-256 is not RFC 4231's");
}

} // namespace

// Test case 1: a 20-byte key.
Test(pkcs11, hmac_sha256_rfc4231_case_1)
{
	rfc4231(Bytes(20, 0x0b), "Hi There",
		"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

// Test case 2's 4-byte key ("Jefe") is below the module's 16-byte floor
// for HMAC keys (docs/pkcs11.md): refused as a value, not shortened.
Test(pkcs11, hmac_key_below_16_bytes_is_refused)
{
	Bytes key = str_bytes("Jefe");
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
		{CKA_CLASS, &cls, sizeof(cls)}, {CKA_KEY_TYPE, &kt, sizeof(kt)},
		{CKA_SIGN, &yes, sizeof(yes)}, {CKA_VALUE, key.data(), key.size()},
	};
	CK_OBJECT_HANDLE h = 0;
	P11_EXPECT(fl()->C_CreateObject(sess, t, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID);
}

namespace {

struct Curve {
	const char *group;	// OpenSSL's name
	const Bytes &params;
	std::size_t bytes;	// of a coordinate
	const char *md;	// the curve's hash
	CK_MECHANISM_TYPE hashed;	// ECDSA with that hash
};

// ECDSA on a curve: CKM_ECDSA over a digest and hash-and-sign over a
// message, each verified by C_Verify and by OpenSSL from CKA_EC_POINT.
void ecdsa_round_trip(const Curve &c)
{
	Pair k = ec_pair(CKM_EC_KEY_PAIR_GEN, c.params, {0x51});
	cr_expect(attr(sess, k.pub, CKA_EC_PARAMS) == c.params, "%s: CKA_EC_PARAMS", c.group);
	Bytes point = der_octets(attr(sess, k.pub, CKA_EC_POINT));
	cr_assert_eq(point.size(), 1 + 2 * c.bytes, "%s: a point of %zu bytes", c.group, point.size());
	cr_expect_eq(point[0], 0x04, "%s: not uncompressed", c.group);
	EVP_PKEY *pk = ec_pkey(c.group, point);

	const Bytes msg = pattern(200, 9), dgst = digest(c.md, msg);
	Bytes sig = sign(sess, mech(CKM_ECDSA), k.priv, dgst);
	cr_assert_eq(sig.size(), 2 * c.bytes, "%s: CKM_ECDSA gave %zu bytes", c.group, sig.size());
	P11_EXPECT(verify(sess, mech(CKM_ECDSA), k.pub, dgst, sig), CKR_OK);
	cr_expect(openssl_verifies_digest(pk, dgst, rs_to_der(sig)), "%s: OpenSSL refuses CKM_ECDSA's",
		  c.group);
	Bytes sig2 = sign(sess, mech(c.hashed), k.priv, msg);
	cr_expect(openssl_verifies_digest(pk, dgst, rs_to_der(sig2)),
		  "%s: OpenSSL refuses CKM_ECDSA_%s's", c.group, c.md);
	P11_EXPECT(verify(sess, mech(c.hashed), k.pub, msg, sig2), CKR_OK);
	sig[3] ^= 1;
	P11_EXPECT(verify(sess, mech(CKM_ECDSA), k.pub, dgst, sig), CKR_SIGNATURE_INVALID);
	EVP_PKEY_free(pk);
}

} // namespace

Test(pkcs11, ecdsa_p256_verifies_in_openssl)
{
	ecdsa_round_trip({"prime256v1", kP256, 32, "SHA256", CKM_ECDSA_SHA256});
}

Test(pkcs11, ecdsa_p384_verifies_in_openssl)
{
	ecdsa_round_trip({"secp384r1", kP384, 48, "SHA384", CKM_ECDSA_SHA384});
}

Test(pkcs11, ed25519_verifies_in_openssl)
{
	Pair k = ec_pair(CKM_EC_EDWARDS_KEY_PAIR_GEN, kEd25519, {0x52});
	Bytes kt = attr(sess, k.pub, CKA_KEY_TYPE);
	cr_expect(kt.size() == sizeof(CK_KEY_TYPE) && *reinterpret_cast<CK_KEY_TYPE *>(kt.data()) ==
							   CKK_EC_EDWARDS, "CKA_KEY_TYPE is not CKK_EC_EDWARDS");
	Bytes raw = der_octets(attr(sess, k.pub, CKA_EC_POINT));
	cr_assert_eq(raw.size(), 32u, "an Ed25519 CKA_EC_POINT of %zu bytes", raw.size());
	const Bytes msg = pattern(300, 10);
	Bytes sig = sign(sess, mech(CKM_EDDSA), k.priv, msg);
	cr_assert_eq(sig.size(), 64u);
	P11_EXPECT(verify(sess, mech(CKM_EDDSA), k.pub, msg, sig), CKR_OK);
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size());
	cr_assert_not_null(pk);
	cr_expect(openssl_verifies(pk, nullptr, msg, sig), "OpenSSL refuses the Ed25519 signature");
	EVP_PKEY_free(pk);
	sig[10] ^= 1;
	P11_EXPECT(verify(sess, mech(CKM_EDDSA), k.pub, msg, sig), CKR_SIGNATURE_INVALID);
}

namespace {

EVP_PKEY *rsa_public(const Pair &k)
{
	Bytes n = attr(sess, k.pub, CKA_MODULUS), e = attr(sess, k.pub, CKA_PUBLIC_EXPONENT);
	cr_expect_eq(n.size(), 256u, "CKA_MODULUS of %zu bytes", n.size());
	cr_expect(e == Bytes({1, 0, 1}), "CKA_PUBLIC_EXPONENT is not 65537");
	return rsa_pkey(n, e);
}

// OpenSSL's RSA-OAEP (SHA-256, MGF1-SHA-256, no label), as a peer would.
Bytes openssl_oaep(EVP_PKEY *pk, const Bytes &msg)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, nullptr);
	cr_assert(EVP_PKEY_encrypt_init(ctx) == 1 &&
		  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
		  EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) == 1 &&
		  EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) == 1);
	Bytes ct(512);
	std::size_t n = ct.size();
	cr_assert_eq(EVP_PKEY_encrypt(ctx, ct.data(), &n, msg.data(), msg.size()), 1);
	ct.resize(n);
	EVP_PKEY_CTX_free(ctx);
	return ct;
}

} // namespace

Test(pkcs11, rsa_pss_verifies_in_openssl)
{
	Pair k = rsa_pair(true);
	EVP_PKEY *pk = rsa_public(k);
	CK_RSA_PKCS_PSS_PARAMS pp{CKM_SHA256, CKG_MGF1_SHA256, 32};
	const Bytes msg = pattern(500, 11);
	Bytes sig = sign(sess, mech(CKM_SHA256_RSA_PKCS_PSS, &pp), k.priv, msg);
	cr_assert_eq(sig.size(), 256u);
	cr_expect(openssl_verifies(pk, "SHA256", msg, sig, true), "OpenSSL refuses the PSS signature");
	P11_EXPECT(verify(sess, mech(CKM_SHA256_RSA_PKCS_PSS, &pp), k.pub, msg, sig), CKR_OK);
	EVP_PKEY_free(pk);
}

// RSASSA-PKCS1-v1_5 with the same key pair PSS uses, as TLS 1.2 and ssh
// ask for it: CKM_RSA_PKCS over the caller's DigestInfo, and the
// hash-and-sign forms.  The scheme is deterministic, so the two ways of
// signing one message must give one signature, which OpenSSL verifies.
Test(pkcs11, rsa_pkcs1_verifies_in_openssl)
{
	Pair k = rsa_pair(true);
	EVP_PKEY *pk = rsa_public(k);
	const Bytes msg = pattern(700, 13);
	// RFC 8017 9.2, note 1: SHA-512's DigestInfo prefix, as ssh's rsa-sha2-512 sends it.
	Bytes info = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
		      0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};
	Bytes d(64);
	unsigned int dn = 0;
	cr_assert(EVP_Digest(msg.data(), msg.size(), d.data(), &dn, EVP_sha512(), nullptr) == 1);
	info.insert(info.end(), d.begin(), d.end());

	Bytes whole = sign(sess, mech(CKM_SHA512_RSA_PKCS), k.priv, msg);
	Bytes raw = sign(sess, mech(CKM_RSA_PKCS), k.priv, info);
	cr_assert_eq(whole.size(), 256u);
	cr_expect(whole == raw, "CKM_SHA512_RSA_PKCS and CKM_RSA_PKCS over its DigestInfo differ");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = nullptr;
	cr_expect(EVP_DigestVerifyInit(ctx, &pctx, EVP_sha512(), nullptr, pk) == 1 &&
			  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
			  EVP_DigestVerify(ctx, whole.data(), whole.size(), msg.data(), msg.size()) == 1,
		  "OpenSSL refuses the PKCS#1 v1.5 signature");
	EVP_MD_CTX_free(ctx);
	P11_EXPECT(verify(sess, mech(CKM_SHA512_RSA_PKCS), k.pub, msg, whole), CKR_OK);
	P11_EXPECT(verify(sess, mech(CKM_RSA_PKCS), k.pub, info, raw), CKR_OK);
	P11_EXPECT(verify(sess, mech(CKM_SHA256_RSA_PKCS), k.pub, msg, whole), CKR_SIGNATURE_INVALID);
	Bytes sha256 = sign(sess, mech(CKM_SHA256_RSA_PKCS), k.priv, msg);
	cr_expect(openssl_verifies_pkcs1(pk, "SHA256", msg, sha256), "SHA-256: OpenSSL refuses it");
	whole[7] ^= 1;
	P11_EXPECT(verify(sess, mech(CKM_SHA512_RSA_PKCS), k.pub, msg, whole), CKR_SIGNATURE_INVALID);
	// The padding needs 11 bytes of the modulus.
	CK_MECHANISM m = mech(CKM_RSA_PKCS);
	Bytes too_long(246, 1), out(256);
	CK_ULONG n = out.size();
	P11_EXPECT(fl()->C_SignInit(sess, &m, k.priv), CKR_OK);
	P11_EXPECT(fl()->C_Sign(sess, too_long.data(), too_long.size(), out.data(), &n),
		   CKR_DATA_LEN_RANGE);
	cr_expect_eq(sign(sess, mech(CKM_RSA_PKCS), k.priv, Bytes(245, 1)).size(), 256u);
	EVP_PKEY_free(pk);
}

// PKCS#1 v1.5 encryption is Bleichenbacher's oracle: the mechanism signs
// and verifies, and nothing else, even on a key that decrypts.
Test(pkcs11, rsa_pkcs1_never_decrypts)
{
	Pair k = rsa_pair(false);
	CK_MECHANISM_INFO info{};
	P11_EXPECT(fl()->C_GetMechanismInfo(slot, CKM_RSA_PKCS, &info), CKR_OK);
	cr_expect_eq(info.flags & (CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP), 0u,
		     "CKM_RSA_PKCS claims flags %#lx", info.flags);
	cr_expect_eq(info.flags & (CKF_SIGN | CKF_VERIFY), CKF_SIGN | CKF_VERIFY);
	CK_MECHANISM m = mech(CKM_RSA_PKCS);
	P11_EXPECT(fl()->C_DecryptInit(sess, &m, k.priv), CKR_MECHANISM_INVALID);
	P11_EXPECT(fl()->C_EncryptInit(sess, &m, k.pub), CKR_MECHANISM_INVALID);
	// And a key made to decrypt (OAEP) does not sign with it.
	P11_EXPECT(fl()->C_SignInit(sess, &m, k.priv), CKR_KEY_FUNCTION_NOT_PERMITTED);
}

Test(pkcs11, rsa_oaep_decrypts_what_openssl_encrypts)
{
	Pair k = rsa_pair(false);
	EVP_PKEY *pk = rsa_public(k);
	const Bytes msg = pattern(100, 12);
	Bytes ct = openssl_oaep(pk, msg), back;
	CK_RSA_PKCS_OAEP_PARAMS op{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
	P11_EXPECT(decrypt(sess, mech(CKM_RSA_PKCS_OAEP, &op), k.priv, ct, back), CKR_OK);
	cr_expect(back == msg, "OAEP: not the message OpenSSL sealed");
	ct[100] ^= 1;
	P11_EXPECT(decrypt(sess, mech(CKM_RSA_PKCS_OAEP, &op), k.priv, ct, back),
		   CKR_ENCRYPTED_DATA_INVALID);
	EVP_PKEY_free(pk);
}

// Extraction attempts (Tookan's, as google/pkcs11test runs them): each must
// be refused with the code the spec gives.
namespace {

const Flags kLocked = {{CKA_ENCRYPT, true}, {CKA_SENSITIVE, true}, {CKA_EXTRACTABLE, false}};

// CKA_VALUE of a key must be CKR_ATTRIBUTE_SENSITIVE, length
// CK_UNAVAILABLE_INFORMATION, with or without a buffer, no byte written.
void value_is_sensitive(CK_OBJECT_HANDLE k, const char *what)
{
	CK_ATTRIBUTE q = {CKA_VALUE, nullptr, 0};
	P11_EXPECT(fl()->C_GetAttributeValue(sess, k, &q, 1), CKR_ATTRIBUTE_SENSITIVE);
	cr_expect_eq(q.ulValueLen, CK_UNAVAILABLE_INFORMATION, "%s: length query: %lu", what,
		     q.ulValueLen);
	Bytes buf(512);
	CK_ATTRIBUTE a = {CKA_VALUE, buf.data(), buf.size()};
	P11_EXPECT(fl()->C_GetAttributeValue(sess, k, &a, 1), CKR_ATTRIBUTE_SENSITIVE);
	cr_expect_eq(a.ulValueLen, CK_UNAVAILABLE_INFORMATION, "%s: %lu", what, a.ulValueLen);
	cr_expect(buf == Bytes(512), "%s: bytes written to the buffer", what);
}

} // namespace

Test(pkcs11, sensitive_secret_value_is_not_readable)
{
	value_is_sensitive(aes_key(kLocked), "AES key");
}

Test(pkcs11, private_ec_value_is_not_readable)
{
	value_is_sensitive(ec_pair(CKM_EC_KEY_PAIR_GEN, kP256, {0x54}).priv, "EC private key");
}

Test(pkcs11, sensitive_cannot_be_cleared)
{
	CK_OBJECT_HANDLE k = aes_key(kLocked);
	Tmpl t;
	t.flag(CKA_SENSITIVE, false);
	P11_EXPECT(fl()->C_SetAttributeValue(sess, k, t.data(), t.size()), CKR_ATTRIBUTE_READ_ONLY);
	cr_expect(attr_flag(sess, k, CKA_SENSITIVE), "CKA_SENSITIVE reads false");
}

Test(pkcs11, extractable_cannot_be_set)
{
	CK_OBJECT_HANDLE k = aes_key(kLocked);
	Tmpl t;
	t.flag(CKA_EXTRACTABLE, true);
	P11_EXPECT(fl()->C_SetAttributeValue(sess, k, t.data(), t.size()), CKR_ATTRIBUTE_READ_ONLY);
	cr_expect(!attr_flag(sess, k, CKA_EXTRACTABLE), "CKA_EXTRACTABLE reads true");
}

Test(pkcs11, copy_cannot_weaken_a_key)
{
	CK_OBJECT_HANDLE k = aes_key(kLocked);
	for (auto [a, v] : {std::pair{CKA_SENSITIVE, false}, {CKA_EXTRACTABLE, true}}) {
		Tmpl t;
		t.flag(a, v);
		CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
		CK_RV rv = fl()->C_CopyObject(sess, k, t.data(), t.size(), &copy);
		cr_expect(rv == CKR_ATTRIBUTE_READ_ONLY || rv == CKR_FUNCTION_NOT_SUPPORTED,
			  "C_CopyObject with attribute 0x%lx = %d: 0x%lx %s, expected "
			  "CKR_ATTRIBUTE_READ_ONLY (or CKR_FUNCTION_NOT_SUPPORTED)",
			  a, v, rv, rv_name(rv));
		note("C_CopyObject with attribute 0x%lx = %d: %s", a, v, rv_name(rv));
	}
}

Test(pkcs11, generated_sensitive_key_was_always_so)
{
	CK_OBJECT_HANDLE k = aes_key(kLocked);
	cr_expect(attr_flag(sess, k, CKA_SENSITIVE), "CKA_SENSITIVE");
	cr_expect(attr_flag(sess, k, CKA_ALWAYS_SENSITIVE), "CKA_ALWAYS_SENSITIVE");
	cr_expect(attr_flag(sess, k, CKA_NEVER_EXTRACTABLE), "CKA_NEVER_EXTRACTABLE");
	cr_expect(!attr_flag(sess, k, CKA_EXTRACTABLE), "CKA_EXTRACTABLE");
	cr_expect(attr_flag(sess, k, CKA_LOCAL), "CKA_LOCAL of a generated key");
}

namespace {

// The token's wrapping mechanism: AES key wrap (RFC 3394).
CK_MECHANISM wrap_mechanism()
{
	CK_MECHANISM_INFO mi;
	P11_OK(fl()->C_GetMechanismInfo(slot, CKM_AES_KEY_WRAP, &mi));
	cr_assert(mi.flags & CKF_WRAP && mi.flags & CKF_UNWRAP, "CKM_AES_KEY_WRAP flags 0x%lx", mi.flags);
	return mech(CKM_AES_KEY_WRAP);
}

} // namespace

// Wrap-then-decrypt: a wrapping key that also decrypts would hand out any
// key it wraps, so the token makes no such key (the module's rule: a
// wrapping key only wraps), by generation, import or unwrapping; and a
// non-extractable key does not leave wrapped.
Test(pkcs11, wrap_of_a_non_extractable_key_is_refused)
{
	CK_MECHANISM gen = mech(CKM_AES_KEY_GEN);
	CK_OBJECT_HANDLE wk = CK_INVALID_HANDLE;
	for (CK_ATTRIBUTE_TYPE other : {CKA_DECRYPT, CKA_ENCRYPT, CKA_SIGN}) {
		Tmpl t = secret_tmpl(CKK_AES, {{CKA_WRAP, true}, {other, true}});
		P11_EXPECT(fl()->C_GenerateKey(sess, &gen, t.data(), t.size(), &wk),
			   CKR_TEMPLATE_INCONSISTENT);
	}
	Bytes v = pattern(32, 40);
	Tmpl imp = secret_tmpl(CKK_AES, {{CKA_UNWRAP, true}, {CKA_DECRYPT, true}});
	Tmpl imp2;
	imp2.ul(CKA_CLASS, CKO_SECRET_KEY).ul(CKA_KEY_TYPE, CKK_AES).flag(CKA_TOKEN, false);
	imp2.flag(CKA_UNWRAP, true).flag(CKA_DECRYPT, true).bytes(CKA_VALUE, v);
	P11_EXPECT(fl()->C_CreateObject(sess, imp2.data(), imp2.size(), &wk), CKR_TEMPLATE_INCONSISTENT);
	wk = aes_key({{CKA_WRAP, true}});
	cr_expect(!attr_flag(sess, wk, CKA_DECRYPT), "a wrapping key that decrypts by default");
	CK_OBJECT_HANDLE k = aes_key(kLocked);
	CK_MECHANISM m = wrap_mechanism();
	CK_ULONG n = 0;
	P11_EXPECT(fl()->C_WrapKey(sess, &m, wk, k, nullptr, &n), CKR_KEY_UNEXTRACTABLE);
	Bytes out(512);
	n = out.size();
	P11_EXPECT(fl()->C_WrapKey(sess, &m, wk, k, out.data(), &n), CKR_KEY_UNEXTRACTABLE);
}

// Not an attack: the spec lets a sensitive key that is extractable leave
// wrapped.
Test(pkcs11, wrap_of_an_extractable_key_is_allowed)
{
	CK_OBJECT_HANDLE wk = aes_key({{CKA_WRAP, true}});
	CK_OBJECT_HANDLE k = aes_key({{CKA_ENCRYPT, true}, {CKA_SENSITIVE, true}, {CKA_EXTRACTABLE, true}});
	CK_MECHANISM m = wrap_mechanism();
	CK_ULONG n = 0;
	P11_OK(fl()->C_WrapKey(sess, &m, wk, k, nullptr, &n));
	Bytes out(n);
	P11_EXPECT(fl()->C_WrapKey(sess, &m, wk, k, out.data(), &n), CKR_OK);
	cr_expect_gt(n, 32u, "a wrapped AES-256 key of %lu bytes", n);
}

// Unwrapping gives back the same key: what the original sealed, the
// unwrapped key opens.  An unwrapped key was outside once: never "always
// sensitive" nor "never extractable", and not local.
Test(pkcs11, wrap_and_unwrap_round_trip)
{
	CK_OBJECT_HANDLE wk = aes_key({{CKA_WRAP, true}, {CKA_UNWRAP, true}});
	CK_OBJECT_HANDLE k = aes_key({{CKA_ENCRYPT, true}, {CKA_DECRYPT, true}, {CKA_EXTRACTABLE, true}});
	CK_MECHANISM m = wrap_mechanism();
	Bytes wrapped(40);
	CK_ULONG n = wrapped.size();
	P11_OK(fl()->C_WrapKey(sess, &m, wk, k, wrapped.data(), &n));
	cr_assert_eq(n, 40u, "RFC 3394 of 32 bytes: %lu", n);
	Tmpl t;
	t.ul(CKA_CLASS, CKO_SECRET_KEY).ul(CKA_KEY_TYPE, CKK_AES).flag(CKA_TOKEN, false);
	t.flag(CKA_DECRYPT, true);
	CK_OBJECT_HANDLE u = CK_INVALID_HANDLE;
	P11_OK(fl()->C_UnwrapKey(sess, &m, wk, wrapped.data(), n, t.data(), t.size(), &u));
	Bytes iv = pattern(12, 41), pt = pattern(64, 42), back;
	CK_GCM_PARAMS p{iv.data(), iv.size(), 96, nullptr, 0, 128};
	Bytes ct = encrypt(sess, mech(CKM_AES_GCM, &p), k, pt);
	P11_EXPECT(decrypt(sess, mech(CKM_AES_GCM, &p), u, ct, back), CKR_OK);
	cr_expect(back == pt, "the unwrapped key is not the wrapped one");
	cr_expect(!attr_flag(sess, u, CKA_LOCAL) && !attr_flag(sess, u, CKA_ALWAYS_SENSITIVE) &&
			  !attr_flag(sess, u, CKA_NEVER_EXTRACTABLE),
		  "an unwrapped key claims it never left");
	cr_expect_eq(attr(sess, u, CKA_VALUE_LEN), attr(sess, k, CKA_VALUE_LEN));
	wrapped[7] ^= 1;
	P11_EXPECT(fl()->C_UnwrapKey(sess, &m, wk, wrapped.data(), n, t.data(), t.size(), &u),
		   CKR_WRAPPED_KEY_INVALID);
	P11_EXPECT(fl()->C_UnwrapKey(sess, &m, wk, wrapped.data(), 20, t.data(), t.size(), &u),
		   CKR_WRAPPED_KEY_LEN_RANGE);
}

namespace {

// An ECDH P-256 session key pair (it derives, it does not sign).
Pair ecdh_pair()
{
	Tmpl pub, priv;
	pub.bytes(CKA_EC_PARAMS, kP256).flag(CKA_TOKEN, false);
	priv.flag(CKA_TOKEN, false).flag(CKA_DERIVE, true);
	return gen_pair(CKM_EC_KEY_PAIR_GEN, pub, priv);
}

// CKM_ECDH1_DERIVE of a 32-byte generic secret that MACs (or, with
// `derives`, that derives further), or the error.
CK_RV ecdh(CK_OBJECT_HANDLE priv, const Bytes &peer_point, CK_OBJECT_HANDLE &out,
	   bool extractable = false, bool derives = false)
{
	CK_ECDH1_DERIVE_PARAMS p{CKD_NULL, 0, nullptr, static_cast<CK_ULONG>(peer_point.size()),
				 const_cast<CK_BYTE_PTR>(peer_point.data())};
	CK_MECHANISM m = mech(CKM_ECDH1_DERIVE, &p);
	Tmpl t;
	t.ul(CKA_CLASS, CKO_SECRET_KEY).ul(CKA_KEY_TYPE, CKK_GENERIC_SECRET).flag(CKA_TOKEN, false);
	t.flag(derives ? CKA_DERIVE : CKA_SIGN, true).flag(CKA_EXTRACTABLE, extractable);
	return fl()->C_DeriveKey(sess, &m, priv, t.data(), t.size(), &out);
}

} // namespace

// ECDH: each side derives from its private key and the other's point (the
// DER of CKA_EC_POINT on one side, the bare point on the other); the two
// secrets MAC alike.  The derived key is as sensitive as its base.
Test(pkcs11, ecdh_both_sides_derive_one_secret)
{
	Pair a = ecdh_pair(), b = ecdh_pair();
	CK_OBJECT_HANDLE ka = CK_INVALID_HANDLE, kb = CK_INVALID_HANDLE;
	P11_OK(ecdh(a.priv, attr(sess, b.pub, CKA_EC_POINT), ka));
	P11_OK(ecdh(b.priv, der_octets(attr(sess, a.pub, CKA_EC_POINT)), kb));
	Bytes msg = pattern(64, 43);
	cr_expect(sign(sess, mech(CKM_SHA256_HMAC), ka, msg) == sign(sess, mech(CKM_SHA256_HMAC), kb, msg),
		  "the two sides' secrets differ");
	cr_expect(attr_flag(sess, ka, CKA_ALWAYS_SENSITIVE) && attr_flag(sess, ka, CKA_NEVER_EXTRACTABLE),
		  "a key derived from a never-extractable key lost it");
	CK_MECHANISM m = mech(CKM_ECDSA);
	cr_expect(!attr_flag(sess, a.priv, CKA_SIGN), "an ECDH key that signs");
	P11_EXPECT(fl()->C_SignInit(sess, &m, a.priv), CKR_KEY_FUNCTION_NOT_PERMITTED);
	Bytes off = attr(sess, b.pub, CKA_EC_POINT);
	off.back() ^= 1;	// no longer on the curve
	P11_EXPECT(ecdh(a.priv, off, ka), CKR_MECHANISM_PARAM_INVALID);
}

// Extraction by derivation: a key derived from a sensitive key cannot be
// made extractable, and a key that signs cannot derive.
Test(pkcs11, derive_cannot_make_an_extractable_key)
{
	Pair a = ecdh_pair(), b = ecdh_pair();
	CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
	P11_EXPECT(ecdh(a.priv, attr(sess, b.pub, CKA_EC_POINT), k, true), CKR_TEMPLATE_INCONSISTENT);
	Pair s = ec_pair(CKM_EC_KEY_PAIR_GEN, kP256, {0x52});
	P11_EXPECT(ecdh(s.priv, attr(sess, b.pub, CKA_EC_POINT), k), CKR_KEY_TYPE_INCONSISTENT);
}

// HKDF (PKCS#11 3.0's CKM_HKDF_DERIVE) from a generic secret that derives.
namespace {

// A session generic secret of value v that derives, extractable or not.
CK_OBJECT_HANDLE derive_base(const Bytes &v, bool extractable)
{
	Tmpl t;
	t.ul(CKA_CLASS, CKO_SECRET_KEY).ul(CKA_KEY_TYPE, CKK_GENERIC_SECRET).flag(CKA_TOKEN, false);
	t.flag(CKA_DERIVE, true).flag(CKA_EXTRACTABLE, extractable).flag(CKA_SENSITIVE, !extractable);
	t.bytes(CKA_VALUE, v);
	CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
	P11_OK(fl()->C_CreateObject(sess, t.data(), t.size(), &k));
	return k;
}

// CKM_HKDF_DERIVE (extract and expand) of a key of type kt and len bytes
// with template additions `more`, or the error.
CK_RV hkdf(CK_OBJECT_HANDLE base, CK_MECHANISM_TYPE prf, const Bytes &salt, const Bytes &info,
	   CK_KEY_TYPE kt, CK_ULONG len, Tmpl more, CK_OBJECT_HANDLE &out,
	   CK_ULONG salt_type = CKF_HKDF_SALT_DATA, CK_BBOOL expand = CK_TRUE)
{
	CK_HKDF_PARAMS p{CK_TRUE, expand, prf, salt_type, const_cast<CK_BYTE_PTR>(salt.data()),
			 static_cast<CK_ULONG>(salt.size()), CK_INVALID_HANDLE,
			 const_cast<CK_BYTE_PTR>(info.data()), static_cast<CK_ULONG>(info.size())};
	CK_MECHANISM m = mech(CKM_HKDF_DERIVE, &p);
	more.ul(CKA_CLASS, CKO_SECRET_KEY).ul(CKA_KEY_TYPE, kt).ul(CKA_VALUE_LEN, len);
	more.flag(CKA_TOKEN, false);
	return fl()->C_DeriveKey(sess, &m, base, more.data(), more.size(), &out);
}

// An extractable generic secret's value, as HKDF left it.
Bytes derived_value(CK_OBJECT_HANDLE base, CK_MECHANISM_TYPE prf, const Bytes &salt,
		    const Bytes &info, CK_ULONG len, CK_ULONG salt_type = CKF_HKDF_SALT_DATA)
{
	Tmpl t;
	t.flag(CKA_EXTRACTABLE, true).flag(CKA_SENSITIVE, false).flag(CKA_DERIVE, true);
	CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
	P11_EXPECT(hkdf(base, prf, salt, info, CKK_GENERIC_SECRET, len, t, k, salt_type), CKR_OK);
	if (k == CK_INVALID_HANDLE)
		return {};
	Bytes v = attr(sess, k, CKA_VALUE);
	P11_OK(fl()->C_DestroyObject(sess, k));	// the module's key count is small here
	return v;
}

// OpenSSL's HKDF, the independent answer.
Bytes openssl_hkdf(const char *md, const Bytes &ikm, const Bytes &salt, const Bytes &info,
		   std::size_t len)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
	Bytes out(len);
	std::size_t n = len;
	// No salt is RFC 5869's default (zeros), which OpenSSL applies itself.
	cr_assert(c && EVP_PKEY_derive_init(c) == 1 &&
		  EVP_PKEY_CTX_set_hkdf_md(c, EVP_get_digestbyname(md)) == 1 &&
		  (salt.empty() || EVP_PKEY_CTX_set1_hkdf_salt(c, salt.data(), int(salt.size())) == 1) &&
		  EVP_PKEY_CTX_set1_hkdf_key(c, ikm.data(), int(ikm.size())) == 1 &&
		  (info.empty() || EVP_PKEY_CTX_add1_hkdf_info(c, info.data(), int(info.size())) == 1) &&
		  EVP_PKEY_derive(c, out.data(), &n) == 1, "OpenSSL's HKDF-%s failed", md);
	EVP_PKEY_CTX_free(c);
	return out;
}

} // namespace

// Every SHA-2 PRF, with and without salt, against OpenSSL; then the
// Wycheproof vectors whose lengths a generic secret takes (16 to 128
// bytes of IKM and of output).
Test(pkcs11, hkdf_matches_openssl_and_wycheproof)
{
	const Bytes ikm = pattern(32, 61), salt = pattern(13, 62), info = pattern(10, 63);
	CK_OBJECT_HANDLE base = derive_base(ikm, true);
	for (auto [prf, md] : {std::pair{CKM_SHA256, "SHA256"}, {CKM_SHA384, "SHA384"}, {CKM_SHA512, "SHA512"}}) {
		cr_expect(derived_value(base, prf, salt, info, 42) == openssl_hkdf(md, ikm, salt, info, 42),
			  "HKDF-%s differs from OpenSSL's", md);
		cr_expect(derived_value(base, prf, {}, info, 100, CKF_HKDF_SALT_NULL) ==
				  openssl_hkdf(md, ikm, {}, info, 100),
			  "HKDF-%s without salt differs from OpenSSL's", md);
	}
	int checked = 0;
	wycheproof::json j = wycheproof::load("hkdf_sha256_test.json");
	for (const auto &g : j["testGroups"])
		for (const auto &v : g["tests"]) {
			Bytes k = wycheproof::hex(v["ikm"]), okm = wycheproof::hex(v["okm"]);
			std::size_t size = v["size"];
			if (v["result"] != "valid" || k.size() < 16 || k.size() > 128 || size < 16 || size > 128)
				continue;
			CK_OBJECT_HANDLE b = derive_base(k, true);
			cr_expect(derived_value(b, CKM_SHA256, wycheproof::hex(v["salt"]), wycheproof::hex(v["info"]),
						size) == okm,
				  "Wycheproof HKDF-SHA-256 tcId %d", v["tcId"].get<int>());
			P11_OK(fl()->C_DestroyObject(sess, b));
			checked++;
		}
	cr_expect_geq(checked, 50, "only %d Wycheproof vectors checked", checked);
}

// Two AES keys derived alike from one sensitive base are one key: what
// one seals in GCM or CBC the other opens, though neither can be read.
Test(pkcs11, hkdf_keys_from_one_base_agree)
{
	CK_OBJECT_HANDLE base = derive_base(pattern(48, 64), false);
	const Bytes salt = pattern(16, 65), info = {'t', 'l', 's'};
	Tmpl t;
	t.flag(CKA_ENCRYPT, true).flag(CKA_DECRYPT, true);
	CK_OBJECT_HANDLE a = CK_INVALID_HANDLE, b = CK_INVALID_HANDLE;
	P11_EXPECT(hkdf(base, CKM_SHA384, salt, info, CKK_AES, 32, t, a), CKR_OK);
	P11_EXPECT(hkdf(base, CKM_SHA384, salt, info, CKK_AES, 32, t, b), CKR_OK);
	cr_expect(attr_flag(sess, a, CKA_SENSITIVE) && !attr_flag(sess, a, CKA_EXTRACTABLE),
		  "a key derived from a sensitive base is readable");
	Bytes iv = pattern(12, 66), msg = pattern(64, 67), back;
	CK_GCM_PARAMS gp{iv.data(), iv.size(), iv.size() * 8, nullptr, 0, 128};
	Bytes ct = encrypt(sess, mech(CKM_AES_GCM, &gp), a, msg);
	P11_EXPECT(decrypt(sess, mech(CKM_AES_GCM, &gp), b, ct, back), CKR_OK);
	cr_expect(back == msg, "GCM: the other derived key opens something else");
	Bytes cbc_iv = pattern(16, 68);
	CK_MECHANISM cbc{CKM_AES_CBC_PAD, cbc_iv.data(), cbc_iv.size()};
	Bytes sealed = encrypt(sess, cbc, a, msg);
	P11_EXPECT(decrypt(sess, cbc, b, sealed, back), CKR_OK);
	cr_expect(back == msg, "CBC: the other derived key opens something else");
}

// What HKDF refuses: a readable key from a sensitive base, a base that may
// not derive (or is no generic secret), and the modes and salts the module
// does not have.
Test(pkcs11, hkdf_refusals)
{
	CK_OBJECT_HANDLE locked = derive_base(pattern(32, 69), false), k = CK_INVALID_HANDLE;
	Tmpl readable;
	readable.flag(CKA_EXTRACTABLE, true).flag(CKA_SENSITIVE, false);
	P11_EXPECT(hkdf(locked, CKM_SHA256, {}, {}, CKK_GENERIC_SECRET, 32, readable, k),
		   CKR_TEMPLATE_INCONSISTENT);
	Tmpl mac;
	mac.ul(CKA_CLASS, CKO_SECRET_KEY).ul(CKA_KEY_TYPE, CKK_GENERIC_SECRET).flag(CKA_TOKEN, false);
	mac.flag(CKA_SIGN, true).bytes(CKA_VALUE, pattern(32, 70));
	CK_OBJECT_HANDLE hmac = CK_INVALID_HANDLE;
	P11_OK(fl()->C_CreateObject(sess, mac.data(), mac.size(), &hmac));
	P11_EXPECT(hkdf(hmac, CKM_SHA256, {}, {}, CKK_GENERIC_SECRET, 32, {}, k),
		   CKR_KEY_FUNCTION_NOT_PERMITTED);
	Tmpl aes;
	aes.ul(CKA_CLASS, CKO_SECRET_KEY).ul(CKA_KEY_TYPE, CKK_AES).flag(CKA_TOKEN, false);
	aes.flag(CKA_ENCRYPT, true).bytes(CKA_VALUE, pattern(32, 71));
	CK_OBJECT_HANDLE aes_key = CK_INVALID_HANDLE;
	P11_OK(fl()->C_CreateObject(sess, aes.data(), aes.size(), &aes_key));
	P11_EXPECT(hkdf(aes_key, CKM_SHA256, {}, {}, CKK_GENERIC_SECRET, 32, {}, k),
		   CKR_KEY_TYPE_INCONSISTENT);
	P11_EXPECT(hkdf(locked, CKM_SHA256, {}, {}, CKK_GENERIC_SECRET, 32, {}, k, CKF_HKDF_SALT_DATA,
			CK_FALSE),
		   CKR_MECHANISM_PARAM_INVALID);
	P11_EXPECT(hkdf(locked, CKM_SHA256, {}, {}, CKK_GENERIC_SECRET, 32, {}, k, CKF_HKDF_SALT_KEY),
		   CKR_MECHANISM_PARAM_INVALID);
	P11_EXPECT(hkdf(locked, CKM_SHA_1, {}, {}, CKK_GENERIC_SECRET, 32, {}, k),
		   CKR_MECHANISM_PARAM_INVALID);
	P11_EXPECT(hkdf(locked, CKM_SHA256, {}, {}, CKK_AES, 20, {}, k), CKR_TEMPLATE_INCONSISTENT);
}

// The usual protocol: each side agrees an ECDH secret that only derives,
// then HKDF makes the traffic key; what one side seals the other opens,
// and no secret of the exchange is ever readable.
Test(pkcs11, ecdh_then_hkdf_gives_both_sides_one_key)
{
	Pair a = ecdh_pair(), b = ecdh_pair();
	CK_OBJECT_HANDLE sa = CK_INVALID_HANDLE, sb = CK_INVALID_HANDLE;
	P11_OK(ecdh(a.priv, attr(sess, b.pub, CKA_EC_POINT), sa, false, true));
	P11_OK(ecdh(b.priv, attr(sess, a.pub, CKA_EC_POINT), sb, false, true));
	CK_MECHANISM hmac = mech(CKM_SHA256_HMAC);
	P11_EXPECT(fl()->C_SignInit(sess, &hmac, sa), CKR_KEY_FUNCTION_NOT_PERMITTED);
	const Bytes salt = pattern(32, 72), info = {'c', ' ', 'h', 's'};
	Tmpl t;
	t.flag(CKA_ENCRYPT, true).flag(CKA_DECRYPT, true);
	CK_OBJECT_HANDLE ka = CK_INVALID_HANDLE, kb = CK_INVALID_HANDLE;
	P11_EXPECT(hkdf(sa, CKM_SHA256, salt, info, CKK_AES, 16, t, ka), CKR_OK);
	P11_EXPECT(hkdf(sb, CKM_SHA256, salt, info, CKK_AES, 16, t, kb), CKR_OK);
	Bytes iv = pattern(12, 73), msg = pattern(100, 74), back;
	CK_GCM_PARAMS gp{iv.data(), iv.size(), iv.size() * 8, nullptr, 0, 128};
	P11_EXPECT(decrypt(sess, mech(CKM_AES_GCM, &gp), kb, encrypt(sess, mech(CKM_AES_GCM, &gp), ka, msg),
			   back),
		   CKR_OK);
	cr_expect(back == msg, "the two sides' traffic keys differ");
	for (CK_OBJECT_HANDLE k : {sa, ka})
		value_is_sensitive(k, "an ECDH or HKDF key");
}

// AES with a known key against OpenSSL: GCM, CBC and CTR give the same
// bytes (an imported key, so both sides hold the material).
Test(pkcs11, aes_modes_match_openssl)
{
	Bytes key = pattern(32, 44), iv = pattern(16, 45), pt = pattern(48, 46);
	Tmpl t;
	t.ul(CKA_CLASS, CKO_SECRET_KEY).ul(CKA_KEY_TYPE, CKK_AES).flag(CKA_TOKEN, false);
	t.flag(CKA_ENCRYPT, true).bytes(CKA_VALUE, key);
	CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
	P11_OK(fl()->C_CreateObject(sess, t.data(), t.size(), &k));
	auto ossl = [&](const EVP_CIPHER *c, std::size_t ivlen, Bytes *tag) {
		EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
		Bytes out(pt.size() + 16);
		int n = 0, m = 0;
		EVP_EncryptInit_ex(x, c, nullptr, nullptr, nullptr);
		if (tag)
			EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, int(ivlen), nullptr);
		EVP_CIPHER_CTX_set_padding(x, 0);
		EVP_EncryptInit_ex(x, nullptr, nullptr, key.data(), iv.data());
		EVP_EncryptUpdate(x, out.data(), &n, pt.data(), int(pt.size()));
		EVP_EncryptFinal_ex(x, out.data() + n, &m);
		out.resize(std::size_t(n + m));
		if (tag) {
			tag->resize(16);
			EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, tag->data());
			out.insert(out.end(), tag->begin(), tag->end());
		}
		EVP_CIPHER_CTX_free(x);
		return out;
	};
	Bytes tag;
	CK_GCM_PARAMS g{iv.data(), 12, 96, nullptr, 0, 128};
	cr_expect(encrypt(sess, mech(CKM_AES_GCM, &g), k, pt) == ossl(EVP_aes_256_gcm(), 12, &tag),
		  "AES-256-GCM differs from OpenSSL's");
	cr_expect(encrypt(sess, mech(CKM_AES_CBC, iv.data(), 16), k, pt) == ossl(EVP_aes_256_cbc(), 16, nullptr),
		  "AES-256-CBC differs from OpenSSL's");
	CK_AES_CTR_PARAMS c{128, {}};
	std::memcpy(c.cb, iv.data(), 16);
	cr_expect(encrypt(sess, mech(CKM_AES_CTR, &c), k, pt) == ossl(EVP_aes_256_ctr(), 16, nullptr),
		  "AES-256-CTR differs from OpenSSL's");
}

// Another uid's token is another namespace: a token object of root's is
// not among the objects another user's process finds.
Test(pkcs11, another_uid_sees_another_token)
{
	Tmpl t = secret_tmpl(CKK_AES, {{CKA_ENCRYPT, true}}, true);
	t.str(CKA_LABEL, "p11-root-only");
	CK_OBJECT_HANDLE k = gen_key(sess, CKM_AES_KEY_GEN, t);
	const gid_t device_group = 4243;	// hsm_conn.hpp's kDeviceGroup
	cr_assert_eq(chown("/dev/hsm", 0, device_group), 0, "chown /dev/hsm: %s", strerror(errno));
	pid_t pid = fork();
	if (pid == 0) {
		gid_t g = device_group;
		if (setgroups(1, &g) || setgid(65533) || setuid(65533))
			_exit(100);
		if (fl()->C_Initialize(nullptr) != CKR_OK)
			_exit(101);
		CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
		if (fl()->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK)
			_exit(102);
		Tmpl q;
		q.str(CKA_LABEL, "p11-root-only");
		CK_OBJECT_HANDLE h[4];
		CK_ULONG n = 0;
		if (fl()->C_FindObjectsInit(s, q.data(), q.size()) != CKR_OK ||
		    fl()->C_FindObjects(s, h, 4, &n) != CKR_OK)
			_exit(103);
		_exit(n == 0 ? 0 : 104);
	}
	int st = 0;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "uid 65533's process: exit %d (100 setuid, 101 C_Initialize, 102 C_OpenSession, "
		  "103 C_FindObjects, 104 found root's object)", WEXITSTATUS(st));
	P11_OK(fl()->C_DestroyObject(sess, k));
}

// A search by a one-byte CKA_ID finds that ID only (ssh and the OpenSSL
// engine find a key's other half this way).
Test(pkcs11, find_by_one_byte_id)
{
	Pair a = ec_pair(CKM_EC_KEY_PAIR_GEN, kP256, {0x61}), b = ec_pair(CKM_EC_KEY_PAIR_GEN, kP256, {0x62});
	Tmpl t;
	t.ul(CKA_CLASS, CKO_PUBLIC_KEY).bytes(CKA_ID, {0x62});
	auto found = find(sess, t);
	cr_assert_eq(found.size(), 1u, "CKA_ID 62 matched %zu public keys", found.size());
	cr_expect_eq(found[0], b.pub);
	(void)a;
}

Test(pkcs11, session_key_dies_with_its_session)
{
	CK_SESSION_HANDLE s2 = open_session(slot);
	CK_OBJECT_HANDLE k = hmac_key(s2);
	P11_OK(fl()->C_CloseSession(s2));
	Bytes v;
	P11_EXPECT(get_attr(sess, k, CKA_CLASS, v), CKR_OBJECT_HANDLE_INVALID);
	CK_MECHANISM m = mech(CKM_SHA256_HMAC);
	P11_EXPECT(fl()->C_SignInit(sess, &m, k), CKR_KEY_HANDLE_INVALID);
	P11_EXPECT(fl()->C_SignInit(s2, &m, k), CKR_SESSION_HANDLE_INVALID);
}

Test(pkcs11, handles_never_issued_are_invalid)
{
	CK_MECHANISM m = mech(CKM_SHA256_HMAC);
	for (CK_OBJECT_HANDLE h : {CK_OBJECT_HANDLE(CK_INVALID_HANDLE), CK_OBJECT_HANDLE(0x7fff1234),
				   CK_OBJECT_HANDLE(~0ul)}) {
		Bytes v;
		P11_EXPECT(get_attr(sess, h, CKA_CLASS, v), CKR_OBJECT_HANDLE_INVALID);
		P11_EXPECT(fl()->C_SignInit(sess, &m, h), CKR_KEY_HANDLE_INVALID);
		P11_EXPECT(fl()->C_DestroyObject(sess, h), CKR_OBJECT_HANDLE_INVALID);
	}
}

// Token objects, and finding objects.
namespace {

constexpr const char *kTokenLabel = "p11-test-token";

std::vector<CK_OBJECT_HANDLE> find_label(const char *label)
{
	Tmpl t;
	t.str(CKA_LABEL, label);
	return find(sess, t);
}

void gcm_round_trip(CK_OBJECT_HANDLE k)
{
	Bytes iv = pattern(12, 13), pt = pattern(40, 14), back;
	CK_GCM_PARAMS p{iv.data(), iv.size(), 96, nullptr, 0, 128};
	Bytes ct = encrypt(sess, mech(CKM_AES_GCM, &p), k, pt);
	P11_EXPECT(decrypt(sess, mech(CKM_AES_GCM, &p), k, ct, back), CKR_OK);
	cr_expect(back == pt, "GCM with the token key: not the plaintext");
}

} // namespace

Test(pkcs11, token_key_outlives_finalize)
{
	for (CK_OBJECT_HANDLE h : find_label(kTokenLabel))	// a failed run's
		P11_OK(fl()->C_DestroyObject(sess, h));
	Tmpl t = secret_tmpl(CKK_AES, {{CKA_ENCRYPT, true}, {CKA_DECRYPT, true}}, true);
	t.str(CKA_LABEL, kTokenLabel).bytes(CKA_ID, {0x01, 0x02});
	gen_key(sess, CKM_AES_KEY_GEN, t);
	P11_OK(fl()->C_Finalize(nullptr));
	open_token();
	auto found = find_label(kTokenLabel);
	cr_assert_eq(found.size(), 1u, "C_FindObjects by CKA_LABEL after C_Initialize: %zu objects",
		     found.size());
	cr_expect(attr(sess, found[0], CKA_ID) == Bytes({0x01, 0x02}), "CKA_ID");
	cr_expect(attr_flag(sess, found[0], CKA_TOKEN), "CKA_TOKEN");
	gcm_round_trip(found[0]);
	P11_OK(fl()->C_DestroyObject(sess, found[0]));
	cr_expect_eq(find_label(kTokenLabel).size(), 0u, "found after C_DestroyObject");
}

// Thousands of objects: searches stay in the module's in-memory index
// (SoftHSM2's take seconds at a few hundred keys).  The time of a search
// by label is printed, not asserted: TCG's timings are for tables.
Test(pkcs11, find_among_3000_session_objects, .timeout = 300)
{
	constexpr int kObjects = 3000, kSearches = 100;
	for (int i = 0; i < kObjects; i++) {
		std::string label = "p11-data-" + std::to_string(i);
		Tmpl t;
		t.ul(CKA_CLASS, CKO_DATA).flag(CKA_TOKEN, false).str(CKA_LABEL, label.c_str());
		t.str(CKA_APPLICATION, "test_pkcs11").bytes(CKA_VALUE, pattern(16, i));
		CK_OBJECT_HANDLE h;
		P11_OK(fl()->C_CreateObject(sess, t.data(), t.size(), &h));
	}
	Tmpl q;
	q.ul(CKA_CLASS, CKO_DATA).flag(CKA_TOKEN, false);
	cr_expect_eq(find(sess, q).size(), std::size_t(kObjects), "session data objects found");
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < kSearches; i++)
		cr_assert_eq(find_label(("p11-data-" + std::to_string(i * 29)).c_str()).size(), 1u);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / kSearches;
	note("C_FindObjectsInit/C_FindObjects/C_FindObjectsFinal by CKA_LABEL among %d objects: "
	     "%.0f us a search (TCG)", kObjects, us);
	auto one = find_label("p11-data-123");
	cr_assert_eq(one.size(), 1u);
	cr_expect(attr(sess, one[0], CKA_VALUE) == pattern(16, 123), "CKA_VALUE of a data object");
}

// pkcs11-tool (OpenSC 0.23), as an administrator runs it.
namespace {

void require_tool()
{
	cr_assert_eq(access(kPkcs11Tool, X_OK), 0, "%s: %s (the image needs opensc)", kPkcs11Tool,
		     strerror(errno));
	open_token();
}

// pkcs11-tool --module MODULE args...: it must exit 0 and, if say is
// given, print it.  Returns what it printed.
std::string tool(std::initializer_list<std::string> args, const char *say = nullptr)
{
	std::vector<std::string> argv = {kPkcs11Tool, "--module", module_path()};
	argv.insert(argv.end(), args);
	const char *pin = std::getenv("HSM_PKCS11_PIN");
	if (pin && *pin && std::find(args.begin(), args.end(), "--login") != args.end())
		argv.insert(argv.end(), {"--pin", pin});
	std::string line;
	for (auto &a : args)
		line += " " + a;
	Ran r = run(argv);
	cr_expect_eq(r.status, 0, "pkcs11-tool%s: exit status %d; it said:\n%s", line.c_str(),
		     r.status, tail(r.out).c_str());
	if (say)
		cr_expect(r.out.find(say) != std::string::npos,
			  "pkcs11-tool%s does not say '%s'; it said:\n%s", line.c_str(), say,
			  tail(r.out).c_str());
	return r.out;
}

// Destroys the token objects with this CKA_ID (what a run leaves).
void destroy_id(const Bytes &id)
{
	Tmpl t;
	t.bytes(CKA_ID, id);
	for (CK_OBJECT_HANDLE h : find(sess, t))
		P11_EXPECT(fl()->C_DestroyObject(sess, h), CKR_OK);
}

void write_file(const char *path, const Bytes &b)
{
	std::ofstream f(path, std::ios::binary | std::ios::trunc);
	f.write(reinterpret_cast<const char *>(b.data()), b.size());
	cr_assert(f.good(), "cannot write %s", path);
}

Bytes read_file(const char *path)
{
	std::ifstream f(path, std::ios::binary);
	return Bytes(std::istreambuf_iterator<char>(f), {});
}

} // namespace

TestSuite(pkcs11_tool, .init = require_tool, .fini = close_token);

Test(pkcs11_tool, show_info)
{
	tool({"--show-info"}, "Cryptoki version");
}

Test(pkcs11_tool, list_slots)
{
	tool({"--list-slots"}, "token label");
}

Test(pkcs11_tool, list_mechanisms)
{
	tool({"--list-mechanisms"}, "ECDSA");
}

// Its self-test, without a login (none is required) and with one (the
// token takes C_Login without a PIN: a protected authentication path).
Test(pkcs11_tool, self_test)
{
	tool({"--test"}, "No errors");
	tool({"--test", "--login"}, "No errors");
}

Test(pkcs11_tool, ec_keypair_signs_and_verifies)
{
	const char *data = "/tmp/p11tool-data", *sig = "/tmp/p11tool-sig";
	destroy_id({0x10});
	tool({"--keypairgen", "--key-type", "EC:prime256v1", "--id", "10", "--label", "p11tool-ec",
	      "--login"});
	write_file(data, pattern(32, 16));
	tool({"--sign", "-m", "ECDSA", "--id", "10", "-i", data, "-o", sig, "--login"});
	Bytes s = read_file(sig);
	cr_assert_eq(s.size(), 64u, "an ECDSA P-256 signature (r || s) of %zu bytes", s.size());
	tool({"--verify", "-m", "ECDSA", "--id", "10", "-i", data, "--signature-file", sig, "--login"},
	     "Signature is valid");
	s[5] ^= 1;
	write_file(sig, s);
	// pkcs11-tool exits 0 either way; it says which.
	tool({"--verify", "-m", "ECDSA", "--id", "10", "-i", data, "--signature-file", sig, "--login"},
	     "Invalid signature");
	destroy_id({0x10});
}

// pkcs11-tool's encrypt and decrypt (AES-CBC-PAD) and wrap and unwrap (AES
// key wrap) round trips on token keys it generates; what the wrapped key
// encrypts, the unwrapped one decrypts.  A never-extractable key does not
// leave wrapped.
Test(pkcs11_tool, aes_encrypt_decrypt_wrap_unwrap)
{
	const char *data = "/tmp/p11tool-pt", *ct = "/tmp/p11tool-ct", *back = "/tmp/p11tool-back",
		   *wrapped = "/tmp/p11tool-wrapped";
	const std::string iv = "000102030405060708090a0b0c0d0e0f";
	const Bytes pt = pattern(40, 17);
	for (CK_BYTE id : {0x12, 0x13, 0x14, 0x15})
		destroy_id({id});
	write_file(data, pt);
	tool({"--keygen", "--key-type", "AES:32", "--id", "12", "--label", "p11tool-aes",
	      "--usage-decrypt", "--login"});
	tool({"--encrypt", "-m", "AES-CBC-PAD", "--id", "12", "--iv", iv, "-i", data, "-o", ct, "--login"});
	cr_expect_eq(read_file(ct).size(), 48u, "AES-CBC-PAD of 40 bytes");
	tool({"--decrypt", "-m", "AES-CBC-PAD", "--id", "12", "--iv", iv, "-i", ct, "-o", back, "--login"});
	cr_expect(read_file(back) == pt, "AES-CBC-PAD round trip");

	tool({"--keygen", "--key-type", "AES:32", "--id", "13", "--label", "p11tool-kek", "--usage-wrap",
	      "--login"});
	tool({"--keygen", "--key-type", "AES:32", "--id", "14", "--label", "p11tool-tow", "--extractable",
	      "--usage-decrypt", "--login"});
	tool({"--wrap", "-m", "AES-KEY-WRAP", "--id", "13", "--application-id", "14", "-o", wrapped,
	      "--login"});
	cr_expect_eq(read_file(wrapped).size(), 40u, "RFC 3394 of a 32-byte key");
	tool({"--unwrap", "-m", "AES-KEY-WRAP", "--id", "13", "-i", wrapped, "--key-type", "AES:",
	      "--application-id", "15", "--label", "p11tool-unwrapped", "--login"});
	tool({"--encrypt", "-m", "AES-CBC-PAD", "--id", "14", "--iv", iv, "-i", data, "-o", ct, "--login"});
	tool({"--decrypt", "-m", "AES-CBC-PAD", "--id", "15", "--iv", iv, "-i", ct, "-o", back, "--login"});
	cr_expect(read_file(back) == pt, "the unwrapped key does not decrypt what the wrapped one encrypted");

	Ran r = run({kPkcs11Tool, "--module", module_path(), "--wrap", "-m", "AES-KEY-WRAP", "--id", "13",
		     "--application-id", "12", "-o", wrapped, "--login"});
	cr_expect_neq(r.status, 0, "pkcs11-tool wrapped a never-extractable key");
	cr_expect(r.out.find("CKR_KEY_UNEXTRACTABLE") != std::string::npos,
		  "wrapping a never-extractable key: not CKR_KEY_UNEXTRACTABLE:\n%s", tail(r.out).c_str());
	for (CK_BYTE id : {0x12, 0x13, 0x14, 0x15})
		destroy_id({id});
}

// --test-ec generates a token key pair and signs with CKM_ECDSA_SHA1 (OpenSC
// 0.23 hard-codes it), then deletes the pair.  It must be given an ID and
// a key type; it opens a read-only session unless told.
Test(pkcs11_tool, test_ec)
{
	cr_assert(offers(CKM_ECDSA_SHA1), "the token lists no CKM_ECDSA_SHA1");
	tool({"--test-ec", "--id", "11", "--key-type", "EC:prime256v1", "--login", "--session-rw"},
	     "==> OK");
	destroy_id(str_bytes("abcdefghijklmnopqrst"));	// the ID it gives the pair
	destroy_id({0x11});
}

// Two threads each: C_Initialize with CKF_OS_LOCKING_OK (IL), C_GetInfo
// (GI), C_GetSlotList (SL), C_GetTokenInfo of the first slot (T0).
Test(pkcs11_tool, test_threads)
{
	tool({"--test-threads", "ILGISLT0", "--test-threads", "ILGISLT0", "--list-slots"},
	     "token label");
}

Test(pkcs11_tool, test_fork)
{
	tool({"--test-fork", "--show-info"}, "Calling C_Initialize in forked child process");
}
