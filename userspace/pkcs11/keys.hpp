// SPDX-License-Identifier: MIT
//
// Making objects: imported and generated keys, public keys, certificates
// and data, and copies.
#pragma once

#include "p11.hpp"

namespace p11 {

/// Fills `o` (its session already set) from a C_CreateObject template.
CK_RV create_object(State &s, const Attrs &tmpl, Object &o);
/// Fills `o` as a copy of `src` changed by `tmpl`.
CK_RV copy_object(State &s, Object &src, const Attrs &tmpl, Object &o);

} // namespace p11
