// SPDX-License-Identifier: MIT
//
// The function list C_GetFunctionList hands out (functions.cpp).
#pragma once

#include <p11-kit/pkcs11.h>

namespace p11 {

extern CK_FUNCTION_LIST kFunctions;

/// libhsm-pkcs11's version, as C_GetInfo and C_GetTokenInfo report it.
constexpr CK_BYTE kVersionMajor = 0;
constexpr CK_BYTE kVersionMinor = 1;

/// The one slot, whose token is the caller's namespace in the module.
constexpr CK_SLOT_ID kSlot = 0;

} // namespace p11
