// SPDX-License-Identifier: GPL-2.0 OR MIT
// Helpers of the PKCS#11 suite (test_pkcs11): load the module as a consumer
// does (dlopen, C_GetFunctionList), check return values by name, build
// templates, read attributes, run an operation with its length query, and
// run pkcs11-tool.
//
// HSM_PKCS11_MODULE names another module (SoftHSM2, as a differential
// reference); HSM_PKCS11_PIN, if set, logs each session in with that PIN,
// for tokens that require a login (hsm's does not).
#pragma once

#include <criterion/criterion.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <initializer_list>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

// Last: in its compatibility mode p11-kit's header defines value, count,
// params and other common words as macros (the spec's member names), which
// would rewrite any header after it.  The members keep the spec's names
// (pValue, ulValueLen, ...); the macros go.
#include <p11-kit/pkcs11.h>
#undef value
#undef value_len
#undef count
#undef parameter
#undef parameter_len
#undef params
#undef reserved

namespace p11test {

using Bytes = std::vector<std::uint8_t>;

inline constexpr const char *kDefaultModule = "/usr/lib/x86_64-linux-gnu/pkcs11/libhsm-pkcs11.so";
inline constexpr const char *kPkcs11Tool = "/usr/bin/pkcs11-tool";

inline const char *module_path()
{
	const char *p = std::getenv("HSM_PKCS11_MODULE");
	return p && *p ? p : kDefaultModule;
}

// The names of the return values the suite meets, for its messages.
inline const char *rv_name(CK_RV rv)
{
	switch (rv) {
#define RV(x) \
	case x:   \
		return #x;
		RV(CKR_OK) RV(CKR_HOST_MEMORY) RV(CKR_SLOT_ID_INVALID) RV(CKR_GENERAL_ERROR)
		RV(CKR_FUNCTION_FAILED) RV(CKR_ARGUMENTS_BAD) RV(CKR_ATTRIBUTE_READ_ONLY)
		RV(CKR_ATTRIBUTE_SENSITIVE) RV(CKR_ATTRIBUTE_TYPE_INVALID)
		RV(CKR_ATTRIBUTE_VALUE_INVALID) RV(CKR_DATA_INVALID) RV(CKR_DATA_LEN_RANGE)
		RV(CKR_DEVICE_ERROR) RV(CKR_ENCRYPTED_DATA_INVALID) RV(CKR_ENCRYPTED_DATA_LEN_RANGE)
		RV(CKR_FUNCTION_NOT_SUPPORTED) RV(CKR_KEY_HANDLE_INVALID) RV(CKR_KEY_SIZE_RANGE)
		RV(CKR_KEY_TYPE_INCONSISTENT) RV(CKR_KEY_FUNCTION_NOT_PERMITTED)
		RV(CKR_KEY_NOT_WRAPPABLE) RV(CKR_KEY_UNEXTRACTABLE) RV(CKR_MECHANISM_INVALID)
		RV(CKR_MECHANISM_PARAM_INVALID) RV(CKR_OBJECT_HANDLE_INVALID)
		RV(CKR_OPERATION_ACTIVE) RV(CKR_OPERATION_NOT_INITIALIZED) RV(CKR_PIN_INCORRECT)
		RV(CKR_SESSION_CLOSED) RV(CKR_SESSION_HANDLE_INVALID) RV(CKR_SESSION_READ_ONLY)
		RV(CKR_SIGNATURE_INVALID) RV(CKR_SIGNATURE_LEN_RANGE) RV(CKR_TEMPLATE_INCOMPLETE)
		RV(CKR_TEMPLATE_INCONSISTENT) RV(CKR_TOKEN_WRITE_PROTECTED)
		RV(CKR_USER_ALREADY_LOGGED_IN) RV(CKR_USER_NOT_LOGGED_IN)
		RV(CKR_WRAPPING_KEY_HANDLE_INVALID) RV(CKR_RANDOM_NO_RNG) RV(CKR_BUFFER_TOO_SMALL)
		RV(CKR_CRYPTOKI_NOT_INITIALIZED) RV(CKR_CRYPTOKI_ALREADY_INITIALIZED)
#undef RV
	}
	return "?";
}

// A call must return `want`, or the test fails (ASSERT) or goes on
// failed (EXPECT), naming the call and both values.
#define P11_CHECK(kind, call, want)                                                       \
	do {                                                                              \
		CK_RV _rv = (call), _want = (want);                                       \
		cr_##kind##_eq(_rv, _want, "%s: 0x%lx %s, expected 0x%lx %s", #call, _rv, \
			       p11test::rv_name(_rv), _want, p11test::rv_name(_want));   \
	} while (0)
#define P11_ASSERT(call, want) P11_CHECK(assert, call, want)
#define P11_EXPECT(call, want) P11_CHECK(expect, call, want)
#define P11_OK(call) P11_ASSERT(call, CKR_OK)

