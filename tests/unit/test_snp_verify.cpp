// SPDX-License-Identifier: GPL-2.0 OR MIT
// SEV-SNP report parsing and verification against real AMD reports and
// certificates (tests/data/snp, see its README for where each comes from).
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <criterion/criterion.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <hsm/snp.hpp>

using namespace hsm::snp;

namespace {

std::string data_path(const std::string &name)
{
	const char *dir = std::getenv("HSM_SNP_DATA");
	return std::string(dir ? dir : HSM_SNP_DATA) + "/" + name;
}

std::vector<std::uint8_t> read(const std::string &name)
{
	std::ifstream f(data_path(name), std::ios::binary);
	cr_assert(f.good(), "cannot open %s", data_path(name).c_str());
	return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<std::uint8_t> read_hex(const std::string &name)
{
	auto text = read(name);
	std::vector<std::uint8_t> out;
	int hi = -1;
	for (auto c : text) {
		int v = c >= '0' && c <= '9' ? c - '0'
			: (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
			hi = -1;
		}
	}
	return out;
}

Chain chain_of(std::initializer_list<const char *> files)
{
	Chain c;
	for (const char *f : files) {
		auto r = c.add_file(data_path(f));
		cr_assert(r.has_value(), "%s: %s", f, r ? "" : r.error().message.c_str());
	}
	return c;
}

const Check *find(const Verification &v, const std::string &name)
{
	for (const auto &c : v.checks)
		if (c.name == name)
			return &c;
	return nullptr;
}

std::string failures(const Verification &v)
{
	std::string s;
	for (const auto &c : v.checks)
		if (!c.passed)
			s += c.name + ": " + c.message + "; ";
	return s;
}

// The names of the failed checks, in order, space-separated.
std::string failed(const Verification &v)
{
	std::string s;
	for (const auto &c : v.checks)
		if (!c.passed)
			s += (s.empty() ? "" : " ") + c.name;
	return s;
}

// A refusal, for exactly these reasons: the failed checks are `failing`
// (names, in the verifier's order, space-separated), so a report refused
// for another reason fails the test too.
void expect_only(const Verification &v, const char *failing)
{
	const std::string got = failed(v);	// the macro keeps a pointer into it
	cr_expect(!v.ok, "refused for %s, yet ok", failing);
	cr_expect_str_eq(got.c_str(), failing, "%s", failures(v).c_str());
}

Verification must_verify(std::span<const std::uint8_t> report, const Chain &c, const Policy &p)
{
	auto v = verify(report, c, p);
	cr_assert(v.has_value(), "verify: %s", v ? "" : v.error().message.c_str());
	return *v;
}

void expect_ok(const char *what, std::span<const std::uint8_t> report, const Chain &c,
	       const Policy &p, Product prod)
{
	auto v = must_verify(report, c, p);
	cr_expect(v.ok, "%s: %s", what, failures(v).c_str());
	cr_expect(!v.simulated_root, "%s: AMD root taken as simulated", what);
	cr_expect(v.product == prod, "%s: product %s", what, to_string(v.product));
	cr_expect(v.checks.size() >= 15, "%s: only %zu checks", what, v.checks.size());
	auto sig = find(v, "report.signature");
	cr_expect(sig && sig->passed, "%s: no passing signature check", what);
}

// 2025-06-01T00:00:00Z: the trustee VLEK (expired 2025-12-10) was valid.
constexpr std::time_t vlek_time = 1748736000;

} // namespace

Test(snp_genuine, ms_milan_v3)
{
	expect_ok("ms milan", read("ms_milan_report.bin"),
		  chain_of({"ms_milan_vcek.pem", "ms_milan_ask.pem", "ms_milan_ark.pem"}), {},
		  Product::kMilan);
}

Test(snp_genuine, ms_genoa_v3)
{
	expect_ok("ms genoa", read("ms_genoa_report.bin"),
		  chain_of({"ms_genoa_vcek.pem", "ms_genoa_chain.pem"}), {}, Product::kGenoa);
}

Test(snp_genuine, ms_turin_v5)
{
	expect_ok("ms turin", read("ms_turin_report.bin"),
		  chain_of({"ms_turin_vcek.pem", "ms_turin_ask.pem", "ms_turin_ark.pem"}), {},
		  Product::kTurin);
}

Test(snp_genuine, trustee_milan_v2_id_block)
{
	expect_ok("trustee", read("tr_test-report.bin"),
		  chain_of({"tr_test-vcek.der", "tr_milan_ask_ark_asvk.pem"}), {}, Product::kMilan);
}

Test(snp_genuine, trustee_vlek_v3_before_expiry)
{
	Policy p;
	p.time = vlek_time;
	auto report = read("tr_test-vlek-report.bin");
	auto chain = chain_of({"tr_test-vlek.der", "tr_milan_ask_ark_asvk.pem"});
	expect_ok("vlek", report, chain, p, Product::kMilan);
	auto v = must_verify(report, chain, p);
	cr_expect(find(v, "vlek.signed_by_asvk") && find(v, "vlek.signed_by_asvk")->passed);

	// A year later the VLEK certificate has expired.
	p.time = vlek_time + 365 * 86400;
	expect_only(must_verify(report, chain, p), "vlek.validity");
}

Test(snp_genuine, virtee_milan_v2_hex)
{
	auto report = read_hex("vs_report_milan.hex");
	cr_assert_eq(report.size(), report_size);
	expect_ok("virtee", report, chain_of({"vs_vcek_milan.der", "vs_chain_milan"}), {},
		  Product::kMilan);
}

Test(snp_genuine, gsg_debug_allowed_only_by_policy)
{
	auto report = read("gsg_attestation.bin");
	auto chain = chain_of({"gsg_vcek.der", "gsg_milan_chain.pem"});
	expect_only(must_verify(report, chain, {}), "policy.debug");
	Policy p;
	p.allow_debug = true;
	expect_ok("gsg with debug allowed", report, chain, p, Product::kMilan);
}

Test(snp_genuine, builtin_ark_when_chain_has_none)
{
	expect_ok("no ark", read("ms_milan_report.bin"),
		  chain_of({"ms_milan_vcek.pem", "ms_milan_ask.pem"}), {}, Product::kMilan);
}

Test(snp_negative, invalid_vceks_fail)
{
	auto report = read("tr_test-report.bin");
	for (const char *vcek : {"tr_test-vcek-invalid-legacy.der", "tr_test-vcek-invalid-new.der"}) {
		auto v = must_verify(report, chain_of({vcek, "tr_milan_ask_ark_asvk.pem"}), {});
		expect_only(v, "vcek.signed_by_ask report.signature vcek.tcb vcek.hwid");
		// Both hwID encodings (raw, and wrapped in an OCTET STRING) are
		// read: the mismatch names the synthetic 00 01 02 ... 3f.
		auto hw = find(v, "vcek.hwid");
		cr_expect(hw->message.starts_with("hwID 000102030405"), "%s: %s", vcek,
			  hw->message.c_str());
	}
}

Test(snp_negative, other_reports_vcek_fails)
{
	auto v = must_verify(read("ms_milan_report.bin"),
			     chain_of({"tr_test-vcek.der", "tr_milan_ask_ark_asvk.pem"}), {});
	expect_only(v, "report.signature vcek.tcb vcek.hwid");
}

Test(snp_negative, wrong_generation_chain_fails)
{
	auto v = must_verify(read("ms_milan_report.bin"),
			     chain_of({"ms_milan_vcek.pem", "ms_genoa_chain.pem"}), {});
	expect_only(v, "vcek.signed_by_ask report.product");
}

Test(snp_negative, missing_vcek_fails)
{
	auto v = must_verify(read("ms_milan_report.bin"), chain_of({"ms_milan_chain.pem"}), {});
	expect_only(v, "report.signing_key");
}

Test(snp_negative, untrusted_root_fails)
{
	// The VCEK of a Turin report with its own chain, but an ARK that is
	// not the chain's: AMD's Milan ARK did not sign the Turin ASK, and as
	// the root it makes the chain Milan's, which the report's CPUID and
	// the VCEK's 8-byte hwID are not.
	Chain c = chain_of({"ms_turin_vcek.pem", "ms_turin_ask.pem", "ms_milan_ark.pem"});
	auto v = must_verify(read("ms_turin_report.bin"), c, {});
	expect_only(v, "ask.signed_by_ark report.product vcek.hwid");
}

static void flip_every_signed_byte(const char *report_file,
				   std::initializer_list<const char *> certs)
{
	auto good = read(report_file);
	Chain c = chain_of(certs);
	for (std::size_t i = 0; i < signed_size; i++) {
		auto bad = good;
		bad[i] ^= 0xff;
		auto v = verify(bad, c, {});
		if (!v) {
			// Only the version word can make the report unparseable.
			cr_expect(i < 4, "byte 0x%zx: %s", i, v.error().message.c_str());
			continue;
		}
		cr_expect(!v->ok, "%s: flipping byte 0x%zx still verifies", report_file, i);
		// The signature fails, or the signer field no longer names a
		// key at all.
		auto sig = find(*v, "report.signature");
		auto key = find(*v, "report.signing_key");
		cr_expect(sig ? !sig->passed : key && !key->passed,
			  "%s: byte 0x%zx: signature still verifies", report_file, i);
	}
}

Test(snp_negative, flip_each_signed_byte_turin)
{
	flip_every_signed_byte("ms_turin_report.bin", {"ms_turin_vcek.pem", "ms_turin_chain.pem"});
}

Test(snp_negative, flip_each_signed_byte_milan_v2)
{
	flip_every_signed_byte("tr_test-report.bin", {"tr_test-vcek.der", "tr_milan_ask_ark_asvk.pem"});
}

Test(snp_negative, flip_signature_bytes)
{
	auto good = read("ms_genoa_report.bin");
	Chain c = chain_of({"ms_genoa_vcek.pem", "ms_genoa_chain.pem"});
	for (std::size_t i : {0x2A0u, 0x2C0u, 0x2CFu, 0x2E8u, 0x300u, 0x317u}) {
		auto bad = good;
		bad[i] ^= 0x01;
		const std::string got = failed(must_verify(bad, c, {}));
		cr_expect_str_eq(got.c_str(), "report.signature", "byte 0x%zx", i);
	}
}

// Policy checks, on the trustee v2 report: guest SVN 4, VMPL 0, TCB
// bl3 tee0 snp8 ucode115, ID block present.
struct Fixture {
	std::vector<std::uint8_t> report = read("tr_test-report.bin");
	Chain chain = chain_of({"tr_test-vcek.der", "tr_milan_ask_ark_asvk.pem"});
	Report parsed = *parse_report(report);
};

Test(snp_policy, exact_fields_match)
{
	Fixture f;
	Policy p;
	p.measurement = f.parsed.measurement;
	p.report_data = f.parsed.report_data;
	p.host_data = f.parsed.host_data;
	p.id_key_digest = f.parsed.id_key_digest;
	p.author_key_digest = f.parsed.author_key_digest;
	p.vmpl = 0;
	p.min_guest_svn = 4;
	p.min_tcb = MinTcb{0, 3, 0, 8, 115};
	auto v = must_verify(f.report, f.chain, p);
	cr_expect(v.ok, "%s", failures(v).c_str());
	for (const char *n : {"policy.measurement", "policy.report_data", "policy.host_data",
			      "policy.id_key_digest", "policy.author_key_digest", "policy.vmpl",
			      "policy.min_guest_svn", "policy.min_tcb"})
		cr_expect(find(v, n) && find(v, n)->passed, "%s", n);
}

Test(snp_policy, measurement_mismatch)
{
	Fixture f;
	Policy p;
	p.measurement = f.parsed.measurement;
	(*p.measurement)[47] ^= 1;
	expect_only(must_verify(f.report, f.chain, p), "policy.measurement");
}

Test(snp_policy, report_data_mismatch)
{
	Fixture f;
	Policy p;
	p.report_data = f.parsed.report_data;
	(*p.report_data)[0] ^= 0x80;
	expect_only(must_verify(f.report, f.chain, p), "policy.report_data");
}

Test(snp_policy, host_data_and_digests_mismatch)
{
	Fixture f;
	Policy p;
	p.host_data = std::array<std::uint8_t, 32>{1};
	expect_only(must_verify(f.report, f.chain, p), "policy.host_data");
	Policy q;
	q.id_key_digest = f.parsed.id_key_digest;
	(*q.id_key_digest)[5] ^= 1;
	expect_only(must_verify(f.report, f.chain, q), "policy.id_key_digest");
	Policy r;
	r.author_key_digest = std::array<std::uint8_t, 48>{};
	r.author_key_digest->fill(0xAA);
	expect_only(must_verify(f.report, f.chain, r), "policy.author_key_digest");
}

Test(snp_policy, vmpl_mismatch)
{
	Fixture f;
	Policy p;
	p.vmpl = 1;
	expect_only(must_verify(f.report, f.chain, p), "policy.vmpl");
}

Test(snp_policy, min_tcb_each_component)
{
	Fixture f;
	MinTcb base{0, 3, 0, 8, 115};
	for (int comp = 0; comp < 4; comp++) {
		MinTcb m = base;
		(comp == 0 ? m.bootloader : comp == 1 ? m.tee : comp == 2 ? m.snp : m.microcode)++;
		Policy p;
		p.min_tcb = m;
		expect_only(must_verify(f.report, f.chain, p), "policy.min_tcb");
	}
}

Test(snp_policy, min_tcb_turin_fmc)
{
	auto report = read("ms_turin_report.bin");
	Chain c = chain_of({"ms_turin_vcek.pem", "ms_turin_chain.pem"});
	Policy p;
	p.min_tcb = MinTcb{1, 1, 1, 4, 0x51};
	cr_expect(must_verify(report, c, p).ok);
	p.min_tcb = MinTcb{2, 1, 1, 4, 0x51};
	expect_only(must_verify(report, c, p), "policy.min_tcb");
}

Test(snp_policy, min_guest_svn)
{
	Fixture f;
	Policy p;
	p.min_guest_svn = 5;
	expect_only(must_verify(f.report, f.chain, p), "policy.min_guest_svn");
}

Test(snp_policy, smt_refused_when_not_allowed)
{
	Fixture f;
	Policy p;
	p.allow_smt = false;
	expect_only(must_verify(f.report, f.chain, p), "policy.smt");
}

Test(snp_parse, fields_of_real_reports)
{
	auto t = parse_report(read("ms_turin_report.bin"));
	cr_assert(t.has_value());
	cr_expect_eq(t->version, 5u);
	cr_expect(t->product == Product::kTurin);
	cr_expect(t->tcb_layout == TcbLayout::kTurin);
	cr_expect_eq(t->reported_tcb.raw, 0x5100000004010101ull);
	cr_expect_eq(t->reported_tcb.fmc, 1);
	cr_expect_eq(t->reported_tcb.bootloader, 1);
	cr_expect_eq(t->reported_tcb.tee, 1);
	cr_expect_eq(t->reported_tcb.snp, 4);
	cr_expect_eq(t->reported_tcb.microcode, 0x51);
	cr_expect_eq(t->platform_info, 0x65u);
	cr_expect(t->has_mit_vectors);
	cr_expect_eq(t->cpuid_fam_id, 0x1A);
	cr_expect_eq(t->cpuid_mod_id, 0x02);
	cr_expect(t->nonzero_reserved.empty());

	auto g = parse_report(read("gsg_attestation.bin"));
	cr_assert(g.has_value());
	cr_expect_eq(g->version, 2u);
	cr_expect_eq(g->policy, 0xb0000u);
	cr_expect(g->debug());
	cr_expect(!g->has_cpuid);
	cr_expect(g->tcb_layout == TcbLayout::kLegacy);
	cr_expect_eq(g->reported_tcb.bootloader, 2);
	cr_expect_eq(g->reported_tcb.tee, 0);
	cr_expect_eq(g->reported_tcb.snp, 5);
	cr_expect_eq(g->reported_tcb.microcode, 68);
	for (int i = 0; i < 4; i++)
		cr_expect_eq(g->report_data[i], i + 1);

	auto l = parse_report(read("tr_test-vlek-report.bin"));
	cr_assert(l.has_value());
	cr_expect_eq(l->signing_key, static_cast<std::uint8_t>(SigningKey::kVlek));
	cr_expect_eq(l->vmpl, 1u);
	cr_expect_eq(l->current_tcb.microcode, 220);
	cr_expect_eq(l->reported_tcb.microcode, 217);
	cr_expect_eq(l->committed_tcb.microcode, 219);
	for (auto b : l->report_id_ma)
		cr_expect_eq(b, 0xff);
}

Test(snp_parse, truncated_and_oversized)
{
	auto good = read("ms_milan_report.bin");
	for (std::size_t n : {std::size_t{0}, std::size_t{4}, signed_size, report_size - 1}) {
		auto r = parse_report(std::span(good).first(n));
		cr_assert(!r.has_value(), "%zu bytes parsed", n);
		cr_expect(r.error().status == hsm::Status::kInvalidArgument);
	}
	auto big = good;
	big.push_back(0);
	cr_expect(!parse_report(big).has_value());
	auto v = verify(std::span(good).first(100), Chain{}, {});
	cr_expect(!v.has_value());
}

Test(snp_parse, unknown_versions)
{
	auto good = read("ms_milan_report.bin");
	for (std::uint32_t ver : {0u, 1u, 6u, 0x100u, 0xffffffffu}) {
		auto bad = good;
		for (int i = 0; i < 4; i++)
			bad[i] = static_cast<std::uint8_t>(ver >> (8 * i));
		auto r = parse_report(bad);
		cr_assert(!r.has_value(), "version %u parsed", ver);
		cr_expect(r.error().status == hsm::Status::kUnsupported);
	}
}

Test(snp_parse, reserved_bytes_reported)
{
	auto bad = read("ms_milan_report.bin");
	bad[0x400] = 1;		// outside the signed region
	auto r = parse_report(bad);
	cr_assert(r.has_value());
	cr_assert_eq(r->nonzero_reserved.size(), 1u);
	cr_expect_eq(r->nonzero_reserved[0], 0x400u);
	auto v = must_verify(bad, chain_of({"ms_milan_vcek.pem", "ms_milan_chain.pem"}), {});
	expect_only(v, "report.reserved");
}

// A GHCB certificate table as the module returns it.
static std::vector<std::uint8_t> make_table(
	std::initializer_list<std::pair<const char *, std::vector<std::uint8_t>>> entries)
{
	std::vector<std::uint8_t> t((entries.size() + 1) * 24, 0);
	std::size_t e = 0;
	for (const auto &[guid, der] : entries) {
		std::size_t n = 0;
		for (const char *p = guid; *p; p++) {
			if (*p == '-')
				continue;
			t[e * 24 + n++] = static_cast<std::uint8_t>(std::stoi(std::string(p, 2), nullptr, 16));
			p++;
		}
		std::uint32_t off = static_cast<std::uint32_t>(t.size()), len = static_cast<std::uint32_t>(der.size());
		for (int i = 0; i < 4; i++) {
			t[e * 24 + 16 + i] = static_cast<std::uint8_t>(off >> (8 * i));
			t[e * 24 + 20 + i] = static_cast<std::uint8_t>(len >> (8 * i));
		}
		t.insert(t.end(), der.begin(), der.end());
		e++;
	}
	t.resize((t.size() + 4095) / 4096 * 4096, 0);
	return t;
}

Test(snp_certs, cert_table_round_trip)
{
	Chain files = chain_of({"ms_turin_vcek.pem", "ms_turin_chain.pem"});
	auto table = make_table({{guid_ark, files.ark}, {guid_ask, files.ask}, {guid_vcek, files.vcek}});
	cr_expect_eq(table[0], 0xc0);
	cr_expect_eq(table[1], 0xb4);
	auto c = parse_cert_table(table);
	cr_assert(c.has_value(), "%s", c ? "" : c.error().message.c_str());
	cr_expect(c->ark == files.ark && c->ask == files.ask && c->vcek == files.vcek);
	auto v = must_verify(read("ms_turin_report.bin"), *c, {});
	cr_expect(v.ok, "%s", failures(v).c_str());
}

Test(snp_certs, cert_table_vlek)
{
	Chain files = chain_of({"tr_test-vlek.der", "tr_milan_ask_ark_asvk.pem"});
	auto table = make_table({{guid_ark, files.ark}, {guid_ask, files.asvk}, {guid_vlek, files.vlek}});
	auto c = parse_cert_table(table);
	cr_assert(c.has_value());
	cr_expect(c->asvk == files.asvk && c->ask.empty());
	Policy p;
	p.time = vlek_time;
	auto v = must_verify(read("tr_test-vlek-report.bin"), *c, p);
	cr_expect(v.ok, "%s", failures(v).c_str());
}

Test(snp_certs, cert_table_errors)
{
	Chain files = chain_of({"ms_milan_vcek.pem", "ms_milan_chain.pem"});
	auto table = make_table({{guid_ark, files.ark}, {guid_vcek, files.vcek}});
	// No terminator: the buffer ends inside the entries.
	cr_expect(!parse_cert_table(std::span(table).first(40)).has_value());
	cr_expect(!parse_cert_table({}).has_value());
	// Length past the end of the buffer.
	auto bad = table;
	bad[20 + 3] = 0x7f;
	cr_expect(!parse_cert_table(bad).has_value());
	// Offset past the end.
	bad = table;
	bad[16 + 3] = 0x10;
	cr_expect(!parse_cert_table(bad).has_value());
	// A certificate that is not DER.
	bad = table;
	bad[bad[16] | bad[17] << 8] ^= 0xff;
	cr_expect(!parse_cert_table(bad).has_value());
	// One GUID twice.
	auto twice = make_table({{guid_vcek, files.vcek}, {guid_vcek, files.vcek}});
	cr_expect(!parse_cert_table(twice).has_value());
	// An empty table (just the terminator) is an empty chain.
	std::vector<std::uint8_t> empty(24, 0);
	auto c = parse_cert_table(empty);
	cr_assert(c.has_value());
	cr_expect(c->ark.empty() && c->vcek.empty());
}

Test(snp_certs, load_errors)
{
	Chain c;
	std::vector<std::uint8_t> junk(100, 0x30);
	cr_expect(!c.add(junk).has_value());
	std::string pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
	cr_expect(!c.add(std::span(reinterpret_cast<const std::uint8_t *>(pem.data()), pem.size())).has_value());
	cr_expect(!c.add_file(data_path("does-not-exist.pem")).has_value());
	cr_expect(c.add_file(data_path("ms_milan_chain.pem")).has_value());
	// A different ARK for a filled slot is refused.
	cr_expect(!c.add_file(data_path("ms_genoa_ark.pem")).has_value());
	auto certs = load_certs(read("tr_milan_ask_ark_asvk.pem"));
	cr_assert(certs.has_value());
	cr_expect_eq(certs->size(), 3u);
}

// sim_*: a non-AMD chain (tests/data/snp/mksim.py), standing in for the
// module's simulator.
Test(snp_simulated, refused_unless_trusted)
{
	auto report = read("sim_report.bin");
	auto chain = chain_of({"sim_vcek.pem", "sim_ask.pem", "sim_ark.pem"});
	auto v = must_verify(report, chain, {});
	expect_only(v, "root.trusted");
	cr_expect(!v.simulated_root);

	// Without the ARK in the chain, no compiled-in root signed the ASK.
	expect_only(must_verify(report, chain_of({"sim_vcek.pem", "sim_ask.pem"}), {}),
		    "root.trusted");
}

Test(snp_simulated, verifies_with_explicit_root_and_says_so)
{
	auto report = read("sim_report.bin");
	Policy p;
	p.extra_roots.push_back(read("sim_ark.pem"));
	std::array<std::uint8_t, 64> rd;
	for (std::size_t i = 0; i < rd.size(); i++)
		rd[i] = static_cast<std::uint8_t>(i);
	p.report_data = rd;
	for (auto chain : {chain_of({"sim_vcek.pem", "sim_ask.pem", "sim_ark.pem"}),
			   chain_of({"sim_vcek.pem", "sim_ask.pem"})}) {
		auto v = must_verify(report, chain, p);
		cr_expect(v.ok, "%s", failures(v).c_str());
		cr_expect(v.simulated_root);
		cr_expect(v.product == Product::kGenoa);
		auto t = find(v, "root.trusted");
		cr_expect(t && t->message.find("SIMULATED") != std::string::npos, "%s",
			  t ? t->message.c_str() : "no root.trusted check");
	}

	// The same trust option does not make an AMD report simulated.
	auto a = must_verify(read("ms_genoa_report.bin"),
			     chain_of({"ms_genoa_vcek.pem", "ms_genoa_chain.pem"}), p);
	cr_expect(!a.simulated_root);
	expect_only(a, "policy.report_data");
}

Test(snp_simulated, cert_table_and_der_root)
{
	Chain files = chain_of({"sim_vcek.pem", "sim_ask.pem", "sim_ark.pem"});
	auto table = make_table({{guid_ark, files.ark}, {guid_ask, files.ask}, {guid_vcek, files.vcek}});
	auto c = parse_cert_table(table);
	cr_assert(c.has_value());
	Policy p;
	p.extra_roots.push_back(files.ark);	// DER this time
	auto v = must_verify(read("sim_report.bin"), *c, p);
	cr_expect(v.ok && v.simulated_root, "%s", failures(v).c_str());
	// A garbage extra root is an error, not a silent skip.
	p.extra_roots.push_back(std::vector<std::uint8_t>(10, 0x42));
	cr_expect(!verify(read("sim_report.bin"), *c, p).has_value());
}

Test(snp_negative, product_name_must_match_chain)
{
	// A Milan VCEK (productName "Milan-B0") cannot vouch under a Genoa
	// root, whatever else fails.
	auto v = must_verify(read("ms_genoa_report.bin"),
			     chain_of({"ms_milan_vcek.pem", "ms_genoa_chain.pem"}), {});
	cr_expect(!v.ok);
	auto p = find(v, "report.product");
	cr_expect(p && !p->passed && p->message.find("Milan-B0") != std::string::npos, "%s",
		  p ? p->message.c_str() : "no check");
}

// The verdict's two halves: genuine (signature, chain, key) and policy.
Test(snp_verdict, genuine_and_policy_are_separate)
{
	auto report = read("ms_milan_report.bin");
	Chain c = chain_of({"ms_milan_vcek.pem", "ms_milan_chain.pem"});
	auto v = must_verify(report, c, {});
	cr_expect(v.ok && v.genuine && v.policy_ok, "%s", failures(v).c_str());
	cr_expect(v.unconstrained, "a default policy pins nothing");

	// A genuine report that misses the policy: genuine, not policy_ok.
	auto parsed = *parse_report(report);
	Policy p;
	p.measurement = parsed.measurement;
	(*p.measurement)[0] ^= 1;
	v = must_verify(report, c, p);
	cr_expect(v.genuine && !v.policy_ok && !v.ok && !v.unconstrained);
	expect_only(v, "policy.measurement");

	// The right measurement: constrained and ok.
	p.measurement = parsed.measurement;
	v = must_verify(report, c, p);
	cr_expect(v.ok && v.genuine && v.policy_ok && !v.unconstrained, "%s", failures(v).c_str());
	Policy q;
	q.report_data = parsed.report_data;
	cr_expect(!must_verify(report, c, q).unconstrained, "REPORT_DATA pins it too");

	// A forged signature: not genuine, though the policy holds.
	auto bad = report;
	bad[0x2A0] ^= 1;
	v = must_verify(bad, c, {});
	cr_expect(!v.genuine && v.policy_ok && !v.ok);
	expect_only(v, "report.signature");
}

Test(snp_verdict, vcek_required_refuses_vlek)
{
	auto report = read("tr_test-vlek-report.bin");
	auto chain = chain_of({"tr_test-vlek.der", "tr_milan_ask_ark_asvk.pem"});
	Policy p;
	p.time = vlek_time;
	p.allowed_signers = signer_vcek;
	auto v = must_verify(report, chain, p);
	expect_only(v, "policy.signer");
	cr_expect(v.genuine, "the VLEK report is still genuine");
	cr_expect(find(v, "policy.signer")->message.find("requires a VCEK") != std::string::npos, "%s",
		  find(v, "policy.signer")->message.c_str());

	// A VCEK report passes the same requirement; a VLEK-only policy
	// refuses it.
	Fixture f;
	Policy q;
	q.allowed_signers = signer_vcek;
	cr_expect(must_verify(f.report, f.chain, q).ok);
	q.allowed_signers = signer_vlek;
	expect_only(must_verify(f.report, f.chain, q), "policy.signer");
}

Test(snp_verdict, vmpl_and_min_tcb_on_vlek_report)
{
	// VMPL 1, REPORTED_TCB ucode 217 (parse test above).
	auto report = read("tr_test-vlek-report.bin");
	auto chain = chain_of({"tr_test-vlek.der", "tr_milan_ask_ark_asvk.pem"});
	auto parsed = *parse_report(report);
	Policy p;
	p.time = vlek_time;
	p.vmpl = 0;
	expect_only(must_verify(report, chain, p), "policy.vmpl");
	p.vmpl = 1;
	cr_expect(must_verify(report, chain, p).ok);

	const Tcb &t = parsed.reported_tcb;
	p.min_tcb = MinTcb{0, t.bootloader, t.tee, t.snp, t.microcode};
	auto v = must_verify(report, chain, p);
	cr_expect(v.ok && find(v, "policy.min_tcb")->passed, "%s", failures(v).c_str());
	p.min_tcb->microcode = static_cast<std::uint8_t>(t.microcode + 1);
	v = must_verify(report, chain, p);
	expect_only(v, "policy.min_tcb");
	cr_expect(v.genuine);
}

Test(snp_verdict, platform_info_masks)
{
	// The Turin report's PLATFORM_INFO is 0x65: SMT_EN, ECC_EN, bit 5, bit 6.
	auto report = read("ms_turin_report.bin");
	Chain c = chain_of({"ms_turin_vcek.pem", "ms_turin_chain.pem"});
	Policy p;
	p.platform_info_required = platform_bit::smt_en | platform_bit::ecc_en;
	cr_expect(must_verify(report, c, p).ok);
	p.platform_info_required |= platform_bit::tsme_en;
	expect_only(must_verify(report, c, p), "policy.platform_info");
	Policy q;
	q.platform_info_forbidden = platform_bit::smt_en;
	expect_only(must_verify(report, c, q), "policy.platform_info");
}

// Every real chain signs with the PSS parameters the check now pins, and
// marks its ARK and ASK as CAs and its VCEK/VLEK as not.
Test(snp_chain, real_chains_meet_pss_and_ca_pins)
{
	struct Case {
		const char *report;
		std::vector<const char *> certs;
		std::optional<std::time_t> time;
	};
	const Case cases[] = {
		{"ms_milan_report.bin", {"ms_milan_vcek.pem", "ms_milan_ask.pem", "ms_milan_ark.pem"}, {}},
		{"ms_genoa_report.bin", {"ms_genoa_vcek.pem", "ms_genoa_chain.pem"}, {}},
		{"ms_turin_report.bin", {"ms_turin_vcek.pem", "ms_turin_ask.pem", "ms_turin_ark.pem"}, {}},
		{"tr_test-report.bin", {"tr_test-vcek.der", "tr_milan_ask_ark_asvk.pem"}, {}},
		{"tr_test-vlek-report.bin", {"tr_test-vlek.der", "tr_milan_ask_ark_asvk.pem"}, vlek_time},
		{"gsg_attestation.bin", {"gsg_vcek.der", "gsg_milan_chain.pem"}, {}},
	};
	for (const auto &k : cases) {
		Chain c;
		for (const char *f : k.certs)
			cr_assert(c.add_file(data_path(f)).has_value(), "%s", f);
		Policy p;
		p.time = k.time;
		p.allow_debug = true;
		auto v = must_verify(read(k.report), c, p);
		cr_expect(v.ok, "%s: %s", k.report, failures(v).c_str());
		bool vlek = !c.vlek.empty();
		for (std::string n : {"root.self_signature", "root.ca", vlek ? "asvk.signed_by_ark" : "ask.signed_by_ark",
				      vlek ? "asvk.ca" : "ask.ca", vlek ? "vlek.signed_by_asvk" : "vcek.signed_by_ask",
				      vlek ? "vlek.not_ca" : "vcek.not_ca"})
			cr_expect(find(v, n) && find(v, n)->passed, "%s: %s", k.report, n.c_str());
	}
	auto hex = read_hex("vs_report_milan.hex");
	auto v = must_verify(hex, chain_of({"vs_vcek_milan.der", "vs_chain_milan"}), {});
	cr_expect(v.ok, "virtee: %s", failures(v).c_str());
}

namespace {

// A self-signed RSA-PSS SHA-384 root with MGF1 SHA-384, the given salt,
// and basicConstraints CA as given.
std::vector<std::uint8_t> make_root(int salt, bool ca)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", (size_t)2048);
	cr_assert_not_null(key);
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME *n = X509_NAME_new();
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   reinterpret_cast<const unsigned char *>("ARK-Test"), -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_NAME_free(n);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
	X509_EXTENSION *e = X509V3_EXT_conf(nullptr, &ctx, "basicConstraints",
					    ca ? "critical,CA:true" : "critical,CA:false");
	cr_assert_not_null(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = nullptr;
	cr_assert(EVP_DigestSignInit(m, &pc, EVP_sha384(), nullptr, key) == 1);
	cr_assert(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
		  EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, salt) == 1 &&
		  EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha384()) == 1);
	cr_assert(X509_sign_ctx(x, m) > 0);
	EVP_MD_CTX_free(m);
	unsigned char *der = nullptr;
	int len = i2d_X509(x, &der);
	std::vector<std::uint8_t> out(der, der + len);
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(key);
	return out;
}

