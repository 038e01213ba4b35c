// SPDX-License-Identifier: MIT
// TDX quote verification with OpenSSL 3: the PCK chain and CRLs, the QE
// report, the quote signature, the collateral's signatures and window,
// the TCB evaluation and the policy, each a named check.
#include <algorithm>

#include <openssl/crypto.h>
#include <openssl/x509v3.h>

#include "chain.hpp"
#include "tcb.hpp"

namespace hsm::tdx {

const Check *Verification::first_failure() const noexcept
{
	for (const auto &c : checks)
		if (!c.passed)
			return &c;
	return nullptr;
}

const char *to_string(Reason r) noexcept
{
	switch (r) {
	case Reason::kNone: return "none";
	case Reason::kMalformed: return "malformed";
	case Reason::kUntrustedRoot: return "untrusted-root";
	case Reason::kBadChain: return "bad-chain";
	case Reason::kCertificateExpired: return "certificate-expired";
	case Reason::kRevoked: return "revoked";
	case Reason::kBadCrl: return "bad-crl";
	case Reason::kBadCollateral: return "bad-collateral";
	case Reason::kCollateralExpired: return "collateral-expired";
	case Reason::kBadQeReportSignature: return "bad-qe-report-signature";
	case Reason::kQeReportDataMismatch: return "qe-report-data-mismatch";
	case Reason::kQeIdentityMismatch: return "qe-identity-mismatch";
	case Reason::kBadQuoteSignature: return "bad-quote-signature";
	case Reason::kPlatformMismatch: return "platform-mismatch";
	case Reason::kTdxModuleMismatch: return "tdx-module-mismatch";
	case Reason::kNoMatchingTcbLevel: return "no-matching-tcb-level";
	case Reason::kTcbStatus: return "tcb-status";
	case Reason::kPolicy: return "policy";
	}
	return "?";
}

namespace {

using detail::describe_time;
using detail::hex;

struct PkeyFree {
	void operator()(EVP_PKEY *k) const noexcept { EVP_PKEY_free(k); }
};

// One verification under way; each method makes one check, or the checks
// of one signed thing, in the order the result lists them.
class Verifier {
public:
	Verifier(std::span<const std::uint8_t> bytes, const Collateral &col, const Policy &pol,
		 Verification &v)
		: bytes_(bytes), col_(col), pol_(pol), v_(v), q_(v.quote),
		  now_(pol.time.value_or(std::time(nullptr)))
	{
	}

	void header();
	[[nodiscard]] Result<void> load_anchors();
	[[nodiscard]] bool pck_chain();
	[[nodiscard]] bool pck_key();
	[[nodiscard]] Result<void> qe_report();
	[[nodiscard]] Result<void> quote_signature();
	[[nodiscard]] Result<bool> signed_collateral(const char *name,
						     const std::vector<std::vector<std::uint8_t>> &chain,
						     const std::string &body,
						     const std::array<std::uint8_t, 64> &sig,
						     std::time_t issued, std::time_t next);
	void evaluate();
	void policy();
	void verdict();

private:
	bool add(std::string name, bool passed, std::string message, Reason reason)
	{
		v_.checks.push_back({std::move(name), passed, std::move(message),
				     passed ? Reason::kNone : reason});
		return passed;
	}