// The module's function list; dlopen()ed once per process (each test runs
// in a process of its own).
inline CK_FUNCTION_LIST_PTR fl()
{
	static CK_FUNCTION_LIST_PTR f;
	if (f)
		return f;
	void *h = dlopen(module_path(), RTLD_NOW | RTLD_LOCAL);
	cr_assert_not_null(h, "dlopen(%s): %s", module_path(), dlerror());
	auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(h, "C_GetFunctionList"));
	cr_assert_not_null(get, "%s exports no C_GetFunctionList", module_path());
	P11_OK(get(&f));
	cr_assert_not_null(f, "C_GetFunctionList gave NULL");
	return f;
}

// The slots with a token; the suite's token is the first.
inline std::vector<CK_SLOT_ID> slots()
{
	CK_ULONG n = 0;
	P11_OK(fl()->C_GetSlotList(CK_TRUE, nullptr, &n));
	std::vector<CK_SLOT_ID> v(n);
	P11_OK(fl()->C_GetSlotList(CK_TRUE, v.data(), &n));
	v.resize(n);
	cr_assert_gt(n, 0u, "C_GetSlotList(CK_TRUE): no slot with a token");
	return v;
}

// A read-write session on the token (logged in if HSM_PKCS11_PIN says so).
inline CK_SESSION_HANDLE open_session(CK_SLOT_ID slot)
{
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	P11_OK(fl()->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s));
	const char *pin = std::getenv("HSM_PKCS11_PIN");
	if (pin && *pin) {
		CK_RV rv = fl()->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, std::strlen(pin));
		cr_assert(rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN, "C_Login: 0x%lx %s", rv,
			  rv_name(rv));
	}
	return s;
}

// A template that owns its values.
class Tmpl {
public:
	Tmpl &raw(CK_ATTRIBUTE_TYPE t, const void *p, std::size_t n)
	{
		auto b = static_cast<const std::uint8_t *>(p);
		types_.push_back(t);
		vals_.emplace_back(b, b + n);
		return *this;
	}
	Tmpl &flag(CK_ATTRIBUTE_TYPE t, bool v)
	{
		CK_BBOOL x = v ? CK_TRUE : CK_FALSE;
		return raw(t, &x, sizeof x);
	}
	Tmpl &ul(CK_ATTRIBUTE_TYPE t, CK_ULONG v) { return raw(t, &v, sizeof v); }
	Tmpl &bytes(CK_ATTRIBUTE_TYPE t, const Bytes &v) { return raw(t, v.data(), v.size()); }
	Tmpl &str(CK_ATTRIBUTE_TYPE t, const char *s) { return raw(t, s, std::strlen(s)); }

	CK_ATTRIBUTE_PTR data()
	{
		attrs_.clear();
		for (std::size_t i = 0; i < types_.size(); i++)
			attrs_.push_back({types_[i], vals_[i].data(), vals_[i].size()});
		return attrs_.data();
	}
	CK_ULONG size() const { return types_.size(); }

private:
	std::vector<CK_ATTRIBUTE_TYPE> types_;
	std::vector<Bytes> vals_;
	std::vector<CK_ATTRIBUTE> attrs_;
};

// C_GetAttributeValue of one attribute: its return value; the value in out.
inline CK_RV get_attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t, Bytes &out)
{
	CK_ATTRIBUTE a = {t, nullptr, 0};
	CK_RV rv = fl()->C_GetAttributeValue(s, o, &a, 1);
	if (rv != CKR_OK)
		return rv;
	out.resize(a.ulValueLen);
	a.pValue = out.data();
	rv = fl()->C_GetAttributeValue(s, o, &a, 1);
	out.resize(rv == CKR_OK ? a.ulValueLen : 0);
	return rv;
}

inline Bytes attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t)
{
	Bytes v;
	CK_RV rv = get_attr(s, o, t, v);
	cr_assert_eq(rv, CKR_OK, "C_GetAttributeValue(0x%lx): 0x%lx %s", t, rv, rv_name(rv));
	return v;
}

inline bool attr_flag(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t)
{
	Bytes v = attr(s, o, t);
	cr_assert_eq(v.size(), sizeof(CK_BBOOL), "attribute 0x%lx is %zu bytes, not a CK_BBOOL", t,
		     v.size());
	return v[0] != CK_FALSE;
}

inline CK_MECHANISM mech(CK_MECHANISM_TYPE t, void *p = nullptr, CK_ULONG n = 0)
{
	return {t, p, n};
}

template <typename T>
inline CK_MECHANISM mech(CK_MECHANISM_TYPE t, T *p)
{
	return {t, p, sizeof(T)};
}

// One-part operations the PKCS#11 way: a length query, then the call.
// Each returns the call's return value and leaves the output in out.
using OneShot = CK_RV (*)(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR);

inline CK_RV one_shot(OneShot f, CK_SESSION_HANDLE s, const Bytes &in, Bytes &out)
{
	CK_ULONG n = 0;
	CK_BYTE_PTR p = const_cast<CK_BYTE_PTR>(in.data());
	CK_RV rv = f(s, p, in.size(), nullptr, &n);
	if (rv != CKR_OK)
		return rv;
	out.resize(n);
	rv = f(s, p, in.size(), out.data(), &n);
	out.resize(rv == CKR_OK ? n : 0);
	return rv;
}