// The check `name` of the simulated report under a test root that is
// trusted but did not sign the simulated ASK; `failing` as expect_only's.
const Check *root_check(const std::vector<std::uint8_t> &root, const char *name,
			const char *failing)
{
	static Verification v;
	Chain c = chain_of({"sim_vcek.pem", "sim_ask.pem"});
	c.ark = root;
	Policy p;
	p.extra_roots.push_back(root);
	v = must_verify(read("sim_report.bin"), c, p);
	cr_expect(!v.genuine);
	expect_only(v, failing);
	return find(v, name);
}

} // namespace

Test(snp_chain, other_pss_salt_refused)
{
	auto good = root_check(make_root(48, true), "root.self_signature", "ask.signed_by_ark");
	cr_expect(good && good->passed, "%s", good ? good->message.c_str() : "no check");
	auto bad = root_check(make_root(32, true), "root.self_signature",
			      "root.self_signature ask.signed_by_ark");
	cr_assert(bad);
	cr_expect(!bad->passed);
	cr_expect(bad->message.find("salt 32") != std::string::npos, "%s", bad->message.c_str());
}

Test(snp_chain, root_without_ca_refused)
{
	auto c = root_check(make_root(48, false), "root.ca", "ask.signed_by_ark root.ca");
	cr_assert(c);
	cr_expect(!c->passed);
	cr_expect(c->message.find("CA:FALSE") != std::string::npos, "%s", c->message.c_str());
}

