// SPDX-License-Identifier: MIT
//
// OPAQUE's configuration, as client and server must agree on it: the
// suite and the context string.  The defaults are those of opaque-ke,
// which @serenity-kit/opaque builds on (the WebAssembly client a browser
// or mobile application would use): ristretto255 for OPRF and 3DH, an
// empty context, and Argon2id at RFC 9106's second recommended option.
// The KSF runs only at the client, so the server never sees its
// parameters; but a password registered under some parameters logs in
// only under the same ones, so a client changes them only for accounts it
// registered itself (the tests do, to stay fast under emulation).
#pragma once

#include <string>

#include <opaque/config.hpp>

namespace ks {

// m = 64 MiB, t = 3, p = 4.
inline constexpr opaque::Argon2id kArgon2{65536, 3, 4};
inline constexpr const char *kContext = "";

inline opaque::Config opaque_config(const std::string &context = kContext, opaque::Argon2id ksf = kArgon2)
{
	opaque::Config c;
	c.group = opaque::Group::kRistretto255;
	c.ksf = ksf;
	c.context.assign(context.begin(), context.end());
	return c;
}

} // namespace ks
