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
using detail::amd_string;
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
		return fail(Status::kOutOfMemory, ENOMEM, "cannot build the ECDSA signature");
	}
	unsigned char *out = nullptr;
	int n = i2d_ECDSA_SIG(sig, &out);
	ECDSA_SIG_free(sig);
	if (n <= 0)
		return fail(Status::kInternal, EIO, "cannot encode the ECDSA signature");
	std::vector<std::uint8_t> der(out, out + n);
	OPENSSL_free(out);
	return der;
}

// Whether the report's ECDSA signature over its first signed_size raw
// bytes verifies under key.
Result<bool> signature_verifies(std::span<const std::uint8_t> bytes, const Report &r, EVP_PKEY *key)
{
	auto der = ecdsa_der(r);
	if (!der)
		return std::unexpected(der.error());
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return fail(Status::kOutOfMemory, ENOMEM, "EVP_MD_CTX_new");
	bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha384(), nullptr, key) == 1 &&
		  EVP_DigestVerify(ctx, der->data(), der->size(), bytes.data(), signed_size) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
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
			return fail(Status::kInternal, EIO, "a compiled-in ARK does not parse");
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

// The trusted root: the chain's ARK if it is one of them, else the one
// that signed the intermediate; nullptr if none.
const Anchor *find_root(const std::vector<Anchor> &trusted, X509 *ark, X509 *inter)
{
	for (const auto &a : trusted) {
		if (!a.cert)
			continue;
		if (ark ? X509_cmp(ark, a.cert.get()) == 0
			: check_signed_by(inter, a.cert.get()).empty())
			return &a;
	}
	return nullptr;
}

// One verification under way: the report as received and as parsed,
// the policy, the chain's certificates once read, and the checks made so
// far.  Each method makes one check, or the checks of one certificate;
// verify() calls them in the order the result lists them.
class Verifier {
public:
	Verifier(std::span<const std::uint8_t> bytes, const Policy &pol, Verification &v)
		: bytes_(bytes), pol_(pol), v_(v), r_(v.report),
		  now_(pol.time.value_or(std::time(nullptr))),
		  vlek_(r_.signing_key == static_cast<std::uint8_t>(SigningKey::kVlek))
	{
	}

	void report_fields();
	[[nodiscard]] bool signing_key(const Chain &chain);
	[[nodiscard]] Result<void> load(const Chain &chain);
	[[nodiscard]] Result<void> trusted_root();
	void root_certificate();
	void intermediate_and_key();
	void product();
	[[nodiscard]] Result<void> report_signature();
	void key_tcb();
	void hwid();
	void guest_policy();
	void min_tcb();
	void expected_fields();
	void signer();
	void platform_info();
	void verdict();

private:
	bool add(std::string name, bool passed, std::string message)
	{
		v_.checks.push_back({std::move(name), passed, std::move(message)});
		return passed;
	}

	void signed_by(std::string name, X509 *child, X509 *parent, std::string what);
	void ca(std::string name, X509 *x, bool want_ca);
	void valid_now(std::string name, X509 *x);
	void exact(const char *name, const char *field, std::span<const std::uint8_t> have,
		   std::span<const std::uint8_t> want);

	// The endorsement key and its intermediate: as check names, as text.
	std::string vek_name() const { return vlek_ ? "vlek" : "vcek"; }
	std::string int_name() const { return vlek_ ? "asvk" : "ask"; }
	const char *vek_title() const { return vlek_ ? "VLEK" : "VCEK"; }
	const char *int_title() const { return vlek_ ? "ASVK" : "ASK"; }
	const std::vector<std::uint8_t> &vek_der(const Chain &c) const { return vlek_ ? c.vlek : c.vcek; }
	const std::vector<std::uint8_t> &int_der(const Chain &c) const { return vlek_ ? c.asvk : c.ask; }

	std::span<const std::uint8_t> bytes_;
	const Policy &pol_;
	Verification &v_;
	Report &r_;
	const std::time_t now_;
	const bool vlek_;
	X509Ptr vek_, inter_, ark_;
	std::vector<Anchor> trusted_;
	X509 *root_ = nullptr;		// the trusted root, else the chain's ARK
};

