// SPDX-License-Identifier: MIT
//
// PKCS#11 3.0's interfaces: C_GetInterfaceList and C_GetInterface hand out
// the 2.40 function list and a 3.0 one, which adds C_LoginUser,
// C_SessionCancel and the message-based functions.  No mechanism here is
// message-based (C_GetMechanismInfo sets no CKF_MESSAGE_* flag), so those
// answer CKR_FUNCTION_NOT_SUPPORTED, as the standard allows.  The 3.0
// types are in v3.hpp; the function list is laid out here, in pkcs11f.h's
// order.
#include <cstring>

#include "api.hpp"
#include "p11.hpp"
#include "v3.hpp"

using namespace p11;

extern "C" {

CK_RV C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR count);
CK_RV C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR out,
		     CK_FLAGS flags);
CK_RV C_LoginUser(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len,
		  CK_UTF8CHAR_PTR name, CK_ULONG name_len);
CK_RV C_SessionCancel(CK_SESSION_HANDLE h, CK_FLAGS flags);
CK_RV C_MessageEncryptInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);
CK_RV C_EncryptMessage(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
		       CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR);
CK_RV C_EncryptMessageBegin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG);
CK_RV C_EncryptMessageNext(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
			   CK_ULONG_PTR, CK_FLAGS);
CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE);
CK_RV C_MessageDecryptInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);
CK_RV C_DecryptMessage(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
		       CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR);
CK_RV C_DecryptMessageBegin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG);
CK_RV C_DecryptMessageNext(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
			   CK_ULONG_PTR, CK_FLAGS);
CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE);
CK_RV C_MessageSignInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);
CK_RV C_SignMessage(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
		    CK_ULONG_PTR);
CK_RV C_SignMessageBegin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG);
CK_RV C_SignMessageNext(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
			CK_ULONG_PTR);
CK_RV C_MessageSignFinal(CK_SESSION_HANDLE);
CK_RV C_MessageVerifyInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);
CK_RV C_VerifyMessage(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
		      CK_ULONG);
CK_RV C_VerifyMessageBegin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG);
CK_RV C_VerifyMessageNext(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
			  CK_ULONG);
CK_RV C_MessageVerifyFinal(CK_SESSION_HANDLE);

/// CK_FUNCTION_LIST_3_0: 2.40's list, then the 3.0 functions in the
/// standard's order.
struct CK_FUNCTION_LIST_3_0 {
	CK_VERSION version;
	// The 2.40 functions, in CK_FUNCTION_LIST's order.
#define P11_FN(name) decltype(&::name) name
	P11_FN(C_Initialize); P11_FN(C_Finalize); P11_FN(C_GetInfo); P11_FN(C_GetFunctionList);
	P11_FN(C_GetSlotList); P11_FN(C_GetSlotInfo); P11_FN(C_GetTokenInfo);
	P11_FN(C_GetMechanismList); P11_FN(C_GetMechanismInfo); P11_FN(C_InitToken);
	P11_FN(C_InitPIN); P11_FN(C_SetPIN); P11_FN(C_OpenSession); P11_FN(C_CloseSession);
	P11_FN(C_CloseAllSessions); P11_FN(C_GetSessionInfo); P11_FN(C_GetOperationState);
	P11_FN(C_SetOperationState); P11_FN(C_Login); P11_FN(C_Logout); P11_FN(C_CreateObject);
	P11_FN(C_CopyObject); P11_FN(C_DestroyObject); P11_FN(C_GetObjectSize);
	P11_FN(C_GetAttributeValue); P11_FN(C_SetAttributeValue); P11_FN(C_FindObjectsInit);
	P11_FN(C_FindObjects); P11_FN(C_FindObjectsFinal); P11_FN(C_EncryptInit); P11_FN(C_Encrypt);
	P11_FN(C_EncryptUpdate); P11_FN(C_EncryptFinal); P11_FN(C_DecryptInit); P11_FN(C_Decrypt);
	P11_FN(C_DecryptUpdate); P11_FN(C_DecryptFinal); P11_FN(C_DigestInit); P11_FN(C_Digest);
	P11_FN(C_DigestUpdate); P11_FN(C_DigestKey); P11_FN(C_DigestFinal); P11_FN(C_SignInit);
	P11_FN(C_Sign); P11_FN(C_SignUpdate); P11_FN(C_SignFinal); P11_FN(C_SignRecoverInit);
	P11_FN(C_SignRecover); P11_FN(C_VerifyInit); P11_FN(C_Verify); P11_FN(C_VerifyUpdate);
	P11_FN(C_VerifyFinal); P11_FN(C_VerifyRecoverInit); P11_FN(C_VerifyRecover);
	P11_FN(C_DigestEncryptUpdate); P11_FN(C_DecryptDigestUpdate); P11_FN(C_SignEncryptUpdate);
	P11_FN(C_DecryptVerifyUpdate); P11_FN(C_GenerateKey); P11_FN(C_GenerateKeyPair);
	P11_FN(C_WrapKey); P11_FN(C_UnwrapKey); P11_FN(C_DeriveKey); P11_FN(C_SeedRandom);
	P11_FN(C_GenerateRandom); P11_FN(C_GetFunctionStatus); P11_FN(C_CancelFunction);
	P11_FN(C_WaitForSlotEvent);
	// New in 3.0.
	P11_FN(C_GetInterfaceList); P11_FN(C_GetInterface); P11_FN(C_LoginUser);
	P11_FN(C_SessionCancel); P11_FN(C_MessageEncryptInit); P11_FN(C_EncryptMessage);
	P11_FN(C_EncryptMessageBegin); P11_FN(C_EncryptMessageNext); P11_FN(C_MessageEncryptFinal);
	P11_FN(C_MessageDecryptInit); P11_FN(C_DecryptMessage); P11_FN(C_DecryptMessageBegin);
	P11_FN(C_DecryptMessageNext); P11_FN(C_MessageDecryptFinal); P11_FN(C_MessageSignInit);
	P11_FN(C_SignMessage); P11_FN(C_SignMessageBegin); P11_FN(C_SignMessageNext);
	P11_FN(C_MessageSignFinal); P11_FN(C_MessageVerifyInit); P11_FN(C_VerifyMessage);
	P11_FN(C_VerifyMessageBegin); P11_FN(C_VerifyMessageNext); P11_FN(C_MessageVerifyFinal);
#undef P11_FN
};

} // extern "C"

