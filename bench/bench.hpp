// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// hsm-bench: the same operations, on the same payloads, through every way
// a user could run them: libhsm, the raw ABI, AF_ALG (libkcapi), SoftHSM2
// (PKCS#11), OpenSSL in the process, and the module's in-kernel bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bench {

using Bytes = std::vector<std::uint8_t>;

enum class Algo { Gcm, Hmac, Sha, EcdsaP256, Ed25519, RsaPss };

// The module's algorithm name, also the benchmark's name of the operation.
const char *algo_name(Algo a);

// A signature: randomized (ECDSA, PSS) or made with each competitor's own
// key, so its answer is checked by verifying it, not by comparing it.
inline bool is_signature(Algo a)
{
	return a == Algo::EcdsaP256 || a == Algo::Ed25519 || a == Algo::RsaPss;
}

// One measured configuration.
struct Case {
	Algo algo;
	std::size_t size;	// payload bytes of one operation
	unsigned batch;		// operations submitted together
};

// The fixed inputs every competitor uses, so answers can be compared.
struct Inputs {
	static Bytes key(Algo a);		// 32 bytes for GCM and HMAC (SHA: unused)
	static Bytes iv();			// 12 bytes (GCM)
	static Bytes payload(std::size_t n);
	// What OpenSSL says the answer is: ciphertext || 16-byte tag, or the
	// 32-byte MAC or digest.  Empty for signatures: they have none.
	static Bytes expected(Algo a, std::size_t n);
	// The answer's length; for signatures, the longest the algorithm
	// makes (ECDSA P-256 DER 72, Ed25519 64, RSA-2048 256).
	static std::size_t out_len(Algo a, std::size_t n);
	// The RSA modulus, in bytes, of every competitor's RSA-PSS key.
	static constexpr std::size_t kRsaBytes = 256;
};

// One thread's way of running a Case.  setup() may refuse a case it does
// not serve (returns false, with why()); run() performs `batch` operations
// and throws std::runtime_error on any error; output() is the answer of
// one operation of the last run, for the correctness check.  Signing
// runners also say which key they sign with: public_key() is its
// SubjectPublicKeyInfo DER, under which OpenSSL verifies output() (an
// ECDSA signature as DER, an Ecdsa-Sig-Value; RSA-PSS with MGF1-SHA-256
// and a 32-byte salt).
class Runner {
public:
	virtual ~Runner() = default;
	virtual bool setup(const Case &c) = 0;
	virtual void run() = 0;
	virtual Bytes output() = 0;
	virtual Bytes public_key() { return {}; }
	virtual std::string why() const { return "not offered"; }
	// Operations one run() performs.
	virtual unsigned ops_per_run(const Case &c) const { return c.batch; }
};

// The correctness check of one case, made once per cell: output() equals
// OpenSSL's answer, or, for signatures, OpenSSL verifies output() over the
// payload under the runner's public_key().
class Check {
public:
	explicit Check(const Case &c);
	// Whether r's last answer is right; `why` says what was wrong.
	bool operator()(Runner &r, std::string &why) const;

private:
	Case c_;
	Bytes want_;
};

struct Competitor {
	std::string name;
	std::string how;		// one line: what it measures
	bool batched;			// honours Case::batch > 1
	std::function<std::unique_ptr<Runner>()> make;
};

// Each file adds its competitors.
void add_hsm_raw(std::vector<Competitor> &out);
void add_kcapi(std::vector<Competitor> &out);
void add_pkcs11(std::vector<Competitor> &out);
void add_openssl(std::vector<Competitor> &out);
void add_libhsm(std::vector<Competitor> &out);

}  // namespace bench