Test(snp_negative, mask_chip_key_refused)
{
	auto report = read("ms_milan_report.bin");
	report[0x48] |= 2;	// SIGNER_INFO.MASK_CHIP_KEY
	auto v = must_verify(report, chain_of({"ms_milan_vcek.pem", "ms_milan_chain.pem"}), {});
	cr_expect(!v.genuine);
	expect_only(v, "report.signature vcek.hwid");
	auto hw = find(v, "vcek.hwid");
	cr_assert(hw);
	cr_expect(!hw->passed && hw->message.find("MASK_CHIP_KEY") != std::string::npos, "%s",
		  hw->message.c_str());
}

Test(snp_certs, parsers_leave_no_openssl_errors)
{
	ERR_clear_error();
	Chain c;
	std::vector<std::uint8_t> junk(100, 0x30);
	cr_expect(!c.add(junk).has_value());
	cr_expect_eq(ERR_peek_error(), 0ul, "Chain::add left an error queued");
	// A VCEK entry that is not DER.
	auto t2 = make_table({{guid_vcek, junk}});
	cr_expect(!parse_cert_table(t2).has_value());
	cr_expect_eq(ERR_peek_error(), 0ul, "parse_cert_table left an error queued");
	cr_expect(!load_certs(junk).has_value());
	cr_expect_eq(ERR_peek_error(), 0ul, "load_certs left an error queued");

	// The caller's own error is left where it was.
	ERR_raise(ERR_LIB_USER, 42);
	unsigned long mine = ERR_peek_last_error();
	cr_expect(!c.add(junk).has_value());
	(void)verify(read("ms_milan_report.bin"), chain_of({"ms_milan_vcek.pem", "ms_milan_chain.pem"}), {});
	cr_expect_eq(ERR_peek_last_error(), mine);
	ERR_clear_error();
}
