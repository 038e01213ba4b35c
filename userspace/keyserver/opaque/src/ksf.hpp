// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The key stretching function RFC 9807 applies to the OPRF output, so
// that each password guess against a stolen record costs what the
// configuration says.
#pragma once

#include "opaque/config.hpp"
#include "result.hpp"

namespace opaque {

/// Whether the KSF's parameters are ones it accepts.
[[nodiscard]] bool valid_ksf(const Ksf &ksf) noexcept;

/// Stretch(input): kHashSize bytes.
/// Errors: kInvalidConfig, kKsf.
[[nodiscard]] Result<SecretBytes> stretch(const Ksf &ksf, In input);

} // namespace opaque