inline Bytes sign(CK_SESSION_HANDLE s, CK_MECHANISM m, CK_OBJECT_HANDLE key, const Bytes &msg)
{
	P11_OK(fl()->C_SignInit(s, &m, key));
	Bytes sig;
	P11_OK(one_shot(fl()->C_Sign, s, msg, sig));
	return sig;
}

inline CK_RV verify(CK_SESSION_HANDLE s, CK_MECHANISM m, CK_OBJECT_HANDLE key, const Bytes &msg,
		    const Bytes &sig)
{
	P11_OK(fl()->C_VerifyInit(s, &m, key));
	return fl()->C_Verify(s, const_cast<CK_BYTE_PTR>(msg.data()), msg.size(),
			      const_cast<CK_BYTE_PTR>(sig.data()), sig.size());
}

inline Bytes encrypt(CK_SESSION_HANDLE s, CK_MECHANISM m, CK_OBJECT_HANDLE key, const Bytes &in)
{
	P11_OK(fl()->C_EncryptInit(s, &m, key));
	Bytes out;
	P11_OK(one_shot(fl()->C_Encrypt, s, in, out));
	return out;
}

inline CK_RV decrypt(CK_SESSION_HANDLE s, CK_MECHANISM m, CK_OBJECT_HANDLE key, const Bytes &in,
		     Bytes &out)
{
	P11_OK(fl()->C_DecryptInit(s, &m, key));
	return one_shot(fl()->C_Decrypt, s, in, out);
}

// Every object matching the template.
inline std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE s, Tmpl &t)
{
	P11_OK(fl()->C_FindObjectsInit(s, t.data(), t.size()));
	std::vector<CK_OBJECT_HANDLE> all;
	CK_OBJECT_HANDLE batch[64];
	CK_ULONG n = 0;
	do {
		P11_OK(fl()->C_FindObjects(s, batch, 64, &n));
		all.insert(all.end(), batch, batch + n);
	} while (n == 64);
	P11_OK(fl()->C_FindObjectsFinal(s));
	return all;
}

inline Bytes str_bytes(const char *s)
{
	return Bytes(s, s + std::strlen(s));
}

// The contents of a DER OCTET STRING (CKA_EC_POINT), or the test fails.
inline Bytes der_octets(const Bytes &der)
{
	cr_assert_geq(der.size(), 2u, "a DER OCTET STRING of %zu bytes", der.size());
	cr_assert_eq(der[0], 0x04, "not a DER OCTET STRING: tag 0x%02x", der[0]);
	std::size_t len = der[1], off = 2;
	if (len == 0x81) {
		cr_assert_geq(der.size(), 3u);
		len = der[2];
		off = 3;
	}
	cr_assert_eq(der.size(), off + len, "DER OCTET STRING: length %zu in %zu bytes", len,
		     der.size());
	return Bytes(der.begin() + off, der.end());
}

// What a program printed (stdout and stderr) and how it ended.
struct Ran {
	int status;	// the exit status, or 128 + the signal
	std::string out;
};

// The environment of a program the suite runs.  Built with ASan (the
// debug lane), the suite loads a module built with it too, which a program
// built without it can load only with ASan's runtime preloaded; its leaks
// are not the module's.
inline std::vector<std::string> child_env()
{
	std::vector<std::string> env;
	for (char **e = environ; *e; e++)
		env.emplace_back(*e);
#ifdef __SANITIZE_ADDRESS__
	Dl_info di{};
	void *asan = dlsym(RTLD_DEFAULT, "__asan_init");
	if (asan && dladdr(asan, &di) && di.dli_fname) {
		env.push_back(std::string("LD_PRELOAD=") + di.dli_fname);
		env.push_back("ASAN_OPTIONS=detect_leaks=0");
	}
#endif
	return env;
}

// Run argv[0] with argv (stdin from /dev/null), to its end.
inline Ran run(const std::vector<std::string> &argv)
{
	char path[] = "/tmp/p11-run.XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	std::vector<char *> args;
	for (auto &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);
	std::vector<std::string> env = child_env();
	std::vector<char *> envp;
	for (auto &e : env)
		envp.push_back(const_cast<char *>(e.c_str()));
	envp.push_back(nullptr);
	pid_t pid;
	int err = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), envp.data());
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(err, 0, "posix_spawn(%s): %s", args[0], strerror(err));
	int st = 0;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	Ran r{WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), {}};
	char buf[4096];
	ssize_t n;
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		r.out.append(buf, n);
	close(fd);
	return r;
}

// The last `lines` lines of s.
inline std::string tail(const std::string &s, int lines = 25)
{
	std::size_t pos = s.size();
	while (lines-- > 0 && pos > 0) {
		std::size_t nl = s.rfind('\n', pos - 1);
		if (nl == std::string::npos)
			return s;
		pos = nl;
	}
	return s.substr(pos);
}

} // namespace p11test