void Verifier::signed_by(std::string name, X509 *child, X509 *parent, std::string what)
{
	auto e = check_signed_by(child, parent);
	add(std::move(name), e.empty(), e.empty() ? std::move(what) : e);
}

void Verifier::ca(std::string name, X509 *x, bool want_ca)
{
	auto e = ca_constraint(x, want_ca);
	add(std::move(name), e.empty(),
	    !e.empty() ? e : want_ca ? "basicConstraints CA:TRUE" : "not a CA");
}

void Verifier::valid_now(std::string name, X509 *x)
{
	auto e = validity(x, now_);
	add(std::move(name), e.empty(), (e.empty() ? "valid" : e) + " at " + describe_time(now_));
}

// A field the policy pins, compared in constant time.
void Verifier::exact(const char *name, const char *field, std::span<const std::uint8_t> have,
		     std::span<const std::uint8_t> want)
{
	bool ok = have.size() == want.size() &&
		  CRYPTO_memcmp(have.data(), want.data(), have.size()) == 0;
	add(name, ok,
	    std::string(field) + (ok ? " matches " + hex(want)
				     : " is " + hex(have) + ", expected " + hex(want)));
}

// The report on its own: its version, its signature algorithm and its
// must-be-zero bytes.
void Verifier::report_fields()
{
	add("report.version", true, "version " + std::to_string(r_.version));
	const bool ecdsa = r_.signature_algo == 1;
	add("report.signature_algo", ecdsa,
	    "SIGNATURE_ALGO " + std::to_string(r_.signature_algo) +
		    (ecdsa ? " (ECDSA P-384 SHA-384)" : ", expected 1 (ECDSA P-384 SHA-384)"));
	if (r_.nonzero_reserved.empty()) {
		add("report.reserved", true, "every must-be-zero byte is zero");
		return;
	}
	char at[16];
	std::snprintf(at, sizeof(at), "0x%03zx", r_.nonzero_reserved.front());
	add("report.reserved", false,
	    std::to_string(r_.nonzero_reserved.size()) + " must-be-zero byte(s) set, first at " + at);
}

// Which key signed the report, and whether the chain holds that key and
// its intermediate.  False: there is nothing to check the rest against.
bool Verifier::signing_key(const Chain &chain)
{
	if (r_.signing_key != static_cast<std::uint8_t>(SigningKey::kVcek) && !vlek_)
		return add("report.signing_key", false,
			   "SIGNING_KEY " + std::to_string(r_.signing_key) +
				   (r_.signing_key == static_cast<std::uint8_t>(SigningKey::kNone)
					    ? " (none): the report is unsigned"
					    : " is reserved"));
	const bool no_vek = vek_der(chain).empty(), no_int = int_der(chain).empty();
	return add("report.signing_key", !no_vek && !no_int,
		   std::string("signed by the ") + vek_title() +
			   (no_vek   ? ", which the chain lacks"
			    : no_int ? std::string(", but the chain lacks the ") + int_title()
				     : ""));
}

Result<void> Verifier::load(const Chain &chain)
{
	vek_ = detail::x509_from_der(vek_der(chain));
	inter_ = detail::x509_from_der(int_der(chain));
	ark_ = chain.ark.empty() ? nullptr : detail::x509_from_der(chain.ark);
	if (!vek_ || !inter_ || (!chain.ark.empty() && !ark_))
		return fail(Status::kInvalidArgument, EINVAL, "a certificate of the chain does not parse");
	return {};
}

// Whether the chain ends in AMD's ARK or a root the policy trusts; the
// root decides the generation.
Result<void> Verifier::trusted_root()
{
	auto trusted = anchors(pol_);
	if (!trusted)
		return std::unexpected(trusted.error());
	trusted_ = std::move(*trusted);
	const Anchor *root = find_root(trusted_, ark_.get(), inter_.get());
	root_ = root ? root->cert.get() : ark_.get();
	v_.root_name = root_ ? detail::common_name(X509_get_subject_name(root_)) : "";
	if (!root) {
		add("root.trusted", false,
		    ark_ ? "the chain's ARK '" + v_.root_name + "' is neither AMD's nor an explicitly trusted root"
			 : std::string("no trusted root signed the ") + int_title());
		return {};
	}
	v_.simulated_root = root->simulated;
	v_.product = product_from_name(v_.root_name);
	add("root.trusted", true,
	    root->simulated ? "'" + v_.root_name + "' is a SIMULATED root passed explicitly, not AMD's"
			    : "'" + v_.root_name + "' is AMD's compiled-in ARK");
	return {};
}

