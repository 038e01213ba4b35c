// SPDX-License-Identifier: MIT
//
// hsm/snp.hpp: AMD SEV-SNP attestation reports, their certificates, and
// their verification against a policy.
//
// A report (0x4A0 bytes, versions 2, 3 and 5) is parsed from raw bytes
// with explicit little-endian reads.  Verification hashes the raw bytes
// 0x000-0x29F as received, never a re-encoded report.
//
// Trust: AMD's ARKs for Milan, Genoa and Turin are compiled in.  A report
// whose chain ends in any other root fails, unless that root was passed
// explicitly in Policy::extra_roots (PEM or DER bytes of the self-signed
// root certificate, e.g. the simulated ARK the module's simulator returns
// in its certificate table):
//
//	hsm::snp::Policy pol;
//	pol.extra_roots.push_back(sim_ark_pem_or_der);
//	auto chain = hsm::snp::parse_cert_table(table);	// ARK, ASK, VCEK
//	auto v = hsm::snp::verify(report, *chain, pol);
//	// v->ok, v->simulated_root == true, v->checks lists every check
//
// A report signed under such a root says so: Verification::simulated_root
// is set and the "root.trusted" check names the root as simulated.
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

namespace hsm::snp {

inline constexpr std::size_t report_size = 0x4A0;
inline constexpr std::size_t signed_size = 0x2A0;

/// Which processor generation a report or certificate belongs to.
enum class Product { kUnknown, kMilan, kGenoa, kTurin };
[[nodiscard]] const char *to_string(Product p) noexcept;

/// How a TCB_VERSION's eight bytes are laid out.
enum class TcbLayout {
	kLegacy,	///< Milan/Genoa: bl, tee, 4 reserved, snp, ucode
	kTurin,		///< fmc, bl, tee, snp, 3 reserved, ucode
};

/// A decoded TCB_VERSION.  fmc is meaningful only in the Turin layout.
struct Tcb {
	std::uint64_t raw = 0;
	std::uint8_t fmc = 0;
	std::uint8_t bootloader = 0;
	std::uint8_t tee = 0;
	std::uint8_t snp = 0;
	std::uint8_t microcode = 0;
};
[[nodiscard]] Tcb decode_tcb(std::uint64_t raw, TcbLayout layout) noexcept;

/// Guest policy bits (report offset 0x008).
namespace policy_bit {
inline constexpr std::uint64_t smt = 1ull << 16;
inline constexpr std::uint64_t reserved_one = 1ull << 17;
inline constexpr std::uint64_t migrate_ma = 1ull << 18;
inline constexpr std::uint64_t debug = 1ull << 19;
inline constexpr std::uint64_t single_socket = 1ull << 20;
inline constexpr std::uint64_t cxl_allow = 1ull << 21;
inline constexpr std::uint64_t mem_aes_256_xts = 1ull << 22;
inline constexpr std::uint64_t rapl_dis = 1ull << 23;
inline constexpr std::uint64_t ciphertext_hiding = 1ull << 24;
inline constexpr std::uint64_t page_swap_disable = 1ull << 25;
inline constexpr std::uint64_t mbz_mask = ~((1ull << 26) - 1);
} // namespace policy_bit

/// Which key signed a report (signer info bits 4:2).
enum class SigningKey : std::uint8_t { kVcek = 0, kVlek = 1, kNone = 7 };

/// Every field of an ATTESTATION_REPORT, versions 2, 3 and 5.
struct Report {
	std::uint32_t version = 0;
	std::uint32_t guest_svn = 0;
	std::uint64_t policy = 0;
	std::array<std::uint8_t, 16> family_id{};
	std::array<std::uint8_t, 16> image_id{};
	std::uint32_t vmpl = 0;
	std::uint32_t signature_algo = 0;
	Tcb current_tcb;
	std::uint64_t platform_info = 0;
	std::uint32_t signer_info = 0;	///< raw word at 0x048
	bool author_key_en = false;	///< signer info bit 0
	bool mask_chip_key = false;	///< signer info bit 1
	std::uint8_t signing_key = 0;	///< signer info bits 4:2 (SigningKey)
	std::array<std::uint8_t, 64> report_data{};
	std::array<std::uint8_t, 48> measurement{};
	std::array<std::uint8_t, 32> host_data{};
	std::array<std::uint8_t, 48> id_key_digest{};
	std::array<std::uint8_t, 48> author_key_digest{};
	std::array<std::uint8_t, 32> report_id{};
	std::array<std::uint8_t, 32> report_id_ma{};
	Tcb reported_tcb;
	bool has_cpuid = false;		///< v3+: the three bytes below are valid
	std::uint8_t cpuid_fam_id = 0;
	std::uint8_t cpuid_mod_id = 0;
	std::uint8_t cpuid_step = 0;
	std::array<std::uint8_t, 64> chip_id{};
	Tcb committed_tcb;
	std::uint8_t current_build = 0, current_minor = 0, current_major = 0;
	std::uint8_t committed_build = 0, committed_minor = 0, committed_major = 0;
	Tcb launch_tcb;
	bool has_mit_vectors = false;	///< v5+: the two vectors below are valid
	std::uint64_t launch_mit_vector = 0;
	std::uint64_t current_mit_vector = 0;
	std::array<std::uint8_t, 72> signature_r{};	///< little-endian
	std::array<std::uint8_t, 72> signature_s{};	///< little-endian
	/// Generation as far as the report tells (CPUID for v3+, chip id
	/// heuristic for v2: Unknown means Milan or Genoa).
	Product product = Product::kUnknown;
	TcbLayout tcb_layout = TcbLayout::kLegacy;
	/// Offsets of non-zero bytes in must-be-zero areas (empty if none).
	std::vector<std::size_t> nonzero_reserved;

