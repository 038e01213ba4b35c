// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// Error names.
#include "opaque/error.hpp"

namespace opaque {

const char *to_string(Error e) noexcept
{
	switch (e) {
	case Error::kInvalidLength:
		return "invalid-length";
	case Error::kInvalidElement:
		return "invalid-element";
	case Error::kInvalidScalar:
		return "invalid-scalar";
	case Error::kInputTooLong:
		return "input-too-long";
	case Error::kInvalidConfig:
		return "invalid-config";
	case Error::kInvalidServerKeys:
		return "invalid-server-keys";
	case Error::kReflectedElement:
		return "reflected-element";
	case Error::kEnvelopeRecovery:
		return "envelope-recovery";
	case Error::kServerAuthentication:
		return "server-authentication";
	case Error::kClientAuthentication:
		return "client-authentication";
	case Error::kInvalidState:
		return "invalid-state";
	case Error::kKsf:
		return "ksf";
	case Error::kInternal:
		return "internal";
	}
	return "unknown";
}

} // namespace opaque
