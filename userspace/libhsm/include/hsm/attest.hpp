// SPDX-License-Identifier: MIT
//
// hsm/attest.hpp: key attestation, the relying party's side.
//
// KeyManager::attest_key() (hsm/keys.hpp) returns, for a key pair the
// caller holds, the module's statement of that key (its public key,
// algorithm, permissions and flags, the caller's uid and a nonce) and the
// platform's evidence over it: an SEV-SNP report or a TDX quote whose
// report data is SHA-512 of the statement.  verify_key_attestation() checks
// both: the evidence as hsm/snp.hpp or hsm/tdx.hpp verify it, with the
// statement's digest as the report data it must carry, then the statement
// against what the relying party asked for.  An ok verdict says that this
// public key's private half is held by the hsm module of a VM the
// platform policy accepts.
//
//	std::array<std::uint8_t, HSM_KEY_NONCE_LEN> nonce = fresh_nonce();
//	auto a = keys.attest_key(key, nonce);              // in the VM
//	hsm::KeyPolicy kp;                                 // at the relying party
//	kp.nonce = nonce;
//	hsm::snp::Policy pol;
//	pol.measurement = expected;
//	auto v = hsm::verify_key_attestation(*a, kp, chain, pol);
//	if (v && v->ok) trust(v->statement.spki);
//
// The statement is worth what the VM's platform-rights holders are: they
// may put any data in a report (docs/threat-model.md, "Key attestation").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <linux/hsm.h>

#include "hsm/result.hpp"
#include "hsm/snp.hpp"
#include "hsm/tdx.hpp"

namespace hsm {

/// What KEY_ATTEST returns.
struct KeyAttestation {
	std::uint32_t platform = 0;		///< enum hsm_platform of the evidence
	std::vector<std::uint8_t> statement;	///< struct hsm_key_statement, then the SPKI
	std::vector<std::uint8_t> evidence;	///< an SEV-SNP report or a TDX quote
};

/// A statement, parsed.
struct KeyStatement {
	std::uint32_t uid = 0;			///< who asked for it
	std::uint32_t platform = 0;		///< enum hsm_platform of its evidence
	std::string algorithm;
	std::uint64_t permissions = 0;		///< HSM_PERM_* bits
	std::uint32_t flags = 0;		///< HSM_KEY_F_* bits
	std::vector<std::uint8_t> spki;		///< SubjectPublicKeyInfo, DER
	std::array<std::uint8_t, HSM_KEY_NONCE_LEN> nonce{};

	/// Generated in the module and never exportable: the private key has
	/// been nowhere else.
	[[nodiscard]] bool never_left() const noexcept
	{
		return (flags & HSM_KEY_F_LOCAL) && !(flags & HSM_KEY_F_EXPORTABLE);
	}
};

/// Parses a statement.  kInvalidArgument: not one (magic, a length that
/// disagrees with the bytes, an unterminated or empty algorithm name).
[[nodiscard]] Result<KeyStatement> parse_key_statement(std::span<const std::uint8_t> statement);

/// SHA-512 of a statement: the report data its evidence carries.
[[nodiscard]] Result<std::array<std::uint8_t, 64>>
key_statement_digest(std::span<const std::uint8_t> statement);

/// What the relying party requires of the key itself.
struct KeyPolicy {
	std::array<std::uint8_t, HSM_KEY_NONCE_LEN> nonce{};	///< the challenge it sent
	/// HSM_KEY_F_LOCAL set and HSM_KEY_F_EXPORTABLE clear ("key.never_left").
	bool require_never_left = true;
	std::optional<std::vector<std::uint8_t>> spki;	///< the key expected (e.g. a certificate's)
	std::optional<std::string> algorithm;
	std::optional<std::uint32_t> uid;
};

/// One check of the statement: "key.platform", "key.nonce", ...
struct KeyCheck {
	std::string name;
	bool passed = false;
	std::string message;
};

/// The verdict: the evidence's (snp or tdx, as the statement's platform
/// says) and the statement's checks.  ok: the evidence verified (genuine
/// and its policy, which pinned the statement's digest) and every key
/// check passed.
struct KeyVerification {
	KeyStatement statement;
	std::vector<KeyCheck> checks;
	std::optional<snp::Verification> snp;
	std::optional<tdx::Verification> tdx;
	bool evidence_ok = false;
	bool key_ok = false;
	bool ok = false;

	/// The first failed key check, or nullptr (the evidence's own are in
	/// snp or tdx).
	[[nodiscard]] const KeyCheck *first_failure() const noexcept;
};

/// Verifies an SEV-SNP key attestation.  policy.report_data is set to the
/// statement's digest (whatever it held).  Errors: kInvalidArgument (the
/// statement or the report does not parse), as snp::verify otherwise.
[[nodiscard]] Result<KeyVerification> verify_key_attestation(const KeyAttestation &a,
							     const KeyPolicy &key,
							     const snp::Chain &chain,
							     snp::Policy policy);

/// The same for a TDX key attestation, with the quote's collateral.
[[nodiscard]] Result<KeyVerification> verify_key_attestation(const KeyAttestation &a,
							     const KeyPolicy &key,
							     const tdx::Collateral &collateral,
							     tdx::Policy policy);

} // namespace hsm
