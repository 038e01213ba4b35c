// SPDX-License-Identifier: MIT
//
// The slot, its token, the mechanisms, sessions and login.  The token is
// the caller's namespace in the module: the kernel knows the caller's uid,
// so the token needs no PIN (a protected authentication path), and every
// session is a user session from the start (docs/pkcs11.md).
#include <cstdio>
#include <unistd.h>

#include "api.hpp"
#include "mech.hpp"
#include "p11.hpp"

using namespace p11;

namespace p11 {

CK_RV session(CK_SESSION_HANDLE h, std::shared_ptr<Session> &out)
{
	State *s = state();
	if (!s)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	std::shared_lock l(s->lock);
	auto it = s->sessions.find(h);
	if (it == s->sessions.end())
		return CKR_SESSION_HANDLE_INVALID;
	out = it->second;
	return CKR_OK;
}

} // namespace p11

namespace {

CK_RV check_slot(CK_SLOT_ID id)
{
	if (!state())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	return id == kSlot ? CKR_OK : CKR_SLOT_ID_INVALID;
}

void close_session(State &s, const std::shared_ptr<Session> &ss)
{
	// Wait for a call in flight on the session, then drop its objects.
	std::lock_guard l(ss->lock);
	s.store.drop_session(ss->handle);
}

} // namespace

extern "C" {

CK_RV C_GetSlotList(CK_BBOOL, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	if (!state())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!count)
		return CKR_ARGUMENTS_BAD;
	if (list && *count < 1) {
		*count = 1;
		return CKR_BUFFER_TOO_SMALL;
	}
	if (list)
		list[0] = kSlot;
	*count = 1;
	return CKR_OK;
}

CK_RV C_GetSlotInfo(CK_SLOT_ID id, CK_SLOT_INFO_PTR info)
{
	CK_RV rv = check_slot(id);
	if (rv != CKR_OK)
		return rv;
	if (!info)
		return CKR_ARGUMENTS_BAD;
	*info = {};
	blank_copy(info->slotDescription, sizeof(info->slotDescription), "hsm: /dev/hsm");
	blank_copy(info->manufacturerID, sizeof(info->manufacturerID), "hsm");
	info->flags = CKF_TOKEN_PRESENT | CKF_HW_SLOT;
	auto mi = state()->stack.info();
	info->hardwareVersion = {CK_BYTE(mi.abi_version), 0};
	info->firmwareVersion = {kVersionMajor, kVersionMinor};
	return CKR_OK;
}

CK_RV C_GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv = check_slot(id);
	if (rv != CKR_OK)
		return rv;
	if (!info)
		return CKR_ARGUMENTS_BAD;
	State *s = state();
	*info = {};
	blank_copy(info->label, sizeof(info->label), "hsm");
	blank_copy(info->manufacturerID, sizeof(info->manufacturerID), "hsm");
	blank_copy(info->model, sizeof(info->model), "kernel HSM");
	// One token per namespace: the serial names the caller's uid.
	char serial[17];
	std::snprintf(serial, sizeof(serial), "%016x", unsigned(getuid()));
	blank_copy(info->serialNumber, sizeof(info->serialNumber), serial);
	info->flags = CKF_RNG | CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED |
		      CKF_PROTECTED_AUTHENTICATION_PATH;
	info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
	{
		std::shared_lock l(s->lock);
		info->ulSessionCount = s->sessions.size();
		info->ulRwSessionCount = 0;
		for (const auto &[h, ss] : s->sessions)
			info->ulRwSessionCount += (ss->flags & CKF_RW_SESSION) != 0;
	}
	info->ulMaxPinLen = 0;
	info->ulMinPinLen = 0;
	info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	auto mi = s->stack.info();
	info->hardwareVersion = {CK_BYTE(mi.abi_version), 0};
	info->firmwareVersion = {kVersionMajor, kVersionMinor};
	return CKR_OK;
}

CK_RV C_GetMechanismList(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
	CK_RV rv = check_slot(id);
	if (rv != CKR_OK)
		return rv;
	if (!count)
		return CKR_ARGUMENTS_BAD;
	auto all = mechanisms();
	if (list && *count < all.size())
		rv = CKR_BUFFER_TOO_SMALL;
	else if (list)
		for (std::size_t i = 0; i < all.size(); i++)
			list[i] = all[i].type;
	*count = all.size();
	return rv;
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{
	CK_RV rv = check_slot(id);
	if (rv != CKR_OK)
		return rv;
	if (!info)
		return CKR_ARGUMENTS_BAD;
	const Mech *m = mechanism(type);
	if (!m)
		return CKR_MECHANISM_INVALID;
	info->ulMinKeySize = m->min;
	info->ulMaxKeySize = m->max;
	// CKF_HW: the module does the work, in the kernel or in its worker.
	info->flags = m->flags | CKF_HW;
	return CKR_OK;
}

CK_RV C_OpenSession(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR, CK_NOTIFY, CK_SESSION_HANDLE_PTR out)
{
	CK_RV rv = check_slot(id);
	if (rv != CKR_OK)
		return rv;
	if (!out)
		return CKR_ARGUMENTS_BAD;
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	State *s = state();
	auto ss = std::make_shared<Session>();
	ss->flags = flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION);
	std::unique_lock l(s->lock);
	ss->handle = s->next_session++;
	s->sessions[ss->handle] = ss;
	*out = ss->handle;
	return CKR_OK;
}

CK_RV C_CloseSession(CK_SESSION_HANDLE h)
{
	State *s = state();
	if (!s)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	std::shared_ptr<Session> ss;
	{
		std::unique_lock l(s->lock);
		auto it = s->sessions.find(h);
		if (it == s->sessions.end())
			return CKR_SESSION_HANDLE_INVALID;
		ss = std::move(it->second);
		s->sessions.erase(it);
	}
	close_session(*s, ss);
	return CKR_OK;
}

CK_RV C_CloseAllSessions(CK_SLOT_ID id)
{
	CK_RV rv = check_slot(id);
	if (rv != CKR_OK)
		return rv;
	State *s = state();
	std::map<CK_SESSION_HANDLE, std::shared_ptr<Session>> all;
	{
		std::unique_lock l(s->lock);
		all.swap(s->sessions);
	}
	for (auto &[h, ss] : all)
		close_session(*s, ss);
	return CKR_OK;
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{
	std::shared_ptr<Session> ss;
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	if (!info)
		return CKR_ARGUMENTS_BAD;
	info->slotID = kSlot;
	info->flags = ss->flags;
	info->state = (ss->flags & CKF_RW_SESSION) ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
	info->ulDeviceError = 0;
	return CKR_OK;
}

// The kernel has authenticated the caller by uid: a user login succeeds
// with or without a PIN, and changes nothing.  There is no security officer.
CK_RV C_Login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR, CK_ULONG)
{
	std::shared_ptr<Session> ss;
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	if (user == CKU_USER)
		return CKR_OK;
	if (user == CKU_CONTEXT_SPECIFIC)
		return CKR_OPERATION_NOT_INITIALIZED;
	return CKR_USER_TYPE_INVALID;
}

CK_RV C_Logout(CK_SESSION_HANDLE h)
{
	std::shared_ptr<Session> ss;
	return session(h, ss);
}

} // extern "C"