namespace {

// The 2.40 list's layout is the 3.0 list's first part.
static_assert(offsetof(CK_FUNCTION_LIST_3_0, C_WaitForSlotEvent) ==
	      offsetof(CK_FUNCTION_LIST, C_WaitForSlotEvent));
static_assert(offsetof(CK_FUNCTION_LIST_3_0, C_GetInterfaceList) == sizeof(CK_FUNCTION_LIST));

CK_FUNCTION_LIST_3_0 make_list_3_0()
{
	CK_FUNCTION_LIST_3_0 f{};
	std::memcpy(&f, &kFunctions, sizeof kFunctions);
	f.version = {3, 0};
	f.C_GetInterfaceList = C_GetInterfaceList;
	f.C_GetInterface = C_GetInterface;
	f.C_LoginUser = C_LoginUser;
	f.C_SessionCancel = C_SessionCancel;
	f.C_MessageEncryptInit = C_MessageEncryptInit;
	f.C_EncryptMessage = C_EncryptMessage;
	f.C_EncryptMessageBegin = C_EncryptMessageBegin;
	f.C_EncryptMessageNext = C_EncryptMessageNext;
	f.C_MessageEncryptFinal = C_MessageEncryptFinal;
	f.C_MessageDecryptInit = C_MessageDecryptInit;
	f.C_DecryptMessage = C_DecryptMessage;
	f.C_DecryptMessageBegin = C_DecryptMessageBegin;
	f.C_DecryptMessageNext = C_DecryptMessageNext;
	f.C_MessageDecryptFinal = C_MessageDecryptFinal;
	f.C_MessageSignInit = C_MessageSignInit;
	f.C_SignMessage = C_SignMessage;
	f.C_SignMessageBegin = C_SignMessageBegin;
	f.C_SignMessageNext = C_SignMessageNext;
	f.C_MessageSignFinal = C_MessageSignFinal;
	f.C_MessageVerifyInit = C_MessageVerifyInit;
	f.C_VerifyMessage = C_VerifyMessage;
	f.C_VerifyMessageBegin = C_VerifyMessageBegin;
	f.C_VerifyMessageNext = C_VerifyMessageNext;
	f.C_MessageVerifyFinal = C_MessageVerifyFinal;
	return f;
}

CK_FUNCTION_LIST_3_0 g_list_3_0 = make_list_3_0();

CK_CHAR g_name[] = "PKCS 11";

// The 3.0 interface first: C_GetInterface without a name or version gives
// the newest.  Neither is fork-safe in 3.0's sense (a child starts over
// with C_Initialize), so no flag is set.
CK_INTERFACE g_interfaces[] = {
	{g_name, &g_list_3_0, 0},
	{g_name, &kFunctions, 0},
};

CK_VERSION version_of(const CK_INTERFACE &i)
{
	return static_cast<const CK_FUNCTION_LIST *>(i.pFunctionList)->version;
}

CK_RV not_message_based()
{
	return state() ? CKR_FUNCTION_NOT_SUPPORTED : CKR_CRYPTOKI_NOT_INITIALIZED;
}

} // namespace