	[[nodiscard]] bool debug() const noexcept { return policy & policy_bit::debug; }
	[[nodiscard]] bool smt() const noexcept { return policy & policy_bit::smt; }
	[[nodiscard]] bool migrate_ma() const noexcept { return policy & policy_bit::migrate_ma; }
	[[nodiscard]] std::uint8_t abi_major() const noexcept { return (policy >> 8) & 0xff; }
	[[nodiscard]] std::uint8_t abi_minor() const noexcept { return policy & 0xff; }
};

/// Parses a report; exactly report_size bytes, version 2, 3, 4 (read as
/// 3) or 5.  Truncated input or an unknown version is InvalidArgument.
[[nodiscard]] Result<Report> parse_report(std::span<const std::uint8_t> bytes);

/// The certificates a report is checked against, as DER.  An empty
/// vector means "not supplied".  ask holds the ASK (VCEK chain), asvk the
/// ASVK (VLEK chain); ark may be empty, and the compiled-in or extra root
/// that signed the ASK/ASVK is then used.
struct Chain {
	std::vector<std::uint8_t> ark;
	std::vector<std::uint8_t> ask;
	std::vector<std::uint8_t> asvk;
	std::vector<std::uint8_t> vcek;
	std::vector<std::uint8_t> vlek;

	/// Adds every certificate in bytes (one DER certificate, or one or
	/// more PEM certificates), each to the slot its role names: a
	/// self-signed certificate is the ARK; an EC key is the VCEK, or the
	/// VLEK if its CN is "SEV-VLEK"; an RSA intermediate is the ASK, or
	/// the ASVK if its CN names VLEK.  A slot already filled is an error.
	[[nodiscard]] Result<void> add(std::span<const std::uint8_t> bytes);
	/// add() with a file's contents.
	[[nodiscard]] Result<void> add_file(const std::string &path);
};

/// Splits PEM (one or more certificates) or one DER certificate into DER.
[[nodiscard]] Result<std::vector<std::vector<std::uint8_t>>>
load_certs(std::span<const std::uint8_t> bytes);

/// Certificate table GUIDs (GHCB extended guest request), as printed.
inline constexpr const char *guid_ark = "c0b406a4-a803-4952-9743-3fb6014cd0ae";
inline constexpr const char *guid_ask = "4ab7b379-bbac-4fe4-a02f-05aef327c782";
inline constexpr const char *guid_vcek = "63da758d-e664-4564-adc5-f4b93be8accd";
inline constexpr const char *guid_vlek = "a8074bc2-a25a-483e-aae6-39c045a0b8a1";

/// Parses the extended report's certificate table: 24-byte entries
/// (16-byte GUID in RFC 4122 byte order, u32 offset from the start of the
/// table, u32 length), ended by an all-zero entry.  Entries with unknown
/// GUIDs are skipped; an entry outside the buffer, a missing terminator,
/// a duplicate GUID or a certificate that does not parse is
/// InvalidArgument.  The ASK entry goes to Chain::asvk when a VLEK entry
/// is present.
[[nodiscard]] Result<Chain> parse_cert_table(std::span<const std::uint8_t> table);

/// Component-wise minimum TCB; fmc is compared only for Turin.
struct MinTcb {
	std::uint8_t fmc = 0;
	std::uint8_t bootloader = 0;
	std::uint8_t tee = 0;
	std::uint8_t snp = 0;
	std::uint8_t microcode = 0;
};

/// Endorsement keys, for Policy::allowed_signers.
inline constexpr unsigned signer_vcek = 1u << 0;	///< chip-bound VCEK
inline constexpr unsigned signer_vlek = 1u << 1;	///< a cloud provider's VLEK

/// PLATFORM_INFO bits (report offset 0x040), for the platform_info masks.
namespace platform_bit {
inline constexpr std::uint64_t smt_en = 1ull << 0;
inline constexpr std::uint64_t tsme_en = 1ull << 1;
inline constexpr std::uint64_t ecc_en = 1ull << 2;
inline constexpr std::uint64_t rapl_dis = 1ull << 3;
inline constexpr std::uint64_t ciphertext_hiding_en = 1ull << 4;
inline constexpr std::uint64_t alias_check_complete = 1ull << 5;
} // namespace platform_bit

/// What a report must satisfy besides its signature and chain.
///
/// The defaults refuse debug and a migration agent and allow SMT (nearly
/// every real guest allows it).  They do NOT say which guest: without
/// measurement (which code) or report_data (a fresh nonce, or the hash of
/// a key the guest holds), any genuine report of any guest satisfies the
/// policy, and Verification::unconstrained says so.  Nor do they set a
/// TCB floor, a VMPL or a signer: set min_tcb, vmpl and allowed_signers
/// (signer_vcek alone to refuse a VLEK) for what the relying party needs.
struct Policy {
	bool allow_debug = false;
	bool allow_smt = true;
	bool allow_migration_agent = false;
	std::optional<MinTcb> min_tcb;		///< against REPORTED_TCB
	std::optional<std::uint32_t> min_guest_svn;
	std::optional<std::array<std::uint8_t, 48>> measurement;
	std::optional<std::array<std::uint8_t, 64>> report_data;
	std::optional<std::array<std::uint8_t, 32>> host_data;
	std::optional<std::uint32_t> vmpl;
	std::optional<std::array<std::uint8_t, 48>> id_key_digest;
	std::optional<std::array<std::uint8_t, 48>> author_key_digest;
	/// signer_vcek and/or signer_vlek: which keys may sign ("policy.signer").
	unsigned allowed_signers = signer_vcek | signer_vlek;
	/// PLATFORM_INFO bits that must be set, and bits that must be clear
	/// (platform_bit::*; "policy.platform_info", checked when either is set).
	std::uint64_t platform_info_required = 0;
	std::uint64_t platform_info_forbidden = 0;
	/// Certificate validity is checked at this time (default: now).
	std::optional<std::time_t> time;
	/// Roots trusted besides AMD's, PEM or DER (e.g. a simulated ARK).
	std::vector<std::vector<std::uint8_t>> extra_roots;
};

/// One check: a stable name ("report.signature", "policy.debug", ...),
/// its verdict and what was compared.
struct Check {
	std::string name;
	bool passed = false;
	std::string message;
};

/// The verdict has two halves.  genuine: every check of the report, the
/// chain and the endorsement key passed (AMD, or an explicitly trusted
/// root, vouches for these bytes).  policy_ok: every "policy.*" check
/// passed.  ok is both.  With an unconstrained policy ok means only that
/// some genuine guest made this report.
struct Verification {
	Report report;
	std::vector<Check> checks;	///< every check made, in order
	bool ok = false;		///< genuine && policy_ok
	bool genuine = false;		///< every non-"policy." check passed
	bool policy_ok = false;		///< every "policy." check passed
	bool unconstrained = false;	///< the policy pinned neither MEASUREMENT nor REPORT_DATA
	bool simulated_root = false;	///< the chain ends in an extra root
	Product product = Product::kUnknown;	///< from the trusted root
	std::string root_name;		///< CN of the root the chain ends in

	/// The first failed check, or nullptr.
	[[nodiscard]] const Check *first_failure() const noexcept;
};

/// Verifies a report: its signature over the raw bytes, the chain to a
/// trusted root, the endorsement key's TCB and hwID extensions against
/// the report, certificate validity at the policy's time, and the policy.
/// Only input that is not a report at all (parse_report's errors) or an
/// internal OpenSSL failure is an Error; everything else is a failed
/// Check in the result.
[[nodiscard]] Result<Verification> verify(std::span<const std::uint8_t> report,
					  const Chain &chain, const Policy &policy);

} // namespace hsm::snp
