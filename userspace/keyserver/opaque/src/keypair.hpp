// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// A key pair as the OPRF and the 3DH groups derive them.
#pragma once

#include "opaque/bytes.hpp"

namespace opaque {

struct KeyPair {
	SecretBytes private_key;
	Bytes public_key;
};

} // namespace opaque
