// SPDX-License-Identifier: GPL-2.0 OR MIT
// A simulated AMD certificate chain for the module's simulated PSP, made
// with OpenSSL: an ARK (RSA-4096, self-signed) and an ASK (RSA-4096, signed
// by the ARK), both RSASSA-PSS with SHA-384 (salt 48) as AMD's are, and a
// P-384 VCEK signed by the ASK with AMD's extensions (structVersion,
// productName, the TCB components and hwID = the chip id).  The VCEK's
// private scalar goes to the module (SNP_SIM_SETUP) so that its reports
// verify against this chain.  Every name says "simulated": it is not AMD's.
// For the simulator only: hsmctl's sim-setup and the guest tests.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace snpsim {

using Bytes = std::vector<uint8_t>;

// GHCB certificate table GUIDs, in the table's byte order.
inline constexpr std::array<uint8_t, 16> kGuidVcek = {
	0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
	0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
inline constexpr std::array<uint8_t, 16> kGuidAsk = {
	0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
	0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
inline constexpr std::array<uint8_t, 16> kGuidArk = {
	0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
	0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};

struct Pkey {
	EVP_PKEY *p = nullptr;
	Pkey() = default;
	explicit Pkey(EVP_PKEY *k) : p(k) {}
	Pkey(Pkey &&o) noexcept : p(o.p) { o.p = nullptr; }
	Pkey &operator=(Pkey &&o) noexcept { std::swap(p, o.p); return *this; }
	~Pkey() { EVP_PKEY_free(p); }
};

struct Cert {
	X509 *x = nullptr;
	Cert() = default;
	explicit Cert(X509 *c) : x(c) {}
	Cert(Cert &&o) noexcept : x(o.x) { o.x = nullptr; }
	Cert &operator=(Cert &&o) noexcept { std::swap(x, o.x); return *this; }
	~Cert() { X509_free(x); }
	// The certificate as DER; throws std::runtime_error.
	Bytes der() const;
};

struct Chain {
	Pkey ark_key, ask_key, vcek_key;
	Cert ark, ask, vcek;
	std::array<uint8_t, 48> vcek_priv{};	// big-endian scalar
	Bytes table;				// GHCB certificate table
};

// A new chain for a VCEK of this chip id and TCB (Genoa layout: bl, tee,
// 4 reserved, snp, microcode bytes): a fresh VCEK key, and fresh ARK and
// ASK keys unless HSM_SNP_SIM_KEYS names a directory that keeps them
// (snp_sim.cpp).  Throws std::runtime_error when OpenSSL fails.
Chain make_chain(const uint8_t chip_id[64], uint64_t tcb);

// The DER certificate with this GUID in a GHCB table; empty if none.
Bytes find_cert(const Bytes &table, const std::array<uint8_t, 16> &guid);

}  // namespace snpsim