	std::span<const std::uint8_t> bytes_;
	const Collateral &col_;
	const Policy &pol_;
	Verification &v_;
	Quote &q_;
	const std::time_t now_;
	std::vector<detail::Anchor> trusted_;
	detail::X509Ptr pck_;
};

// The header values a TDX quote of Intel's QE has.
void Verifier::header()
{
	const Header &h = q_.header;
	add("quote.version", true,
	    "DCAP quote v" + std::to_string(h.version) + ", " +
		    (q_.body_type == BodyType::kTd15 ? "TDX 1.5 body" : "TDX 1.0 body"),
	    Reason::kNone);
	add("quote.att_key_type", h.att_key_type == att_key_ecdsa_p256,
	    "attestation key type " + std::to_string(h.att_key_type) +
		    (h.att_key_type == att_key_ecdsa_p256 ? " (ECDSA P-256)" : ", expected 2 (ECDSA P-256)"),
	    Reason::kMalformed);
	bool intel = h.qe_vendor_id == intel_qe_vendor_id;
	add("quote.qe_vendor", intel,
	    intel ? "QE vendor is Intel" : "QE vendor ID " + hex(h.qe_vendor_id) + " is not Intel's",
	    Reason::kMalformed);
}

Result<void> Verifier::load_anchors()
{
	auto a = detail::anchors(pol_.extra_roots);
	if (!a)
		return std::unexpected(a.error());
	trusted_ = std::move(*a);
	return {};
}

// PCK -> platform (or processor) CA -> a trusted root, with the root CA
// CRL and the PCK CRL, at the policy's time.
bool Verifier::pck_chain()
{
	const std::vector<std::uint8_t> crls[] = {col_.root_ca_crl, col_.pck_crl};
	auto r = detail::verify_chain(q_.pck_chain, crls, trusted_, now_);
	v_.simulated_root = v_.simulated_root || r.simulated;
	return add("pck.chain", r.ok, r.message, r.reason);
}

// The PCK key is EC P-256, and its SGX extension parses.
bool Verifier::pck_key()
{
	pck_ = detail::x509_from_der(q_.pck_chain.front());
	EVP_PKEY *key = pck_ ? X509_get0_pubkey(pck_.get()) : nullptr;
	char group[64] = "";
	std::size_t glen = 0;
	bool p256 = key && EVP_PKEY_is_a(key, "EC") &&
		    EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &glen) &&
		    std::string_view(group) == "prime256v1";
	if (!add("pck.key", p256, p256 ? "EC P-256" : "the PCK key is not EC P-256", Reason::kMalformed))
		return false;
	// OpenSSL checks the CA flags of the issuers, not the leaf's.
	const bool ca = X509_check_ca(pck_.get()) != 0;
	if (!add("pck.not_ca", !ca, ca ? "the PCK certificate is a CA" : "not a CA", Reason::kBadChain))
		return false;
	auto ext = pck_extensions(q_.pck_chain.front());
	if (!add("pck.extensions", ext.has_value(),
		 ext ? "FMSPC " + hex(ext->fmspc) + ", PCEID " + hex(ext->pceid) + ", PCESVN " +
			       std::to_string(ext->pcesvn)
		     : ext.error().message,
		 Reason::kMalformed))
		return false;
	v_.pck = *ext;
	return true;
}

// The PCK key signed the QE report, and the QE report binds the
// attestation key: REPORT_DATA = SHA-256(key || QE auth data) || 0^32.
Result<void> Verifier::qe_report()
{
	auto raw = bytes_.subspan(q_.qe_report_offset, qe_report_size);
	auto ok = detail::ecdsa_p256_verifies(X509_get0_pubkey(pck_.get()), q_.qe_report_signature, raw);
	if (!ok)
		return std::unexpected(ok.error());
	add("qe_report.signature", *ok,
	    *ok ? "ECDSA P-256 SHA-256 by the PCK key" : "the QE report's signature does not verify under the PCK key",
	    Reason::kBadQeReportSignature);
	std::vector<std::uint8_t> bound(q_.attestation_key.begin(), q_.attestation_key.end());
	bound.insert(bound.end(), q_.qe_auth_data.begin(), q_.qe_auth_data.end());
	auto want = detail::sha256(bound);
	const auto &rd = q_.qe_report.report_data;
	bool match = CRYPTO_memcmp(rd.data(), want.data(), 32) == 0 &&
		     std::all_of(rd.begin() + 32, rd.end(), [](std::uint8_t c) { return c == 0; });
	add("qe_report.report_data", match,
	    match ? "REPORT_DATA = SHA-256(attestation key || QE authentication data) || zeros"
		  : "REPORT_DATA " + hex(rd) + " does not bind the attestation key (expected " +
			    hex(want) + " then zeros)",
	    Reason::kQeReportDataMismatch);
	return {};
}

// The attestation key signed header || body as received.
Result<void> Verifier::quote_signature()
{
	auto key = detail::p256_key(q_.attestation_key);
	if (!key) {
		add("quote.signature", false, key.error().message, Reason::kBadQuoteSignature);
		return {};
	}
	std::unique_ptr<EVP_PKEY, PkeyFree> k(*key);
	auto ok = detail::ecdsa_p256_verifies(k.get(), q_.signature, bytes_.first(q_.signed_size));
	if (!ok)
		return std::unexpected(ok.error());
	add("quote.signature", *ok,
	    *ok ? "ECDSA P-256 SHA-256 by the attestation key over bytes 0-" +
			  std::to_string(q_.signed_size - 1)
		: "the quote's signature does not verify under the attestation key",
	    Reason::kBadQuoteSignature);
	return {};
}

// A TCB info or QE identity: its chain to a trusted root (with the root
// CA CRL), its signature by the chain's leaf over the body as received,
// and its window.
Result<bool> Verifier::signed_collateral(const char *name,
					 const std::vector<std::vector<std::uint8_t>> &chain,
					 const std::string &body, const std::array<std::uint8_t, 64> &sig,
					 std::time_t issued, std::time_t next)
{
	const std::string n = name;
	const std::vector<std::uint8_t> crls[] = {col_.root_ca_crl};
	auto r = detail::verify_chain(chain, crls, trusted_, now_);
	v_.simulated_root = v_.simulated_root || r.simulated;
	bool ok = add(n + ".chain", r.ok, r.message, r.reason);
	if (ok) {
		auto leaf = detail::x509_from_der(chain.front());
		auto good = detail::ecdsa_p256_verifies(
			X509_get0_pubkey(leaf.get()), sig,
			{reinterpret_cast<const std::uint8_t *>(body.data()), body.size()});
		if (!good)
			return std::unexpected(good.error());
		ok = add(n + ".signature", *good,
			 *good ? "ECDSA P-256 SHA-256 by '" +
					 detail::common_name(X509_get_subject_name(leaf.get())) + "'"
			       : "the signature over the body does not verify",
			 Reason::kBadCollateral);
	}
	bool inside = issued <= now_ && now_ < next;
	add(n + ".validity", inside,
	    std::string(inside ? "" : "outside its window: ") + "issued " + describe_time(issued) +
		    ", next update " + describe_time(next) + ", checked at " + describe_time(now_),
	    Reason::kCollateralExpired);
	return ok && inside;
}

// What the collateral says of the platform, the TDX module and the QE.
void Verifier::evaluate()
{
	const TcbInfo &ti = col_.tcb_info;
	bool fmspc = ti.fmspc == v_.pck.fmspc, pceid = ti.pceid == v_.pck.pceid;
	add("tcb_info.platform", fmspc && pceid,
	    "PCK FMSPC " + hex(v_.pck.fmspc) + ", PCEID " + hex(v_.pck.pceid) +
		    (fmspc && pceid ? ": TCB info is for this platform"
				    : "; TCB info is for FMSPC " + hex(ti.fmspc) + ", PCEID " + hex(ti.pceid)),
	    Reason::kPlatformMismatch);
	if (!(fmspc && pceid))
		return;
	auto qe = detail::qe_identity(col_.qe_identity, q_.qe_report, v_.qe_status, v_.advisory_ids);
	add("qe_identity.match", qe.passed, qe.message, qe.reason);
	auto mod = detail::tdx_module(ti, q_.body, v_.module_status, v_.advisory_ids);
	add("tdx_module.identity", mod.passed, mod.message, mod.reason);
	const TcbLevel *lv = nullptr;
	auto level = detail::tcb_level(ti, v_.pck, q_.body, &lv);
	add("tcb.level", level.passed, level.message, level.reason);
	if (!lv || !qe.passed || !mod.passed)
		return;
	v_.platform_status = lv->status;
	v_.tcb_date = lv->tcb_date;
	v_.advisory_ids.insert(v_.advisory_ids.begin(), lv->advisory_ids.begin(), lv->advisory_ids.end());
	TcbStatus s = lv->status;
	if (v_.module_status)
		s = detail::combine(s, *v_.module_status);
	if (v_.qe_status)
		s = detail::combine(s, *v_.qe_status);
	v_.tcb_status = s;
	std::sort(v_.advisory_ids.begin(), v_.advisory_ids.end());
	v_.advisory_ids.erase(std::unique(v_.advisory_ids.begin(), v_.advisory_ids.end()),
			      v_.advisory_ids.end());
}

void Verifier::policy()
{
	detail::check_policy(q_, pol_, v_.tcb_status, v_.checks);
}

void Verifier::verdict()
{
	auto is_policy = [](const Check &c) { return c.name.starts_with("policy."); };
	v_.genuine = std::all_of(v_.checks.begin(), v_.checks.end(),
				 [&](const Check &c) { return is_policy(c) || c.passed; });
	v_.policy_ok = std::all_of(v_.checks.begin(), v_.checks.end(),
				   [&](const Check &c) { return !is_policy(c) || c.passed; });
	v_.ok = v_.genuine && v_.policy_ok;
	const Check *f = v_.first_failure();
	v_.reason = f ? f->reason : Reason::kNone;
}

} // namespace

