// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// SoftHSM2 through its PKCS#11 module: what a user picks today for an HSM
// API in software.  One C_*Init + C_Encrypt/C_Sign/C_Digest per operation,
// on a session key, in the caller's process.
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <sys/stat.h>

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

// The module, initialised once per process with one fresh token.
struct Token {
	CK_FUNCTION_LIST_PTR f = nullptr;
	CK_SLOT_ID slot = 0;
	std::string error;
};

CK_UTF8CHAR kPin[] = "1234";

Token &token()
{
	static Token t;
	static std::once_flag once;
	std::call_once(once, [] {
		// A private configuration and token directory for this run.
		const char *dir = "/tmp/hsm-bench-softhsm";
		mkdir(dir, 0700);
		mkdir("/tmp/hsm-bench-softhsm/tokens", 0700);
		FILE *conf = std::fopen("/tmp/hsm-bench-softhsm/softhsm2.conf", "w");
		if (!conf) {
			t.error = "cannot write the SoftHSM2 configuration";
			return;
		}
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
		CK_SESSION_HANDLE s;
		if ((rv = t.f->C_OpenSession(t.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr,
					     nullptr, &s)) != CKR_OK)
			fail("C_OpenSession", rv);
		if ((rv = t.f->C_Login(s, CKU_SO, kPin, 4)) != CKR_OK ||
		    (rv = t.f->C_InitPIN(s, kPin, 4)) != CKR_OK ||
		    (rv = t.f->C_Logout(s)) != CKR_OK ||
		    (rv = t.f->C_Login(s, CKU_USER, kPin, 4)) != CKR_OK)
			fail("token set-up", rv);
		// The session stays open: the login lasts while one is open.
	});
	return t;
}

class SoftHsmRunner final : public Runner {
public:
	~SoftHsmRunner() override
	{
		if (session_)
			token().f->C_CloseSession(session_);
	}

	bool setup(const Case &c) override
	{
		if (c.batch != 1) {
			why_ = "PKCS#11 runs one operation per call";
			return false;
		}
		c_ = c;
		Token &t = token();
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
		}
		if (n != out_.size())
			fail("output length", CKR_GENERAL_ERROR);
	}

	Bytes output() override { return out_; }
	std::string why() const override { return why_; }

private:
	Case c_{};
	CK_FUNCTION_LIST_PTR f_ = nullptr;
	CK_SESSION_HANDLE session_ = 0;
	CK_OBJECT_HANDLE key_ = 0;
	Bytes in_, iv_, out_;
	std::string why_ = "not offered";
};

}  // namespace

void add_softhsm(std::vector<Competitor> &out)
{
	out.push_back({"softhsm2", "SoftHSM2 2.6 through PKCS#11, a session key per thread", false,
		       [] { return std::make_unique<SoftHsmRunner>(); }});
}

}  // namespace bench