// The root as a certificate, and its signature on the intermediate.
void Verifier::root_certificate()
{
	if (!root_)
		return;
	signed_by("root.self_signature", root_, root_, "self-signed, RSASSA-PSS SHA-384");
	signed_by(int_name() + ".signed_by_ark", inter_.get(), root_,
		  "RSASSA-PSS SHA-384 by '" + v_.root_name + "'");
	ca("root.ca", root_, true);
	valid_now("root.validity", root_);
}

// The intermediate and the endorsement key as certificates, and the
// intermediate's signature on the key.
void Verifier::intermediate_and_key()
{
	ca(int_name() + ".ca", inter_.get(), true);
	ca(vek_name() + ".not_ca", vek_.get(), false);
	std::string int_cn = detail::common_name(X509_get_subject_name(inter_.get()));
	signed_by(vek_name() + ".signed_by_" + int_name(), vek_.get(), inter_.get(),
		  "RSASSA-PSS SHA-384 by '" + int_cn + "'");
	valid_now(int_name() + ".validity", inter_.get());
	valid_now(vek_name() + ".validity", vek_.get());
}

// The generation: the root's name, else the report's CPUID.  The
// endorsement key's productName ("Milan-B0", "Genoa", ...) must agree.
// A Turin chain's report is read in Turin's TCB layout.
void Verifier::product()
{
	if (v_.product == Product::kUnknown)
		v_.product = r_.product;
	std::string pname = amd_string(vek_.get(), "2");
	Product vek_product = product_from_name(pname);
	if (r_.product != Product::kUnknown && v_.product != r_.product)
		add("report.product", false,
		    std::string("the report's CPUID says ") + to_string(r_.product) +
			    ", the chain is " + to_string(v_.product));
	else if (vek_product != Product::kUnknown && vek_product != v_.product)
		add("report.product", false,
		    std::string("the ") + vek_title() + "'s productName is '" + pname +
			    "', the chain is " + to_string(v_.product));
	else
		add("report.product", true,
		    std::string("product ") + to_string(v_.product) +
			    (pname.empty() ? "" : " (productName '" + pname + "')"));
	if (v_.product == Product::kTurin && r_.tcb_layout != TcbLayout::kTurin)
		detail::set_tcb_layout(r_, TcbLayout::kTurin);
}

// The endorsement key is EC P-384, and the report's signature, over the
// raw bytes, verifies under it.
Result<void> Verifier::report_signature()
{
	EVP_PKEY *key = X509_get0_pubkey(vek_.get());
	char group[64] = "";
	std::size_t glen = 0;
	bool p384 = key && EVP_PKEY_is_a(key, "EC") &&
		    EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &glen) &&
		    std::strcmp(group, "secp384r1") == 0;
	add(vek_name() + ".key", p384,
	    p384 ? "EC P-384" : std::string("not an EC P-384 key (") + (group[0] ? group : "?") + ")");
	if (!p384) {
		add("report.signature", false, "no usable key to check the signature");
		return {};
	}
	auto ok = signature_verifies(bytes_, r_, key);
	if (!ok)
		return std::unexpected(ok.error());
	add("report.signature", *ok,
	    *ok ? std::string("ECDSA P-384 SHA-384 over 0x000-0x29F by the ") + vek_title()
		: "ECDSA signature over 0x000-0x29F does not verify");
	return {};
}

