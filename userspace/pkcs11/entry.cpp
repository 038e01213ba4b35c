// SPDX-License-Identifier: MIT
//
// libhsm-pkcs11's entry points: C_GetFunctionList, the library's life
// (C_Initialize, C_Finalize, fork), and the functions it does not offer.
#include <cerrno>
#include <cstring>
#include <syslog.h>
#include <unistd.h>

#include "api.hpp"
#include "p11.hpp"

namespace p11 {

namespace {

std::mutex g_lock;
// The library's state; a fork()ed child inherits the pointer, and state()
// hides it there (its rings and region are not the child's).
State *g_state = nullptr;

// The module locks with the OS's primitives: a caller that offers its own
// and does not allow the OS's cannot be served (CKR_CANT_LOCK).
CK_RV check_init_args(CK_C_INITIALIZE_ARGS_PTR a)
{
	if (!a)
		return CKR_OK;
	bool any = a->CreateMutex || a->DestroyMutex || a->LockMutex || a->UnlockMutex;
	bool all = a->CreateMutex && a->DestroyMutex && a->LockMutex && a->UnlockMutex;
	if (a->pReserved || (any && !all))
		return CKR_ARGUMENTS_BAD;
	return any && !(a->flags & CKF_OS_LOCKING_OK) ? CKR_CANT_LOCK : CKR_OK;
}

} // namespace

State *state() noexcept
{
	State *s = g_state;
	return s && s->pid == getpid() ? s : nullptr;
}

CK_RV rv_of(const hsm::Error &e) noexcept
{
	using S = hsm::Status;
	switch (e.status) {
	case S::kInvalidArgument: return CKR_ARGUMENTS_BAD;
	case S::kNotFound: return CKR_KEY_HANDLE_INVALID;
	case S::kNotPermitted: return CKR_KEY_FUNCTION_NOT_PERMITTED;
	case S::kLimitExceeded: case S::kOutOfMemory: return CKR_DEVICE_MEMORY;
	case S::kUnsupported: return CKR_MECHANISM_INVALID;
	case S::kAuthFailed: return CKR_SIGNATURE_INVALID;
	case S::kBufferTooSmall: return CKR_BUFFER_TOO_SMALL;
	case S::kTimedOut: case S::kCanceled: case S::kBusy: return CKR_FUNCTION_CANCELED;
	case S::kUnavailable: return CKR_DEVICE_REMOVED;
	default: return CKR_DEVICE_ERROR;
	}
}

CK_RV give(std::span<const std::uint8_t> src, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	if (!out_len)
		return CKR_ARGUMENTS_BAD;
	if (!out) {
		*out_len = src.size();
		return CKR_OK;
	}
	if (*out_len < src.size()) {
		*out_len = src.size();
		return CKR_BUFFER_TOO_SMALL;
	}
	std::memcpy(out, src.data(), src.size());
	*out_len = src.size();
	return CKR_OK;
}

void blank_copy(CK_UTF8CHAR *dst, std::size_t n, std::string_view src) noexcept
{
	std::memset(dst, ' ', n);
	std::memcpy(dst, src.data(), std::min(n, src.size()));
}

} // namespace p11

using namespace p11;

extern "C" {

CK_RV C_Initialize(CK_VOID_PTR args)
{
	CK_RV rv = check_init_args(static_cast<CK_C_INITIALIZE_ARGS_PTR>(args));
	if (rv != CKR_OK)
		return rv;
	std::lock_guard l(g_lock);
	if (state())
		return CKR_CRYPTOKI_ALREADY_INITIALIZED;
	// A parent's state, inherited by fork(): its locks may be held by a
	// thread that does not exist here, so it is left, not destroyed.
	g_state = nullptr;
	auto stack = hsm::CryptoStack::create();
	if (!stack) {
		syslog(LOG_ERR, "libhsm-pkcs11: cannot open /dev/hsm: %s (%s)",
		       stack.error().message.c_str(), std::strerror(stack.error().err));
		return CKR_DEVICE_ERROR;
	}
	auto *s = new State(std::move(*stack));
	rv = s->store.sync();
	if (rv != CKR_OK) {
		delete s;
		return rv;
	}
	g_state = s;
	return CKR_OK;
}

CK_RV C_Finalize(CK_VOID_PTR reserved)
{
	if (reserved)
		return CKR_ARGUMENTS_BAD;
	std::lock_guard l(g_lock);
	State *s = state();
	if (!s)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	g_state = nullptr;
	delete s;
	return CKR_OK;
}

CK_RV C_GetInfo(CK_INFO_PTR info)
{
	if (!state())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!info)
		return CKR_ARGUMENTS_BAD;
	*info = {};
	info->cryptokiVersion = {2, 40};
	blank_copy(info->manufacturerID, sizeof(info->manufacturerID), "hsm");
	blank_copy(info->libraryDescription, sizeof(info->libraryDescription),
		   "hsm kernel HSM PKCS#11 module");
	info->libraryVersion = {kVersionMajor, kVersionMinor};
	return CKR_OK;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (!list)
		return CKR_ARGUMENTS_BAD;
	*list = &kFunctions;
	return CKR_OK;
}

} // extern "C"
