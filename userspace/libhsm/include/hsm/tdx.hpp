// SPDX-License-Identifier: MIT
//
// hsm/tdx.hpp: Intel TDX attestation: the TDREPORT a TD gets from the TDX
// module, the DCAP quote (v4 and v5) the quoting enclave makes of it, the
// collateral Intel publishes for it, and the verification of a quote
// against that collateral and a policy.
//
// Every structure is parsed from raw bytes with explicit little-endian
// reads.  Signatures are checked over the raw bytes as received, never a
// re-encoded structure.
//
// Trust: the Intel SGX Root CA is compiled in.  A quote whose PCK chain,
// or collateral whose signing chain, ends in any other root fails, unless
// that root was passed explicitly in Policy::extra_roots (PEM or DER of
// the self-signed root, e.g. a simulated root):
//
//	auto col = hsm::tdx::parse_collateral(json_bytes);
//	hsm::tdx::Policy pol;
//	pol.time = at;			// default: now
//	auto v = hsm::tdx::verify(quote_bytes, *col, pol);
//	// v->ok; else v->reason says why, v->checks lists every check
//
// Errors are values (hsm::Result); nothing here throws or prints.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <hsm/result.hpp>

namespace hsm::tdx {

inline constexpr std::size_t header_size = 48;
inline constexpr std::size_t td10_body_size = 584;
inline constexpr std::size_t td15_body_size = 648;
inline constexpr std::size_t qe_report_size = 384;
inline constexpr std::size_t tdreport_size = 1024;
inline constexpr std::size_t tee_tcb_info_size = 239;
inline constexpr std::size_t tdinfo_size = 512;

/// Header values a TDX quote carries.
inline constexpr std::uint16_t att_key_ecdsa_p256 = 2;
inline constexpr std::uint32_t tee_type_tdx = 0x81;
/// Intel's QE vendor ID, 939A7233-F79C-4CA9-940A-0DB3957F0607, as stored.
inline constexpr std::array<std::uint8_t, 16> intel_qe_vendor_id = {
	0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
	0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

/// TD attribute bits (TDINFO ATTRIBUTES, the quote body's TD_ATTRIBUTES).
namespace td_attr {
inline constexpr std::uint64_t debug = 1ull << 0;
inline constexpr std::uint64_t sept_ve_disable = 1ull << 28;
inline constexpr std::uint64_t pks = 1ull << 30;
inline constexpr std::uint64_t kl = 1ull << 31;
inline constexpr std::uint64_t perfmon = 1ull << 63;
} // namespace td_attr

using Hash384 = std::array<std::uint8_t, 48>;

/// The quote header (48 bytes).
struct Header {
	std::uint16_t version = 0;
	std::uint16_t att_key_type = 0;
	std::uint32_t tee_type = 0;
	std::uint16_t qe_svn = 0;
	std::uint16_t pce_svn = 0;
	std::array<std::uint8_t, 16> qe_vendor_id{};
	std::array<std::uint8_t, 20> user_data{};
};

/// Which report a quote body is (v5's body type; v4 is always TD 1.0).
enum class BodyType : std::uint16_t { kSgx = 1, kTd10 = 2, kTd15 = 3 };

/// The TD report body of a quote, TDX 1.0 (584 bytes) or 1.5 (648).
struct TdBody {
	std::array<std::uint8_t, 16> tee_tcb_svn{};
	Hash384 mrseam{};
	Hash384 mrsignerseam{};
	std::uint64_t seam_attributes = 0;
	std::uint64_t td_attributes = 0;
	std::uint64_t xfam = 0;
	Hash384 mrtd{};
	Hash384 mrconfigid{};
	Hash384 mrowner{};
	Hash384 mrownerconfig{};
	std::array<Hash384, 4> rtmr{};
	std::array<std::uint8_t, 64> report_data{};
	bool has_td15 = false;		///< the two fields below are valid
	std::array<std::uint8_t, 16> tee_tcb_svn2{};
	Hash384 mrservicetd{};

	[[nodiscard]] bool debug() const noexcept { return td_attributes & td_attr::debug; }
	[[nodiscard]] bool sept_ve_disable() const noexcept
	{
		return td_attributes & td_attr::sept_ve_disable;
	}
};

/// The quoting enclave's SGX report body (384 bytes).
struct QeReport {
	std::array<std::uint8_t, 16> cpusvn{};
	std::uint32_t miscselect = 0;
	std::array<std::uint8_t, 16> attributes{};
	std::array<std::uint8_t, 32> mrenclave{};
	std::array<std::uint8_t, 32> mrsigner{};
	std::uint16_t isvprodid = 0;
	std::uint16_t isvsvn = 0;
	std::array<std::uint8_t, 64> report_data{};
};

/// A DCAP quote, v4 or v5, TDX, ECDSA-P256, with QE certification data
/// type 6 (QE report, its signature and authentication data, and a type 5
/// PCK certificate chain).
struct Quote {
	Header header;
	BodyType body_type = BodyType::kTd10;
	TdBody body;
	std::size_t signed_size = 0;	///< bytes [0, signed_size) are signed
	std::size_t size = 0;		///< bytes [size, end) are zero padding
	std::array<std::uint8_t, 64> signature{};	///< r || s, big-endian
	std::array<std::uint8_t, 64> attestation_key{};	///< x || y, big-endian
	QeReport qe_report;
	std::size_t qe_report_offset = 0;	///< where the raw QE report starts
	std::array<std::uint8_t, 64> qe_report_signature{};
	std::vector<std::uint8_t> qe_auth_data;
	/// The PCK chain as it came (DER, leaf first: PCK, platform or
	/// processor CA, root if present).
	std::vector<std::vector<std::uint8_t>> pck_chain;
};

/// Parses a quote.  Zero bytes after the quote (a fixed-size buffer's
/// padding) are allowed.  Truncated input, lengths that disagree with
/// the buffer, other bytes after the quote, or a PCK chain that does not
/// parse is InvalidArgument; a version other than 4 or 5, a TEE type
/// other than TDX, a body other than TD 1.0/1.5 or certification data
/// other than type 6 holding type 5 is Unsupported.  The attestation key
/// type and QE vendor are parsed and left to verify().
[[nodiscard]] Result<Quote> parse_quote(std::span<const std::uint8_t> bytes);

/// A TDREPORT (1024 bytes) as the TDX module returns it to the TD.
struct TdReport {
	// REPORTMACSTRUCT
	std::uint8_t report_type = 0;		///< 0x81: TDX
	std::uint8_t report_subtype = 0;
	std::uint8_t report_version = 0;
	std::array<std::uint8_t, 16> cpusvn{};
	Hash384 tee_tcb_info_hash{};
	Hash384 tee_info_hash{};
	std::array<std::uint8_t, 64> report_data{};
	std::array<std::uint8_t, 32> mac{};
	// TEE_TCB_INFO
	std::array<std::uint8_t, 8> tcb_valid{};
	std::array<std::uint8_t, 16> tee_tcb_svn{};
	Hash384 mrseam{};
	Hash384 mrsignerseam{};
	std::uint64_t seam_attributes = 0;
	// TDINFO
	std::uint64_t td_attributes = 0;
	std::uint64_t xfam = 0;
	Hash384 mrtd{};
	Hash384 mrconfigid{};
	Hash384 mrowner{};
	Hash384 mrownerconfig{};
	std::array<Hash384, 4> rtmr{};
	Hash384 servtd_hash{};
};

/// Parses a TDREPORT; exactly tdreport_size bytes of report type 0x81.
[[nodiscard]] Result<TdReport> parse_tdreport(std::span<const std::uint8_t> bytes);

/// What the hash fields of a TDREPORT say about the bytes around them.
struct TdReportHashes {
	Hash384 tee_tcb_info;		///< SHA-384 of the 239-byte TEE_TCB_INFO
	Hash384 tdinfo;			///< SHA-384 of the 512-byte TDINFO
	bool tee_tcb_info_ok = false;	///< equals REPORTMACSTRUCT.TEE_TCB_INFO_HASH
	bool tdinfo_ok = false;		///< equals REPORTMACSTRUCT.TEE_INFO_HASH
};

/// Hashes a TDREPORT's TEE_TCB_INFO and TDINFO as the TDX module does and
/// compares them with its REPORTMACSTRUCT.  The MAC itself can only be
/// checked by the TDX module (TDG.MR.VERIFYREPORT), never here.
[[nodiscard]] Result<TdReportHashes> check_tdreport(std::span<const std::uint8_t> bytes);

/// Intel's TCB statuses, best first.
enum class TcbStatus {
	kUpToDate,
	kSWHardeningNeeded,
	kConfigurationNeeded,
	kConfigurationAndSWHardeningNeeded,
	kOutOfDate,
	kOutOfDateConfigurationNeeded,
	kRevoked,
};
/// Intel's spelling ("UpToDate", ...).
[[nodiscard]] const char *to_string(TcbStatus s) noexcept;
/// The status Intel spells s; nullopt if none.
[[nodiscard]] std::optional<TcbStatus> tcb_status_from(const std::string &s) noexcept;

/// One TCB level of a TCB info.
struct TcbLevel {
	std::array<std::uint8_t, 16> sgx_components{};
	std::uint16_t pcesvn = 0;
	std::array<std::uint8_t, 16> tdx_components{};
	std::string tcb_date;
	TcbStatus status = TcbStatus::kRevoked;
	std::vector<std::string> advisory_ids;
};

/// One level of a TDX module identity or of the QE identity.
struct IsvLevel {
	std::uint16_t isvsvn = 0;
	std::string tcb_date;
	TcbStatus status = TcbStatus::kRevoked;
	std::vector<std::string> advisory_ids;
};

/// A TDX module identity ("TDX_01", ...) of a TCB info.
struct TdxModuleIdentity {
	std::string id;
	Hash384 mrsigner{};
	std::uint64_t attributes = 0;
	std::uint64_t attributes_mask = 0;
	std::vector<IsvLevel> levels;
};

/// TCB info (id "TDX", version 3), as signed.
struct TcbInfo {
	std::string id;
	unsigned version = 0;
	std::time_t issue_date = 0;
	std::time_t next_update = 0;
	std::array<std::uint8_t, 6> fmspc{};
	std::array<std::uint8_t, 2> pceid{};
	unsigned tcb_type = 0;
	unsigned evaluation_data_number = 0;
	/// tdxModule: the identity when the module's major version is 0.
	Hash384 module_mrsigner{};
	std::uint64_t module_attributes = 0;
	std::uint64_t module_attributes_mask = 0;
	std::vector<TdxModuleIdentity> module_identities;
	std::vector<TcbLevel> levels;
};

/// QE identity (id "TD_QE", version 2), as signed.
struct QeIdentity {
	std::string id;
	unsigned version = 0;
	std::time_t issue_date = 0;
	std::time_t next_update = 0;
	unsigned evaluation_data_number = 0;
	std::uint32_t miscselect = 0;
	std::uint32_t miscselect_mask = 0;
	std::array<std::uint8_t, 16> attributes{};
	std::array<std::uint8_t, 16> attributes_mask{};
	std::array<std::uint8_t, 32> mrsigner{};
	std::uint16_t isvprodid = 0;
	std::vector<IsvLevel> levels;
};

/// Everything a quote is checked against, as a PCCS (or dcap-qvl's
/// get_collateral) returns it: the PCK CRL and its issuer chain, the root
/// CA CRL, TCB info and QE identity, each with its signature and the
/// chain of the TCB signing key.  The JSON bodies are kept as received:
/// their signatures cover those exact bytes.
struct Collateral {
	std::vector<std::uint8_t> pck_crl;		///< DER
	std::vector<std::vector<std::uint8_t>> pck_crl_issuer_chain;	///< DER
	std::vector<std::uint8_t> root_ca_crl;		///< DER
	std::string tcb_info_json;
	std::array<std::uint8_t, 64> tcb_info_signature{};	///< r || s
	std::vector<std::vector<std::uint8_t>> tcb_info_issuer_chain;
	std::string qe_identity_json;
	std::array<std::uint8_t, 64> qe_identity_signature{};
	std::vector<std::vector<std::uint8_t>> qe_identity_issuer_chain;
	TcbInfo tcb_info;
	QeIdentity qe_identity;
};

/// Parses collateral JSON: an object with pck_crl, root_ca_crl (hex or
/// PEM), pck_crl_issuer_chain, tcb_info_issuer_chain,
/// qe_identity_issuer_chain (PEM), tcb_info, qe_identity (the signed JSON
/// text) and tcb_info_signature, qe_identity_signature (64 bytes, hex).
/// Anything missing or malformed is InvalidArgument.  Nothing is verified
/// here.
[[nodiscard]] Result<Collateral> parse_collateral(std::span<const std::uint8_t> json);
/// Parses a TCB info or QE identity body alone.
[[nodiscard]] Result<TcbInfo> parse_tcb_info(const std::string &json);
[[nodiscard]] Result<QeIdentity> parse_qe_identity(const std::string &json);

/// Splits PEM (one or more certificates) or one DER certificate into DER.
[[nodiscard]] Result<std::vector<std::vector<std::uint8_t>>>
load_certs(std::span<const std::uint8_t> bytes);

/// The compiled-in Intel SGX Root CA, DER.
[[nodiscard]] std::span<const std::uint8_t> intel_root_ca() noexcept;

/// What the PCK certificate's SGX extension (1.2.840.113741.1.13.1) says.
struct PckExtensions {
	std::array<std::uint8_t, 16> ppid{};
	std::array<std::uint8_t, 16> sgx_components{};
	std::uint16_t pcesvn = 0;
	std::array<std::uint8_t, 16> cpusvn{};
	std::array<std::uint8_t, 2> pceid{};
	std::array<std::uint8_t, 6> fmspc{};
};
/// Reads them from a PCK certificate (DER); InvalidArgument if absent or
/// malformed.
[[nodiscard]] Result<PckExtensions> pck_extensions(std::span<const std::uint8_t> der);

/// Why a quote was refused: the reason of the first failed check.
enum class Reason {
	kNone,			///< nothing failed
	kMalformed,		///< a field the format fixes has another value
	kUntrustedRoot,		///< a chain does not end in a trusted root
	kBadChain,		///< a certificate of a chain does not verify
	kCertificateExpired,	///< a certificate outside its validity at the time
	kRevoked,		///< a certificate is on its issuer's CRL
	kBadCrl,		///< a CRL does not verify or is outside its window
	kBadCollateral,		///< a TCB info / QE identity signature or field
	kCollateralExpired,	///< the time is outside the TCB info / QE identity window
	kBadQeReportSignature,	///< the PCK key did not sign the QE report
	kQeReportDataMismatch,	///< the QE report does not bind the attestation key
	kQeIdentityMismatch,	///< the QE is not the one the QE identity names
	kBadQuoteSignature,	///< the attestation key did not sign header||body
	kPlatformMismatch,	///< FMSPC or PCEID differs between PCK and TCB info
	kTdxModuleMismatch,	///< the TDX module is not one the TCB info names
	kNoMatchingTcbLevel,	///< the platform's TCB is below every TCB level
	kTcbStatus,		///< the TCB status is below the policy's minimum
	kPolicy,		///< a policy field (debug, MRTD, ...) is refused
};
/// A stable name ("no-matching-tcb-level", ...).
[[nodiscard]] const char *to_string(Reason r) noexcept;

/// What a quote must satisfy besides being genuine.
///
/// The defaults refuse a debug TD and one without SEPT_VE_DISABLE, and
/// accept only the UpToDate TCB status.  They do NOT say which TD:
/// without mrtd (which code) or report_data (a nonce, or the hash of a
/// key the TD holds), any genuine quote of any TD satisfies the policy,
/// and Verification::unconstrained says so.
struct Policy {
	bool allow_debug = false;
	bool require_sept_ve_disable = true;
	/// The worst TCB status accepted (the order of TcbStatus); Revoked
	/// is refused even here.
	TcbStatus min_tcb_status = TcbStatus::kUpToDate;
	std::optional<Hash384> mrtd;
	std::optional<std::array<Hash384, 4>> rtmr;
	std::array<bool, 4> rtmr_checked{true, true, true, true};	///< which RTMRs rtmr pins
	std::optional<Hash384> mrconfigid;
	std::optional<std::array<std::uint8_t, 64>> report_data;
	/// Certificates, CRLs and collateral are checked at this time
	/// (default: now).
	std::optional<std::time_t> time;
	/// Roots trusted besides Intel's, PEM or DER (e.g. a simulated root).
	std::vector<std::vector<std::uint8_t>> extra_roots;
};

/// One check: a stable name ("quote.signature", "tcb.level", ...), its
/// verdict, what was compared, and the reason it gives if it failed.
struct Check {
	std::string name;
	bool passed = false;
	std::string message;
	Reason reason = Reason::kNone;
};

/// The verdict, in two halves as for SNP: genuine (every check but the
/// "policy." ones) and policy_ok.  reason is the first failed check's.
struct Verification {
	Quote quote;
	PckExtensions pck;
	std::vector<Check> checks;	///< every check made, in order
	bool ok = false;		///< genuine && policy_ok
	bool genuine = false;
	bool policy_ok = false;
	bool unconstrained = false;	///< the policy pinned neither MRTD nor report data
	bool simulated_root = false;	///< a chain ends in an extra root
	Reason reason = Reason::kNone;
	/// The combined status of the platform, TDX module and QE levels
	/// (nullopt if no level matched), and the advisories of those levels.
	std::optional<TcbStatus> tcb_status;
	std::optional<TcbStatus> platform_status;
	std::optional<TcbStatus> module_status;
	std::optional<TcbStatus> qe_status;
	std::string tcb_date;
	std::vector<std::string> advisory_ids;

	/// The first failed check, or nullptr.
	[[nodiscard]] const Check *first_failure() const noexcept;
};

/// Verifies a quote against its collateral and a policy: the PCK chain
/// to a trusted root with the CRLs, the QE report's signature by the PCK
/// key and its binding of the attestation key, the quote's signature,
/// the collateral's signatures and window, the QE identity, the FMSPC
/// and PCEID, the TDX module identity, the TCB level and status, and the
/// policy.  Only input that is not a quote at all (parse_quote's errors)
/// or an internal OpenSSL failure is an Error; everything else is a
/// failed Check in the result.
[[nodiscard]] Result<Verification> verify(std::span<const std::uint8_t> quote,
					  const Collateral &collateral, const Policy &policy);

} // namespace hsm::tdx
