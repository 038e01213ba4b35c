// SPDX-License-Identifier: GPL-2.0 OR MIT
// A simulated Intel PCS for the module's simulated TDX module and quoting
// enclave, made with OpenSSL: what Intel publishes for a TDX platform, with
// fresh keys and a simulated platform's values.
//
//   "Intel SGX Root CA"          self-signed, P-256, ECDSA-SHA256, v3
//     "Intel SGX PCK Platform CA"
//       "Intel SGX PCK Certificate"  SGX extension 1.2.840.113741.1.13.1:
//                                    PPID, TCB (16 SGX SVNs, PCESVN,
//                                    CPUSVN), PCE-ID, FMSPC, SGX type
//     "Intel SGX TCB Signing"    signs the TCB info and the QE identity
//
// plus a root CA CRL, a PCK CRL (which may revoke the PCK), a TCB info
// (id "TDX", version 3) and a QE identity (id "TD_QE", version 2), and
// the collateral JSON hsm::tdx::parse_collateral reads.  The common names
// are Intel's, since verifiers insist on them (go-tdx-guest does); the
// organization and organizational unit say SIMULATED, and no verifier
// trusts the root unless it is passed explicitly.
//
// The PCK's private scalar goes to the module (TDX_SIM_SETUP, with the PEM
// chain) so that the QE reports of its quotes verify against this chain;
// sim_params() gives the TD, TDX module and QE values that match the TCB
// info and QE identity.  For the simulator only: hsmctl's tdx-sim-setup
// and the tests.  Throws std::runtime_error when OpenSSL fails.
#pragma once

#include <array>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <linux/hsm.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

namespace tdxsim {

using Bytes = std::vector<uint8_t>;
using Hash384 = std::array<uint8_t, 48>;

struct PkeyFree {
	void operator()(EVP_PKEY *k) const noexcept { EVP_PKEY_free(k); }
};
struct X509Free {
	void operator()(X509 *x) const noexcept { X509_free(x); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

// What the simulated platform is.  The PCK certificate, the TCB info and
// the QE identity describe it; sim_params() gives it to the module.
struct Platform {
	// The PCK certificate's SGX extension.
	std::array<uint8_t, 16> ppid = {'s', 'i', 'm', 'u', 'l', 'a', 't', 'e', 'd', ' ',
					'P', 'P', 'I', 'D', 0, 0};
	std::array<uint8_t, 16> sgx_components = {2, 2, 2, 2, 3, 1, 0, 5};
	uint16_t pcesvn = 11;
	std::array<uint8_t, 16> cpusvn = {2, 2, 2, 2, 3, 1, 0, 5};
	std::array<uint8_t, 2> pceid = {0, 0};
	std::array<uint8_t, 6> fmspc = {'S', 'I', 'M', 0, 0, 0};
	// The TDX module: TEE_TCB_SVN (minor SVN, major version, then the
	// TDX TCB components), MRSEAM, MRSIGNERSEAM (Intel's is zero) and
	// SEAM attributes.
	std::array<uint8_t, 16> tee_tcb_svn = {5, 1, 2};
	Hash384 mrseam{};
	Hash384 mrsignerseam{};
	uint64_t seam_attributes = 0;
	// The TD quoting enclave.
	std::array<uint8_t, 32> qe_mrenclave{};
	std::array<uint8_t, 32> qe_mrsigner = {'s', 'i', 'm', 'u', 'l', 'a', 't', 'e', 'd', ' ',
					       'T', 'D', ' ', 'Q', 'E', ' ', 'M', 'R', 'S', 'I',
					       'G', 'N', 'E', 'R'};
	uint16_t qe_isvprodid = 2;
	uint16_t qe_isvsvn = 4;
	uint32_t qe_miscselect = 0;
	std::array<uint8_t, 16> qe_attributes = {0x11};
};

// The TD the simulated TDX module reports.
struct Td {
	uint64_t attributes = 1ULL << 28;	// SEPT_VE_DISABLE
	uint64_t xfam = 0x642e7;
	Hash384 mrtd{};
	Hash384 mrconfigid{};
	Hash384 mrowner{};
	Hash384 mrownerconfig{};
	std::array<Hash384, 4> rtmr{};
	uint32_t report_version = 0;		// 1: TDX 1.5 (v5 quotes, body type 3)
};

// When everything is valid: certificates from not_before for years, CRLs,
// TCB info and QE identity issued at not_before and next updated at
// next_update.  Defaults: from a day before now to thirty days after.
struct Window {
	std::time_t not_before = 0;
	std::time_t next_update = 0;
	static Window around(std::time_t now);
};

// A simulated PCS: keys, certificates and what they sign.
class Pcs {
public:
	// Fresh keys and certificates for this platform, valid in this window.
	Pcs(const Platform &platform, const Window &window);
	Pcs() : Pcs(Platform{}, Window::around(std::time(nullptr))) {}

	const Platform &platform() const noexcept { return platform_; }
	const Window &window() const noexcept { return window_; }

	// DER certificates.
	Bytes root_der() const;
	Bytes platform_ca_der() const;
	Bytes pck_der() const;
	Bytes tcb_signing_der() const;
	// The root as PEM: what a verifier is given to trust.
	std::string root_pem() const;
	// The PCK chain as TDX_SIM_SETUP takes it: PEM, leaf first (PCK,
	// platform CA, root).
	std::string pck_chain_pem() const;
	// The PCK certificate's serial number, as its CRL names it.
	long pck_serial() const noexcept { return kPckSerial; }

	// DER CRLs: the root CA's (revokes nothing) and the platform CA's,
	// revoking the PCK if asked.
	Bytes root_crl() const;
	Bytes pck_crl(bool revoke_pck = false) const;

	// The TCB info and QE identity, exactly as signed, and their
	// signatures (r || s, big-endian) by the TCB signing key.
	const std::string &tcb_info() const noexcept { return tcb_info_; }
	const std::string &qe_identity() const noexcept { return qe_identity_; }
	std::array<uint8_t, 64> sign(const std::string &body) const;

	// Everything hsm::tdx::parse_collateral reads, as JSON.
	std::string collateral(bool revoke_pck = false) const;

	// What TDX_SIM_SETUP takes: this TD on this platform's TDX module and
	// QE, with the PCK's scalar (HSM_TDX_SIM_F_PCK).  Holds the scalar:
	// wipe it after use.
	hsm_tdx_sim_params sim_params(const Td &td) const;

private:
	static constexpr long kPckSerial = 0x5c3a;

	Platform platform_;
	Window window_;
	PkeyPtr root_key_, ca_key_, pck_key_, tcb_key_;
	X509Ptr root_, ca_, pck_, tcb_;
	std::string tcb_info_, qe_identity_;
};

}  // namespace tdxsim
