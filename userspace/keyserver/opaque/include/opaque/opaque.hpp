// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// opaque/opaque.hpp: OPAQUE (RFC 9807), the asymmetric password-
// authenticated key exchange, for the key server.  The server never sees
// the password, and a stolen record is only open to a dictionary attack
// through the OPRF key the server keeps.
//
// Built from vetted primitives only: libsodium (ristretto255, X25519),
// OpenSSL 3 (SHA-512, HKDF, HMAC) and libargon2.  This library composes
// them into the protocol.  Link with -lsodium -lcrypto -largon2.
#pragma once

#include "opaque/bytes.hpp"
#include "opaque/config.hpp"
#include "opaque/error.hpp"
#include "opaque/login.hpp"
#include "opaque/registration.hpp"
#include "opaque/server_keys.hpp"
