// SPDX-License-Identifier: MIT
// SEV-SNP report verification with OpenSSL 3: report signature, chain to
// a trusted ARK, endorsement key extensions, validity times and policy.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <hsm/snp.hpp>

#include "util.hpp"

namespace hsm::snp {

const Check *Verification::first_failure() const noexcept
{
	for (const auto &c : checks)
		if (!c.passed)
			return &c;
	return nullptr;
}

namespace {

using detail::amd_ext;
using detail::amd_spl;
using detail::ca_constraint;
using detail::check_signed_by;
using detail::validity;
using detail::X509Ptr;

std::string hex(std::span<const std::uint8_t> b)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	s.reserve(b.size() * 2);
	for (auto c : b) {
		s += digits[c >> 4];
		s += digits[c & 15];
	}
	return s;
}

Product product_from_name(const std::string &s)
{
	if (s.find("Milan") != std::string::npos)
		return Product::kMilan;
	if (s.find("Genoa") != std::string::npos)
		return Product::kGenoa;
	if (s.find("Turin") != std::string::npos)
		return Product::kTurin;
	return Product::kUnknown;
}

class Checker {
public:
	explicit Checker(Verification &v) : v_(v) {}

	bool add(std::string name, bool passed, std::string message)
	{
		v_.checks.push_back({std::move(name), passed, std::move(message)});
		return passed;
	}

private:
	Verification &v_;
};

std::string describe_time(std::time_t t)
{
	struct tm tm {};
	char buf[32];
	gmtime_r(&t, &tm);
	std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

Result<std::vector<std::uint8_t>> ecdsa_der(const Report &r)
{
	std::array<std::uint8_t, 72> rb, sb;
	std::reverse_copy(r.signature_r.begin(), r.signature_r.end(), rb.begin());
	std::reverse_copy(r.signature_s.begin(), r.signature_s.end(), sb.begin());
	BIGNUM *bn_r = BN_bin2bn(rb.data(), rb.size(), nullptr);
	BIGNUM *bn_s = BN_bin2bn(sb.data(), sb.size(), nullptr);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	if (!bn_r || !bn_s || !sig || !ECDSA_SIG_set0(sig, bn_r, bn_s)) {
		BN_free(bn_r);
		BN_free(bn_s);
		ECDSA_SIG_free(sig);
		return fail(Status::OutOfMemory, ENOMEM, "cannot build the ECDSA signature");
	}
	unsigned char *out = nullptr;
	int n = i2d_ECDSA_SIG(sig, &out);
	ECDSA_SIG_free(sig);
	if (n <= 0)
		return fail(Status::Internal, EIO, "cannot encode the ECDSA signature");
	std::vector<std::uint8_t> der(out, out + n);
	OPENSSL_free(out);
	return der;
}

struct Anchor {
	X509Ptr cert;
	bool simulated;
};

Result<std::vector<Anchor>> anchors(const Policy &pol)
{
	std::vector<Anchor> out;
	for (const char *pem : detail::builtin_arks()) {
		BIO *bio = BIO_new_mem_buf(pem, -1);
		X509 *x = bio ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
		BIO_free(bio);
		if (!x)
			return fail(Status::Internal, EIO, "a compiled-in ARK does not parse");
		out.push_back({X509Ptr(x), false});
	}
	for (const auto &bytes : pol.extra_roots) {
		auto certs = load_certs(bytes);
		if (!certs)
			return fail(certs.error().status, certs.error().err,
				    "extra root: " + certs.error().message);
		for (const auto &der : *certs)
			out.push_back({detail::x509_from_der(der), true});
	}
	return out;
}

bool same_cert(X509 *a, X509 *b)
{
	return X509_cmp(a, b) == 0;
}

} // namespace

Result<Verification> verify(std::span<const std::uint8_t> bytes, const Chain &chain,
			    const Policy &pol)
{
	// Errors are values here: leave nothing in OpenSSL's error queue.
	detail::ErrorMark mark;
	auto parsed = parse_report(bytes);
	if (!parsed)
		return std::unexpected(parsed.error());
	Verification v;
	v.report = *parsed;
	v.unconstrained = !pol.measurement && !pol.report_data;
	Report &r = v.report;
	Checker ck(v);
	const std::time_t now = pol.time.value_or(std::time(nullptr));

	// The report on its own.
	ck.add("report.version", true, "version " + std::to_string(r.version));
	ck.add("report.signature_algo", r.signature_algo == 1,
	       "SIGNATURE_ALGO " + std::to_string(r.signature_algo) +
		       (r.signature_algo == 1 ? " (ECDSA P-384 SHA-384)" : ", expected 1 (ECDSA P-384 SHA-384)"));
	if (r.nonzero_reserved.empty()) {
		ck.add("report.reserved", true, "every must-be-zero byte is zero");
	} else {
		char at[16];
		std::snprintf(at, sizeof(at), "0x%03zx", r.nonzero_reserved.front());
		ck.add("report.reserved", false,
		       std::to_string(r.nonzero_reserved.size()) +
			       " must-be-zero byte(s) set, first at " + at);
	}

	const bool vlek = r.signing_key == static_cast<std::uint8_t>(SigningKey::kVlek);
	const char *vek_name = vlek ? "vlek" : "vcek";
	const char *int_name = vlek ? "asvk" : "ask";
	if (r.signing_key != 0 && !vlek) {
		ck.add("report.signing_key", false,
		       "SIGNING_KEY " + std::to_string(r.signing_key) +
			       (r.signing_key == 7 ? " (none): the report is unsigned"
						   : " is reserved"));
		v.ok = false;
		return v;
	}
	const auto &vek_der = vlek ? chain.vlek : chain.vcek;
	const auto &int_der = vlek ? chain.asvk : chain.ask;
	bool have_keys = ck.add("report.signing_key", !vek_der.empty() && !int_der.empty(),
			   std::string("signed by the ") + (vlek ? "VLEK" : "VCEK") +
				   (vek_der.empty() ? ", which the chain lacks"
				    : int_der.empty() ? std::string(", but the chain lacks the ") +
								(vlek ? "ASVK" : "ASK")
						      : ""));
	if (!have_keys) {
		v.ok = false;
		return v;
	}
	X509Ptr vek = detail::x509_from_der(vek_der);
	X509Ptr inter = detail::x509_from_der(int_der);
	X509Ptr ark = chain.ark.empty() ? nullptr : detail::x509_from_der(chain.ark);
	if (!vek || !inter || (!chain.ark.empty() && !ark))
		return fail(Status::InvalidArgument, EINVAL, "a certificate of the chain does not parse");

	// The root: the chain's ARK if it is a trusted one, else the trusted
	// root that signed the intermediate.
	auto trusted = anchors(pol);
	if (!trusted)
		return std::unexpected(trusted.error());
	const Anchor *root = nullptr;
	for (const auto &a : *trusted) {
		if (!a.cert)
			continue;
		if (ark ? same_cert(ark.get(), a.cert.get())
			: check_signed_by(inter.get(), a.cert.get()).empty()) {
			root = &a;
			break;
		}
	}
	X509 *root_x = root ? root->cert.get() : ark.get();
	v.root_name = root_x ? detail::common_name(X509_get_subject_name(root_x)) : "";
	if (root) {
		v.simulated_root = root->simulated;
		v.product = product_from_name(v.root_name);
		ck.add("root.trusted", true,
		       root->simulated ? "'" + v.root_name + "' is a SIMULATED root passed explicitly, not AMD's"
				       : "'" + v.root_name + "' is AMD's compiled-in ARK");
	} else {
		ck.add("root.trusted", false,
		       ark ? "the chain's ARK '" + v.root_name + "' is neither AMD's nor an explicitly trusted root"
			   : std::string("no trusted root signed the ") + (vlek ? "ASVK" : "ASK"));
	}
	if (root_x) {
		auto e = check_signed_by(root_x, root_x);
		ck.add("root.self_signature", e.empty(), e.empty() ? "self-signed, RSASSA-PSS SHA-384" : e);
		auto e2 = check_signed_by(inter.get(), root_x);
		ck.add(std::string(int_name) + ".signed_by_ark", e2.empty(),
		       e2.empty() ? "RSASSA-PSS SHA-384 by '" + v.root_name + "'" : e2);
		auto ca = ca_constraint(root_x, true);
		ck.add("root.ca", ca.empty(), ca.empty() ? "basicConstraints CA:TRUE" : ca);
		auto ve = validity(root_x, now);
		ck.add("root.validity", ve.empty(), ve.empty() ? "valid at " + describe_time(now) : ve + " at " + describe_time(now));
	}
	auto ica = ca_constraint(inter.get(), true);
	ck.add(std::string(int_name) + ".ca", ica.empty(), ica.empty() ? "basicConstraints CA:TRUE" : ica);
	auto vca = ca_constraint(vek.get(), false);
	ck.add(std::string(vek_name) + ".not_ca", vca.empty(), vca.empty() ? "not a CA" : vca);
	std::string int_cn = detail::common_name(X509_get_subject_name(inter.get()));
	auto e3 = check_signed_by(vek.get(), inter.get());
	ck.add(std::string(vek_name) + ".signed_by_" + int_name, e3.empty(),
	       e3.empty() ? "RSASSA-PSS SHA-384 by '" + int_cn + "'" : e3);
	auto ie = validity(inter.get(), now);
	ck.add(std::string(int_name) + ".validity", ie.empty(),
	       (ie.empty() ? "valid" : ie) + " at " + describe_time(now));
	auto vte = validity(vek.get(), now);
	ck.add(std::string(vek_name) + ".validity", vte.empty(),
	       (vte.empty() ? "valid" : vte) + " at " + describe_time(now));

	// The generation: the root's name, else the report's CPUID.  The
	// endorsement key's productName ("Milan-B0", "Genoa", ...) must agree.
	if (v.product == Product::kUnknown)
		v.product = r.product;
	auto pn = amd_ext(vek.get(), "2");
	if (pn.size() >= 2 && pn[0] == 0x16 && pn[1] == pn.size() - 2)
		pn = pn.subspan(2);
	std::string pname(pn.begin(), pn.end());
	Product vek_product = product_from_name(pname);
	if (r.product != Product::kUnknown && v.product != r.product)
		ck.add("report.product", false,
		       std::string("the report's CPUID says ") + to_string(r.product) +
			       ", the chain is " + to_string(v.product));
	else if (vek_product != Product::kUnknown && vek_product != v.product)
		ck.add("report.product", false,
		       "the " + std::string(vlek ? "VLEK" : "VCEK") + "'s productName is '" + pname +
			       "', the chain is " + to_string(v.product));
	else
		ck.add("report.product", true,
		       std::string("product ") + to_string(v.product) +
			       (pname.empty() ? "" : " (productName '" + pname + "')"));
	if (v.product == Product::kTurin && r.tcb_layout != TcbLayout::kTurin) {
		r.tcb_layout = TcbLayout::kTurin;
		r.current_tcb = decode_tcb(r.current_tcb.raw, r.tcb_layout);
		r.reported_tcb = decode_tcb(r.reported_tcb.raw, r.tcb_layout);
		r.committed_tcb = decode_tcb(r.committed_tcb.raw, r.tcb_layout);
		r.launch_tcb = decode_tcb(r.launch_tcb.raw, r.tcb_layout);
	}

	// The report's signature, over the raw bytes.
	EVP_PKEY *key = X509_get0_pubkey(vek.get());
	char group[64] = "";
	std::size_t glen = 0;
	bool p384 = key && EVP_PKEY_is_a(key, "EC") &&
		    EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &glen) &&
		    std::strcmp(group, "secp384r1") == 0;
	ck.add(std::string(vek_name) + ".key", p384,
	       p384 ? "EC P-384" : std::string("not an EC P-384 key (") + (group[0] ? group : "?") + ")");
	if (p384) {
		auto der = ecdsa_der(r);
		if (!der)
			return std::unexpected(der.error());
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		if (!ctx)
			return fail(Status::OutOfMemory, ENOMEM, "EVP_MD_CTX_new");
		int ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha384(), nullptr, key) == 1 &&
			 EVP_DigestVerify(ctx, der->data(), der->size(), bytes.data(), signed_size) == 1;
		EVP_MD_CTX_free(ctx);
		ck.add("report.signature", ok,
		       ok ? std::string("ECDSA P-384 SHA-384 over 0x000-0x29F by the ") + (vlek ? "VLEK" : "VCEK")
			  : "ECDSA signature over 0x000-0x29F does not verify");
	} else {
		ck.add("report.signature", false, "no usable key to check the signature");
	}

	// The endorsement key's TCB extensions against REPORTED_TCB.
	{
		const Tcb &t = r.reported_tcb;
		struct Comp {
			const char *name, *oid;
			std::uint8_t want;
		};
		std::vector<Comp> comps = {{"bl", "3.1", t.bootloader},
					   {"tee", "3.2", t.tee},
					   {"snp", "3.3", t.snp},
					   {"ucode", "3.8", t.microcode}};
		if (r.tcb_layout == TcbLayout::kTurin)
			comps.insert(comps.begin(), {"fmc", "3.9", t.fmc});
		std::string msg;
		bool ok = true;
		for (const auto &c : comps) {
			auto got = amd_spl(vek.get(), c.oid);
			if (!msg.empty())
				msg += ' ';
			msg += std::string(c.name) + "=" + std::to_string(c.want);
			if (!got) {
				ok = false;
				msg += "(certificate: missing)";
			} else if (*got != c.want) {
				ok = false;
				msg += "(certificate: " + std::to_string(*got) + ")";
			}
		}
		ck.add(std::string(vek_name) + ".tcb", ok,
		       (ok ? "certificate TCB equals REPORTED_TCB: " : "certificate TCB differs from REPORTED_TCB: ") + msg);
	}

	// hwID against CHIP_ID (VCEK only).
	if (vlek) {
		auto csp = amd_ext(vek.get(), "5");
		// An IA5String; some encoders leave off the DER tag.
		if (csp.size() >= 2 && csp[0] == 0x16 && csp[1] == csp.size() - 2)
			csp = csp.subspan(2);
		ck.add("vlek.hwid", true,
		       "a VLEK has no hwID" + (csp.empty() ? std::string()
				: "; CSP " + std::string(csp.begin(), csp.end())));
	} else if (r.mask_chip_key) {
		// MaskChipKey is the host's SNP_CONFIG: the firmware then signs
		// nothing a VCEK could vouch for, and CHIP_ID ties to no chip.
		ck.add("vcek.hwid", false,
		       "MASK_CHIP_KEY is set: the host masked the chip key, so the report is "
		       "tied to no chip");
	} else {
		auto hw = amd_ext(vek.get(), "4");
		std::size_t want = v.product == Product::kTurin ? 8 : 64;
		// The raw form is the norm; accept a DER OCTET STRING wrap too.
		if (hw.size() == want + 2 && hw[0] == 0x04 && hw[1] == want)
			hw = hw.subspan(2);
		bool ok = hw.size() == want && std::memcmp(hw.data(), r.chip_id.data(), want) == 0;
		std::span<const std::uint8_t> chip(r.chip_id.data(), want);
		ck.add("vcek.hwid", ok,
		       ok ? "hwID equals CHIP_ID " + hex(chip)
			  : hw.empty() ? std::string("the VCEK has no hwID extension")
			  : "hwID " + hex(hw) + " differs from CHIP_ID " + hex(chip));
	}

	// The policy.
	ck.add("policy.reserved", (r.policy & policy_bit::reserved_one) && !(r.policy & policy_bit::mbz_mask),
	       (r.policy & policy_bit::reserved_one) ? ((r.policy & policy_bit::mbz_mask) ? "POLICY bits 63:26 must be zero" : "bit 17 set, bits 63:26 clear")
						     : "POLICY bit 17 must be set");
	ck.add("policy.debug", !r.debug() || pol.allow_debug,
	       r.debug() ? (pol.allow_debug ? "DEBUG allowed by the guest, permitted by policy"
					    : "DEBUG allowed by the guest: the host can read its memory")
			 : "DEBUG not allowed");
	ck.add("policy.smt", !r.smt() || pol.allow_smt,
	       r.smt() ? (pol.allow_smt ? "SMT allowed, permitted by policy" : "SMT allowed, refused by policy")
		       : "SMT not allowed");
	ck.add("policy.migrate_ma", !r.migrate_ma() || pol.allow_migration_agent,
	       r.migrate_ma() ? (pol.allow_migration_agent ? "migration agent allowed, permitted by policy"
							  : "migration agent allowed, refused by policy")
			      : "no migration agent");
	if (pol.min_tcb) {
		const MinTcb &m = *pol.min_tcb;
		const Tcb &t = r.reported_tcb;
		bool turin = r.tcb_layout == TcbLayout::kTurin;
		bool ok = t.bootloader >= m.bootloader && t.tee >= m.tee && t.snp >= m.snp &&
			  t.microcode >= m.microcode && (!turin || t.fmc >= m.fmc);
		auto pair = [](const char *n, int have, int want) {
			return std::string(n) + " " + std::to_string(have) + ">=" + std::to_string(want);
		};
		std::string msg = (turin ? pair("fmc", t.fmc, m.fmc) + ", " : std::string()) +
				  pair("bl", t.bootloader, m.bootloader) + ", " + pair("tee", t.tee, m.tee) +
				  ", " + pair("snp", t.snp, m.snp) + ", " +
				  pair("ucode", t.microcode, m.microcode);
		ck.add("policy.min_tcb", ok, (ok ? "REPORTED_TCB meets the minimum: " : "REPORTED_TCB below the minimum: ") + msg);
	}
	if (pol.min_guest_svn)
		ck.add("policy.min_guest_svn", r.guest_svn >= *pol.min_guest_svn,
		       "GUEST_SVN " + std::to_string(r.guest_svn) + ", minimum " +
			       std::to_string(*pol.min_guest_svn));
	auto exact = [&ck](const char *name, const char *field, std::span<const std::uint8_t> have,
			   std::span<const std::uint8_t> want) {
		bool ok = have.size() == want.size() &&
			  CRYPTO_memcmp(have.data(), want.data(), have.size()) == 0;
		ck.add(name, ok,
		       std::string(field) + (ok ? " matches " + hex(want)
					      : " is " + hex(have) + ", expected " + hex(want)));
	};
	if (pol.measurement)
		exact("policy.measurement", "MEASUREMENT", r.measurement, *pol.measurement);
	if (pol.report_data)
		exact("policy.report_data", "REPORT_DATA", r.report_data, *pol.report_data);
	if (pol.host_data)
		exact("policy.host_data", "HOST_DATA", r.host_data, *pol.host_data);
	if (pol.vmpl)
		ck.add("policy.vmpl", r.vmpl == *pol.vmpl,
		       "VMPL " + std::to_string(r.vmpl) + ", expected " + std::to_string(*pol.vmpl));
	if (pol.id_key_digest)
		exact("policy.id_key_digest", "ID_KEY_DIGEST", r.id_key_digest, *pol.id_key_digest);
	if (pol.author_key_digest)
		exact("policy.author_key_digest", "AUTHOR_KEY_DIGEST", r.author_key_digest,
		      *pol.author_key_digest);

	const bool signer_ok = pol.allowed_signers & (vlek ? signer_vlek : signer_vcek);
	ck.add("policy.signer", signer_ok,
	       vlek ? (signer_ok ? "signed by a VLEK (a cloud provider's key, not bound to one chip), permitted by policy"
				 : "signed by a VLEK (a cloud provider's key, not bound to one chip): the policy requires a VCEK")
		    : (signer_ok ? "signed by a VCEK (bound to one chip)"
				 : "signed by a VCEK: the policy requires a VLEK"));
	if (pol.platform_info_required || pol.platform_info_forbidden) {
		std::uint64_t missing = pol.platform_info_required & ~r.platform_info;
		std::uint64_t extra = pol.platform_info_forbidden & r.platform_info;
		char buf[160];
		std::snprintf(buf, sizeof(buf),
			      "PLATFORM_INFO 0x%016llx; required bits missing 0x%llx, forbidden bits set 0x%llx",
			      static_cast<unsigned long long>(r.platform_info),
			      static_cast<unsigned long long>(missing), static_cast<unsigned long long>(extra));
		ck.add("policy.platform_info", !missing && !extra, buf);
	}

	auto is_policy = [](const Check &c) { return c.name.starts_with("policy."); };
	v.genuine = std::all_of(v.checks.begin(), v.checks.end(),
				[&](const Check &c) { return is_policy(c) || c.passed; });
	v.policy_ok = std::all_of(v.checks.begin(), v.checks.end(),
				  [&](const Check &c) { return !is_policy(c) || c.passed; });
	v.ok = v.genuine && v.policy_ok;
	return v;
}

} // namespace hsm::snp