Result<Verification> verify(std::span<const std::uint8_t> bytes, const Collateral &col,
			    const Policy &pol)
{
	detail::ErrorMark mark;
	auto parsed = parse_quote(bytes);
	if (!parsed)
		return std::unexpected(parsed.error());
	Verification v;
	v.quote = std::move(*parsed);
	v.unconstrained = !pol.mrtd && !pol.report_data;
	Verifier check(bytes, col, pol, v);

	check.header();
	if (auto r = check.load_anchors(); !r)
		return std::unexpected(r.error());
	bool pck = check.pck_chain();
	if (check.pck_key()) {
		if (auto r = check.qe_report(); !r)
			return std::unexpected(r.error());
	} else {
		pck = false;
	}
	if (auto r = check.quote_signature(); !r)
		return std::unexpected(r.error());
	auto ti = check.signed_collateral("tcb_info", col.tcb_info_issuer_chain, col.tcb_info_json,
					  col.tcb_info_signature, col.tcb_info.issue_date,
					  col.tcb_info.next_update);
	if (!ti)
		return std::unexpected(ti.error());
	auto qi = check.signed_collateral("qe_identity", col.qe_identity_issuer_chain,
					  col.qe_identity_json, col.qe_identity_signature,
					  col.qe_identity.issue_date, col.qe_identity.next_update);
	if (!qi)
		return std::unexpected(qi.error());
	if (pck)
		check.evaluate();
	check.policy();
	check.verdict();
	return v;
}

} // namespace hsm::tdx