extern "C" {

// Like C_GetFunctionList, both work before C_Initialize.
CK_RV C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR count)
{
	constexpr CK_ULONG n = sizeof g_interfaces / sizeof g_interfaces[0];
	if (!count)
		return CKR_ARGUMENTS_BAD;
	if (!list) {
		*count = n;
		return CKR_OK;
	}
	if (*count < n) {
		*count = n;
		return CKR_BUFFER_TOO_SMALL;
	}
	std::memcpy(list, g_interfaces, sizeof g_interfaces);
	*count = n;
	return CKR_OK;
}

CK_RV C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR out,
		     CK_FLAGS flags)
{
	if (!out || (name && std::strcmp(reinterpret_cast<const char *>(name), "PKCS 11")))
		return CKR_ARGUMENTS_BAD;
	for (auto &i : g_interfaces) {
		CK_VERSION v = version_of(i);
		if (version && (version->major != v.major || version->minor != v.minor))
			continue;
		if ((flags & i.flags) != flags)
			continue;
		*out = &i;
		return CKR_OK;
	}
	return CKR_ARGUMENTS_BAD;
}

// One user per token (the caller's uid): a user name changes nothing.
CK_RV C_LoginUser(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len,
		  CK_UTF8CHAR_PTR, CK_ULONG)
{
	return C_Login(h, user, pin, pin_len);
}

// Ends the operations `flags` names, as their Final would, and a search.
CK_RV C_SessionCancel(CK_SESSION_HANDLE h, CK_FLAGS flags)
{
	static constexpr struct { CK_FLAGS flag; OpKind kind; } kOps[] = {
		{CKF_DIGEST, OpKind::kDigest}, {CKF_SIGN, OpKind::kSign}, {CKF_VERIFY, OpKind::kVerify},
		{CKF_ENCRYPT, OpKind::kEncrypt}, {CKF_DECRYPT, OpKind::kDecrypt},
	};
	std::shared_ptr<Session> ss;
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	std::lock_guard l(ss->lock);
	for (const auto &o : kOps)
		if (flags & o.flag)
			ss->ops[std::size_t(o.kind)].reset();
	if (flags & CKF_FIND_OBJECTS) {
		ss->finding = false;
		ss->found.clear();
	}
	return CKR_OK;
}

CK_RV C_MessageEncryptInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) { return not_message_based(); }
CK_RV C_EncryptMessage(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG,
		       CK_BYTE_PTR, CK_ULONG_PTR) { return not_message_based(); }
CK_RV C_EncryptMessageBegin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG) { return not_message_based(); }
CK_RV C_EncryptMessageNext(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
			   CK_ULONG_PTR, CK_FLAGS) { return not_message_based(); }
CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE) { return not_message_based(); }
CK_RV C_MessageDecryptInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) { return not_message_based(); }
CK_RV C_DecryptMessage(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG,
		       CK_BYTE_PTR, CK_ULONG_PTR) { return not_message_based(); }
CK_RV C_DecryptMessageBegin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG) { return not_message_based(); }
CK_RV C_DecryptMessageNext(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
			   CK_ULONG_PTR, CK_FLAGS) { return not_message_based(); }
CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE) { return not_message_based(); }
CK_RV C_MessageSignInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) { return not_message_based(); }
CK_RV C_SignMessage(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
		    CK_ULONG_PTR) { return not_message_based(); }
CK_RV C_SignMessageBegin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG) { return not_message_based(); }
CK_RV C_SignMessageNext(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
			CK_ULONG_PTR) { return not_message_based(); }
CK_RV C_MessageSignFinal(CK_SESSION_HANDLE) { return not_message_based(); }
CK_RV C_MessageVerifyInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) { return not_message_based(); }
CK_RV C_VerifyMessage(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
		      CK_ULONG) { return not_message_based(); }
CK_RV C_VerifyMessageBegin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG) { return not_message_based(); }
CK_RV C_VerifyMessageNext(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
			  CK_ULONG) { return not_message_based(); }
CK_RV C_MessageVerifyFinal(CK_SESSION_HANDLE) { return not_message_based(); }

} // extern "C"
