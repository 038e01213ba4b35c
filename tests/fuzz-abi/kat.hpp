// SPDX-License-Identifier: GPL-2.0 OR MIT
// Known-answer operations between the mutated ones: a digest, an HMAC and
// an AES-GCM seal and open, on keys no mutated command is ever given, in a
// part of the region no mutated command may name.  Each must give exactly
// OpenSSL's answer, by whichever path it is sent: the connection still
// works, whatever came before.
#pragma once

#include <string>

#include "exec.hpp"
#include "refcrypto.hpp"

namespace fz {

struct Worker;

// Import the thread's known-answer keys.  "" or what failed.
std::string kat_setup(Worker &w, const Target &t);
// One known-answer operation by a random path.  "" or what was wrong.
std::string kat_run(Worker &w, const Target &t);

// A digest whose answer is computed before a fork(): for a child, which
// may not call OpenSSL.
struct KatDigest {
	Bytes msg, want;
};
KatDigest kat_digest(Rng &rng);
std::string kat_check_digest(Executor &ex, const Target &t, const KatDigest &k, Via via);

}  // namespace fz
