// SPDX-License-Identifier: MIT
//
// What PKCS#11 3.0 adds that this module uses and Debian 12's p11-kit
// header (2.40) lacks: the values and layouts the 3.0 standard gives them
// (pkcs11t.h, pkcs11f.h).  A newer header that has them wins.
#pragma once

#include <p11-kit/pkcs11.h>

// PKCS#11 3.0's SHA-3 digests, which the 2.40 header lacks.
#ifndef CKM_SHA3_256
#define CKM_SHA3_256 0x000002b0UL
#define CKM_SHA3_384 0x000002c0UL
#define CKM_SHA3_512 0x000002d0UL
#endif

// HKDF.
#ifndef CKM_HKDF_DERIVE
#define CKM_HKDF_DERIVE 0x0000402aUL
#define CKF_HKDF_SALT_NULL 0x00000001UL
#define CKF_HKDF_SALT_DATA 0x00000002UL
#define CKF_HKDF_SALT_KEY 0x00000004UL
typedef struct CK_HKDF_PARAMS {
	CK_BBOOL bExtract;
	CK_BBOOL bExpand;
	CK_MECHANISM_TYPE prfHashMechanism;
	CK_ULONG ulSaltType;
	CK_BYTE_PTR pSalt;
	CK_ULONG ulSaltLen;
	CK_OBJECT_HANDLE hSaltKey;
	CK_BYTE_PTR pInfo;
	CK_ULONG ulInfoLen;
} CK_HKDF_PARAMS;
#endif

// Interfaces (C_GetInterface) and C_SessionCancel's flag for a search.
#ifndef CKF_INTERFACE_FORK_SAFE
#define CKF_INTERFACE_FORK_SAFE 0x00000001UL
#define CKF_FIND_OBJECTS 0x00000040UL
typedef struct CK_INTERFACE {
	CK_CHAR *pInterfaceName;
	CK_VOID_PTR pFunctionList;
	CK_FLAGS flags;
} CK_INTERFACE;
typedef CK_INTERFACE *CK_INTERFACE_PTR;
typedef CK_INTERFACE_PTR *CK_INTERFACE_PTR_PTR;
#endif