// The endorsement key's TCB extensions equal REPORTED_TCB.
void Verifier::key_tcb()
{
	const Tcb &t = r_.reported_tcb;
	struct Comp {
		const char *name, *oid;
		std::uint8_t want;
	};
	std::vector<Comp> comps = {{"bl", "3.1", t.bootloader},
				   {"tee", "3.2", t.tee},
				   {"snp", "3.3", t.snp},
				   {"ucode", "3.8", t.microcode}};
	if (r_.tcb_layout == TcbLayout::kTurin)
		comps.insert(comps.begin(), {"fmc", "3.9", t.fmc});
	std::string msg;
	bool ok = true;
	for (const auto &c : comps) {
		auto got = amd_spl(vek_.get(), c.oid);
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
	add(vek_name() + ".tcb", ok,
	    (ok ? "certificate TCB equals REPORTED_TCB: " : "certificate TCB differs from REPORTED_TCB: ") + msg);
}

// The VCEK's hwID equals CHIP_ID; a VLEK is bound to no chip.
void Verifier::hwid()
{
	if (vlek_) {
		std::string csp = amd_string(vek_.get(), "5");
		add("vlek.hwid", true, "a VLEK has no hwID" + (csp.empty() ? std::string() : "; CSP " + csp));
		return;
	}
	if (r_.mask_chip_key) {
		// MaskChipKey is the host's SNP_CONFIG: the firmware then signs
		// nothing a VCEK could vouch for, and CHIP_ID ties to no chip.
		add("vcek.hwid", false,
		    "MASK_CHIP_KEY is set: the host masked the chip key, so the report is "
		    "tied to no chip");
		return;
	}
	auto hw = amd_ext(vek_.get(), "4");
	std::size_t want = v_.product == Product::kTurin ? 8 : 64;
	// The raw form is the norm; accept a DER OCTET STRING wrap too.
	if (hw.size() == want + 2 && hw[0] == 0x04 && hw[1] == want)
		hw = hw.subspan(2);
	bool ok = hw.size() == want && std::memcmp(hw.data(), r_.chip_id.data(), want) == 0;
	std::span<const std::uint8_t> chip(r_.chip_id.data(), want);
	add("vcek.hwid", ok,
	    ok ? "hwID equals CHIP_ID " + hex(chip)
	    : hw.empty() ? std::string("the VCEK has no hwID extension")
			 : "hwID " + hex(hw) + " differs from CHIP_ID " + hex(chip));
}

// The guest's POLICY: well formed, and no debug, SMT or migration agent
// the relying party refuses.
void Verifier::guest_policy()
{
	const bool one = r_.policy & policy_bit::reserved_one;
	const bool mbz = r_.policy & policy_bit::mbz_mask;
	add("policy.reserved", one && !mbz,
	    !one ? "POLICY bit 17 must be set"
	    : mbz ? "POLICY bits 63:26 must be zero"
		  : "bit 17 set, bits 63:26 clear");
	add("policy.debug", !r_.debug() || pol_.allow_debug,
	    r_.debug() ? (pol_.allow_debug ? "DEBUG allowed by the guest, permitted by policy"
					   : "DEBUG allowed by the guest: the host can read its memory")
		       : "DEBUG not allowed");
	add("policy.smt", !r_.smt() || pol_.allow_smt,
	    r_.smt() ? (pol_.allow_smt ? "SMT allowed, permitted by policy" : "SMT allowed, refused by policy")
		     : "SMT not allowed");
	add("policy.migrate_ma", !r_.migrate_ma() || pol_.allow_migration_agent,
	    r_.migrate_ma() ? (pol_.allow_migration_agent ? "migration agent allowed, permitted by policy"
							  : "migration agent allowed, refused by policy")
			    : "no migration agent");
}

// REPORTED_TCB meets the policy's floor, component by component.
void Verifier::min_tcb()
{
	if (!pol_.min_tcb)
		return;
	const MinTcb &m = *pol_.min_tcb;
	const Tcb &t = r_.reported_tcb;
	bool turin = r_.tcb_layout == TcbLayout::kTurin;
	bool ok = t.bootloader >= m.bootloader && t.tee >= m.tee && t.snp >= m.snp &&
		  t.microcode >= m.microcode && (!turin || t.fmc >= m.fmc);
	auto pair = [](const char *n, int have, int want) {
		return std::string(n) + " " + std::to_string(have) + ">=" + std::to_string(want);
	};
	std::string msg = (turin ? pair("fmc", t.fmc, m.fmc) + ", " : std::string()) +
			  pair("bl", t.bootloader, m.bootloader) + ", " + pair("tee", t.tee, m.tee) +
			  ", " + pair("snp", t.snp, m.snp) + ", " + pair("ucode", t.microcode, m.microcode);
	add("policy.min_tcb", ok,
	    (ok ? "REPORTED_TCB meets the minimum: " : "REPORTED_TCB below the minimum: ") + msg);
}

// The fields the policy pins: which guest, which code, which data.
void Verifier::expected_fields()
{
	if (pol_.min_guest_svn)
		add("policy.min_guest_svn", r_.guest_svn >= *pol_.min_guest_svn,
		    "GUEST_SVN " + std::to_string(r_.guest_svn) + ", minimum " +
			    std::to_string(*pol_.min_guest_svn));
	if (pol_.measurement)
		exact("policy.measurement", "MEASUREMENT", r_.measurement, *pol_.measurement);
	if (pol_.report_data)
		exact("policy.report_data", "REPORT_DATA", r_.report_data, *pol_.report_data);
	if (pol_.host_data)
		exact("policy.host_data", "HOST_DATA", r_.host_data, *pol_.host_data);
	if (pol_.vmpl)
		add("policy.vmpl", r_.vmpl == *pol_.vmpl,
		    "VMPL " + std::to_string(r_.vmpl) + ", expected " + std::to_string(*pol_.vmpl));
	if (pol_.id_key_digest)
		exact("policy.id_key_digest", "ID_KEY_DIGEST", r_.id_key_digest, *pol_.id_key_digest);
	if (pol_.author_key_digest)
		exact("policy.author_key_digest", "AUTHOR_KEY_DIGEST", r_.author_key_digest,
		      *pol_.author_key_digest);
}

// A VCEK or a VLEK, as the policy allows.
void Verifier::signer()
{
	const bool ok = pol_.allowed_signers & (vlek_ ? signer_vlek : signer_vcek);
	add("policy.signer", ok,
	    vlek_ ? (ok ? "signed by a VLEK (a cloud provider's key, not bound to one chip), permitted by policy"
			: "signed by a VLEK (a cloud provider's key, not bound to one chip): the policy requires a VCEK")
		  : (ok ? "signed by a VCEK (bound to one chip)"
			: "signed by a VCEK: the policy requires a VLEK"));
}

// PLATFORM_INFO has the bits the policy requires and none it forbids.
void Verifier::platform_info()
{
	if (!pol_.platform_info_required && !pol_.platform_info_forbidden)
		return;
	std::uint64_t missing = pol_.platform_info_required & ~r_.platform_info;
	std::uint64_t extra = pol_.platform_info_forbidden & r_.platform_info;
	char buf[160];
	std::snprintf(buf, sizeof(buf),
		      "PLATFORM_INFO 0x%016llx; required bits missing 0x%llx, forbidden bits set 0x%llx",
		      static_cast<unsigned long long>(r_.platform_info),
		      static_cast<unsigned long long>(missing), static_cast<unsigned long long>(extra));
	add("policy.platform_info", !missing && !extra, buf);
}

// The two halves of the verdict: genuine (every check but the policy's)
// and policy_ok.
void Verifier::verdict()
{
	auto is_policy = [](const Check &c) { return c.name.starts_with("policy."); };
	v_.genuine = std::all_of(v_.checks.begin(), v_.checks.end(),
				 [&](const Check &c) { return is_policy(c) || c.passed; });
	v_.policy_ok = std::all_of(v_.checks.begin(), v_.checks.end(),
				   [&](const Check &c) { return !is_policy(c) || c.passed; });
	v_.ok = v_.genuine && v_.policy_ok;
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
	Verifier check(bytes, pol, v);

	check.report_fields();
	if (!check.signing_key(chain))
		return v;	// not genuine: there is no key to check it with
	if (auto r = check.load(chain); !r)
		return std::unexpected(r.error());
	if (auto r = check.trusted_root(); !r)
		return std::unexpected(r.error());
	check.root_certificate();
	check.intermediate_and_key();
	check.product();
	if (auto r = check.report_signature(); !r)
		return std::unexpected(r.error());
	check.key_tcb();
	check.hwid();
	check.guest_policy();
	check.min_tcb();
	check.expected_fields();
	check.signer();
	check.platform_info();
	check.verdict();
	return v;
}

} // namespace hsm::snp
